package report

import (
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
)

// SchemaVersion is the version of the JSON document. It changes only when a field is
// removed or changes meaning; added fields keep the version.
const SchemaVersion = "1"

// Report is the outcome of one sweep.
type Report struct {
	SchemaVersion string     `json:"schemaVersion"`
	AccountID     string     `json:"accountId"`
	StartedAt     time.Time  `json:"startedAt"`
	FinishedAt    time.Time  `json:"finishedAt"`
	DryRun        bool       `json:"dryRun"`
	Providers     []Provider `json:"providers"`
	// NotReached lists the ARNs of providers the sweep did not start before the
	// Lambda deadline.
	NotReached []string `json:"notReached"`
	// UnmanagedClusters lists EKS clusters in the scanned regions whose issuer has no
	// IAM OIDC provider, so their pods cannot assume roles through IRSA.
	UnmanagedClusters []Cluster `json:"unmanagedClusters"`
	// Notes holds sweep-level problems that did not stop the sweep, such as an EKS
	// region that could not be listed.
	Notes []string `json:"notes"`
	// Omitted is set by Shorten when entries were left out to fit a size limit; it is
	// nil for a complete report.
	Omitted *Omission `json:"omitted,omitempty"`
}

// Omission records what Shorten left out of a report. Totals keeps the counts of the
// complete sweep, so Count still reports every provider.
type Omission struct {
	Providers         int `json:"providers"`
	NotReached        int `json:"notReached"`
	UnmanagedClusters int `json:"unmanagedClusters"`
	Notes             int `json:"notes"`
	// FullReport names where the complete report is, for example a log group.
	FullReport string `json:"fullReport,omitempty"`
	Totals     Counts `json:"-"`
}

// Provider is the outcome for one IAM OIDC provider.
type Provider struct {
	ARN      string           `json:"arn"`
	URL      string           `json:"url"`
	Verdict  verdict.Kind     `json:"verdict"`
	Severity verdict.Severity `json:"severity,omitempty"`
	Reason   string           `json:"reason"`
	// Before is the list as IAM stored it when the sweep read it.
	Before []string `json:"before"`
	// Proposed is the complete list written (Updated), or that would be written
	// (WouldUpdate, Refused); empty otherwise.
	Proposed []string          `json:"proposed"`
	Findings []finding.Finding `json:"findings"`
	Hosts    []chain.Host      `json:"hosts"`
	Cluster  *Cluster          `json:"cluster,omitempty"`
	// Duration is how long the provider took, from discovery to the write.
	Duration time.Duration `json:"-"`
}

// Cluster names an EKS cluster.
type Cluster struct {
	Name   string `json:"name"`
	Region string `json:"region"`
	ARN    string `json:"arn,omitempty"`
	Issuer string `json:"issuer,omitempty"`
}
