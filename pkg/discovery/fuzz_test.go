package discovery

import (
	"net/url"
	"testing"
)

// FuzzIssuerURL checks that IssuerURL never panics, that every URL it returns is https
// with a host, and that normalising its own output changes nothing.
func FuzzIssuerURL(f *testing.F) {
	f.Add("oidc.eks.eu-west-1.amazonaws.com/id/ABC")
	f.Add("https://token.actions.githubusercontent.com/")
	f.Add("HTTPS://ID.example.com:0443/a%2Fb//")

	f.Fuzz(func(t *testing.T, in string) {
		u, err := IssuerURL(in)
		if err != nil {
			return
		}
		if u.Scheme != "https" {
			t.Errorf("IssuerURL(%q).Scheme = %q, want https", in, u.Scheme)
		}
		if u.Hostname() == "" {
			t.Errorf("IssuerURL(%q) = %q has no host", in, u)
		}

		again, err := IssuerURL(u.String())
		if err != nil {
			t.Fatalf("IssuerURL(%q) error = %v, want the normalised URL accepted", u.String(), err)
		}
		if again.String() != u.String() {
			t.Errorf("IssuerURL(%q) = %q, want the fixed point %q", u.String(), again.String(), u.String())
		}
	})
}

// FuzzParseDocument checks that parseDocument never panics and that every document it
// accepts has an https jwks_uri with a host.
func FuzzParseDocument(f *testing.F) {
	f.Add([]byte(`{"issuer":"https://id.example.com","jwks_uri":"https://id.example.com/keys"}`))
	f.Add([]byte(`{"jwks_uri":"http://id.example.com/keys"}`))
	f.Add([]byte(`<Error><Code>AccessDenied</Code></Error>`))

	f.Fuzz(func(t *testing.T, body []byte) {
		doc, err := parseDocument(body)
		if err != nil {
			return
		}

		u, err := url.Parse(doc.JWKSURI.String())
		if err != nil {
			t.Fatalf("parseDocument() jwks_uri %q does not parse again: %v", doc.JWKSURI, err)
		}
		if u.Scheme != "https" {
			t.Errorf("parseDocument() jwks_uri %q has scheme %q, want https", u, u.Scheme)
		}
		if u.Hostname() == "" {
			t.Errorf("parseDocument() jwks_uri %q has no host", u)
		}
	})
}
