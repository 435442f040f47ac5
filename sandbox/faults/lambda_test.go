package faults

import (
	"testing"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/issuerfarm"
)

// withEvent seeds the healthy and a stale provider and invokes the function with
// payload.
func withEvent(payload string) func(*testing.T, *world) {
	return func(t *testing.T, w *world) {
		w.seedHealthy()
		w.seedStale(rotatedName)
		w.event = payload
	}
}

func lambdaFaults() []fault {
	return []fault{
		{
			name: "deadline arrives mid-sweep",
			side: "Lambda",
			expect: "the running provider ends unreachable, no provider starts after the deadline margin, " +
				"the rest are listed as not reached and the summary is still published",
			inject: func(t *testing.T, w *world) {
				// One provider at a time, ordered by ARN: the slow issuer goes first
				// and outlasts the point where new providers stop starting (deadline
				// minus the margin, 1s after the start), because it cannot fail
				// before its 2s request timeout.
				w.cfg.Concurrency = 1
				w.cfg.DeadlineMargin = 3 * time.Second
				w.deadline = 4 * time.Second

				slow := w.publicIssuer("a-slow.example.test", func(opts *issuerfarm.Options) {
					opts.Faults = issuerfarm.Faults{ResponseDelay: time.Minute}
				})
				w.seedFaulty(slow.URL(), []string{w.publicTP()})
				w.notReached = append(w.notReached, w.seedHealthy())
				late := w.publicIssuer("z-late.example.test", nil)
				w.notReached = append(w.notReached, w.addProvider(late.URL(), []string{stale}, nil))
			},
			want: want{verdict: verdict.Unreachable, codes: []finding.Code{finding.DiscoveryFailed}},
		},
		{
			name:   "event is not JSON",
			side:   "Lambda",
			expect: "invocation error before anything runs, so a bad event never sweeps",
			inject: withEvent(`dry-run please`),
			want:   want{invalidEvent: true},
		},
		{
			name:   "event field has the wrong type",
			side:   "Lambda",
			expect: "invocation error before anything runs",
			inject: withEvent(`{"dryRun": "yes"}`),
			want:   want{invalidEvent: true},
		},
		{
			name:   "event has an unknown field",
			side:   "Lambda",
			expect: "invocation error: a misspelt dryRun never turns into a real sweep",
			inject: withEvent(`{"dryrun": true}`),
			want:   want{invalidEvent: true},
		},
		{
			name:   "scheduled event detail is not an object",
			side:   "Lambda",
			expect: "invocation error before anything runs",
			inject: withEvent(`{"version":"0","source":"aws.events","detail-type":"Scheduled Event","detail":[1,2]}`),
			want:   want{invalidEvent: true},
		},
	}
}
