package discovery

import (
	"errors"
	"strings"
	"testing"
)

func TestIssuerURL(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"IAM form", "oidc.eks.eu-west-1.amazonaws.com/id/ABC", "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC"},
		{"https form", "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC", "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC"},
		{"trailing slash", "https://token.actions.githubusercontent.com/", "https://token.actions.githubusercontent.com"},
		{"several trailing slashes", "id.example.com/tenant//", "https://id.example.com/tenant"},
		{"host lowercased", "HTTPS://OIDC.Example.COM/id/ABC", "https://oidc.example.com/id/ABC"},
		{"path case kept", "oidc.example.com/id/AbC", "https://oidc.example.com/id/AbC"},
		{"default port dropped", "https://oidc.example.com:443/id", "https://oidc.example.com/id"},
		{"port with leading zero", "oidc.example.com:0443/id", "https://oidc.example.com/id"},
		{"other port kept", "oidc.example.com:8443/id", "https://oidc.example.com:8443/id"},
		{"empty port", "oidc.example.com:/id", "https://oidc.example.com/id"},
		{"host only", "accounts.google.com", "https://accounts.google.com"},
		{"IPv4 address", "127.0.0.1:8443", "https://127.0.0.1:8443"},
		{"IPv6 address", "[::1]:8443/x", "https://[::1]:8443/x"},
		{"IPv6 address canonical", "https://[0:0::0:1]/x", "https://[::1]/x"},
		{"escaped path kept", "id.example.com/a%2Fb/", "https://id.example.com/a%2Fb"},
		{"underscore in host", "my_idp.example.com", "https://my_idp.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := IssuerURL(tt.in)
			if err != nil {
				t.Fatalf("IssuerURL(%q) error = %v", tt.in, err)
			}
			if got.String() != tt.want {
				t.Errorf("IssuerURL(%q) = %q, want %q", tt.in, got.String(), tt.want)
			}
		})
	}
}

func TestIssuerURLRejects(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantReason string
	}{
		{"empty", "", "empty URL"},
		{"http scheme", "http://oidc.example.com/id", `scheme "http" is not https`},
		{"ftp scheme", "ftp://oidc.example.com", `scheme "ftp" is not https`},
		{"scheme without slashes", "https:oidc.example.com", "missing // after the scheme"},
		{"http without slashes", "http:/oidc.example.com", "missing // after the scheme"},
		{"user info", "https://user:secret@oidc.example.com", "contains user info"},
		{"query", "oidc.example.com/id?x=1", "contains a query"},
		{"empty query", "oidc.example.com/id?", "contains a query"},
		{"fragment", "oidc.example.com/id#frag", "contains a fragment"},
		{"empty fragment", "oidc.example.com/id#", "contains a fragment"},
		{"empty host", "https:///id", "empty host"},
		{"port only", ":8443/id", "empty host"},
		{"space in path", "oidc.example.com/id ABC", "contains whitespace"},
		{"leading space", " oidc.example.com", "contains whitespace"},
		{"trailing newline", "oidc.example.com\n", "contains whitespace"},
		{"port zero", "oidc.example.com:0", `port "0" is outside 1-65535`},
		{"port too large", "oidc.example.com:65536", `port "65536" is outside 1-65535`},
		{"empty label", "oidc..example.com", "empty label"},
		{"trailing dot", "oidc.example.com.", "empty label"},
		{"non-ASCII host", "bücher.example", "punycode"},
		{"IPv6 zone", "https://[fe80::1%25eth0]/", "IPv6 zone"},
		{"bad escape", "oidc.example.com/%zz", "cannot be parsed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := IssuerURL(tt.in)
			if err == nil {
				t.Fatalf("IssuerURL(%q) = %q, want an error", tt.in, got)
			}

			var urlErr *URLError
			if !errors.As(err, &urlErr) {
				t.Fatalf("IssuerURL(%q) error = %T %v, want *URLError", tt.in, err, err)
			}
			if urlErr.Value != tt.in {
				t.Errorf("URLError.Value = %q, want %q", urlErr.Value, tt.in)
			}
			if !strings.Contains(urlErr.Reason, tt.wantReason) {
				t.Errorf("URLError.Reason = %q, want it to contain %q", urlErr.Reason, tt.wantReason)
			}
			if !strings.Contains(err.Error(), acceptedForm) {
				t.Errorf("error %q does not name the accepted form %q", err, acceptedForm)
			}
		})
	}
}
