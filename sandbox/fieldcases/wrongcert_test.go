package fieldcases

import (
	"crypto/x509"
	"slices"
	"strings"
	"testing"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/thumbprint"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/pki"
)

// TestLeafPinnedThenRenewed: the list pins the leaf of [L1, I1, X(R1<-R0)]. Before the
// renewal every chain matches, so the verdict is ok, but the leaf pin is reported and
// tp(X) is added. After the server renews to L2 the pin matches nothing: a mismatch
// whose fix is tp(X) alone. tp(L2) is never proposed.
func TestLeafPinnedThenRenewed(t *testing.T) {
	public := newHierarchy(t, "Public")
	l1 := newLeaf(t, public.intermediate, issuerHost)
	l2 := newLeaf(t, public.intermediate, issuerHost)

	tests := []struct {
		name   string
		served *pki.Leaf
		want   outcome
	}{
		{
			name:   "before renewal",
			served: l1,
			want: outcome{
				verdict:  verdict.OK,
				proposed: []string{tp(l1.Cert), tp(public.cross)},
				codes:    []finding.Code{finding.LeafPinned},
			},
		},
		{
			name:   "after renewal",
			served: l2,
			want: outcome{
				verdict:  verdict.Mismatch,
				severity: verdict.Advisory,
				proposed: []string{tp(public.cross)},
				codes:    []finding.Code{finding.StaleEntry},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t)
			s.trustPublic(public.roots()...)
			server := s.serveChain(issuerHost, tt.served, public.intermediate.Cert, public.cross)

			_, d := s.check(providerURL(server), tp(l1.Cert))

			checkDecision(t, d, tt.want)
			if !d.ShouldWrite() {
				t.Errorf("Decide().ShouldWrite() = false, want true")
			}
			if slices.Contains(d.Proposed, tp(l2.Cert)) {
				t.Errorf("Decide().Proposed = %q contains the renewed leaf's thumbprint %s", d.Proposed, tp(l2.Cert))
			}
		})
	}
}

// TestTrustStoreRootNotSent: the server sends [L1, I1, X(R1<-R0)] and R0 is only in the
// trust store. An entry of tp(R0), which a local chain builder would show, matches
// nothing presented, so it is stale, and the fix is tp(X). tp(R0) is never proposed.
func TestTrustStoreRootNotSent(t *testing.T) {
	s := newStack(t)
	public := newHierarchy(t, "Public")
	s.trustPublic(public.oldRoot.Cert)
	leaf := newLeaf(t, public.intermediate, issuerHost)
	server := s.serveChain(issuerHost, leaf, public.intermediate.Cert, public.cross)

	in, d := s.check(providerURL(server), tp(public.oldRoot.Cert))

	checkDecision(t, d, outcome{
		verdict:  verdict.Mismatch,
		severity: verdict.Advisory,
		proposed: []string{tp(public.cross)},
		codes:    []finding.Code{finding.StaleEntry},
	})
	if got := findingMessage(d.Findings, finding.StaleEntry); !strings.Contains(got, tp(public.oldRoot.Cert)) {
		t.Errorf("stale-entry message = %q, want it to name %s", got, tp(public.oldRoot.Cert))
	}

	if len(in.Hosts) != 1 || len(in.Hosts[0].Chains) != 1 {
		t.Fatalf("observed hosts = %+v, want one host with one chain", in.Hosts)
	}
	observed := in.Hosts[0].Chains[0]
	if observed.Contains(tp(public.oldRoot.Cert)) {
		t.Errorf("observed chain contains tp(R0) %s, which the server never sent", tp(public.oldRoot.Cert))
	}
	if got, want := observed.TopIssuerNotAfter, public.oldRoot.Cert.NotAfter; !got.Equal(want) {
		t.Errorf("observed TopIssuerNotAfter = %v, want R0's expiry %v", got, want)
	}
}

// TestValueFromUnrelatedHost: the JWKS host sends [L1, I1, R1] and the list holds tp(I1)
// and tp(Iw), the intermediate of an unrelated web host. Every chain matches, so the
// list stays as it is, and tp(Iw) is reported as matching nothing from the discovery or
// JWKS host. The web host is never contacted.
func TestValueFromUnrelatedHost(t *testing.T) {
	s := newStack(t)
	public := newHierarchy(t, "Public")
	web := newHierarchy(t, "Web")
	s.trustPublic(public.roots()...)
	s.trustPublic(web.roots()...)

	server := s.serveChain(issuerHost, newLeaf(t, public.intermediate, issuerHost), public.intermediate.Cert, public.root.Cert)
	webServer := s.serveChain(webHost, newLeaf(t, web.intermediate, webHost), web.intermediate.Cert, web.root.Cert)

	_, d := s.check(providerURL(server), tp(public.intermediate.Cert), tp(web.intermediate.Cert))

	checkDecision(t, d, outcome{
		verdict: verdict.OK,
		codes:   []finding.Code{finding.StaleEntry},
	})
	if got := findingMessage(d.Findings, finding.StaleEntry); !strings.Contains(got, tp(web.intermediate.Cert)) {
		t.Errorf("stale-entry message = %q, want it to name tp(Iw) %s", got, tp(web.intermediate.Cert))
	}
	if d.Matched != 1 || d.Chains != 1 {
		t.Errorf("Decide() matched %d of %d chains, want 1 of 1", d.Matched, d.Chains)
	}
	if got := webServer.TotalHandshakes(); got != 0 {
		t.Errorf("web host handshakes = %d, want 0", got)
	}
}

