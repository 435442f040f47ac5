package awsdouble_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/oidc-thumbprint-remediator/remediator/sandbox/awsdouble"
)

func TestListClustersPaginates(t *testing.T) {
	s := awsdouble.StartForTest(t, awsdouble.Options{})
	var want []string
	for i := range 5 {
		name := fmt.Sprintf("cluster-%d", i)
		s.AddCluster("eu-west-1", name, "")
		want = append(want, name)
	}
	s.AddCluster("us-east-1", "elsewhere", "")
	client := eks.NewFromConfig(s.Config("eu-west-1"))

	var got []string
	pages := 0
	paginator := eks.NewListClustersPaginator(client, &eks.ListClustersInput{MaxResults: aws.Int32(2)})
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(context.Background())
		if err != nil {
			t.Fatalf("NextPage() error = %v", err)
		}
		pages++
		got = append(got, page.Clusters...)
	}

	if !slices.Equal(got, want) {
		t.Errorf("clusters = %q, want %q", got, want)
	}
	if pages != 3 {
		t.Errorf("pages = %d, want 3", pages)
	}
	if n := s.Calls("eks", "ListClusters"); n != 3 {
		t.Errorf("Calls() = %d, want 3", n)
	}
}

func TestListClustersServerPageSize(t *testing.T) {
	s := awsdouble.StartForTest(t, awsdouble.Options{MaxClustersPerPage: 1})
	s.AddCluster("us-west-2", "a", "")
	s.AddCluster("us-west-2", "b", "")
	client := eks.NewFromConfig(s.Config("us-west-2"))

	out, err := client.ListClusters(context.Background(), &eks.ListClustersInput{})
	if err != nil {
		t.Fatalf("ListClusters() error = %v", err)
	}
	if !slices.Equal(out.Clusters, []string{"a"}) || aws.ToString(out.NextToken) == "" {
		t.Errorf("ListClusters() = %q, next token %q; want [a] and a next token", out.Clusters, aws.ToString(out.NextToken))
	}
}

func TestDescribeCluster(t *testing.T) {
	s := awsdouble.StartForTest(t, awsdouble.Options{})
	issuer := "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/0123456789ABCDEF0123456789ABCDEF"
	added := s.AddCluster("cn-north-1", "prod", issuer)
	client := eks.NewFromConfig(s.Config("cn-north-1"))

	out, err := client.DescribeCluster(context.Background(), &eks.DescribeClusterInput{Name: aws.String("prod")})
	if err != nil {
		t.Fatalf("DescribeCluster() error = %v", err)
	}

	if got := aws.ToString(out.Cluster.Name); got != "prod" {
		t.Errorf("Name = %q, want prod", got)
	}
	if got, want := aws.ToString(out.Cluster.Arn), "arn:aws-cn:eks:cn-north-1:123456789012:cluster/prod"; got != want || added.ARN != want {
		t.Errorf("Arn = %q (AddCluster: %q), want %q", got, added.ARN, want)
	}
	if out.Cluster.Identity == nil || out.Cluster.Identity.Oidc == nil {
		t.Fatal("Identity.Oidc = nil, want the issuer")
	}
	if got := aws.ToString(out.Cluster.Identity.Oidc.Issuer); got != issuer {
		t.Errorf("Issuer = %q, want %q", got, issuer)
	}
}

func TestDescribeClusterErrors(t *testing.T) {
	s := awsdouble.StartForTest(t, awsdouble.Options{})
	s.AddCluster("us-east-1", "prod", "")
	s.AddCluster("ap-east-1", "hk", "")
	s.DenyRegion("ap-east-1", awsdouble.Fault{Code: "UnrecognizedClientException", Message: "The security token included in the request is invalid"})
	s.FailNext("eks", "DescribeCluster", 1, awsdouble.Fault{Code: "AccessDeniedException"})

	tests := []struct {
		name       string
		region     string
		cluster    string
		wantCode   string
		wantStatus int
	}{
		{"access denied once", "us-east-1", "prod", "AccessDeniedException", http.StatusForbidden},
		{"unknown cluster", "us-east-1", "gone", "ResourceNotFoundException", http.StatusNotFound},
		{"cluster in another region", "eu-west-1", "prod", "ResourceNotFoundException", http.StatusNotFound},
		{"region not enabled", "ap-east-1", "hk", "UnrecognizedClientException", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := eks.NewFromConfig(s.Config(tt.region))

			_, err := client.DescribeCluster(context.Background(), &eks.DescribeClusterInput{Name: aws.String(tt.cluster)})
			if err == nil {
				t.Fatal("DescribeCluster() error = nil, want an API error")
			}
			code, status := apiError(t, err)
			if code != tt.wantCode || status != tt.wantStatus {
				t.Errorf("error = %s (HTTP %d), want %s (HTTP %d)", code, status, tt.wantCode, tt.wantStatus)
			}
			if tt.wantCode == "ResourceNotFoundException" {
				var notFound *types.ResourceNotFoundException
				if !errors.As(err, &notFound) {
					t.Errorf("error %v is not a *types.ResourceNotFoundException", err)
				}
			}
		})
	}

	client := eks.NewFromConfig(s.Config("us-east-1"))
	if _, err := client.DescribeCluster(context.Background(), &eks.DescribeClusterInput{Name: aws.String("prod")}); err != nil {
		t.Errorf("DescribeCluster() after the injected fault: error = %v", err)
	}
}
