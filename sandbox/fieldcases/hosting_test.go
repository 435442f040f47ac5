package fieldcases

import (
	"crypto/tls"
	"net/http"
	"strings"
	"testing"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/provider"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/issuerfarm"
)

// TestPrivateCALeafOnlyServer: a private issuer sends only its leaf L1, issued by RP,
// which the operator's bundle holds, and the list holds tp(RP). IAM matches only
// presented certificates, so the mismatch is critical and the report requests the full
// chain. No leaf pin is proposed unless the provider's IAM tag allows it. A server that
// sends [L1, RP] is healthy with the same list.
func TestPrivateCALeafOnlyServer(t *testing.T) {
	privateRoot := newRoot(t, "Private Root RP")
	leaf := newLeaf(t, privateRoot, issuerHost)

	tests := []struct {
		name      string
		sent      tls.Certificate
		tags      map[string]string
		want      outcome
		wantAfter []string
	}{
		{
			name: "leaf only",
			sent: leaf.TLSCertificate(),
			want: outcome{
				verdict:  verdict.Mismatch,
				severity: verdict.Critical,
				codes:    []finding.Code{finding.LeafOnlyChain, finding.StaleEntry},
			},
			wantAfter: []string{tp(privateRoot.Cert)},
		},
		{
			name:      "leaf and root",
			sent:      leaf.TLSCertificate(privateRoot.Cert),
			want:      outcome{verdict: verdict.OK},
			wantAfter: []string{tp(privateRoot.Cert)},
		},
		{
			name: "leaf only with leaf pins allowed by tag",
			sent: leaf.TLSCertificate(),
			tags: map[string]string{provider.TagAllowLeafPin: "true"},
			want: outcome{
				verdict:  verdict.Updated,
				severity: verdict.Critical,
				proposed: []string{tp(leaf.Cert)},
				codes:    []finding.Code{finding.LeafOnlyChain, finding.StaleEntry},
			},
			wantAfter: []string{tp(leaf.Cert)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t)
			s.trustPrivate(privateRoot.Cert)
			server := s.serve(issuerfarm.Options{Name: issuerHost, Certificates: []tls.Certificate{tt.sent}})
			double := startAccount(t)
			arn := double.AddProvider(providerURL(server), []string{tp(privateRoot.Cert)}, tt.tags)

			got := reported(t, s.sweepAccount(double), arn)

			checkReported(t, got, tt.want)
			checkStored(t, double, arn, tt.wantAfter)
			if message := findingMessage(got.Findings, finding.LeafOnlyChain); tt.want.codes != nil && !strings.Contains(message, "serve the full chain") {
				t.Errorf("leaf-only-chain message = %q, want it to ask for the full chain", message)
			}
		})
	}
}