// TestChainGivenRootFirst: the offline PEM path finds the same top certificate whether
// the chain is pasted leaf first, root first or shuffled, by following issuer links.
// The value it prints matches a certificate the live server sends, so a sweep judges
// that list healthy.
func TestChainGivenRootFirst(t *testing.T) {
	public := newHierarchy(t, "Public")
	leaf := newLeaf(t, public.intermediate, issuerHost)
	intermediate := public.intermediate.Cert

	chains := []struct {
		name string
		sent []*x509.Certificate // leaf first, as the server sends it
		top  *x509.Certificate
	}{
		{name: "cross-signed root", sent: []*x509.Certificate{leaf.Cert, intermediate, public.cross}, top: public.cross},
		{name: "self-signed root", sent: []*x509.Certificate{leaf.Cert, intermediate, public.root.Cert}, top: public.root.Cert},
	}
	orders := []struct {
		name  string
		order func([]*x509.Certificate) []*x509.Certificate
	}{
		{name: "leaf first", order: slices.Clone[[]*x509.Certificate]},
		{name: "root first", order: func(c []*x509.Certificate) []*x509.Certificate {
			reversed := slices.Clone(c)
			slices.Reverse(reversed)
			return reversed
		}},
		{name: "intermediate first", order: func(c []*x509.Certificate) []*x509.Certificate {
			return []*x509.Certificate{c[1], c[2], c[0]}
		}},
	}

	for _, c := range chains {
		for _, o := range orders {
			t.Run(c.name+"/"+o.name, func(t *testing.T) {
				certs, err := thumbprint.ParsePEM(pki.PEM(o.order(c.sent)...))
				if err != nil {
					t.Fatalf("ParsePEM() error = %v", err)
				}
				top, err := thumbprint.Top(certs)
				if err != nil {
					t.Fatalf("Top() error = %v", err)
				}
				if got, want := tp(top), tp(c.top); got != want {
					t.Errorf("Top() = %q (%s), want %q (%s)", got, top.Subject, want, c.top.Subject)
				}
			})
		}

		t.Run(c.name+"/judged live", func(t *testing.T) {
			s := newStack(t)
			s.trustPublic(public.roots()...)
			server := s.serveChain(issuerHost, leaf, c.sent[1:]...)

			_, d := s.check(providerURL(server), tp(c.top))

			checkDecision(t, d, outcome{verdict: verdict.OK})
		})
	}
}

// TestSHA256EnteredInsteadOfSHA1: the list holds the SHA-256 fingerprint of the top
// certificate, which is malformed and named as such with the SHA-1 value to use, and
// correct SHA-1 values in upper case, one with colons, which normalise and match.
func TestSHA256EnteredInsteadOfSHA1(t *testing.T) {
	s := newStack(t)
	public := newHierarchy(t, "Public")
	s.trustPublic(public.roots()...)
	server := s.serveChain(issuerHost, newLeaf(t, public.intermediate, issuerHost), public.intermediate.Cert, public.cross)

	configured := []string{
		sha256Hex(public.cross),
		withColons(strings.ToUpper(tp(public.cross))),
		strings.ToUpper(tp(public.intermediate.Cert)),
	}
	_, d := s.check(providerURL(server), configured...)

	checkDecision(t, d, outcome{
		verdict: verdict.OK,
		codes:   []finding.Code{finding.Malformed},
	})
	message := findingMessage(d.Findings, finding.Malformed)
	for _, want := range []string{"SHA-256 fingerprint of the top certificate", "SHA-1 thumbprint " + tp(public.cross)} {
		if !strings.Contains(message, want) {
			t.Errorf("malformed message = %q, want it to contain %q", message, want)
		}
	}
	if d.Matched != 1 || d.Chains != 1 {
		t.Errorf("Decide() matched %d of %d chains, want 1 of 1", d.Matched, d.Chains)
	}
}

// withColons writes a hex string in pairs separated by colons, as openssl prints
// fingerprints.
func withColons(hexValue string) string {
	var pairs []string
	for i := 0; i+1 < len(hexValue); i += 2 {
		pairs = append(pairs, hexValue[i:i+2])
	}
	return strings.Join(pairs, ":")
}
