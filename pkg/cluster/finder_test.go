package cluster

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/smithy-go"
)

var _ API = (*eks.Client)(nil)

// fakeEKS is a hand-written API for one region whose methods call the function fields
// and record the requested cluster names.
type fakeEKS struct {
	list     func(in *eks.ListClustersInput) (*eks.ListClustersOutput, error)
	describe func(name string) (*eks.DescribeClusterOutput, error)

	mu        sync.Mutex
	described []string
}

func (f *fakeEKS) ListClusters(ctx context.Context, in *eks.ListClustersInput, optFns ...func(*eks.Options)) (*eks.ListClustersOutput, error) {
	return f.list(in)
}

func (f *fakeEKS) DescribeCluster(ctx context.Context, in *eks.DescribeClusterInput, optFns ...func(*eks.Options)) (*eks.DescribeClusterOutput, error) {
	f.mu.Lock()
	f.described = append(f.described, aws.ToString(in.Name))
	f.mu.Unlock()
	return f.describe(aws.ToString(in.Name))
}

func describeOutput(name, issuer string) *eks.DescribeClusterOutput {
	c := &types.Cluster{Name: aws.String(name), Arn: aws.String("arn:aws:eks:us-east-1:123456789012:cluster/" + name)}
	if issuer != "" {
		c.Identity = &types.Identity{Oidc: &types.OIDC{Issuer: aws.String(issuer)}}
	}
	return &eks.DescribeClusterOutput{Cluster: c}
}

func TestIndexWithFake(t *testing.T) {
	issuer := "https://oidc.eks.us-east-1.amazonaws.com/id/" + testID
	fake := &fakeEKS{
		list: func(in *eks.ListClustersInput) (*eks.ListClustersOutput, error) {
			if aws.ToString(in.NextToken) == "" {
				return &eks.ListClustersOutput{Clusters: []string{"prod", "no-oidc"}, NextToken: aws.String("t2")}, nil
			}
			return &eks.ListClustersOutput{Clusters: []string{"deleted"}}, nil
		},
		describe: func(name string) (*eks.DescribeClusterOutput, error) {
			switch name {
			case "prod":
				return describeOutput(name, issuer), nil
			case "no-oidc":
				return describeOutput(name, ""), nil
			}
			return nil, &types.ResourceNotFoundException{Message: aws.String("No cluster found for name: " + name)}
		},
	}
	f := &Finder{Client: func(string) API { return fake }}

	index, regionErrors := f.Index(context.Background(), []string{"us-east-1", "us-east-1"})

	if len(regionErrors) != 0 {
		t.Errorf("Index() region errors = %v, want none", regionErrors)
	}
	want := map[string]Cluster{
		"oidc.eks.us-east-1.amazonaws.com/id/" + testID: {
			Name: "prod", Region: "us-east-1", ARN: "arn:aws:eks:us-east-1:123456789012:cluster/prod", Issuer: issuer,
		},
	}
	if len(index) != len(want) {
		t.Errorf("Index() = %v, want %v", index, want)
	}
	for key, c := range want {
		if index[key] != c {
			t.Errorf("Index()[%q] = %+v, want %+v", key, index[key], c)
		}
	}
	if !slices.Equal(fake.described, []string{"prod", "no-oidc", "deleted"}) {
		t.Errorf("described = %q, want each listed cluster once", fake.described)
	}
}

func TestIndexRegionErrorsWithFake(t *testing.T) {
	issuer := "https://oidc.eks.eu-west-1.amazonaws.com/id/" + testID
	clients := map[string]API{
		"eu-west-1": &fakeEKS{
			list: func(*eks.ListClustersInput) (*eks.ListClustersOutput, error) {
				return &eks.ListClustersOutput{Clusters: []string{"ok", "broken"}}, nil
			},
			describe: func(name string) (*eks.DescribeClusterOutput, error) {
				if name == "ok" {
					return describeOutput(name, issuer), nil
				}
				return nil, &smithy.GenericAPIError{Code: "ServerException", Message: "internal error"}
			},
		},
		"ap-east-1": &fakeEKS{
			list: func(*eks.ListClustersInput) (*eks.ListClustersOutput, error) {
				return nil, &smithy.GenericAPIError{Code: "UnrecognizedClientException", Message: "The security token included in the request is invalid"}
			},
		},
	}
	f := &Finder{Client: func(region string) API { return clients[region] }}

	index, regionErrors := f.Index(context.Background(), []string{"eu-west-1", "ap-east-1"})

	if len(regionErrors) != 2 {
		t.Fatalf("Index() region errors = %v, want 2", regionErrors)
	}
	wantCodes := []struct{ region, code string }{{"ap-east-1", "UnrecognizedClientException"}, {"eu-west-1", "ServerException"}}
	for i, want := range wantCodes {
		got := regionErrors[i]
		var apiErr smithy.APIError
		if got.Region != want.region || !errors.As(got, &apiErr) || apiErr.ErrorCode() != want.code {
			t.Errorf("regionErrors[%d] = %v, want %s with code %s", i, got, want.region, want.code)
		}
	}
	if _, ok := index["oidc.eks.eu-west-1.amazonaws.com/id/"+testID]; !ok {
		t.Errorf("Index() = %v, want the cluster described before the failure", index)
	}
}
