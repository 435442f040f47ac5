package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/smithy-go"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/cluster"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/awsdouble"
)

func TestIndexAgainstDouble(t *testing.T) {
	s := awsdouble.StartForTest(t, awsdouble.Options{MaxClustersPerPage: 2})
	want := map[string]cluster.Cluster{}
	for i := range 5 {
		issuer := fmt.Sprintf("https://oidc.eks.us-east-1.amazonaws.com/id/%032X", i)
		c := s.AddCluster("us-east-1", fmt.Sprintf("cluster-%d", i), issuer)
		want[fmt.Sprintf("oidc.eks.us-east-1.amazonaws.com/id/%032X", i)] = cluster.Cluster{
			Name: c.Name, Region: "us-east-1", ARN: c.ARN, Issuer: issuer,
		}
	}
	china := s.AddCluster("cn-north-1", "cn", "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC")
	want["oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC"] = cluster.Cluster{
		Name: "cn", Region: "cn-north-1", ARN: china.ARN, Issuer: china.Issuer,
	}
	s.AddCluster("eu-west-1", "secret", "https://oidc.eks.eu-west-1.amazonaws.com/id/DEF")
	s.DenyRegion("eu-west-1", awsdouble.Fault{Code: "AccessDeniedException",
		Message: "User is not authorized to perform: eks:ListClusters"})
	f := &cluster.Finder{Client: func(region string) cluster.API {
		return eks.NewFromConfig(s.Config(region))
	}}

	index, regionErrors := f.Index(context.Background(), []string{"us-east-1", "eu-west-1", "cn-north-1"})

	if len(index) != len(want) {
		t.Errorf("Index() has %d clusters, want %d", len(index), len(want))
	}
	for key, c := range want {
		if index[key] != c {
			t.Errorf("Index()[%q] = %+v, want %+v", key, index[key], c)
		}
	}
	if n := s.Calls("eks", "ListClusters"); n != 3+1+1 {
		t.Errorf("ListClusters calls = %d, want 5 (three pages in us-east-1, one each elsewhere)", n)
	}

	if len(regionErrors) != 1 {
		t.Fatalf("Index() region errors = %v, want one for eu-west-1", regionErrors)
	}
	var apiErr smithy.APIError
	if regionErrors[0].Region != "eu-west-1" || !errors.As(regionErrors[0], &apiErr) || apiErr.ErrorCode() != "AccessDeniedException" {
		t.Errorf("regionErrors[0] = %v, want eu-west-1 with AccessDeniedException", regionErrors[0])
	}
}

func TestIndexClusterDeletedDuringListing(t *testing.T) {
	s := awsdouble.StartForTest(t, awsdouble.Options{})
	s.AddCluster("us-west-2", "kept", "https://oidc.eks.us-west-2.amazonaws.com/id/AAA")
	s.AddCluster("us-west-2", "leaving", "https://oidc.eks.us-west-2.amazonaws.com/id/BBB")
	s.Before("eks", "DescribeCluster", func(c awsdouble.Call) *awsdouble.Fault {
		if c.Name == "leaving" {
			s.DeleteCluster("us-west-2", "leaving")
		}
		return nil
	})
	f := &cluster.Finder{Client: func(region string) cluster.API {
		return eks.NewFromConfig(s.Config(region))
	}}

	index, regionErrors := f.Index(context.Background(), []string{"us-west-2"})

	if len(regionErrors) != 0 {
		t.Errorf("Index() region errors = %v, want none", regionErrors)
	}
	if _, ok := index["oidc.eks.us-west-2.amazonaws.com/id/AAA"]; !ok || len(index) != 1 {
		t.Errorf("Index() = %v, want only the kept cluster", index)
	}
}
