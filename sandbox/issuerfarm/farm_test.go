package issuerfarm

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/sandbox/pki"
)

var (
	notBefore = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	notAfter  = time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC)
)

// testCA is a root and two leaves for the names the tests use.
type testCA struct {
	root   *pki.CA
	leaf   *pki.Leaf
	second *pki.Leaf
}

func newTestCA(t *testing.T) testCA {
	t.Helper()

	root, err := pki.NewRoot("Farm Test Root", notBefore, notAfter)
	if err != nil {
		t.Fatalf("NewRoot() error = %v", err)
	}

	leaf, err := root.Leaf([]string{"id.test", "keys.test", "localhost"}, notBefore, notAfter)
	if err != nil {
		t.Fatalf("Leaf() error = %v", err)
	}

	second, err := root.Leaf([]string{"id.test"}, notBefore, notAfter)
	if err != nil {
		t.Fatalf("Leaf() error = %v", err)
	}
	return testCA{root: root, leaf: leaf, second: second}
}

func newFarm(t *testing.T) *Farm {
	t.Helper()
	farm := New()
	t.Cleanup(farm.Close)
	return farm
}

func startServer(t *testing.T, farm *Farm, opts Options) *Server {
	t.Helper()
	server, err := farm.Start(opts)
	if err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	return server
}

// newClient returns an HTTP client that resolves names through farm, trusts only
// roots, follows no redirects and reuses no connections.
func newClient(t *testing.T, farm *Farm, roots *x509.CertPool, maxVersion uint16) *http.Client {
	t.Helper()
	transport := &http.Transport{
		DialContext: func(ctx context.Context, network, address string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(address)
			if err != nil {
				return nil, err
			}
			addrs, err := farm.Resolve(ctx, host)
			if err != nil {
				return nil, err
			}
			var dialer net.Dialer
			return dialer.DialContext(ctx, network, net.JoinHostPort(addrs[0].String(), port))
		},
		TLSClientConfig:   &tls.Config{RootCAs: roots, MaxVersion: maxVersion},
		DisableKeepAlives: true,
	}
	t.Cleanup(transport.CloseIdleConnections)
	return &http.Client{
		Transport: transport,
		Timeout:   10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

func get(t *testing.T, client *http.Client, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s error = %v", url, err)
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading %s error = %v", url, err)
	}
	return resp, body
}

func TestIssuerPath(t *testing.T) {
	ca := newTestCA(t)
	farm := newFarm(t)
	server := startServer(t, farm, Options{Name: "id.test", Path: "/id/ABC", Certificates: []tls.Certificate{ca.leaf.TLSCertificate()}})
	client := newClient(t, farm, pki.Pool(ca.root.Cert), 0)

	if !strings.HasSuffix(server.URL(), "/id/ABC") {
		t.Fatalf("URL() = %q, want it to end with the issuer path /id/ABC", server.URL())
	}
	resp, body := get(t, client, server.URL()+DiscoveryPath)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("discovery under the issuer path: status %d, want 200", resp.StatusCode)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Issuer != server.URL() || doc.JWKSURI != server.URL()+JWKSPath {
		t.Errorf("document = %+v, want issuer %s with its JWKS under it", doc, server.URL())
	}

	resp, _ = get(t, client, "https://"+server.Host()+DiscoveryPath)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("discovery outside the issuer path: status %d, want 404", resp.StatusCode)
	}
}

