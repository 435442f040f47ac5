package faults

import (
	"testing"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/provider"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/awsdouble"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/issuerfarm"
)

const (
	getAction    = "GetOpenIDConnectProvider"
	updateAction = "UpdateOpenIDConnectProviderThumbprint"
	rotatedName  = "rotated.example.test"
)

// updated is the outcome of a provider whose stale list was repaired.
var updated = want{verdict: verdict.Updated, severity: verdict.Advisory, codes: []finding.Code{finding.StaleEntry}, written: true}

// writeFailed is the outcome of a repair that IAM rejected: the mismatch stays, with
// the error as a finding.
func writeFailed(detail string) want {
	return want{verdict: verdict.Mismatch, severity: verdict.Advisory, codes: []finding.Code{finding.StaleEntry, finding.WriteFailed}, detail: detail}
}

// staleWith seeds the healthy provider and a stale provider, then runs fault with the
// stale provider's ARN.
func staleWith(fault func(w *world, arn string)) func(*testing.T, *world) {
	return func(t *testing.T, w *world) {
		w.seedHealthy()
		arn := w.seedStale(rotatedName)
		fault(w, arn)
	}
}

// failAction makes the first n calls of an IAM action for the stale provider fail.
func failAction(action string, n int, f awsdouble.Fault) func(*testing.T, *world) {
	return staleWith(func(w *world, arn string) { w.failCalls(action, arn, n, f) })
}

// deleteBefore deletes the stale provider from the AWS double when the sweep calls an
// IAM action for it, as another actor deleting it mid-sweep would.
func deleteBefore(action string) func(*testing.T, *world) {
	return staleWith(func(w *world, arn string) {
		w.deleted[arn] = true
		w.aws.Before("iam", action, func(c awsdouble.Call) *awsdouble.Fault {
			if c.Params.Get("OpenIDConnectProviderArn") == arn {
				w.aws.DeleteProvider(arn)
			}
			return nil
		})
	})
}

// wantCalls returns a check that the named IAM action was called n times for the
// faulty provider.
func wantCalls(action string, n int) func(*testing.T, *world, outcome) {
	return func(t *testing.T, w *world, _ outcome) {
		t.Helper()
		got := w.getCalls(w.faulty)
		if action == updateAction {
			got = w.updateCalls(w.faulty)
		}
		if got != n {
			t.Errorf("%s calls for the faulty provider = %d, want %d", action, got, n)
		}
	}
}

