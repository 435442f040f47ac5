package fieldcases

import (
	"crypto/tls"
	"slices"
	"testing"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/issuerfarm"
)

// TestFlakyJWKSHost: the JWKS host drops every third connection. The prober retries
// with backoff and judges the list from the samples that completed, so a stale list is
// a mismatch and a correct one is healthy. Only a host that completes no handshake
// makes the provider unreachable.
func TestFlakyJWKSHost(t *testing.T) {
	public := newHierarchy(t, "Public")
	issuerLeaf := newLeaf(t, public.intermediate, issuerHost)
	keysLeaf := newLeaf(t, public.intermediate, keysHost)

	tests := []struct {
		name      string
		dropEvery int
		stored    []string
		want      outcome
		// wantAttempts, wantFailures and wantSamples are the JWKS host's handshake
		// attempts, failed handshakes and completed samples.
		wantAttempts, wantFailures, wantSamples int
	}{
		{
			name:      "stale entry",
			dropEvery: 3,
			stored:    []string{tp(public.oldRoot.Cert)},
			want: outcome{
				verdict:  verdict.Mismatch,
				severity: verdict.Advisory,
				proposed: []string{tp(public.cross)},
				// The discovery host sends the same chain, which the stale list does
				// not match either.
				codes: []finding.Code{finding.DiscoveryHostUnpinned, finding.ForeignJWKSHost, finding.StaleEntry},
			},
			// The first connection fetches the JWKS. Of the prober's connections the
			// 3rd and 6th are dropped and retried, so 4 handshakes take 6 attempts.
			wantAttempts: 6,
			wantSamples:  4,
		},
		{
			name:         "correct entry",
			dropEvery:    3,
			stored:       []string{tp(public.cross)},
			want:         outcome{verdict: verdict.OK, codes: []finding.Code{finding.ForeignJWKSHost}},
			wantAttempts: 6,
			wantSamples:  4,
		},
		{
			name:      "every connection dropped",
			dropEvery: 1,
			stored:    []string{tp(public.cross)},
			want: outcome{
				verdict: verdict.Unreachable,
				codes:   []finding.Code{finding.ForeignJWKSHost, finding.HandshakeFailed, finding.JWKSUnavailable},
			},
			// 4 handshakes, each tried DefaultAttempts times.
			wantAttempts: 12,
			wantFailures: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t)
			s.trustPublic(public.roots()...)
			keys := s.serve(issuerfarm.Options{
				Name:         keysHost,
				Certificates: []tls.Certificate{keysLeaf.TLSCertificate(public.intermediate.Cert, public.cross)},
				Faults:       issuerfarm.Faults{DropEvery: tt.dropEvery},
			})
			issuer := s.serve(issuerfarm.Options{
				Name:         issuerHost,
				Certificates: []tls.Certificate{issuerLeaf.TLSCertificate(public.intermediate.Cert, public.cross)},
				Discovery:    func(doc map[string]any) { doc["jwks_uri"] = keys.URL() + issuerfarm.JWKSPath },
			})

			in, d := s.check(providerURL(issuer), tt.stored...)

			checkDecision(t, d, tt.want)
			host := observedHost(t, in.Hosts, keysHost)
			if host.Attempts != tt.wantAttempts || host.Failures != tt.wantFailures {
				t.Errorf("JWKS host attempts and failures = %d, %d, want %d, %d", host.Attempts, host.Failures, tt.wantAttempts, tt.wantFailures)
			}
			samples := 0
			for _, c := range host.Chains {
				samples += c.Samples
			}
			if samples != tt.wantSamples {
				t.Errorf("JWKS host samples = %d, want %d", samples, tt.wantSamples)
			}
		})
	}
}

// observedHost returns the observation of the host called name.
func observedHost(t *testing.T, hosts []chain.Host, name string) chain.Host {
	t.Helper()
	index := slices.IndexFunc(hosts, func(h chain.Host) bool { return h.Name == name })
	if index < 0 {
		t.Fatalf("no observation of host %s among %d hosts", name, len(hosts))
	}
	return hosts[index]
}

// TestTLS13Only: a public chain and a stale entry. A host that accepts only TLS 1.3
// makes AWS rely on the thumbprint, so the mismatch is critical. A host that also
// accepts TLS 1.2 gets an advisory one. Each version is probed alone and reported.
func TestTLS13Only(t *testing.T) {
	public := newHierarchy(t, "Public")
	leaf := newLeaf(t, public.intermediate, issuerHost)
	previous := newIntermediate(t, public.root, "Previous Issuing CA", notAfter)

	tests := []struct {
		name                   string
		minVersion, maxVersion uint16
		want                   outcome
		wantTLS12, wantTLS13   bool
	}{
		{
			name:       "TLS 1.3 only",
			minVersion: tls.VersionTLS13,
			want: outcome{
				verdict:  verdict.Mismatch,
				severity: verdict.Critical,
				proposed: []string{tp(public.cross)},
				codes:    []finding.Code{finding.StaleEntry, finding.TLS13Only},
			},
			wantTLS13: true,
		},
		{
			name: "TLS 1.2 and 1.3",
			want: outcome{
				verdict:  verdict.Mismatch,
				severity: verdict.Advisory,
				proposed: []string{tp(public.cross)},
				codes:    []finding.Code{finding.StaleEntry},
			},
			wantTLS12: true,
			wantTLS13: true,
		},
		{
			name:       "TLS 1.2 only",
			maxVersion: tls.VersionTLS12,
			want: outcome{
				verdict:  verdict.Mismatch,
				severity: verdict.Advisory,
				proposed: []string{tp(public.cross)},
				codes:    []finding.Code{finding.StaleEntry},
			},
			wantTLS12: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t)
			s.trustPublic(public.roots()...)
			server := s.serve(issuerfarm.Options{
				Name:         issuerHost,
				Certificates: []tls.Certificate{leaf.TLSCertificate(public.intermediate.Cert, public.cross)},
				MinVersion:   tt.minVersion,
				MaxVersion:   tt.maxVersion,
			})

			in, d := s.check(providerURL(server), tp(previous.Cert))

			checkDecision(t, d, tt.want)
			host := observedHost(t, in.Hosts, issuerHost)
			if host.TLS12 != tt.wantTLS12 || host.TLS13 != tt.wantTLS13 {
				t.Errorf("host accepts TLS 1.2 %t and TLS 1.3 %t, want %t and %t", host.TLS12, host.TLS13, tt.wantTLS12, tt.wantTLS13)
			}
			if host.Failures != 0 {
				t.Errorf("host failures = %d, want 0: a rejected version is an answer, not a failure", host.Failures)
			}
		})
	}
}
