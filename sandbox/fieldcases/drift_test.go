package fieldcases

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/issuerfarm"
)

// TestCrossSignDropped: the server stops sending the cross-signed top certificate X, so
// [L1, I1, X(R1<-R0)] becomes [L1, I1] and the stored tp(X) matches nothing. The fix is
// tp(I1), the new top. The mismatch is advisory for a public chain on a host that
// accepts TLS 1.2. It is critical for the same shapes under a private CA or on a host
// that accepts only TLS 1.3, because AWS then relies on the thumbprint.
func TestCrossSignDropped(t *testing.T) {
	public := newHierarchy(t, "Public")
	private := newHierarchy(t, "Private")

	tests := []struct {
		name       string
		authority  hierarchy
		private    bool
		minVersion uint16
		sendCross  bool
		want       outcome
	}{
		{
			name:      "cross-sign still sent",
			authority: public,
			sendCross: true,
			want:      outcome{verdict: verdict.OK},
		},
		{
			name:      "public",
			authority: public,
			want: outcome{
				verdict:  verdict.Mismatch,
				severity: verdict.Advisory,
				proposed: []string{tp(public.intermediate.Cert)},
				codes:    []finding.Code{finding.StaleEntry},
			},
		},
		{
			name:      "private",
			authority: private,
			private:   true,
			want: outcome{
				verdict:  verdict.Mismatch,
				severity: verdict.Critical,
				proposed: []string{tp(private.intermediate.Cert)},
				codes:    []finding.Code{finding.StaleEntry},
			},
		},
		{
			name:       "TLS 1.3 only",
			authority:  public,
			minVersion: tls.VersionTLS13,
			want: outcome{
				verdict:  verdict.Mismatch,
				severity: verdict.Critical,
				proposed: []string{tp(public.intermediate.Cert)},
				codes:    []finding.Code{finding.StaleEntry, finding.TLS13Only},
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
			sent := []*x509.Certificate{tt.authority.intermediate.Cert}
			if tt.sendCross {
				sent = append(sent, tt.authority.cross)
			}
			leaf := newLeaf(t, tt.authority.intermediate, issuerHost)
			server := s.serve(issuerfarm.Options{
				Name:         issuerHost,
				Certificates: []tls.Certificate{leaf.TLSCertificate(sent...)},
				MinVersion:   tt.minVersion,
			})

			_, d := s.check(providerURL(server), tp(tt.authority.cross))

			checkDecision(t, d, tt.want)
			if wantWrite := tt.want.proposed != nil; d.ShouldWrite() != wantWrite {
				t.Errorf("Decide().ShouldWrite() = %t, want %t", d.ShouldWrite(), wantWrite)
			}
		})
	}
}

// TestIntermediateAboutToExpire: the server sends [L1, I1, R1] and I1 expires within
// the warning window. The list is healthy and the report carries a dated warning.
func TestIntermediateAboutToExpire(t *testing.T) {
	s := newStack(t)
	root := newRoot(t, "Public Root R1")
	expiry := now.Add(10 * 24 * time.Hour).Truncate(time.Second)
	intermediate := newIntermediate(t, root, "Expiring Issuing CA", expiry)
	s.trustPublic(root.Cert)
	server := s.serveChain(issuerHost, newLeaf(t, intermediate, issuerHost), intermediate.Cert, root.Cert)

	_, d := s.check(providerURL(server), tp(intermediate.Cert))

	checkDecision(t, d, outcome{
		verdict: verdict.OK,
		codes:   []finding.Code{finding.ExpiringSoon},
	})
	message := findingMessage(d.Findings, finding.ExpiringSoon)
	for _, want := range []string{"expires on " + expiry.Format(time.DateOnly), tp(intermediate.Cert), "30-day"} {
		if !strings.Contains(message, want) {
			t.Errorf("expiring-soon message = %q, want it to contain %q", message, want)
		}
	}
}

