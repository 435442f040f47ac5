package discovery

import (
	"net/url"
	"strings"
	"testing"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
)

func TestParseDocument(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		wantIssuer  string
		wantJWKSURI string
		wantErr     string // empty for success
	}{
		{
			name:        "minimal",
			body:        `{"issuer":"https://id.example.com","jwks_uri":"https://id.example.com/keys"}`,
			wantIssuer:  "https://id.example.com",
			wantJWKSURI: "https://id.example.com/keys",
		},
		{
			name:        "issuer missing",
			body:        `{"jwks_uri":"https://id.example.com/keys"}`,
			wantJWKSURI: "https://id.example.com/keys",
		},
		{
			name:        "issuer not a string",
			body:        `{"issuer":7,"jwks_uri":"https://id.example.com/keys"}`,
			wantJWKSURI: "https://id.example.com/keys",
		},
		{
			name:        "x5c ignored",
			body:        `{"jwks_uri":"https://id.example.com/keys","x5c":["not base64"]}`,
			wantJWKSURI: "https://id.example.com/keys",
		},
		{name: "invalid JSON", body: `{"jwks_uri":`, wantErr: "invalid JSON"},
		{name: "HTML", body: `<html><body>Sign in</body></html>`, wantErr: "invalid JSON"},
		{name: "array", body: `["https://id.example.com/keys"]`, wantErr: "invalid JSON"},
		{name: "null", body: `null`, wantErr: "not a JSON object"},
		{name: "jwks_uri missing", body: `{"issuer":"https://id.example.com"}`, wantErr: "jwks_uri is missing"},
		{name: "jwks_uri upper case key", body: `{"JWKS_URI":"https://id.example.com/keys"}`, wantErr: "jwks_uri is missing"},
		{name: "jwks_uri empty", body: `{"jwks_uri":""}`, wantErr: "jwks_uri is empty"},
		{name: "jwks_uri null", body: `{"jwks_uri":null}`, wantErr: "jwks_uri is empty"},
		{name: "jwks_uri number", body: `{"jwks_uri":1}`, wantErr: "jwks_uri is not a string"},
		{name: "jwks_uri http", body: `{"jwks_uri":"http://id.example.com/keys"}`, wantErr: `jwks_uri "http://id.example.com/keys" is not an https URL`},
		{name: "jwks_uri relative", body: `{"jwks_uri":"/keys"}`, wantErr: "is not an https URL"},
		{name: "jwks_uri no host", body: `{"jwks_uri":"https:///keys"}`, wantErr: "has no host"},
		{name: "jwks_uri opaque", body: `{"jwks_uri":"https:keys"}`, wantErr: "has no host"},
		{name: "jwks_uri user info", body: `{"jwks_uri":"https://u:p@id.example.com/keys"}`, wantErr: "contains user info"},
		{name: "jwks_uri bad port", body: `{"jwks_uri":"https://id.example.com:0/keys"}`, wantErr: "outside 1-65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := parseDocument([]byte(tt.body))
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("parseDocument() = %+v, want an error containing %q", doc, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("parseDocument() error = %q, want it to contain %q", err, tt.wantErr)
				}
				return
			}

			if err != nil {
				t.Fatalf("parseDocument() error = %v", err)
			}
			if doc.Issuer != tt.wantIssuer {
				t.Errorf("parseDocument().Issuer = %q, want %q", doc.Issuer, tt.wantIssuer)
			}
			if got := doc.JWKSURI.String(); got != tt.wantJWKSURI {
				t.Errorf("parseDocument().JWKSURI = %q, want %q", got, tt.wantJWKSURI)
			}
		})
	}
}

