package fieldcases

import (
	"crypto/tls"
	"slices"
	"strings"
	"testing"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/issuerfarm"
)

// TestTwoBackendsBehindOneName: one host name whose connections land on back-end A
// [La, IA, RA] or back-end B [Lb, IB, RB]. The list holds tp(IA). Sampling finds both
// chains, the report states that the list matches 1 of 2 chains, and the fix adds tp(IB).
func TestTwoBackendsBehindOneName(t *testing.T) {
	rootA := newRoot(t, "Backend A Root")
	intermediateA := newIntermediate(t, rootA, "Backend A Issuing CA", notAfter)
	chainA := newLeaf(t, intermediateA, issuerHost).TLSCertificate(intermediateA.Cert, rootA.Cert)

	rootB := newRoot(t, "Backend B Root")
	intermediateB := newIntermediate(t, rootB, "Backend B Issuing CA", notAfter)
	chainB := newLeaf(t, intermediateB, issuerHost).TLSCertificate(intermediateB.Cert, rootB.Cert)

	tests := []struct {
		name string
		opts issuerfarm.Options
		// addresses of chain A and chain B, or nil when both come from one address.
		addressesA, addressesB []string
	}{
		{
			name: "back-end per address",
			opts: issuerfarm.Options{
				Addrs:             []string{"127.0.0.1", "127.0.0.2"},
				SelectCertificate: issuerfarm.ByAddress(map[string]tls.Certificate{"127.0.0.1": chainA, "127.0.0.2": chainB}),
			},
			addressesA: []string{"127.0.0.1"},
			addressesB: []string{"127.0.0.2"},
		},
		{
			name: "back-ends alternate on one address",
			opts: issuerfarm.Options{Certificates: []tls.Certificate{chainA, chainB}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireLoopback(t, tt.opts.Addrs...)
			s := newStack(t)
			s.trustPublic(rootA.Cert, rootB.Cert)
			tt.opts.Name = issuerHost
			server := s.serve(tt.opts)

			in, d := s.check(providerURL(server), tp(intermediateA.Cert))

			checkDecision(t, d, outcome{
				verdict:  verdict.Mismatch,
				severity: verdict.Advisory,
				proposed: []string{tp(intermediateA.Cert), tp(intermediateB.Cert)},
				codes:    []finding.Code{finding.MultipleChains},
			})
			if got := findingMessage(d.Findings, finding.MultipleChains); !strings.Contains(got, "matches 1 of 2 chains") {
				t.Errorf("multiple-chains message = %q, want it to say the list matches 1 of 2 chains", got)
			}
			if d.Matched != 1 || d.Chains != 2 {
				t.Errorf("Decide() matched %d of %d chains, want 1 of 2", d.Matched, d.Chains)
			}

			if len(in.Hosts) != 1 {
				t.Fatalf("observed %d hosts, want 1", len(in.Hosts))
			}
			checkBackend(t, in.Hosts[0], tp(intermediateA.Cert), tt.addressesA)
			checkBackend(t, in.Hosts[0], tp(intermediateB.Cert), tt.addressesB)
		})
	}
}

// checkBackend checks that host sent a chain containing the given thumbprint, from
// addresses when they are given.
func checkBackend(t *testing.T, host chain.Host, thumbprint string, addresses []string) {
	t.Helper()
	index := slices.IndexFunc(host.Chains, func(c chain.Chain) bool { return c.Contains(thumbprint) })
	if index < 0 {
		t.Errorf("no observed chain contains %s", thumbprint)
		return
	}
	if got := host.Chains[index].Addresses; addresses != nil && !slices.Equal(got, addresses) {
		t.Errorf("chain with %s came from %q, want %q", thumbprint, got, addresses)
	}
}

// TestInterceptingProxy: half of the connections reach a proxy that re-signs the chain
// with a root the function does not trust. Nothing is written whatever the list holds,
// the report names probable interception, and the stored list stays as it is.
func TestInterceptingProxy(t *testing.T) {
	requireLoopback(t, "127.0.0.2")
	public := newHierarchy(t, "Public")
	proxyRoot := newRoot(t, "Intercepting Proxy Root")
	genuine := newLeaf(t, public.intermediate, issuerHost).TLSCertificate(public.intermediate.Cert, public.cross)
	intercepted := newLeaf(t, proxyRoot, issuerHost).TLSCertificate(proxyRoot.Cert)

	tests := []struct {
		name   string
		stored []string
		want   outcome
	}{
		{
			name:   "correct entry",
			stored: []string{tp(public.cross)},
			want: outcome{
				verdict: verdict.Refused,
				codes:   []finding.Code{finding.InterceptionSuspected, finding.MultipleChains},
			},
		},
		{
			name:   "stale entry",
			stored: []string{tp(public.oldRoot.Cert)},
			want: outcome{
				verdict:  verdict.Refused,
				severity: verdict.Advisory,
				codes:    []finding.Code{finding.InterceptionSuspected, finding.MultipleChains, finding.StaleEntry},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t)
			s.trustPublic(public.roots()...)
			server := s.serve(issuerfarm.Options{
				Name:              issuerHost,
				Addrs:             []string{"127.0.0.1", "127.0.0.2"},
				SelectCertificate: issuerfarm.ByAddress(map[string]tls.Certificate{"127.0.0.1": genuine, "127.0.0.2": intercepted}),
			})
			double := startAccount(t)
			arn := double.AddProvider(providerURL(server), tt.stored, nil)

			got := reported(t, s.sweepAccount(double), arn)

			checkReported(t, got, tt.want)
			if message := findingMessage(got.Findings, finding.InterceptionSuspected); !strings.Contains(message, "3 of 6 samples") {
				t.Errorf("interception message = %q, want it to count 3 of 6 samples", message)
			}
			checkStored(t, double, arn, tt.stored)
			if n := updates(double); n != 0 {
				t.Errorf("IAM received %d thumbprint updates, want 0", n)
			}
		})
	}
}
