package sweep

import (
	"context"
	"testing"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/provider"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
)

func TestRunReportsProviderDuration(t *testing.T) {
	const probeDelay = 20 * time.Millisecond
	w := newWorld(t)
	current := w.issuer("timed.example")
	w.prober.delay = probeDelay
	fakes := newFakeProviders(provider.Provider{ARN: arnFor("timed.example"), URL: "timed.example", Thumbprints: []string{current}})

	var progressed []report.Provider
	opts := Options{Progress: func(p report.Provider) { progressed = append(progressed, p) }}
	if _, err := w.sweeper(fakes, opts).Run(context.Background()); err != nil {
		t.Fatalf("Run() error = %v", err)
	}

	if len(progressed) != 1 {
		t.Fatalf("Progress called %d times, want 1", len(progressed))
	}
	// The probe alone waits probeDelay, so the provider cannot have taken less.
	if got := progressed[0].Duration; got < probeDelay {
		t.Errorf("Progress Duration = %v, want at least the probe delay %v", got, probeDelay)
	}
}