func TestDiscoveryAndJWKS(t *testing.T) {
	ca := newTestCA(t)
	farm := newFarm(t)
	server := startServer(t, farm, Options{Name: "id.test", Certificates: []tls.Certificate{ca.leaf.TLSCertificate()}})
	client := newClient(t, farm, pki.Pool(ca.root.Cert), 0)

	resp, body := get(t, client, server.URL()+DiscoveryPath)

	if resp.StatusCode != http.StatusOK {
		t.Errorf("discovery status = %d, want %d", resp.StatusCode, http.StatusOK)
	}
	if got := resp.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("discovery Content-Type = %q, want %q", got, "application/json")
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("discovery JSON error = %v", err)
	}
	if !strings.HasPrefix(server.URL(), "https://id.test:") {
		t.Errorf("URL() = %q, want https://id.test:<port>", server.URL())
	}
	if doc.Issuer != server.URL() {
		t.Errorf("issuer = %q, want %q", doc.Issuer, server.URL())
	}
	if doc.JWKSURI != server.URL()+JWKSPath {
		t.Errorf("jwks_uri = %q, want %q", doc.JWKSURI, server.URL()+JWKSPath)
	}

	resp, body = get(t, client, doc.JWKSURI)

	var jwks struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(body, &jwks); err != nil {
		t.Fatalf("JWKS JSON error = %v", err)
	}
	if resp.StatusCode != http.StatusOK || len(jwks.Keys) != 1 || jwks.Keys[0]["kty"] != "EC" {
		t.Errorf("JWKS = %d %s, want 200 with one EC key", resp.StatusCode, body)
	}
	if got := server.Requests(DiscoveryPath); got != 1 {
		t.Errorf("Requests(discovery) = %d, want 1", got)
	}
	if got := server.Requests(JWKSPath); got != 1 {
		t.Errorf("Requests(jwks) = %d, want 1", got)
	}
	if got := server.ServerNames(); !slices.Equal(got, []string{"id.test", "id.test"}) {
		t.Errorf("ServerNames() = %q, want SNI id.test twice", got)
	}
}

func TestResolver(t *testing.T) {
	ca := newTestCA(t)
	farm := newFarm(t)
	addrs := []string{"127.0.0.1"}
	if LoopbackAvailable("::1") {
		addrs = append(addrs, "::1")
	}
	server := startServer(t, farm, Options{Name: "id.test", Addrs: addrs, Certificates: []tls.Certificate{ca.leaf.TLSCertificate()}})

	got, err := farm.LookupNetIP(context.Background(), "ip", "id.test")
	if err != nil {
		t.Fatalf("LookupNetIP() error = %v", err)
	}
	if !slices.Equal(got, server.Addrs()) {
		t.Errorf("LookupNetIP() = %v, want %v", got, server.Addrs())
	}

	ip4, err := farm.LookupNetIP(context.Background(), "ip4", "id.test")
	if err != nil || !slices.Equal(ip4, []netip.Addr{netip.MustParseAddr("127.0.0.1")}) {
		t.Errorf("LookupNetIP(ip4) = %v, %v, want [127.0.0.1]", ip4, err)
	}

	_, err = farm.LookupNetIP(context.Background(), "ip", "unknown.test")
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Errorf("LookupNetIP(unknown) error = %v, want a not-found *net.DNSError", err)
	}

	if _, err := farm.Start(Options{Name: "id.test", Certificates: []tls.Certificate{ca.leaf.TLSCertificate()}}); err == nil {
		t.Error("Start() with a name already served error = nil, want an error")
	}
}

func TestRoundRobinCertificates(t *testing.T) {
	ca := newTestCA(t)
	farm := newFarm(t)
	server := startServer(t, farm, Options{
		Name:         "id.test",
		Certificates: []tls.Certificate{ca.leaf.TLSCertificate(), ca.second.TLSCertificate()},
	})

	var serials []string
	for range 4 {
		conn := dialTLS(t, server.Addrs()[0], server.Port(), &tls.Config{ServerName: "id.test", RootCAs: pki.Pool(ca.root.Cert)})
		serials = append(serials, conn.ConnectionState().PeerCertificates[0].SerialNumber.String())
		conn.Close()
	}

	first, second := ca.leaf.Cert.SerialNumber.String(), ca.second.Cert.SerialNumber.String()
	if want := []string{first, second, first, second}; !slices.Equal(serials, want) {
		t.Errorf("leaf serials = %v, want %v", serials, want)
	}
}

