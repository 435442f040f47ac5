package fieldcases

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/sweep"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/issuerfarm"
)

// TestCheckJSONMatchesSchema renders real checks of loopback issuers as the command
// line's "check --format json" does and validates each document against
// docs/check.schema.json, which scripts rely on.
func TestCheckJSONMatchesSchema(t *testing.T) {
	schema, err := jsonschema.NewCompiler().Compile(filepath.Join("..", "..", "docs", "check.schema.json"))
	if err != nil {
		t.Fatalf("compiling docs/check.schema.json: %v", err)
	}
	// The schema must reject a document that scripts could not read, or the checks
	// below prove nothing.
	invalid, err := jsonschema.UnmarshalJSON(strings.NewReader(`{"schemaVersion": "1", "verdict": "fine"}`))
	if err != nil {
		t.Fatalf("decoding the invalid document: %v", err)
	}
	if schema.Validate(invalid) == nil {
		t.Fatalf("docs/check.schema.json accepts a document without hosts and with verdict \"fine\"")
	}

	public := newHierarchy(t, "Public")
	privateRoot := newRoot(t, "Private Root RP")
	proxyRoot := newRoot(t, "Intercepting Proxy Root")
	genuine := newLeaf(t, public.intermediate, issuerHost).TLSCertificate(public.intermediate.Cert, public.cross)

	tests := []struct {
		name string
		// setup starts the issuer and returns the provider URL and the list to judge.
		setup       func(t *testing.T, s *stack) (string, []string)
		wantVerdict verdict.Kind
	}{
		{
			name: "healthy",
			setup: func(t *testing.T, s *stack) (string, []string) {
				server := s.serve(issuerfarm.Options{Name: issuerHost, Certificates: []tls.Certificate{genuine}})
				return providerURL(server), []string{tp(public.cross)}
			},
			wantVerdict: verdict.OK,
		},
		{
			name: "mismatch with malformed entries",
			setup: func(t *testing.T, s *stack) (string, []string) {
				server := s.serve(issuerfarm.Options{Name: issuerHost, Certificates: []tls.Certificate{genuine}})
				return providerURL(server), []string{sha256Hex(public.cross), placeholder, tp(public.oldRoot.Cert)}
			},
			wantVerdict: verdict.Mismatch,
		},
		{
			name: "keys on another host",
			setup: func(t *testing.T, s *stack) (string, []string) {
				url, _, ii, _ := keysOnAnotherHost(t, s)
				return url, []string{ii}
			},
			wantVerdict: verdict.Mismatch,
		},
		{
			name: "private leaf-only server",
			setup: func(t *testing.T, s *stack) (string, []string) {
				s.trustPrivate(privateRoot.Cert)
				server := s.serveChain(issuerHost, newLeaf(t, privateRoot, issuerHost))
				return providerURL(server), []string{tp(privateRoot.Cert)}
			},
			wantVerdict: verdict.Mismatch,
		},
		{
			name: "discovery failed",
			setup: func(t *testing.T, s *stack) (string, []string) {
				server := s.serve(issuerfarm.Options{
					Name:         issuerHost,
					Certificates: []tls.Certificate{genuine},
					Responses: map[string]issuerfarm.Response{issuerfarm.DiscoveryPath: {
						Status: http.StatusForbidden, ContentType: "application/xml", Body: s3Error("AccessDenied", "Access Denied"),
					}},
				})
				return providerURL(server), []string{}
			},
			wantVerdict: verdict.Unreachable,
		},
		{
			name: "untrusted issuer",
			setup: func(t *testing.T, s *stack) (string, []string) {
				server := s.serveChain(issuerHost, newLeaf(t, proxyRoot, issuerHost), proxyRoot.Cert)
				return providerURL(server), []string{tp(public.cross)}
			},
			wantVerdict: verdict.Refused,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t)
			s.trustPublic(public.roots()...)
			url, configured := tt.setup(t, s)

			in, d := s.check(url, configured...)
			p := report.Provider{URL: url, Before: configured, Hosts: in.Hosts}
			sweep.Apply(&p, d)
			doc, err := report.CheckJSON(p)
			if err != nil {
				t.Fatalf("CheckJSON() error = %v", err)
			}

			value, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
			if err != nil {
				t.Fatalf("CheckJSON() output is not JSON: %v", err)
			}
			if err := schema.Validate(value); err != nil {
				t.Errorf("CheckJSON() output does not match docs/check.schema.json: %v\n%s", err, doc)
			}

			var decoded struct {
				Verdict verdict.Kind `json:"verdict"`
				URL     string       `json:"url"`
			}
			if err := json.Unmarshal(doc, &decoded); err != nil {
				t.Fatalf("decoding CheckJSON() output: %v", err)
			}
			if decoded.Verdict != tt.wantVerdict {
				t.Errorf("CheckJSON() verdict = %q, want %q", decoded.Verdict, tt.wantVerdict)
			}
			if !strings.HasPrefix(decoded.URL, issuerHost+":") {
				t.Errorf("CheckJSON() url = %q, want the issuer %s with its port", decoded.URL, issuerHost)
			}
		})
	}
}
