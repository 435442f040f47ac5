package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/smithy-go"
)

// API is the part of the EKS client that Finder uses. *eks.Client satisfies it.
type API interface {
	ListClusters(ctx context.Context, in *eks.ListClustersInput, optFns ...func(*eks.Options)) (*eks.ListClustersOutput, error)
	DescribeCluster(ctx context.Context, in *eks.DescribeClusterInput, optFns ...func(*eks.Options)) (*eks.DescribeClusterOutput, error)
}

// Cluster is an EKS cluster with an OIDC issuer.
type Cluster struct {
	Name   string
	Region string
	ARN    string
	// Issuer is identity.oidc.issuer as DescribeCluster returned it, with "https://".
	Issuer string
}

// RegionError is a region whose clusters could not all be listed or described. The
// index holds the clusters of that region found before the failure, so it is
// incomplete there.
type RegionError struct {
	Region string
	Err    error
}

func (e RegionError) Error() string {
	return fmt.Sprintf("indexing EKS clusters in %s: %v", e.Region, e.Err)
}

func (e RegionError) Unwrap() error { return e.Err }

// Finder finds the EKS clusters that own OIDC issuers.
type Finder struct {
	// Client returns the EKS client for a region, such as an *eks.Client created
	// with that region.
	Client func(region string) API
}

// Index lists and describes the clusters in each region, concurrently across regions,
// and maps each cluster's normalised issuer URL (see NormalizeIssuer) to it. Clusters
// without an OIDC issuer are left out, as is a cluster deleted between listing and
// describing it.
//
// A region that fails yields a RegionError, sorted by region, instead of failing the
// whole index. Any error counts, including AccessDeniedException and the
// UnrecognizedClientException of a region not enabled in the account.
func (f *Finder) Index(ctx context.Context, regions []string) (map[string]Cluster, []RegionError) {
	regions = slices.Clone(regions)
	slices.Sort(regions)
	regions = slices.Compact(regions)

	type result struct {
		clusters []Cluster
		err      error
	}
	results := make([]result, len(regions))
	var wg sync.WaitGroup
	for i, region := range regions {
		wg.Go(func() {
			clusters, err := f.indexRegion(ctx, region)
			results[i] = result{clusters: clusters, err: err}
		})
	}
	wg.Wait()

	index := map[string]Cluster{}
	var regionErrors []RegionError
	for i, r := range results {
		for _, c := range r.clusters {
			index[NormalizeIssuer(c.Issuer)] = c
		}
		if r.err != nil {
			regionErrors = append(regionErrors, RegionError{Region: regions[i], Err: r.err})
		}
	}
	return index, regionErrors
}

// indexRegion returns the clusters with an issuer in region. On error it also returns
// the clusters it found before the failure.
func (f *Finder) indexRegion(ctx context.Context, region string) ([]Cluster, error) {
	client := f.Client(region)
	var clusters []Cluster

	paginator := eks.NewListClustersPaginator(client, &eks.ListClustersInput{})
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(ctx)
		if err != nil {
			return clusters, fmt.Errorf("listing clusters: %w", err)
		}

		for _, name := range page.Clusters {
			c, found, err := describe(ctx, client, region, name)
			if err != nil {
				return clusters, err
			}
			if found && c.Issuer != "" {
				clusters = append(clusters, c)
			}
		}
	}
	return clusters, nil
}

// describe returns one cluster. found is false when the cluster no longer exists.
func describe(ctx context.Context, client API, region, name string) (c Cluster, found bool, err error) {
	out, err := client.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "ResourceNotFoundException" {
		return Cluster{}, false, nil
	}
	if err != nil {
		return Cluster{}, false, fmt.Errorf("describing cluster %s: %w", name, err)
	}
	if out.Cluster == nil {
		return Cluster{}, false, nil
	}

	c = Cluster{
		Name:   aws.ToString(out.Cluster.Name),
		Region: region,
		ARN:    aws.ToString(out.Cluster.Arn),
	}
	if c.Name == "" {
		c.Name = name
	}
	if out.Cluster.Identity != nil && out.Cluster.Identity.Oidc != nil {
		c.Issuer = aws.ToString(out.Cluster.Identity.Oidc.Issuer)
	}
	return c, true, nil
}
