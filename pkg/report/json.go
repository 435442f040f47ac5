package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
)

// document is the JSON shape of a sweep report, described by docs/report.schema.json.
type document struct {
	Report
	Counts          Counts `json:"counts"`
	HighestSeverity string `json:"highestSeverity"`
}

// checkDocument is the JSON shape of one check, described by docs/check.schema.json.
type checkDocument struct {
	SchemaVersion string `json:"schemaVersion"`
	Provider
}

// JSON renders r as the versioned machine document: the report's fields plus counts
// and highestSeverity at the top level. Lists are never null, so consumers can
// iterate without checks.
func JSON(r Report) ([]byte, error) {
	doc := document{
		Report:          normaliseReport(r),
		Counts:          Count(r),
		HighestSeverity: SeverityLabel(Highest(r)),
	}
	b, err := marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("report: encoding sweep report: %w", err)
	}
	return b, nil
}

// CheckJSON renders the outcome of one check: verdict, severity, reason, the
// observed hosts and chains, the proposed list and the findings.
func CheckJSON(p Provider) ([]byte, error) {
	doc := checkDocument{SchemaVersion: SchemaVersion, Provider: normaliseProvider(p)}
	b, err := marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("report: encoding check of %s: %w", p.URL, err)
	}
	return b, nil
}

// marshal encodes v without escaping <, > and &, which are valid in JSON strings and
// would only make URLs and reasons harder to read.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func normaliseReport(r Report) Report {
	if r.SchemaVersion == "" {
		r.SchemaVersion = SchemaVersion
	}
	providers := make([]Provider, len(r.Providers))
	for i, p := range r.Providers {
		providers[i] = normaliseProvider(p)
	}
	r.Providers = providers
	r.NotReached = nonNil(r.NotReached)
	r.UnmanagedClusters = nonNil(r.UnmanagedClusters)
	r.Notes = nonNil(r.Notes)
	return r
}

func normaliseProvider(p Provider) Provider {
	p.Before = nonNil(p.Before)
	p.Proposed = nonNil(p.Proposed)
	p.Findings = nonNil(p.Findings)
	hosts := make([]chain.Host, len(p.Hosts))
	for i, h := range p.Hosts {
		h.Addresses = nonNil(h.Addresses)
		chains := make([]chain.Chain, len(h.Chains))
		for j, c := range h.Chains {
			c.Certificates = nonNil(c.Certificates)
			c.Addresses = nonNil(c.Addresses)
			c.TLSVersions = nonNil(c.TLSVersions)
			chains[j] = c
		}
		h.Chains = chains
		hosts[i] = h
	}
	p.Hosts = hosts
	return p
}

// nonNil returns s, or an empty slice when s is nil, so that JSON has [] not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return slices.Clip(s)
}
