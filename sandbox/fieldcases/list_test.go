package fieldcases

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/provider"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/awsdouble"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/issuerfarm"
)

// placeholder is the all-zero value that templates and examples put in the list.
const placeholder = "0000000000000000000000000000000000000000"

// TestMoreThanFiveEntries: a provider whose list would need more than IAM's five
// entries. Malformed entries, placeholders, entries that match nothing and leaf pins
// are dropped in that order; operator-kept entries and needed values never are. When
// the list then fits it is written, and when it still does not fit nothing is written
// and the report names the list it would need.
func TestMoreThanFiveEntries(t *testing.T) {
	requireLoopback(t, "127.0.0.2")
	rootA := newRoot(t, "Backend A Root")
	intermediateA := newIntermediate(t, rootA, "Backend A Issuing CA", notAfter)
	leafA := newLeaf(t, intermediateA, issuerHost)
	rootB := newRoot(t, "Backend B Root")
	intermediateB := newIntermediate(t, rootB, "Backend B Issuing CA", notAfter)
	leafB := newLeaf(t, intermediateB, issuerHost)

	var kept []string
	for i := range 4 {
		kept = append(kept, tp(newRoot(t, fmt.Sprintf("Kept Root %d", i+1)).Cert))
	}
	stale := tp(newRoot(t, "Retired Root").Cert)
	malformed := strings.Repeat("zz", 20)
	stored := []string{kept[0], placeholder, malformed, stale, tp(leafA.Cert)}
	needed := sortedThumbprints(intermediateA.Cert, intermediateB.Cert)

	tests := []struct {
		name      string
		keep      []string
		want      outcome
		wantAfter []string
	}{
		{
			name: "fits after dropping",
			keep: kept[:3],
			want: outcome{
				verdict:  verdict.Updated,
				severity: verdict.Advisory,
				proposed: slices.Concat(kept[:3], needed),
				codes: []finding.Code{finding.LeafPinned, finding.Malformed, finding.MultipleChains,
					finding.Placeholder, finding.StaleEntry, finding.StaleEntry},
			},
			wantAfter: slices.Concat(kept[:3], needed),
		},
		{
			name: "still too long",
			keep: kept,
			want: outcome{
				verdict:  verdict.Refused,
				severity: verdict.Advisory,
				proposed: slices.Concat(kept, needed),
				codes: []finding.Code{finding.LeafPinned, finding.ListTooLong, finding.Malformed, finding.MultipleChains,
					finding.Placeholder, finding.StaleEntry, finding.StaleEntry},
			},
			wantAfter: stored,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t)
			s.trustPublic(rootA.Cert, rootB.Cert)
			server := s.serve(issuerfarm.Options{
				Name:  issuerHost,
				Addrs: []string{"127.0.0.1", "127.0.0.2"},
				SelectCertificate: issuerfarm.ByAddress(map[string]tls.Certificate{
					"127.0.0.1": leafA.TLSCertificate(intermediateA.Cert, rootA.Cert),
					"127.0.0.2": leafB.TLSCertificate(intermediateB.Cert, rootB.Cert),
				}),
			})
			double := startAccount(t)
			// IAM tag values may not contain commas, so the keep list is space-separated.
			arn := double.AddProvider(providerURL(server), stored, map[string]string{provider.TagKeep: strings.Join(tt.keep, " ")})

			got := reported(t, s.sweepAccount(double), arn)

			checkReported(t, got, tt.want)
			checkStored(t, double, arn, tt.wantAfter)
			if len(got.Proposed) > 5 && got.Verdict != verdict.Refused {
				t.Errorf("report verdict = %q for a list of %d entries, want %q", got.Verdict, len(got.Proposed), verdict.Refused)
			}
		})
	}
}