func TestByAddress(t *testing.T) {
	if !LoopbackAvailable("127.0.0.2") {
		t.Skip("127.0.0.2 cannot be bound on this machine")
	}
	ca := newTestCA(t)
	farm := newFarm(t)
	server := startServer(t, farm, Options{
		Name:  "id.test",
		Addrs: []string{"127.0.0.1", "127.0.0.2"},
		SelectCertificate: ByAddress(map[string]tls.Certificate{
			"127.0.0.1": ca.leaf.TLSCertificate(),
			"127.0.0.2": ca.second.TLSCertificate(),
		}),
	})

	for i, want := range []*pki.Leaf{ca.leaf, ca.second} {
		addr := server.Addrs()[i]
		conn := dialTLS(t, addr, server.Port(), &tls.Config{ServerName: "id.test", RootCAs: pki.Pool(ca.root.Cert)})
		got := conn.ConnectionState().PeerCertificates[0]
		conn.Close()

		if !got.Equal(want.Cert) {
			t.Errorf("%s sent leaf serial %s, want %s", addr, got.SerialNumber, want.Cert.SerialNumber)
		}
		if n := server.Handshakes(addr); n != 1 {
			t.Errorf("Handshakes(%s) = %d, want 1", addr, n)
		}
	}
}

func TestTLSVersions(t *testing.T) {
	tests := []struct {
		name          string
		min, max      uint16
		clientMax     uint16
		clientMin     uint16
		wantVersion   uint16
		wantHandshake bool
	}{
		{name: "1.3 only accepts 1.3", min: tls.VersionTLS13, max: tls.VersionTLS13, wantVersion: tls.VersionTLS13, wantHandshake: true},
		{name: "1.3 only rejects 1.2", min: tls.VersionTLS13, max: tls.VersionTLS13, clientMax: tls.VersionTLS12},
		{name: "1.2 only rejects 1.3", min: tls.VersionTLS12, max: tls.VersionTLS12, clientMin: tls.VersionTLS13},
		{name: "1.2 and 1.3 accepts 1.2", clientMax: tls.VersionTLS12, wantVersion: tls.VersionTLS12, wantHandshake: true},
		{name: "1.0 only rejects modern client", min: tls.VersionTLS10, max: tls.VersionTLS10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca := newTestCA(t)
			farm := newFarm(t)
			server := startServer(t, farm, Options{Name: "id.test", MinVersion: tt.min, MaxVersion: tt.max, Certificates: []tls.Certificate{ca.leaf.TLSCertificate()}})

			config := &tls.Config{ServerName: "id.test", RootCAs: pki.Pool(ca.root.Cert), MinVersion: tt.clientMin, MaxVersion: tt.clientMax}
			conn, err := tryTLS(server.Addrs()[0], server.Port(), config)
			if !tt.wantHandshake {
				if err == nil {
					conn.Close()
					t.Fatal("handshake error = nil, want a version error")
				}
				return
			}
			if err != nil {
				t.Fatalf("handshake error = %v", err)
			}
			defer conn.Close()
			if got := conn.ConnectionState().Version; got != tt.wantVersion {
				t.Errorf("Version = %s, want %s", tls.VersionName(got), tls.VersionName(tt.wantVersion))
			}
		})
	}
}

func TestDropFaults(t *testing.T) {
	tests := []struct {
		name       string
		faults     Faults
		wantFailed []bool
	}{
		{name: "drop first two", faults: Faults{DropFirst: 2}, wantFailed: []bool{true, true, false, false}},
		{name: "drop every third", faults: Faults{DropEvery: 3}, wantFailed: []bool{false, false, true, false, false, true}},
		{name: "reset all", faults: Faults{DropEvery: 1, Reset: true}, wantFailed: []bool{true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca := newTestCA(t)
			farm := newFarm(t)
			server := startServer(t, farm, Options{Name: "id.test", Certificates: []tls.Certificate{ca.leaf.TLSCertificate()}, Faults: tt.faults})

			var failed []bool
			for range tt.wantFailed {
				conn, err := tryTLS(server.Addrs()[0], server.Port(), &tls.Config{ServerName: "id.test", RootCAs: pki.Pool(ca.root.Cert)})
				if err == nil {
					conn.Close()
				}
				failed = append(failed, err != nil)
				if err != nil && tt.faults.Reset && !errors.Is(err, syscall.ECONNRESET) {
					t.Errorf("handshake error = %v, want a connection reset", err)
				}
			}

			if !slices.Equal(failed, tt.wantFailed) {
				t.Errorf("failed handshakes = %v, want %v", failed, tt.wantFailed)
			}
			if got := server.Connections(server.Addrs()[0]); got != len(tt.wantFailed) {
				t.Errorf("Connections() = %d, want %d", got, len(tt.wantFailed))
			}
		})
	}
}

