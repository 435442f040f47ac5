package sweep

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/cluster"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
)

// clusterLookup is an EKS index being built in the background while providers are
// swept, so EKS calls add no time to the sweep.
type clusterLookup struct {
	done   chan struct{}
	result clusterIndex
}

func (l *clusterLookup) wait() clusterIndex {
	<-l.done
	return l.result
}

// clusterIndex is the finished EKS index.
type clusterIndex struct {
	byIssuer      map[string]cluster.Cluster
	failedRegions map[string]string
	scanned       map[string]bool
	notes         []string
}

// startClusterIndex starts listing clusters in every region named by an EKS issuer
// ARN, plus the extra regions. Regions are read from the ARNs, so no provider needs to
// be read first.
func (s *Sweeper) startClusterIndex(ctx context.Context, arns []string) *clusterLookup {
	l := &clusterLookup{done: make(chan struct{})}
	regions := s.clusterRegions(arns)
	if s.Clusters == nil || len(regions) == 0 {
		close(l.done)
		return l
	}

	go func() {
		defer close(l.done)
		byIssuer, failures := s.Clusters.Index(ctx, regions)
		l.result = clusterIndex{
			byIssuer:      byIssuer,
			failedRegions: map[string]string{},
			scanned:       map[string]bool{},
		}
		for _, region := range regions {
			l.result.scanned[region] = true
		}
		for _, f := range failures {
			l.result.failedRegions[f.Region] = f.Err.Error()
			l.result.notes = append(l.result.notes, fmt.Sprintf("EKS clusters in %s could not be listed: %v", f.Region, f.Err))
		}
	}()
	return l
}

func (s *Sweeper) clusterRegions(arns []string) []string {
	seen := map[string]bool{}
	for _, arn := range arns {
		if region, _, ok := cluster.ParseIssuer(urlOf(arn)); ok {
			seen[region] = true
		}
	}
	for _, region := range s.Options.ExtraRegions {
		seen[region] = true
	}
	regions := make([]string, 0, len(seen))
	for region := range seen {
		regions = append(regions, region)
	}
	slices.Sort(regions)
	return regions
}

// attach names each EKS provider's cluster, flags providers whose cluster is gone,
// and returns the clusters that have no provider. A region that could not be listed
// gives its providers a finding instead of an orphan verdict.
func (idx clusterIndex) attach(providers []report.Provider, arns []string) []report.Cluster {
	if idx.byIssuer == nil && len(idx.failedRegions) == 0 {
		return nil
	}

	known := map[string]bool{}
	for _, arn := range arns {
		known[issuerKey(urlOf(arn))] = true
	}

	for i := range providers {
		p := &providers[i]
		region, _, ok := cluster.ParseIssuer(p.URL)
		if !ok {
			continue
		}
		if msg, failed := idx.failedRegions[region]; failed {
			p.Findings = append(p.Findings, finding.Finding{
				Code:    finding.EKSLookupFailed,
				Message: fmt.Sprintf("the owning EKS cluster could not be looked up in %s: %s", region, msg),
			})
			continue
		}
		if c, found := idx.byIssuer[issuerKey(p.URL)]; found {
			p.Cluster = &report.Cluster{Name: c.Name, Region: c.Region, ARN: c.ARN, Issuer: c.Issuer}
			continue
		}
		p.Findings = append(p.Findings, finding.Finding{
			Code:    finding.OrphanedProvider,
			Message: fmt.Sprintf("no EKS cluster in %s has this issuer; the cluster was probably deleted. Delete the provider if nothing else uses it (the sweep never deletes anything)", region),
		})
	}

	var unmanaged []report.Cluster
	for issuer, c := range idx.byIssuer {
		if !known[issuer] {
			unmanaged = append(unmanaged, report.Cluster{Name: c.Name, Region: c.Region, ARN: c.ARN, Issuer: c.Issuer})
		}
	}
	slices.SortFunc(unmanaged, func(a, b report.Cluster) int {
		return strings.Compare(a.Region+"/"+a.Name, b.Region+"/"+b.Name)
	})
	return unmanaged
}

// issuerKey is the form cluster.Finder uses for its map keys.
func issuerKey(url string) string {
	return cluster.NormalizeIssuer(url)
}
