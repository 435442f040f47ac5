package report

import (
	"cmp"
	"slices"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
)

// Shorten returns a copy of r without its n least important entries, for channels
// with a size limit. Entries go in this order: providers by importance (healthy,
// skipped, healthy with findings, advisory, unreachable, critical), later providers
// before earlier ones of the same importance, then not-reached ARNs, EKS clusters
// without a provider and notes, each from the end. The result records what was left
// out and where the complete report is (fullReport), and Count on it returns the
// counts of the complete sweep. Shorten is deterministic and leaves r unchanged.
func Shorten(r Report, n int, fullReport string) Report {
	if n <= 0 {
		return r
	}

	omitted := Omission{Totals: Count(r), FullReport: fullReport}
	if r.Omitted != nil {
		omitted = *r.Omitted
		omitted.FullReport = fullReport
	}

	dropped := min(n, len(r.Providers))
	keep := make([]bool, len(r.Providers))
	for _, i := range dropOrder(r.Providers)[dropped:] {
		keep[i] = true
	}
	var providers []Provider
	for i, p := range r.Providers {
		if keep[i] {
			providers = append(providers, p)
		}
	}
	omitted.Providers += dropped
	n -= dropped

	notReached, cut := dropTail(r.NotReached, n)
	omitted.NotReached += cut
	n -= cut

	clusters, cut := dropTail(r.UnmanagedClusters, n)
	omitted.UnmanagedClusters += cut
	n -= cut

	notes, cut := dropTail(r.Notes, n)
	omitted.Notes += cut

	r.Providers = providers
	r.NotReached = notReached
	r.UnmanagedClusters = clusters
	r.Notes = notes
	r.Omitted = &omitted
	return r
}

// Entries returns how many entries Shorten can leave out of r.
func Entries(r Report) int {
	return len(r.Providers) + len(r.NotReached) + len(r.UnmanagedClusters) + len(r.Notes)
}

// dropOrder returns the indexes of providers, least important first.
func dropOrder(providers []Provider) []int {
	order := make([]int, len(providers))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(importance(providers[a]), importance(providers[b])); c != 0 {
			return c
		}
		return cmp.Compare(b, a)
	})
	return order
}

// importance ranks a provider for Shorten; lower ranks are left out first.
func importance(p Provider) int {
	switch {
	case severityOf(p) == verdict.Critical:
		return 5
	case p.Verdict == verdict.Unreachable:
		return 4
	case p.Verdict == verdict.OK && len(p.Findings) > 0:
		return 2
	case p.Verdict == verdict.Skipped:
		return 1
	case p.Verdict == verdict.OK:
		return 0
	}
	return 3
}

// dropTail returns s without its last n elements (at most all of them) and how many
// it removed. The result is a copy, so later appends cannot reach s.
func dropTail[T any](s []T, n int) ([]T, int) {
	cut := min(max(n, 0), len(s))
	if s == nil {
		return nil, 0
	}
	return slices.Clone(s[:len(s)-cut]), cut
}