func TestStallHandshake(t *testing.T) {
	ca := newTestCA(t)
	farm := newFarm(t)
	server := startServer(t, farm, Options{Name: "id.test", Certificates: []tls.Certificate{ca.leaf.TLSCertificate()}, Faults: Faults{StallHandshake: true}})

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	raw, err := (&net.Dialer{}).DialContext(ctx, "tcp", net.JoinHostPort(server.Addrs()[0].String(), server.Port()))
	if err != nil {
		t.Fatalf("dial error = %v", err)
	}
	conn := tls.Client(raw, &tls.Config{ServerName: "id.test", RootCAs: pki.Pool(ca.root.Cert)})
	defer conn.Close()

	err = conn.HandshakeContext(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("HandshakeContext() error = %v, want %v", err, context.DeadlineExceeded)
	}
	if got := server.TotalHandshakes(); got != 0 {
		t.Errorf("TotalHandshakes() = %d, want 0", got)
	}
}

func TestHandshakeDelay(t *testing.T) {
	ca := newTestCA(t)
	farm := newFarm(t)
	const delay = 50 * time.Millisecond
	server := startServer(t, farm, Options{Name: "id.test", Certificates: []tls.Certificate{ca.leaf.TLSCertificate()}, Faults: Faults{HandshakeDelay: delay}})

	start := time.Now()
	conn := dialTLS(t, server.Addrs()[0], server.Port(), &tls.Config{ServerName: "id.test", RootCAs: pki.Pool(ca.root.Cert)})
	elapsed := time.Since(start)
	conn.Close()

	if elapsed < delay {
		t.Errorf("handshake took %v, want at least %v", elapsed, delay)
	}
}

