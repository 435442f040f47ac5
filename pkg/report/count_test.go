package report

import (
	"testing"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
)

func TestCount(t *testing.T) {
	got := Count(sampleReport())

	want := Counts{
		Providers:          9,
		OK:                 3,
		Mismatch:           2,
		Updated:            1,
		Unreachable:        1,
		Refused:            1,
		Skipped:            1,
		NotReached:         1,
		Critical:           1,
		Advisory:           2,
		CriticalUnresolved: 1,
		UnmanagedClusters:  1,
	}
	want.criticalBy.mismatch = 1
	if got != want {
		t.Errorf("Count() = %+v, want %+v", got, want)
	}
}

func TestCountSeverityByVerdict(t *testing.T) {
	tests := []struct {
		name           string
		provider       Provider
		critical       int
		advisory       int
		unresolved     int
		wantChanges    int
		wantHighestSev verdict.Severity
	}{
		{"critical mismatch", Provider{Verdict: verdict.Mismatch, Severity: verdict.Critical}, 1, 0, 1, 0, verdict.Critical},
		{"critical refused", Provider{Verdict: verdict.Refused, Severity: verdict.Critical}, 1, 0, 1, 0, verdict.Critical},
		{"critical updated", Provider{Verdict: verdict.Updated, Severity: verdict.Critical}, 1, 0, 0, 1, verdict.Critical},
		{"critical would-update", Provider{Verdict: verdict.WouldUpdate, Severity: verdict.Critical}, 1, 0, 1, 1, verdict.Critical},
		{"advisory mismatch", Provider{Verdict: verdict.Mismatch, Severity: verdict.Advisory}, 0, 1, 0, 0, verdict.Advisory},
		{"severity on unreachable ignored", Provider{Verdict: verdict.Unreachable, Severity: verdict.Critical}, 0, 0, 0, 0, ""},
		{"healthy", Provider{Verdict: verdict.OK}, 0, 0, 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Report{Providers: []Provider{tt.provider}}
			c := Count(r)
			if c.Critical != tt.critical {
				t.Errorf("Count().Critical = %d, want %d", c.Critical, tt.critical)
			}
			if c.Advisory != tt.advisory {
				t.Errorf("Count().Advisory = %d, want %d", c.Advisory, tt.advisory)
			}
			if c.CriticalUnresolved != tt.unresolved {
				t.Errorf("Count().CriticalUnresolved = %d, want %d", c.CriticalUnresolved, tt.unresolved)
			}
			if c.Changes() != tt.wantChanges {
				t.Errorf("Count().Changes() = %d, want %d", c.Changes(), tt.wantChanges)
			}
			if got := Highest(r); got != tt.wantHighestSev {
				t.Errorf("Highest() = %q, want %q", got, tt.wantHighestSev)
			}
		})
	}
}

func TestSeverityLabel(t *testing.T) {
	tests := []struct {
		in   verdict.Severity
		want string
	}{
		{verdict.Critical, "critical"},
		{verdict.Advisory, "advisory"},
		{"", "none"},
	}
	for _, tt := range tests {
		if got := SeverityLabel(tt.in); got != tt.want {
			t.Errorf("SeverityLabel(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
