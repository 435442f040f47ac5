package thumbprint

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"
)

// now pins the clock of every generated certificate, so none of them expires in CI.
var now = time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)

// issuer is a generated certificate together with the key that signs its children.
type issuer struct {
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

// sign creates a certificate for name and key, signed by parent, or self-signed when
// parent is nil.
func sign(t *testing.T, name string, key crypto.Signer, isCA bool, parent *issuer) *x509.Certificate {
	t.Helper()
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatalf("rand.Int() error = %v", err)
	}
	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-24 * time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
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

func newRoot(t *testing.T, name string) *issuer {
	t.Helper()
	key := newKey(t)
	return &issuer{cert: sign(t, name, key, true, nil), key: key}
}

func newIntermediate(t *testing.T, name string, parent *issuer) *issuer {
	t.Helper()
	key := newKey(t)
	return &issuer{cert: sign(t, name, key, true, parent), key: key}
}

func newLeaf(t *testing.T, name string, parent *issuer) *x509.Certificate {
	t.Helper()
	return sign(t, name, newKey(t), false, parent)
}

// crossSign returns a certificate with subject's name and key, issued by parent.
func crossSign(t *testing.T, subject, parent *issuer) *x509.Certificate {
	t.Helper()
	return sign(t, subject.cert.Subject.CommonName, subject.key, true, parent)
}

func encodePEM(certs ...*x509.Certificate) string {
	var out []byte
	for _, cert := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})...)
	}
	return string(out)
}