// TestPlaceholderEntry: the list holds only the all-zero placeholder. It is always
// flagged and replaced by the real value. The mismatch is advisory for a public chain
// on a host that accepts TLS 1.2 and critical on a TLS-1.3-only host or under a private
// CA.
func TestPlaceholderEntry(t *testing.T) {
	public := newHierarchy(t, "Public")
	private := newHierarchy(t, "Private")

	tests := []struct {
		name       string
		authority  hierarchy
		private    bool
		minVersion uint16
		want       outcome
	}{
		{
			name:      "public",
			authority: public,
			want: outcome{
				verdict:  verdict.Updated,
				severity: verdict.Advisory,
				proposed: []string{tp(public.cross)},
				codes:    []finding.Code{finding.Placeholder},
			},
		},
		{
			name:       "TLS 1.3 only",
			authority:  public,
			minVersion: tls.VersionTLS13,
			want: outcome{
				verdict:  verdict.Updated,
				severity: verdict.Critical,
				proposed: []string{tp(public.cross)},
				codes:    []finding.Code{finding.Placeholder, finding.TLS13Only},
			},
		},
		{
			name:      "private",
			authority: private,
			private:   true,
			want: outcome{
				verdict:  verdict.Updated,
				severity: verdict.Critical,
				proposed: []string{tp(private.cross)},
				codes:    []finding.Code{finding.Placeholder},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t)
			if tt.private {
				s.trustPrivate(tt.authority.roots()...)
			} else {
				s.trustPublic(tt.authority.roots()...)
			}
			leaf := newLeaf(t, tt.authority.intermediate, issuerHost)
			server := s.serve(issuerfarm.Options{
				Name:         issuerHost,
				Certificates: []tls.Certificate{leaf.TLSCertificate(tt.authority.intermediate.Cert, tt.authority.cross)},
				MinVersion:   tt.minVersion,
			})
			double := startAccount(t)
			arn := double.AddProvider(providerURL(server), []string{placeholder}, nil)

			got := reported(t, s.sweepAccount(double), arn)

			checkReported(t, got, tt.want)
			checkStored(t, double, arn, tt.want.proposed)
			if !slices.Equal(got.Before, []string{placeholder}) {
				t.Errorf("report before = %q, want the placeholder", got.Before)
			}
		})
	}
}

// TestStoredListJudgedLive: the list is judged as GetOpenIDConnectProvider returns it at
// the time, however it got there. A list another writer fixes between the read and the
// write is left alone, and one changed during the write is read again and fixed on the
// retry after ConcurrentModification.
func TestStoredListJudgedLive(t *testing.T) {
	public := newHierarchy(t, "Public")
	leaf := newLeaf(t, public.intermediate, issuerHost)
	stale := tp(public.oldRoot.Cert)
	otherStale := tp(newRoot(t, "Other Retired Root").Cert)
	healthy := outcome{verdict: verdict.OK}

	tests := []struct {
		name string
		// change runs after the provider is stored and before the sweep.
		change      func(double *awsdouble.Server, arn string)
		want        outcome
		wantBefore  []string
		wantAfter   []string
		wantUpdates int
		wantReason  string
	}{
		{
			name: "changed by another writer before the sweep",
			change: func(double *awsdouble.Server, arn string) {
				double.SetThumbprints(arn, []string{tp(public.cross)})
			},
			want:       healthy,
			wantBefore: []string{tp(public.cross)},
			wantAfter:  []string{tp(public.cross)},
		},
		{
			name: "fixed between the read and the write",
			change: func(double *awsdouble.Server, arn string) {
				double.Before("iam", "GetOpenIDConnectProvider", func(c awsdouble.Call) *awsdouble.Fault {
					if c.N == 2 {
						double.SetThumbprints(arn, []string{tp(public.intermediate.Cert)})
					}
					return nil
				})
			},
			want:       healthy,
			wantBefore: []string{stale},
			wantAfter:  []string{tp(public.intermediate.Cert)},
			wantReason: "the stored list changed during the sweep",
		},
		{
			name: "changed during the write",
			change: func(double *awsdouble.Server, arn string) {
				double.Before("iam", "UpdateOpenIDConnectProviderThumbprint", func(c awsdouble.Call) *awsdouble.Fault {
					if c.N != 1 {
						return nil
					}
					double.SetThumbprints(arn, []string{otherStale})
					return &awsdouble.Fault{Code: "ConcurrentModification", Message: "the provider was changed by another request"}
				})
			},
			want: outcome{
				verdict:  verdict.Updated,
				severity: verdict.Advisory,
				proposed: []string{tp(public.cross)},
				codes:    []finding.Code{finding.StaleEntry},
			},
			wantBefore:  []string{stale},
			wantAfter:   []string{tp(public.cross)},
			wantUpdates: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t)
			s.trustPublic(public.roots()...)
			server := s.serveChain(issuerHost, leaf, public.intermediate.Cert, public.cross)
			double := startAccount(t)
			arn := double.AddProvider(providerURL(server), []string{stale}, nil)
			tt.change(double, arn)

			got := reported(t, s.sweepAccount(double), arn)

			checkReported(t, got, tt.want)
			if !slices.Equal(got.Before, tt.wantBefore) {
				t.Errorf("report before = %q, want %q", got.Before, tt.wantBefore)
			}
			if !strings.HasPrefix(got.Reason, tt.wantReason) {
				t.Errorf("report reason = %q, want it to start with %q", got.Reason, tt.wantReason)
			}
			checkStored(t, double, arn, tt.wantAfter)
			if n := updates(double); n != tt.wantUpdates {
				t.Errorf("IAM received %d thumbprint updates, want %d", n, tt.wantUpdates)
			}
		})
	}
}