// TestIntermediateExpired: with the clock past I1's expiry the chain fails
// verification. The failure is reported with the chain, and nothing is computed from
// it or proposed, whether the list matched the chain or not. On the issuer host the
// discovery document cannot be trusted either, so the provider is refused. When only
// the key host's chain expired, a list that still matches every chain needs no change,
// and the findings name the failed verification and the unreadable JWKS.
func TestIntermediateExpired(t *testing.T) {
	root := newRoot(t, "Public Root R1")
	expiry := now.Add(10 * 24 * time.Hour)
	expired := newIntermediate(t, root, "Expired Issuing CA", expiry)
	healthy := newIntermediate(t, root, "Healthy Issuing CA", notAfter)
	previous := newIntermediate(t, root, "Previous Issuing CA", notAfter)

	tests := []struct {
		name string
		// keyHostOnly serves the expired chain from a separate key host and a healthy
		// chain from the issuer host.
		keyHostOnly bool
		stored      []string
		want        outcome
	}{
		{
			name:   "issuer host, list matched the chain",
			stored: []string{tp(expired.Cert)},
			want:   outcome{verdict: verdict.Refused, codes: []finding.Code{finding.ChainUnverified, finding.DiscoveryFailed}},
		},
		{
			name:   "issuer host, list stale",
			stored: []string{tp(previous.Cert)},
			want:   outcome{verdict: verdict.Refused, codes: []finding.Code{finding.ChainUnverified, finding.DiscoveryFailed}},
		},
		{
			name:        "key host, list matched the chain",
			keyHostOnly: true,
			stored:      []string{tp(healthy.Cert), tp(expired.Cert)},
			want: outcome{
				verdict: verdict.OK,
				codes:   []finding.Code{finding.ChainUnverified, finding.ForeignJWKSHost, finding.JWKSUnavailable},
			},
		},
		{
			name:        "key host, list stale",
			keyHostOnly: true,
			stored:      []string{tp(healthy.Cert), tp(previous.Cert)},
			want: outcome{
				verdict: verdict.Refused,
				codes:   []finding.Code{finding.ChainUnverified, finding.ForeignJWKSHost, finding.JWKSUnavailable, finding.StaleEntry},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t)
			s.now = expiry.Add(24 * time.Hour)
			s.trustPublic(root.Cert)
			expiredHost := issuerHost
			var issuer *issuerfarm.Server
			if tt.keyHostOnly {
				expiredHost = keysHost
				keys := s.serveChain(keysHost, newLeaf(t, expired, keysHost), expired.Cert, root.Cert)
				issuer = s.serve(issuerfarm.Options{
					Name:         issuerHost,
					Certificates: []tls.Certificate{newLeaf(t, healthy, issuerHost).TLSCertificate(healthy.Cert, root.Cert)},
					Discovery:    func(doc map[string]any) { doc["jwks_uri"] = keys.URL() + issuerfarm.JWKSPath },
				})
			} else {
				issuer = s.serveChain(issuerHost, newLeaf(t, expired, issuerHost), expired.Cert, root.Cert)
			}

			in, d := s.check(providerURL(issuer), tt.stored...)

			checkDecision(t, d, tt.want)
			if message := findingMessage(d.Findings, finding.ChainUnverified); !strings.Contains(message, "expired") {
				t.Errorf("chain-unverified message = %q, want it to say the certificate expired", message)
			}
			host := observedHost(t, in.Hosts, expiredHost)
			if len(host.Chains) != 1 || !host.Chains[0].Contains(tp(expired.Cert)) {
				t.Errorf("observed chains of %s = %+v, want the expired chain reported", expiredHost, host.Chains)
			}
		})
	}
}

// TestJWKSKeysAreNotCertificates: the JWKS holds several keys, some with x5c chains.
// Thumbprints come from the TLS handshake only: no x5c certificate is observed or
// proposed, and a list that holds an x5c value is stale.
func TestJWKSKeysAreNotCertificates(t *testing.T) {
	public := newHierarchy(t, "Public")
	signingRoot := newRoot(t, "Token Signing Root")
	signingCA := newIntermediate(t, signingRoot, "Token Signing CA", notAfter)
	signingLeaf := newLeaf(t, signingCA, "signer.id.test")
	otherSigningLeaf := newLeaf(t, signingCA, "signer-2.id.test")
	x5c := []*x509.Certificate{signingLeaf.Cert, otherSigningLeaf.Cert, signingCA.Cert, signingRoot.Cert}

	jwks := jwksWithX5C(t,
		[]*x509.Certificate{signingLeaf.Cert, signingCA.Cert, signingRoot.Cert},
		[]*x509.Certificate{otherSigningLeaf.Cert, signingCA.Cert},
	)

	tests := []struct {
		name   string
		stored []string
		want   outcome
	}{
		{
			name:   "list holds the TLS value",
			stored: []string{tp(public.cross)},
			want:   outcome{verdict: verdict.OK},
		},
		{
			name:   "list holds an x5c value",
			stored: []string{tp(signingCA.Cert)},
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
			// The token signing root is trusted too, so nothing but the source of the
			// values keeps the x5c certificates out.
			s.trustPublic(signingRoot.Cert)
			leaf := newLeaf(t, public.intermediate, issuerHost)
			server := s.serve(issuerfarm.Options{
				Name:         issuerHost,
				Certificates: []tls.Certificate{leaf.TLSCertificate(public.intermediate.Cert, public.cross)},
				Responses: map[string]issuerfarm.Response{
					issuerfarm.JWKSPath: {ContentType: "application/jwk-set+json", Body: jwks},
				},
			})

			in, d := s.check(providerURL(server), tt.stored...)

			checkDecision(t, d, tt.want)
			if got := server.Requests(issuerfarm.JWKSPath); got != 1 {
				t.Errorf("JWKS requests = %d, want 1", got)
			}
			for _, cert := range x5c {
				if slices.Contains(d.Proposed, tp(cert)) {
					t.Errorf("Decide().Proposed = %q contains x5c certificate %s", d.Proposed, cert.Subject)
				}
				for _, host := range in.Hosts {
					for _, c := range host.Chains {
						if c.Contains(tp(cert)) {
							t.Errorf("observed chain of %s contains x5c certificate %s", host.Name, cert.Subject)
						}
					}
				}
			}
		})
	}
}

// jwksWithX5C returns a JSON Web Key Set with one key without x5c and one key per
// chain, whose x5c member holds the chain in base64 DER.
func jwksWithX5C(t *testing.T, chains ...[]*x509.Certificate) []byte {
	t.Helper()
	keys := []map[string]any{{
		"kty": "EC", "crv": "P-256", "use": "sig", "kid": "plain",
		"x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
		"y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
	}}
	for i, certs := range chains {
		var encoded []string
		for _, cert := range certs {
			encoded = append(encoded, base64.StdEncoding.EncodeToString(cert.Raw))
		}
		keys = append(keys, map[string]any{
			"kty": "EC", "crv": "P-256", "use": "sig", "kid": "x5c-" + string(rune('a'+i)),
			"x":   "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
			"y":   "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
			"x5c": encoded,
		})
	}
	body, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatalf("encoding JWKS: %v", err)
	}
	return body
}
