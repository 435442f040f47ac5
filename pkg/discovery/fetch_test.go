package discovery

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
)

const goodJWKS = `{"keys":[{"kty":"RSA","kid":"k1","n":"AQAB","e":"AQAB"}]}`

// startServer starts an HTTPS server on 127.0.0.1 port 0 that stops when the test ends.
func startServer(t *testing.T, handler http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(handler)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// trustedPool returns a pool with the certificate that every httptest TLS server uses.
func trustedPool(t *testing.T, srv *httptest.Server) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return pool
}

// providerURL returns the server's URL with path in the form IAM stores it.
func providerURL(srv *httptest.Server, path string) string {
	return strings.TrimPrefix(srv.URL, "https://") + path
}

// issuerHandler serves a discovery document for the issuer https://<request host>/tenant,
// with the JWKS on the same host unless jwksBase is set.
type issuerHandler struct {
	issuerSuffix       string // appended to the issuer value, such as "/"
	jwksBase           string // https://host:port of the JWKS; empty means the request host
	contentType        string // of the discovery document; empty means application/json
	jwksContentType    string // empty means application/json
	jwksBody           string // empty means goodJWKS
	jwksStatus         int    // zero means 200
	redirectOnceToSelf bool   // respond to the first discovery request with 302 to /moved
}

