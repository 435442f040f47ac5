package report

import "github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"

// Counts summarises a sweep: providers by verdict and by severity.
type Counts struct {
	Providers   int `json:"providers"`
	OK          int `json:"ok"`
	Mismatch    int `json:"mismatch"`
	Updated     int `json:"updated"`
	WouldUpdate int `json:"wouldUpdate"`
	Unreachable int `json:"unreachable"`
	Refused     int `json:"refused"`
	Skipped     int `json:"skipped"`
	// NotReached counts providers the sweep did not start before the deadline. They
	// are not part of Providers.
	NotReached int `json:"notReached"`
	// Critical and Advisory count providers with a mismatch, refused, updated or
	// would-update verdict by severity, so a critical list that the sweep repaired
	// still counts as critical.
	Critical int `json:"critical"`
	Advisory int `json:"advisory"`
	// CriticalUnresolved counts the critical providers whose list is still wrong
	// after the sweep: mismatch, refused and would-update (dry run).
	CriticalUnresolved int `json:"criticalUnresolved"`
	// UnmanagedClusters counts EKS clusters without an IAM OIDC provider.
	UnmanagedClusters int `json:"unmanagedClusters"`

	// criticalBy splits CriticalUnresolved by verdict, so that the headline can
	// count each provider once.
	criticalBy struct{ mismatch, refused, wouldUpdate int }
}

// Count returns the counts of r. For a report that Shorten cut down, it returns the
// counts of the complete sweep.
func Count(r Report) Counts {
	if r.Omitted != nil {
		return r.Omitted.Totals
	}

	c := Counts{
		Providers:         len(r.Providers),
		NotReached:        len(r.NotReached),
		UnmanagedClusters: len(r.UnmanagedClusters),
	}
	for _, p := range r.Providers {
		switch p.Verdict {
		case verdict.OK:
			c.OK++
		case verdict.Mismatch:
			c.Mismatch++
		case verdict.Updated:
			c.Updated++
		case verdict.WouldUpdate:
			c.WouldUpdate++
		case verdict.Unreachable:
			c.Unreachable++
		case verdict.Refused:
			c.Refused++
		case verdict.Skipped:
			c.Skipped++
		}

		switch severityOf(p) {
		case verdict.Critical:
			c.Critical++
			c.countUnresolved(p.Verdict)
		case verdict.Advisory:
			c.Advisory++
		}
	}
	return c
}

func (c *Counts) countUnresolved(k verdict.Kind) {
	switch k {
	case verdict.Mismatch:
		c.criticalBy.mismatch++
	case verdict.Refused:
		c.criticalBy.refused++
	case verdict.WouldUpdate:
		c.criticalBy.wouldUpdate++
	default:
		return
	}
	c.CriticalUnresolved++
}

// Changes returns how many providers were updated or would be updated.
func (c Counts) Changes() int {
	return c.Updated + c.WouldUpdate
}

// Highest returns the highest severity in r, or "" when no provider has one.
func Highest(r Report) verdict.Severity {
	c := Count(r)
	switch {
	case c.Critical > 0:
		return verdict.Critical
	case c.Advisory > 0:
		return verdict.Advisory
	}
	return ""
}

// SeverityLabel returns s as the JSON document and SNS message attributes spell it:
// "critical", "advisory" or "none".
func SeverityLabel(s verdict.Severity) string {
	if s == "" {
		return "none"
	}
	return string(s)
}

// severityOf returns the severity that counts for p. A severity on another verdict
// (ok, unreachable, skipped) does not describe a wrong list, so it is ignored.
func severityOf(p Provider) verdict.Severity {
	switch p.Verdict {
	case verdict.Mismatch, verdict.Refused, verdict.Updated, verdict.WouldUpdate:
		return p.Severity
	}
	return ""
}