func TestIssuerMismatch(t *testing.T) {
	tests := []struct {
		name        string
		providerURL string
		served      string
		wantText    string // empty when no finding is expected
	}{
		{name: "same", providerURL: "id.example.com/tenant", served: "https://id.example.com/tenant"},
		{name: "same as typed", providerURL: "https://id.example.com/tenant/", served: "https://id.example.com/tenant/"},
		{name: "trailing slash", providerURL: "id.example.com/tenant", served: "https://id.example.com/tenant/", wantText: "a trailing slash"},
		{name: "other path", providerURL: "id.example.com/tenant", served: "https://id.example.com/other", wantText: `path "/other" instead of "/tenant"`},
		{name: "other host", providerURL: "id.example.com", served: "https://login.example.com", wantText: "host login.example.com instead of id.example.com"},
		{name: "other port", providerURL: "id.example.com", served: "https://id.example.com:8443", wantText: "host id.example.com:8443 instead of id.example.com"},
		{name: "host case", providerURL: "id.example.com", served: "https://ID.example.com", wantText: `host written "ID.example.com" instead of "id.example.com"`},
		{name: "http scheme", providerURL: "id.example.com", served: "http://id.example.com", wantText: `scheme "http" instead of "https"`},
		{name: "missing", providerURL: "id.example.com", served: "", wantText: "has no issuer string"},
		{name: "not a URL", providerURL: "id.example.com", served: "https://id.example.com/%zz", wantText: "the issuer is not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			issuer := mustIssuerURL(t, tt.providerURL)

			got, ok := issuerMismatch(tt.providerURL, issuer, tt.served)
			if tt.wantText == "" {
				if ok {
					t.Fatalf("issuerMismatch() = %+v, want no finding", got)
				}
				return
			}

			if !ok {
				t.Fatalf("issuerMismatch() reported no finding, want one containing %q", tt.wantText)
			}
			if got.Code != finding.IssuerMismatch {
				t.Errorf("issuerMismatch().Code = %q, want %q", got.Code, finding.IssuerMismatch)
			}
			for _, want := range []string{tt.wantText, "iss claim", "thumbprints"} {
				if !strings.Contains(got.Message, want) {
					t.Errorf("issuerMismatch().Message = %q, want it to contain %q", got.Message, want)
				}
			}
		})
	}
}

func TestSnippet(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"empty", "", ""},
		{"plain text", "Not Found\n", "Not Found"},
		{
			name: "S3 XML error",
			body: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>R1</RequestId></Error>",
			want: "AccessDenied Access Denied R1",
		},
		{"control characters", "bad\x00\x1b[31mred\r\nline", "bad [31mred line"},
		{"invalid UTF-8", "a\xff\xfeb", "a b"},
		{"long body truncated", strings.Repeat("x", 300), strings.Repeat("x", snippetRunes) + "…"},
		{"exactly the limit", strings.Repeat("x", snippetRunes), strings.Repeat("x", snippetRunes)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := snippet([]byte(tt.body)); got != tt.want {
				t.Errorf("snippet() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestIsJSONMediaType(t *testing.T) {
	tests := []struct {
		contentType string
		want        bool
	}{
		{"application/json", true},
		{"application/json; charset=utf-8", true},
		{"Application/JSON", true},
		{"application/jwk-set+json", true},
		{"text/html; charset=utf-8", false},
		{"text/plain", false},
		{"application/octet-stream", false},
		{"", false},
		{"application/json;;", false},
	}
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			if got := isJSONMediaType(tt.contentType); got != tt.want {
				t.Errorf("isJSONMediaType(%q) = %v, want %v", tt.contentType, got, tt.want)
			}
		})
	}
}

func TestJWKSetProblem(t *testing.T) {
	tests := []struct {
		name            string
		body            string
		wantInvalidJSON bool
		wantProblem     string // empty for a usable key set
	}{
		{name: "one key", body: `{"keys":[{"kty":"RSA","kid":"1"}]}`},
		{name: "x5c not decoded", body: `{"keys":[{"kty":"RSA","x5c":["not a certificate"]}]}`},
		{name: "invalid JSON", body: `{"keys":[`, wantInvalidJSON: true, wantProblem: "is not valid JSON"},
		{name: "HTML", body: `<html></html>`, wantInvalidJSON: true, wantProblem: "is not valid JSON"},
		{name: "array", body: `[{"kty":"RSA"}]`, wantProblem: "is not a JSON Web Key Set"},
		{name: "no keys", body: `{"kty":"RSA"}`, wantProblem: "has no keys member"},
		{name: "empty keys", body: `{"keys":[]}`, wantProblem: "has an empty keys array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			invalidJSON, problem := jwkSetProblem([]byte(tt.body))
			if invalidJSON != tt.wantInvalidJSON {
				t.Errorf("jwkSetProblem() invalidJSON = %v, want %v", invalidJSON, tt.wantInvalidJSON)
			}
			if tt.wantProblem == "" && problem != "" {
				t.Errorf("jwkSetProblem() problem = %q, want none", problem)
			}
			if !strings.Contains(problem, tt.wantProblem) {
				t.Errorf("jwkSetProblem() problem = %q, want it to contain %q", problem, tt.wantProblem)
			}
		})
	}
}

func mustIssuerURL(t *testing.T, providerURL string) *url.URL {
	t.Helper()
	u, err := IssuerURL(providerURL)
	if err != nil {
		t.Fatalf("IssuerURL(%q) error = %v", providerURL, err)
	}
	return u
}