func TestResponses(t *testing.T) {
	ca := newTestCA(t)
	tests := []struct {
		name            string
		opts            Options
		path            string
		wantStatus      int
		wantContentType string
		wantLocation    string
		wantBody        string
	}{
		{
			name:            "XML error page",
			opts:            Options{Responses: map[string]Response{DiscoveryPath: {Status: http.StatusForbidden, ContentType: "application/xml", Body: []byte("<Error><Code>AccessDenied</Code></Error>")}}},
			path:            DiscoveryPath,
			wantStatus:      http.StatusForbidden,
			wantContentType: "application/xml",
			wantBody:        "<Error><Code>AccessDenied</Code></Error>",
		},
		{
			name:         "redirect to other host",
			opts:         Options{Responses: map[string]Response{DiscoveryPath: {Status: http.StatusFound, Location: "https://other.test/.well-known/openid-configuration"}}},
			path:         DiscoveryPath,
			wantStatus:   http.StatusFound,
			wantLocation: "https://other.test/.well-known/openid-configuration",
		},
		{
			name:            "invalid JSON",
			opts:            Options{Responses: map[string]Response{JWKSPath: {ContentType: "application/json", Body: []byte("{not json")}}},
			path:            JWKSPath,
			wantStatus:      http.StatusOK,
			wantContentType: "application/json",
			wantBody:        "{not json",
		},
		{
			name:            "unknown path",
			path:            "/missing",
			wantStatus:      http.StatusNotFound,
			wantContentType: "text/plain; charset=utf-8",
		},
		{
			name:            "trickled body",
			opts:            Options{Responses: map[string]Response{JWKSPath: {ContentType: "application/json", Body: []byte(`{"keys":[]}`)}}, Faults: Faults{TrickleInterval: time.Millisecond, TrickleBytes: 3}},
			path:            JWKSPath,
			wantStatus:      http.StatusOK,
			wantContentType: "application/json",
			wantBody:        `{"keys":[]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			farm := newFarm(t)
			opts := tt.opts
			opts.Name = "id.test"
			opts.Certificates = []tls.Certificate{ca.leaf.TLSCertificate()}
			server := startServer(t, farm, opts)
			client := newClient(t, farm, pki.Pool(ca.root.Cert), 0)

			resp, body := get(t, client, server.URL()+tt.path)

			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := resp.Header.Get("Content-Type"); tt.wantContentType != "" && got != tt.wantContentType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantContentType)
			}
			if got := resp.Header.Get("Location"); got != tt.wantLocation {
				t.Errorf("Location = %q, want %q", got, tt.wantLocation)
			}
			if tt.wantBody != "" && string(body) != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
		})
	}
}

func TestDiscoveryEditsAndPadding(t *testing.T) {
	ca := newTestCA(t)
	farm := newFarm(t)
	keys := startServer(t, farm, Options{Name: "keys.test", Certificates: []tls.Certificate{ca.leaf.TLSCertificate()}})
	server := startServer(t, farm, Options{
		Name:         "id.test",
		Certificates: []tls.Certificate{ca.leaf.TLSCertificate()},
		Discovery: func(doc map[string]any) {
			doc["jwks_uri"] = keys.URL() + JWKSPath
		},
		Faults: Faults{BodyPadding: 1 << 20},
	})
	client := newClient(t, farm, pki.Pool(ca.root.Cert), 0)

	_, body := get(t, client, server.URL()+DiscoveryPath)

	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("discovery JSON error = %v", err)
	}
	if got, want := doc["jwks_uri"], keys.URL()+JWKSPath; got != want {
		t.Errorf("jwks_uri = %v, want %q", got, want)
	}
	if len(body) <= 1<<20 {
		t.Errorf("body length = %d, want more than %d", len(body), 1<<20)
	}
}

func TestResponseDelay(t *testing.T) {
	ca := newTestCA(t)
	farm := newFarm(t)
	const delay = 50 * time.Millisecond
	server := startServer(t, farm, Options{Name: "id.test", Certificates: []tls.Certificate{ca.leaf.TLSCertificate()}, Faults: Faults{ResponseDelay: delay}})
	client := newClient(t, farm, pki.Pool(ca.root.Cert), 0)

	start := time.Now()
	get(t, client, server.URL()+DiscoveryPath)

	if elapsed := time.Since(start); elapsed < delay {
		t.Errorf("request took %v, want at least %v", elapsed, delay)
	}
}

func TestMockOIDC(t *testing.T) {
	ca := newTestCA(t)
	farm := newFarm(t)

	issuerURL, err := farm.MockOIDC("id.test", ca.leaf.TLSCertificate())
	if err != nil {
		t.Fatalf("MockOIDC() error = %v", err)
	}
	if !strings.HasPrefix(issuerURL, "https://id.test:") {
		t.Errorf("issuer URL = %q, want https://id.test:<port>/...", issuerURL)
	}
	client := newClient(t, farm, pki.Pool(ca.root.Cert), 0)

	resp, body := get(t, client, issuerURL+DiscoveryPath)

	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("discovery JSON error = %v (status %d)", err, resp.StatusCode)
	}
	if doc.Issuer != issuerURL {
		t.Errorf("issuer = %q, want %q", doc.Issuer, issuerURL)
	}
	if !strings.HasPrefix(doc.JWKSURI, "https://id.test:") {
		t.Errorf("jwks_uri = %q, want it on https://id.test:<port>", doc.JWKSURI)
	}
}

func tryTLS(addr netip.Addr, port string, config *tls.Config) (*tls.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dialer := &tls.Dialer{Config: config}
	conn, err := dialer.DialContext(ctx, "tcp", net.JoinHostPort(addr.String(), port))
	if err != nil {
		return nil, err
	}
	return conn.(*tls.Conn), nil
}

func dialTLS(t *testing.T, addr netip.Addr, port string, config *tls.Config) *tls.Conn {
	t.Helper()
	conn, err := tryTLS(addr, port, config)
	if err != nil {
		t.Fatalf("TLS handshake with %s error = %v", addr, err)
	}
	return conn
}