// TestEmptyList: a provider stored without thumbprints gets the value its chain needs.
func TestEmptyList(t *testing.T) {
	public := newHierarchy(t, "Public")
	privateRoot := newRoot(t, "Private Root RP")
	privateIntermediate := newIntermediate(t, privateRoot, "Private Issuing CA", notAfter)

	tests := []struct {
		name    string
		private bool
		want    outcome
	}{
		{
			name: "public",
			want: outcome{verdict: verdict.Updated, severity: verdict.Advisory, proposed: []string{tp(public.cross)}},
		},
		{
			name:    "private",
			private: true,
			want:    outcome{verdict: verdict.Updated, severity: verdict.Critical, proposed: []string{tp(privateIntermediate.Cert)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t)
			var server *issuerfarm.Server
			if tt.private {
				s.trustPrivate(privateRoot.Cert)
				server = s.serveChain(issuerHost, newLeaf(t, privateIntermediate, issuerHost), privateIntermediate.Cert, privateRoot.Cert)
			} else {
				s.trustPublic(public.roots()...)
				server = s.serveChain(issuerHost, newLeaf(t, public.intermediate, issuerHost), public.intermediate.Cert, public.cross)
			}
			double := startAccount(t)
			arn := double.AddProvider(providerURL(server), []string{}, nil)

			got := reported(t, s.sweepAccount(double), arn)

			checkReported(t, got, tt.want)
			checkStored(t, double, arn, tt.want.proposed)
		})
	}
}

// TestFailedComputation: the JWKS host's handshakes time out or are reset. Nothing can
// be computed, so the provider is unreachable, no value (empty or partial) is
// proposed, and nothing is written.
func TestFailedComputation(t *testing.T) {
	public := newHierarchy(t, "Public")
	issuerLeaf := newLeaf(t, public.intermediate, issuerHost)
	keysLeaf := newLeaf(t, public.intermediate, keysHost)

	tests := []struct {
		name   string
		faults issuerfarm.Faults
		// wantText is part of the handshake-failed message.
		wantText string
	}{
		{name: "handshake times out", faults: issuerfarm.Faults{StallHandshake: true}, wantText: "deadline exceeded"},
		{name: "connection reset", faults: issuerfarm.Faults{DropEvery: 1, Reset: true}, wantText: "connection reset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t)
			s.trustPublic(public.roots()...)
			// Short limits keep the stalled row fast; the healthy issuer responds on
			// loopback well within them.
			s.handshakeTimeout = 300 * time.Millisecond
			s.httpTimeout = time.Second
			s.attempts = 2
			s.samples = 1

			keys := s.serve(issuerfarm.Options{
				Name:         keysHost,
				Certificates: []tls.Certificate{keysLeaf.TLSCertificate(public.intermediate.Cert, public.cross)},
				Faults:       tt.faults,
			})
			issuer := s.serve(issuerfarm.Options{
				Name:         issuerHost,
				Certificates: []tls.Certificate{issuerLeaf.TLSCertificate(public.intermediate.Cert, public.cross)},
				Discovery:    func(doc map[string]any) { doc["jwks_uri"] = keys.URL() + issuerfarm.JWKSPath },
			})
			stored := []string{tp(public.cross)}
			double := startAccount(t)
			arn := double.AddProvider(providerURL(issuer), stored, nil)

			got := reported(t, s.sweepAccount(double), arn)

			checkReported(t, got, outcome{
				verdict: verdict.Unreachable,
				codes:   []finding.Code{finding.ForeignJWKSHost, finding.HandshakeFailed, finding.JWKSUnavailable},
			})
			message := findingMessage(got.Findings, finding.HandshakeFailed)
			if !strings.Contains(message, keysHost) || !strings.Contains(message, tt.wantText) {
				t.Errorf("handshake-failed message = %q, want it to name %s and contain %q", message, keysHost, tt.wantText)
			}
			checkStored(t, double, arn, stored)
			if n := updates(double); n != 0 {
				t.Errorf("IAM received %d thumbprint updates, want 0", n)
			}
		})
	}
}