// s3Error is an S3 error document, the body that a bucket behind an issuer URL sends.
func s3Error(code, message string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<Error><Code>` + code + `</Code><Message>` + message + `</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>`)
}

// TestDiscoveryRedirectWithXMLError: the discovery URL returns a redirect or an
// error carrying an XML body, as an S3 bucket does. Discovery fails, nothing is probed,
// computed or proposed, and the verdict on the list is unknown. A redirect to another
// host is not followed.
func TestDiscoveryRedirectWithXMLError(t *testing.T) {
	const xmlType = "application/xml"
	public := newHierarchy(t, "Public")
	issuerLeaf := newLeaf(t, public.intermediate, issuerHost)
	bucketLeaf := newLeaf(t, public.intermediate, "bucket.s3.test")

	tests := []struct {
		name      string
		responses func(bucketURL string) map[string]issuerfarm.Response
		// wantText is part of the discovery-failed message.
		wantText string
	}{
		{
			name: "redirect without Location",
			responses: func(string) map[string]issuerfarm.Response {
				return map[string]issuerfarm.Response{issuerfarm.DiscoveryPath: {
					Status: http.StatusMovedPermanently, ContentType: xmlType,
					Body: s3Error("PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint."),
				}}
			},
			wantText: "returned HTTP 301: \"PermanentRedirect The bucket",
		},
		{
			name: "redirect to another host",
			responses: func(bucketURL string) map[string]issuerfarm.Response {
				return map[string]issuerfarm.Response{issuerfarm.DiscoveryPath: {
					Status: http.StatusFound, ContentType: xmlType,
					Location: bucketURL + issuerfarm.DiscoveryPath,
					Body:     s3Error("TemporaryRedirect", "Please re-send this request to the specified temporary endpoint."),
				}}
			},
			wantText: "not followed",
		},
		{
			name: "access denied",
			responses: func(string) map[string]issuerfarm.Response {
				return map[string]issuerfarm.Response{issuerfarm.DiscoveryPath: {
					Status: http.StatusForbidden, ContentType: xmlType, Body: s3Error("AccessDenied", "Access Denied"),
				}}
			},
			wantText: "returned HTTP 403: \"AccessDenied Access Denied",
		},
		{
			name: "same-host redirect to an XML error",
			responses: func(string) map[string]issuerfarm.Response {
				return map[string]issuerfarm.Response{
					issuerfarm.DiscoveryPath: {Status: http.StatusFound, Location: "/moved"},
					"/moved":                 {Status: http.StatusNotFound, ContentType: xmlType, Body: s3Error("NoSuchKey", "The specified key does not exist.")},
				}
			},
			wantText: "returned HTTP 404: \"NoSuchKey",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t)
			s.trustPublic(public.roots()...)
			bucket := s.serveChain("bucket.s3.test", bucketLeaf, public.intermediate.Cert, public.cross)
			server := s.serve(issuerfarm.Options{
				Name:         issuerHost,
				Certificates: []tls.Certificate{issuerLeaf.TLSCertificate(public.intermediate.Cert, public.cross)},
				Responses:    tt.responses(bucket.URL()),
			})

			in, d := s.check(providerURL(server), tp(public.oldRoot.Cert))

			checkDecision(t, d, outcome{
				verdict: verdict.Unreachable,
				codes:   []finding.Code{finding.DiscoveryFailed},
			})
			if message := findingMessage(d.Findings, finding.DiscoveryFailed); !strings.Contains(message, tt.wantText) {
				t.Errorf("discovery-failed message = %q, want it to contain %q", message, tt.wantText)
			}
			if len(in.Hosts) != 0 {
				t.Errorf("observed %d hosts after a failed discovery, want none", len(in.Hosts))
			}
			if n := bucket.TotalHandshakes(); n != 0 {
				t.Errorf("redirect target received %d handshakes, want 0", n)
			}
		})
	}
}

// keysOnAnotherHost starts the issuer id.test, which sends [Li, Ii, Ri], and the key
// host keys.cdn.test, which sends [Lk, Ik, Rk] and serves the JWKS that the issuer's
// jwks_uri names. It returns the issuer's provider URL, the key host and the
// thumbprints of Ii and Ik.
func keysOnAnotherHost(t *testing.T, s *stack) (url string, keys *issuerfarm.Server, ii, ik string) {
	t.Helper()
	issuerRoot := newRoot(t, "Issuer Root Ri")
	issuerIntermediate := newIntermediate(t, issuerRoot, "Issuer CA Ii", notAfter)
	keysRoot := newRoot(t, "Key Host Root Rk")
	keysIntermediate := newIntermediate(t, keysRoot, "Key Host CA Ik", notAfter)
	s.trustPublic(issuerRoot.Cert, keysRoot.Cert)

	keys = s.serveChain(keysHost, newLeaf(t, keysIntermediate, keysHost), keysIntermediate.Cert, keysRoot.Cert)
	issuer := s.serve(issuerfarm.Options{
		Name:         issuerHost,
		Certificates: []tls.Certificate{newLeaf(t, issuerIntermediate, issuerHost).TLSCertificate(issuerIntermediate.Cert, issuerRoot.Cert)},
		Discovery:    func(doc map[string]any) { doc["jwks_uri"] = keys.URL() + issuerfarm.JWKSPath },
	})
	return providerURL(issuer), keys, tp(issuerIntermediate.Cert), tp(keysIntermediate.Cert)
}

// TestKeysOnAnotherHost: jwks_uri is on another host with another chain, and the list
// holds only the issuer host's value. The key host's value is needed too.
func TestKeysOnAnotherHost(t *testing.T) {
	s := newStack(t)
	url, keys, ii, ik := keysOnAnotherHost(t, s)

	in, d := s.check(url, ii)

	checkDecision(t, d, outcome{
		verdict:  verdict.Mismatch,
		severity: verdict.Advisory,
		proposed: []string{ii, ik},
		codes:    []finding.Code{finding.ForeignJWKSHost},
	})
	if !strings.Contains(d.Reason, keysHost) {
		t.Errorf("Decide().Reason = %q, want it to name %s", d.Reason, keysHost)
	}
	checkRoles(t, in.Hosts)
	if n := keys.Requests(issuerfarm.JWKSPath); n != 1 {
		t.Errorf("key host JWKS requests = %d, want 1", n)
	}
}

// TestDiscoveryAndJWKSChainsDiffer: the same two hosts, with the list holding only the
// key host's value. The discovery host's chain is reported as unpinned and both values
// are proposed.
func TestDiscoveryAndJWKSChainsDiffer(t *testing.T) {
	s := newStack(t)
	url, _, ii, ik := keysOnAnotherHost(t, s)

	in, d := s.check(url, ik)

	checkDecision(t, d, outcome{
		verdict:  verdict.Mismatch,
		severity: verdict.Advisory,
		proposed: []string{ik, ii},
		codes:    []finding.Code{finding.DiscoveryHostUnpinned, finding.ForeignJWKSHost},
	})
	if message := findingMessage(d.Findings, finding.DiscoveryHostUnpinned); !strings.Contains(message, issuerHost) {
		t.Errorf("discovery-host-unpinned message = %q, want it to name %s", message, issuerHost)
	}
	checkRoles(t, in.Hosts)
}

// checkRoles checks that the discovery host and the key host were both probed, each in
// its role.
func checkRoles(t *testing.T, hosts []chain.Host) {
	t.Helper()
	roles := map[string]string{}
	for _, host := range hosts {
		roles[host.Name] = host.Role
	}
	if roles[issuerHost] != "discovery" || roles[keysHost] != "jwks" || len(roles) != 2 {
		t.Errorf("probed hosts and roles = %v, want %s as discovery and %s as jwks", roles, issuerHost, keysHost)
	}
}