func awsFaults() []fault {
	throttling := awsdouble.Fault{Code: "Throttling", Message: "Rate exceeded"}
	serviceFailure := awsdouble.Fault{Code: "ServiceFailure"}
	concurrent := awsdouble.Fault{Code: "ConcurrentModification"}

	return []fault{
		{
			name:   "Throttling burst on read, then success",
			side:   "AWS",
			expect: "the SDK retries; the provider is repaired",
			inject: failAction(getAction, 2, throttling),
			want:   updated,
			// Two throttled reads and the successful one, then the re-read before
			// the write.
			extra: wantCalls(getAction, 4),
		},
		{
			name:   "Throttling burst on update, then success",
			side:   "AWS",
			expect: "the SDK retries; the provider is repaired",
			inject: failAction(updateAction, 2, throttling),
			want:   updated,
			extra:  wantCalls(updateAction, 3),
		},
		{
			name:   "5xx burst on update, then success",
			side:   "AWS",
			expect: "the SDK retries; the provider is repaired",
			inject: failAction(updateAction, 2, serviceFailure),
			want:   updated,
			extra:  wantCalls(updateAction, 3),
		},
		{
			name:   "5xx on every read",
			side:   "AWS",
			expect: "unreachable after the SDK's retries; the other providers are swept",
			inject: failAction(getAction, -1, serviceFailure),
			want:   want{verdict: verdict.Unreachable, detail: "reading the provider from IAM failed"},
			extra:  wantCalls(getAction, 3),
		},
		{
			name:   "provider deleted between list and get",
			side:   "AWS",
			expect: "skipped: the provider is gone, nothing to repair",
			inject: deleteBefore(getAction),
			want:   want{verdict: verdict.Skipped, detail: "deleted after the sweep listed it"},
		},
		{
			name:   "provider deleted between get and update",
			side:   "AWS",
			expect: "skipped: NoSuchEntity on the update writes nothing and fails nothing",
			inject: deleteBefore(updateAction),
			// The findings describe the list as the sweep read it.
			want: want{verdict: verdict.Skipped, codes: []finding.Code{finding.StaleEntry}, detail: "deleted before the update"},
		},
		{
			name:   "ConcurrentModification once on update",
			side:   "AWS",
			expect: "re-read and retried; the provider is repaired",
			inject: failAction(updateAction, 1, concurrent),
			want:   updated,
			extra:  wantCalls(updateAction, 2),
		},
		{
			name:   "ConcurrentModification on every update",
			side:   "AWS",
			expect: "mismatch stays, write-failed after the bounded retries; list untouched",
			inject: failAction(updateAction, -1, concurrent),
			want:   writeFailed("gave up after 3 attempts"),
			extra:  wantCalls(updateAction, provider.DefaultMaxAttempts),
		},
		{
			name:   "InvalidInput on update",
			side:   "AWS",
			expect: "mismatch stays, write-failed with IAM's message; list untouched",
			inject: failAction(updateAction, 1, awsdouble.Fault{Code: "InvalidInput", Message: "Thumbprint list rejected"}),
			want:   writeFailed("InvalidInput"),
			extra:  wantCalls(updateAction, 1),
		},
		{
			name:   "AccessDenied on update",
			side:   "AWS",
			expect: "mismatch stays, write-failed naming the denied call; list untouched",
			inject: failAction(updateAction, -1, awsdouble.Fault{Code: "AccessDenied", Message: "not authorized to perform iam:UpdateOpenIDConnectProviderThumbprint"}),
			want:   writeFailed("AccessDenied"),
			extra:  wantCalls(updateAction, 1),
		},
		{
			name:   "SNS publish fails",
			side:   "AWS",
			expect: "the sweep's writes stand; the result carries the publish error and the invocation succeeds, so Lambda does not rerun it",
			inject: staleWith(func(w *world, _ string) {
				w.aws.FailNext("sns", "Publish", 1, awsdouble.Fault{Code: "AuthorizationError", Message: "not authorized to publish"})
			}),
			want: want{verdict: verdict.Updated, severity: verdict.Advisory, codes: []finding.Code{finding.StaleEntry}, written: true, publishError: "AuthorizationError"},
		},
		{
			name:   "SNS topic missing",
			side:   "AWS",
			expect: "the sweep's writes stand; the result carries the publish error",
			inject: staleWith(func(w *world, _ string) {
				w.cfg.TopicARN = "arn:aws:sns:eu-west-1:" + awsdouble.DefaultAccountID + ":deleted-topic"
			}),
			want: want{verdict: verdict.Updated, severity: verdict.Advisory, codes: []finding.Code{finding.StaleEntry}, written: true, publishError: "NotFound"},
		},
		{
			name:   "EKS access denied",
			side:   "AWS",
			expect: "verdicts unchanged; the EKS provider gets eks-lookup-failed and the report a note",
			inject: func(t *testing.T, w *world) {
				w.seedHealthy()
				srv := w.publicIssuer("oidc.eks.eu-west-1.amazonaws.com", func(opts *issuerfarm.Options) {
					opts.Path = "/id/0123456789ABCDEF0123456789ABCDEF"
				})
				w.seedFaulty(srv.URL(), []string{w.publicTP()})
				w.aws.DenyRegion(region, awsdouble.Fault{Code: "AccessDeniedException", Message: "not authorized to perform eks:ListClusters"})
			},
			want: want{verdict: verdict.OK, codes: []finding.Code{finding.EKSLookupFailed}, detail: "AccessDeniedException", note: "could not be listed"},
		},
		{
			name:   "IAM list denied",
			side:   "AWS",
			expect: "the invocation fails, because no provider can be judged",
			inject: func(t *testing.T, w *world) {
				w.seedHealthy()
				w.seedStale(rotatedName)
				w.aws.FailNext("iam", "ListOpenIDConnectProviders", 1, awsdouble.Fault{Code: "AccessDenied"})
			},
			want: want{sweepFailed: true},
		},
	}
}