func (h issuerHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	base := "https://" + r.Host
	jwksBase := cmp.Or(h.jwksBase, base)

	switch r.URL.Path {
	case "/tenant/.well-known/openid-configuration", "/moved":
		if h.redirectOnceToSelf && r.URL.Path != "/moved" {
			http.Redirect(w, r, "/moved", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", cmp.Or(h.contentType, "application/json"))
		fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q,"response_types_supported":["id_token"]}`,
			base+"/tenant"+h.issuerSuffix, jwksBase+"/tenant/keys")
	case "/tenant/keys":
		w.Header().Set("Content-Type", cmp.Or(h.jwksContentType, "application/json"))
		w.WriteHeader(cmp.Or(h.jwksStatus, http.StatusOK))
		fmt.Fprint(w, cmp.Or(h.jwksBody, goodJWKS))
	default:
		http.NotFound(w, r)
	}
}

func TestFetch(t *testing.T) {
	keys := startServer(t, issuerHandler{})

	tests := []struct {
		name         string
		handler      issuerHandler
		wantForeign  bool
		wantFindings []finding.Code
		wantInText   []string // substrings of the joined finding messages
	}{
		{
			name:    "good document",
			handler: issuerHandler{},
		},
		{
			name:         "issuer with trailing slash",
			handler:      issuerHandler{issuerSuffix: "/"},
			wantFindings: []finding.Code{finding.IssuerMismatch},
			wantInText:   []string{"a trailing slash", "iss claim"},
		},
		{
			name:         "foreign jwks host",
			handler:      issuerHandler{jwksBase: keys.URL},
			wantForeign:  true,
			wantFindings: []finding.Code{finding.ForeignJWKSHost},
			wantInText:   []string{providerURL(keys, ""), "needs a thumbprint too"},
		},
		{
			name:         "HTML content type with JSON body",
			handler:      issuerHandler{contentType: "text/html; charset=utf-8"},
			wantFindings: []finding.Code{finding.ContentType},
			wantInText:   []string{`discovery document`, `"text/html; charset=utf-8"`},
		},
		{
			name:    "same-host redirect followed once",
			handler: issuerHandler{redirectOnceToSelf: true},
		},
		{
			name:         "JWKS as text/plain",
			handler:      issuerHandler{jwksContentType: "text/plain"},
			wantFindings: []finding.Code{finding.ContentType},
			wantInText:   []string{"the JWKS at", `"text/plain"`},
		},
		{
			name:         "JWKS invalid JSON",
			handler:      issuerHandler{jwksBody: "<html>keys moved</html>", jwksContentType: "text/html"},
			wantFindings: []finding.Code{finding.ContentType, finding.ContentType},
			wantInText:   []string{"is not valid JSON"},
		},
		{
			name:         "JWKS without keys",
			handler:      issuerHandler{jwksBody: `{"keys":[]}`},
			wantFindings: []finding.Code{finding.JWKSUnavailable},
			wantInText:   []string{"empty keys array"},
		},
		{
			name:         "JWKS not found",
			handler:      issuerHandler{jwksStatus: http.StatusNotFound, jwksBody: "no such key set"},
			wantFindings: []finding.Code{finding.JWKSUnavailable},
			wantInText:   []string{"HTTP 404", "no such key set"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, tt.handler)
			client := New(Config{RootCAs: trustedPool(t, srv)})

			got, err := client.Fetch(t.Context(), providerURL(srv, "/tenant"))
			if err != nil {
				t.Fatalf("Fetch() error = %v", err)
			}

			host, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
			wantJWKSHost, wantJWKSPort := host, port
			if tt.wantForeign {
				wantJWKSHost, wantJWKSPort, _ = net.SplitHostPort(keys.Listener.Addr().String())
			}
			checkString(t, "DiscoveryURL", got.DiscoveryURL, srv.URL+"/tenant/.well-known/openid-configuration")
			checkString(t, "Issuer", got.Issuer, srv.URL+"/tenant"+tt.handler.issuerSuffix)
			checkString(t, "JWKSURI", got.JWKSURI, "https://"+net.JoinHostPort(wantJWKSHost, wantJWKSPort)+"/tenant/keys")
			checkString(t, "DiscoveryHost", got.DiscoveryHost, host)
			checkString(t, "DiscoveryPort", got.DiscoveryPort, port)
			checkString(t, "JWKSHost", got.JWKSHost, wantJWKSHost)
			checkString(t, "JWKSPort", got.JWKSPort, wantJWKSPort)

			if codes := findingCodes(got.Findings); !slices.Equal(codes, tt.wantFindings) {
				t.Errorf("Fetch() finding codes = %q, want %q (findings %+v)", codes, tt.wantFindings, got.Findings)
			}
			text := findingText(got.Findings)
			for _, want := range tt.wantInText {
				if !strings.Contains(text, want) {
					t.Errorf("Fetch() findings %q do not contain %q", text, want)
				}
			}
		})
	}
}

func TestFetchErrors(t *testing.T) {
	other := startServer(t, issuerHandler{})

	tests := []struct {
		name       string
		handler    http.HandlerFunc
		cfg        Config // RootCAs is filled in
		check      func(t *testing.T, err error)
		wantInText []string
	}{
		{
			name: "XML error with 403",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprint(w, s3AccessDenied)
			},
			check:      wantStatus(http.StatusForbidden, "AccessDenied Access Denied"),
			wantInText: []string{"HTTP 403", "AccessDenied"},
		},
		{
			name: "302 to another host not followed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", other.URL+"/bucket/openid-configuration")
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(http.StatusFound)
				fmt.Fprint(w, s3AccessDenied)
			},
			check:      wantRedirect(http.StatusFound, other.URL+"/bucket/openid-configuration"),
			wantInText: []string{"not followed", other.URL + "/bucket/openid-configuration"},
		},
		{
			name: "redirect to http on the same host not followed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://"+r.Host+"/plain", http.StatusMovedPermanently)
			},
			check:      wantRedirect(http.StatusMovedPermanently, ""),
			wantInText: []string{"not followed", "not https on the same host and port"},
		},
		{
			name: "redirect loop",
			handler: func(w http.ResponseWriter, r *http.Request) {
				target := "/tenant/.well-known/openid-configuration"
				if r.URL.Path == target {
					target = "/elsewhere"
				}
				http.Redirect(w, r, target, http.StatusTemporaryRedirect)
			},
			check:      wantRedirect(http.StatusTemporaryRedirect, ""),
			wantInText: []string{"not followed", "only one redirect is followed", "/tenant/.well-known/openid-configuration"},
		},
		{
			name: "302 without Location",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusFound)
				fmt.Fprint(w, "moved somewhere")
			},
			check:      wantStatus(http.StatusFound, "moved somewhere"),
			wantInText: []string{"HTTP 302"},
		},
		{
			name:       "404",
			handler:    http.NotFound,
			check:      wantStatus(http.StatusNotFound, "404 page not found"),
			wantInText: []string{"HTTP 404"},
		},
		{
			name: "500 with empty body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusInternalServerError)
			},
			check:      wantStatus(http.StatusInternalServerError, ""),
			wantInText: []string{"HTTP 500 with an empty body"},
		},
		{
			name:       "invalid JSON",
			handler:    serveJSON(`{"issuer":"x",`),
			check:      wantDocumentError,
			wantInText: []string{"invalid JSON"},
		},
		{
			name:       "missing jwks_uri",
			handler:    serveJSON(`{"issuer":"https://id.example.com"}`),
			check:      wantDocumentError,
			wantInText: []string{"jwks_uri is missing"},
		},
		{
			name:       "http jwks_uri",
			handler:    serveJSON(`{"jwks_uri":"http://keys.example.com/keys"}`),
			check:      wantDocumentError,
			wantInText: []string{`jwks_uri "http://keys.example.com/keys" is not an https URL`},
		},
		{
			name:       "oversized body with Content-Length",
			handler:    serveJSON(`{"jwks_uri":"https://keys.example.com/keys","pad":"` + strings.Repeat("x", 2048) + `"}`),
			cfg:        Config{MaxBodyBytes: 1024},
			check:      wantTooLarge(1024),
			wantInText: []string{"exceeds the limit of 1024 bytes"},
		},
		{
			name: "oversized body streamed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"jwks_uri":"https://keys.example.com/keys","pad":"`)
				for range 4 {
					fmt.Fprint(w, strings.Repeat("x", 512))
					w.(http.Flusher).Flush()
				}
				fmt.Fprint(w, `"}`)
			},
			cfg:        Config{MaxBodyBytes: 1024},
			check:      wantTooLarge(1024),
			wantInText: []string{"exceeds the limit of 1024 bytes"},
		},
		{
			name: "slow server",
			handler: func(w http.ResponseWriter, r *http.Request) {
				<-r.Context().Done()
			},
			cfg: Config{Timeout: 100 * time.Millisecond},
			check: func(t *testing.T, err error) {
				t.Helper()
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("Fetch() error = %v, want it to wrap context.DeadlineExceeded", err)
				}
			},
			wantInText: []string{"timed out after 100ms"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, tt.handler)
			cfg := tt.cfg
			cfg.RootCAs = trustedPool(t, srv)

			got, err := New(cfg).Fetch(t.Context(), providerURL(srv, "/tenant"))
			if err == nil {
				t.Fatalf("Fetch() = %+v, want an error", got)
			}
			if got.DiscoveryURL != "" || got.Findings != nil {
				t.Errorf("Fetch() result = %+v, want the zero Result with an error", got)
			}
			tt.check(t, err)
			for _, want := range tt.wantInText {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Fetch() error = %q, want it to contain %q", err, want)
				}
			}
		})
	}
}

