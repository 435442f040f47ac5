package discovery

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"
)

// certValidFrom and certValidUntil pin the test certificate's validity to fixed dates
// that contain any date the tests run on, so no assertion depends on the clock.
var (
	certValidFrom  = time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC)
	certValidUntil = time.Date(2125, time.January, 1, 0, 0, 0, 0, time.UTC)
)

// selfSignedLoopback creates a self-signed certificate for 127.0.0.1 and a pool that
// trusts it.
func selfSignedLoopback(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generating key: %v", err)
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mockoidc loopback"},
		NotBefore:             certValidFrom,
		NotAfter:              certValidUntil,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("creating certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parsing certificate: %v", err)
	}

	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

func TestFetchMockOIDC(t *testing.T) {
	cert, pool := selfSignedLoopback(t)
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}

	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatalf("mockoidc.NewServer() error = %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening: %v", err)
	}
	// Start serves plain HTTP on the listener it gets, so TLS comes from the listener.
	if err := m.Start(tls.NewListener(ln, tlsConfig), tlsConfig); err != nil {
		t.Fatalf("mockoidc Start() error = %v", err)
	}
	t.Cleanup(func() {
		if err := m.Shutdown(); err != nil {
			t.Errorf("mockoidc Shutdown() error = %v", err)
		}
	})

	provider := strings.TrimPrefix(m.Issuer(), "https://")
	got, err := New(Config{RootCAs: pool}).Fetch(t.Context(), provider)
	if err != nil {
		t.Fatalf("Fetch(%q) error = %v", provider, err)
	}

	host, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		t.Fatalf("splitting %q: %v", ln.Addr(), err)
	}
	checkString(t, "DiscoveryURL", got.DiscoveryURL, m.DiscoveryEndpoint())
	checkString(t, "Issuer", got.Issuer, m.Issuer())
	checkString(t, "JWKSURI", got.JWKSURI, m.JWKSEndpoint())
	checkString(t, "DiscoveryHost", got.DiscoveryHost, host)
	checkString(t, "DiscoveryPort", got.DiscoveryPort, port)
	checkString(t, "JWKSHost", got.JWKSHost, host)
	checkString(t, "JWKSPort", got.JWKSPort, port)
	if len(got.Findings) != 0 {
		t.Errorf("Fetch().Findings = %+v, want none", got.Findings)
	}
}
