package verdict

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"math/big"
	"testing"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/thumbprint"
)

// now pins the clock of every generated certificate and of every decision, so that no
// test depends on the day it runs.
var now = time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)

const defaultValidity = 365 * 24 * time.Hour

// authority is a generated CA certificate together with the key that signs its
// children.
type authority struct {
	cert *x509.Certificate
	key  crypto.Signer
}

func newKey(t *testing.T) crypto.Signer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("ecdsa.GenerateKey() error = %v", err)
	}
	return key
}

// sign creates a certificate for name and key that expires at notAfter, signed by
// parent, or self-signed when parent is nil.
func sign(t *testing.T, name string, key crypto.Signer, isCA bool, notAfter time.Time, parent *authority) *x509.Certificate {
	t.Helper()
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatalf("rand.Int() error = %v", err)
	}
	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-30 * 24 * time.Hour),
		NotAfter:              notAfter,
		BasicConstraintsValid: true,
		IsCA:                  isCA,
	}
	if isCA {
		template.KeyUsage = x509.KeyUsageCertSign
	} else {
		template.DNSNames = []string{name}
		template.KeyUsage = x509.KeyUsageDigitalSignature
	}

	parentCert, parentKey := template, key
	if parent != nil {
		parentCert, parentKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, template, parentCert, key.Public(), parentKey)
	if err != nil {
		t.Fatalf("x509.CreateCertificate(%s) error = %v", name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("x509.ParseCertificate(%s) error = %v", name, err)
	}
	return cert
}

func newRoot(t *testing.T, name string) *authority {
	t.Helper()
	key := newKey(t)
	return &authority{cert: sign(t, name, key, true, now.Add(10*defaultValidity), nil), key: key}
}

func newIntermediate(t *testing.T, name string, parent *authority, notAfter time.Time) *authority {
	t.Helper()
	key := newKey(t)
	return &authority{cert: sign(t, name, key, true, notAfter, parent), key: key}
}

func newLeaf(t *testing.T, name string, parent *authority) *x509.Certificate {
	t.Helper()
	return sign(t, name, newKey(t), false, now.Add(90*24*time.Hour), parent)
}

// crossSign returns a certificate with subject's name and key, issued by parent, such
// as X(R1<-R0).
func crossSign(t *testing.T, subject, parent *authority) *x509.Certificate {
	t.Helper()
	return sign(t, subject.cert.Subject.CommonName, subject.key, true, now.Add(5*defaultValidity), parent)
}

// pki contains every certificate the decision tests use.
type pki struct {
	// A public chain [L1, I1, X(R1<-R0)], its renewed leaf L2, and the self-signed R1.
	r0, r1, i1 *authority
	x, l1, l2  *x509.Certificate

	// Two back-ends of one host name: [La, IA, RA] and [Lb, IB, RB].
	ra, ia, rb, ib *authority
	la, lb         *x509.Certificate

	// An intermediate of an unrelated web host.
	iw *authority

	// A private root and a leaf it issued directly.
	rp *authority
	lp *x509.Certificate

	// The discovery host [Li, Ii, Ri] and the key host [Lk, Ik, Rk].
	ri, ii, rk, ik *authority
	li, lk         *x509.Certificate

	// An intermediate of R1 that expires ten days after now, and its leaf.
	iExpiring *authority
	lExpiring *x509.Certificate

	// An intercepting proxy's root and the leaf it forges.
	rm *authority
	lm *x509.Certificate
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	p := &pki{}
	year := now.Add(defaultValidity)

	p.r0 = newRoot(t, "Old Root R0")
	p.r1 = newRoot(t, "Root R1")
	p.x = crossSign(t, p.r1, p.r0)
	p.i1 = newIntermediate(t, "Intermediate I1", p.r1, year)
	p.l1 = newLeaf(t, "id.example.test", p.i1)
	p.l2 = newLeaf(t, "id.example.test", p.i1)

	p.ra = newRoot(t, "Root RA")
	p.ia = newIntermediate(t, "Intermediate IA", p.ra, year)
	p.la = newLeaf(t, "token.example.test", p.ia)
	p.rb = newRoot(t, "Root RB")
	p.ib = newIntermediate(t, "Intermediate IB", p.rb, year)
	p.lb = newLeaf(t, "token.example.test", p.ib)

	p.iw = newIntermediate(t, "Web Intermediate IW", newRoot(t, "Web Root"), year)

	p.rp = newRoot(t, "Private Root RP")
	p.lp = newLeaf(t, "oidc.corp.test", p.rp)

	p.ri = newRoot(t, "Root RI")
	p.ii = newIntermediate(t, "Intermediate II", p.ri, year)
	p.li = newLeaf(t, "id.test", p.ii)
	p.rk = newRoot(t, "Root RK")
	p.ik = newIntermediate(t, "Intermediate IK", p.rk, year)
	p.lk = newLeaf(t, "keys.cdn.test", p.ik)

	p.iExpiring = newIntermediate(t, "Expiring Intermediate", p.r1, now.Add(10*24*time.Hour))
	p.lExpiring = newLeaf(t, "id.example.test", p.iExpiring)

	p.rm = newRoot(t, "Proxy Root")
	p.lm = newLeaf(t, "id.example.test", p.rm)
	return p
}

// tp returns the SHA-1 thumbprint of cert.
func tp(cert *x509.Certificate) string {
	return thumbprint.Of(cert)
}

func sha256Hex(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// sent describes certs as one chain that a server sent, in the given order.
func sent(trust chain.Trust, samples int, certs ...*x509.Certificate) chain.Chain {
	described := make([]chain.Certificate, len(certs))
	for i, cert := range certs {
		described[i] = chain.Describe(cert)
	}
	c := chain.Chain{Certificates: described, Samples: samples, Trust: trust}
	if trust == chain.TrustNone {
		c.VerifyError = "x509: certificate signed by unknown authority"
	}
	return c
}

// tlsVersions is the set of protocol versions a host accepts.
type tlsVersions int

const (
	bothVersions tlsVersions = iota
	onlyTLS13
)

// observedHost describes a host with the given chains, each negotiated with TLS 1.3,
// which every test host accepts.
func observedHost(name, role string, versions tlsVersions, chains ...chain.Chain) chain.Host {
	host := chain.Host{Name: name, Role: role, Addresses: []string{"127.0.0.1"}, TLS13: true, TLS12: versions == bothVersions}
	for _, c := range chains {
		c.TLSVersions = []string{"TLS 1.3"}
		c.Addresses = []string{"127.0.0.1"}
		host.Chains = append(host.Chains, c)
		host.Attempts += c.Samples
	}
	return host
}