const s3AccessDenied = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>4Q1B</RequestId></Error>`

func serveJSON(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}
}

func wantStatus(code int, snippet string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var statusErr *StatusError
		if !errors.As(err, &statusErr) {
			t.Fatalf("Fetch() error = %T %v, want *StatusError", err, err)
		}
		if statusErr.StatusCode != code {
			t.Errorf("StatusError.StatusCode = %d, want %d", statusErr.StatusCode, code)
		}
		if !strings.HasPrefix(statusErr.Snippet, snippet) {
			t.Errorf("StatusError.Snippet = %q, want it to start with %q", statusErr.Snippet, snippet)
		}
	}
}

// wantRedirect checks a *RedirectError; an empty location skips the Location check.
func wantRedirect(code int, location string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var redirectErr *RedirectError
		if !errors.As(err, &redirectErr) {
			t.Fatalf("Fetch() error = %T %v, want *RedirectError", err, err)
		}
		if redirectErr.StatusCode != code {
			t.Errorf("RedirectError.StatusCode = %d, want %d", redirectErr.StatusCode, code)
		}
		if location != "" && redirectErr.Location != location {
			t.Errorf("RedirectError.Location = %q, want %q", redirectErr.Location, location)
		}
	}
}

func wantTooLarge(limit int64) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var tooLarge *BodyTooLargeError
		if !errors.As(err, &tooLarge) {
			t.Fatalf("Fetch() error = %T %v, want *BodyTooLargeError", err, err)
		}
		if tooLarge.Limit != limit {
			t.Errorf("BodyTooLargeError.Limit = %d, want %d", tooLarge.Limit, limit)
		}
	}
}

func wantDocumentError(t *testing.T, err error) {
	t.Helper()
	var docErr *DocumentError
	if !errors.As(err, &docErr) {
		t.Fatalf("Fetch() error = %T %v, want *DocumentError", err, err)
	}
}

func TestFetchSendsHeaders(t *testing.T) {
	var (
		mu      sync.Mutex
		headers []http.Header
	)
	inner := issuerHandler{}
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		headers = append(headers, r.Header.Clone())
		mu.Unlock()
		inner.ServeHTTP(w, r)
	}))

	if _, err := New(Config{RootCAs: trustedPool(t, srv)}).Fetch(t.Context(), providerURL(srv, "/tenant")); err != nil {
		t.Fatalf("Fetch() error = %v", err)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(headers) != 2 {
		t.Fatalf("server saw %d requests, want 2 (discovery and JWKS)", len(headers))
	}
	for i, h := range headers {
		if got := h.Get("Accept"); got != "application/json" {
			t.Errorf("request %d Accept = %q, want %q", i, got, "application/json")
		}
		if got := h.Get("User-Agent"); got != UserAgent {
			t.Errorf("request %d User-Agent = %q, want %q", i, got, UserAgent)
		}
	}
}

func TestFetchDialsThroughConfig(t *testing.T) {
	keys := startServer(t, issuerHandler{})
	srv := startServer(t, issuerHandler{jwksBase: keys.URL})

	var (
		mu     sync.Mutex
		dialed []string
	)
	var dialer net.Dialer
	cfg := Config{
		RootCAs: trustedPool(t, srv),
		DialContext: func(ctx context.Context, network, address string) (net.Conn, error) {
			mu.Lock()
			dialed = append(dialed, address)
			mu.Unlock()
			return dialer.DialContext(ctx, network, address)
		},
	}

	if _, err := New(cfg).Fetch(t.Context(), providerURL(srv, "/tenant")); err != nil {
		t.Fatalf("Fetch() error = %v", err)
	}

	mu.Lock()
	defer mu.Unlock()
	want := []string{srv.Listener.Addr().String(), keys.Listener.Addr().String()}
	if !slices.Equal(dialed, want) {
		t.Errorf("DialContext addresses = %q, want %q", dialed, want)
	}
}

func TestFetchReturnsDialError(t *testing.T) {
	errBlocked := errors.New("address blocked by test guard")
	var calls atomic.Int32
	cfg := Config{
		DialContext: func(ctx context.Context, network, address string) (net.Conn, error) {
			calls.Add(1)
			return nil, errBlocked
		},
	}

	// The guard rejects before any connection is made, so nothing listens here.
	_, err := New(cfg).Fetch(t.Context(), "127.0.0.1:9/tenant")
	if !errors.Is(err, errBlocked) {
		t.Fatalf("Fetch() error = %v, want it to wrap the dial error", err)
	}
	if got := calls.Load(); got != 1 {
		t.Errorf("DialContext calls = %d, want 1", got)
	}
}

func TestFetchVerifiesCertificates(t *testing.T) {
	srv := startServer(t, issuerHandler{})

	_, err := New(Config{RootCAs: x509.NewCertPool()}).Fetch(t.Context(), providerURL(srv, "/tenant"))

	var verifyErr *tls.CertificateVerificationError
	if !errors.As(err, &verifyErr) {
		t.Fatalf("Fetch() error = %v, want *tls.CertificateVerificationError", err)
	}
}

func TestFetchRejectsProviderURL(t *testing.T) {
	_, err := New(Config{}).Fetch(t.Context(), "http://127.0.0.1:9/tenant")

	var urlErr *URLError
	if !errors.As(err, &urlErr) {
		t.Fatalf("Fetch() error = %v, want *URLError", err)
	}
}

func TestFetchCallerCancel(t *testing.T) {
	started := make(chan struct{})
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	}))
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-started
		cancel()
	}()

	_, err := New(Config{RootCAs: trustedPool(t, srv)}).Fetch(ctx, providerURL(srv, "/tenant"))

	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Fetch() error = %v, want it to wrap context.Canceled", err)
	}
	if strings.Contains(err.Error(), "timed out") {
		t.Errorf("Fetch() error = %q, want no timeout wording for a cancelled caller", err)
	}
}

func TestFetchJWKSTooLarge(t *testing.T) {
	srv := startServer(t, issuerHandler{jwksBody: `{"keys":[` + strings.Repeat(`{"kty":"RSA"},`, 200) + `{"kty":"RSA"}]}`})

	got, err := New(Config{RootCAs: trustedPool(t, srv), MaxBodyBytes: 1024}).Fetch(t.Context(), providerURL(srv, "/tenant"))
	if err != nil {
		t.Fatalf("Fetch() error = %v", err)
	}

	if codes := findingCodes(got.Findings); !slices.Equal(codes, []finding.Code{finding.JWKSUnavailable}) {
		t.Fatalf("Fetch() finding codes = %q, want [%q]", codes, finding.JWKSUnavailable)
	}
	if msg := got.Findings[0].Message; !strings.Contains(msg, "exceeds the limit of 1024 bytes") {
		t.Errorf("finding message = %q, want it to name the limit", msg)
	}
}

func checkString(t *testing.T, field, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("Fetch().%s = %q, want %q", field, got, want)
	}
}

func findingCodes(findings []finding.Finding) []finding.Code {
	var codes []finding.Code
	for _, f := range findings {
		codes = append(codes, f.Code)
	}
	return codes
}

func findingText(findings []finding.Finding) string {
	var messages []string
	for _, f := range findings {
		messages = append(messages, f.Message)
	}
	return strings.Join(messages, "\n")
}

func TestFetchJWKSRedirectNotFollowed(t *testing.T) {
	keys := startServer(t, issuerHandler{})
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/tenant/keys" {
			http.Redirect(w, r, keys.URL+"/tenant/keys", http.StatusFound)
			return
		}
		issuerHandler{}.ServeHTTP(w, r)
	}))

	got, err := New(Config{RootCAs: trustedPool(t, srv)}).Fetch(t.Context(), providerURL(srv, "/tenant"))
	if err != nil {
		t.Fatalf("Fetch() error = %v", err)
	}

	if codes := findingCodes(got.Findings); !slices.Equal(codes, []finding.Code{finding.JWKSUnavailable}) {
		t.Fatalf("Fetch() finding codes = %q, want [%q]", codes, finding.JWKSUnavailable)
	}
	for _, want := range []string{"not followed", keys.URL + "/tenant/keys"} {
		if msg := got.Findings[0].Message; !strings.Contains(msg, want) {
			t.Errorf("finding message = %q, want it to contain %q", msg, want)
		}
	}
}
