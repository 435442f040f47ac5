package cli

import (
	"testing"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
)

func TestHealthy(t *testing.T) {
	tests := []struct {
		name string
		p    report.Provider
		want bool
	}{
		{"ok without findings", report.Provider{Verdict: verdict.OK}, true},
		{"ok with a warning", report.Provider{Verdict: verdict.OK, Findings: []finding.Finding{{Code: finding.StaleEntry}}}, true},
		{"ok with an unverified chain", report.Provider{Verdict: verdict.OK, Findings: []finding.Finding{{Code: finding.ChainUnverified}}}, false},
		{"ok with keys unavailable", report.Provider{Verdict: verdict.OK, Findings: []finding.Finding{{Code: finding.JWKSUnavailable}}}, false},
		{"ok with a proposal", report.Provider{Verdict: verdict.OK, Proposed: []string{"a"}}, false},
		{"updated", report.Provider{Verdict: verdict.Updated}, false},
		{"unreachable", report.Provider{Verdict: verdict.Unreachable}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := healthy(tt.p); got != tt.want {
				t.Errorf("healthy() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSweepStatus(t *testing.T) {
	ok := report.Provider{Verdict: verdict.OK}
	skipped := report.Provider{Verdict: verdict.Skipped}
	unverified := report.Provider{Verdict: verdict.OK, Findings: []finding.Finding{{Code: finding.ChainUnverified}}}

	tests := []struct {
		name string
		rep  report.Report
		want int
	}{
		{"healthy and skipped", report.Report{Providers: []report.Provider{ok, skipped}}, ExitOK},
		{"a fault finding", report.Report{Providers: []report.Provider{ok, unverified}}, ExitProblem},
		{"providers not reached", report.Report{Providers: []report.Provider{ok}, NotReached: []string{"arn"}}, ExitProblem},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sweepStatus(tt.rep); got != tt.want {
				t.Errorf("sweepStatus() = %d, want %d", got, tt.want)
			}
		})
	}
}
