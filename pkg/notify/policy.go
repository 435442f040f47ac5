package notify

import (
	"fmt"
	"strings"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
)

// Policy decides which sweeps are worth a message.
type Policy string

const (
	// Always sends every sweep, including quiet ones.
	Always Policy = "always"
	// ChangesAndProblems is the default. It sends when a list was updated or would be
	// updated, or when a provider has a severity or was refused or unreachable. It
	// also sends when a healthy provider has a fault finding or an expiry warning, and
	// when providers were not reached before the deadline.
	ChangesAndProblems Policy = "changes-and-problems"
	// Problems sends only when something is still wrong or unknown after the sweep:
	// a mismatch, a refused change, an unreachable provider, a dry-run change with a
	// severity, a fault finding or expiry warning, or providers not reached before the
	// deadline.
	Problems Policy = "problems"
)

// ParsePolicy returns the policy named s. An empty s means ChangesAndProblems.
func ParsePolicy(s string) (Policy, error) {
	switch p := Policy(strings.TrimSpace(s)); p {
	case "":
		return ChangesAndProblems, nil
	case Always, ChangesAndProblems, Problems:
		return p, nil
	}
	return "", fmt.Errorf("notify: invalid notification policy %q: use %s, %s or %s",
		s, Always, ChangesAndProblems, Problems)
}

// decide reports whether r should be sent under p, and why.
func (p Policy) decide(r report.Report) (bool, string) {
	if p == "" {
		p = ChangesAndProblems
	}
	c := report.Count(r)
	problems := problemCount(r)

	switch p {
	case Always:
		return true, "policy always sends every sweep"
	case Problems:
		if problems > 0 {
			return true, fmt.Sprintf("policy problems: %d providers still wrong or unknown", problems)
		}
		return false, "policy problems: nothing is wrong or unknown after the sweep"
	}

	// A severity only comes with a mismatch, refused, updated or would-update
	// verdict, so changes and problems cover every provider with one.
	if problems+c.Changes() > 0 {
		return true, fmt.Sprintf("policy changes-and-problems: %d changes, %d providers still wrong or unknown", c.Changes(), problems)
	}
	return false, "policy changes-and-problems: no changes and no problems"
}

// problemCount counts the providers whose list is still wrong or unknown after the
// sweep, the providers not reached, and the healthy or updated providers that carry a
// fault finding or an expiry warning. A list can match a chain that no longer
// verifies, and a certificate about to expire is worth a message before it breaks
// anything.
func problemCount(r report.Report) int {
	c := report.Count(r)
	n := c.Mismatch + c.Refused + c.Unreachable + c.NotReached
	for _, p := range r.Providers {
		switch {
		case p.Verdict == verdict.WouldUpdate && p.Severity != "":
			n++
		case (p.Verdict == verdict.OK || p.Verdict == verdict.Updated) && needsAttention(p.Findings):
			n++
		}
	}
	return n
}

func needsAttention(findings []finding.Finding) bool {
	for _, f := range findings {
		if f.Code.Fault() || f.Code == finding.ExpiringSoon {
			return true
		}
	}
	return false
}
