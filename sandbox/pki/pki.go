package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/netip"
	"time"
)

// CA is a certificate authority: a CA certificate and its private key.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// Leaf is a server certificate and its private key.
type Leaf struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// NewRoot creates a self-signed root CA named name. Its path length is unconstrained.
func NewRoot(name string, notBefore, notAfter time.Time) (*CA, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}

	template, err := caTemplate(name, notBefore, notAfter)
	if err != nil {
		return nil, err
	}

	cert, err := sign(template, template, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("pki: creating root %q: %w", name, err)
	}
	return &CA{Cert: cert, Key: key}, nil
}

// Intermediate creates a CA named name with a new key, issued by ca.
func (ca *CA) Intermediate(name string, notBefore, notAfter time.Time) (*CA, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}

	template, err := caTemplate(name, notBefore, notAfter)
	if err != nil {
		return nil, err
	}

	cert, err := sign(template, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return nil, fmt.Errorf("pki: creating intermediate %q: %w", name, err)
	}
	return &CA{Cert: cert, Key: key}, nil
}

// CrossSign issues a CA certificate with subject's name and public key, signed by ca:
// X(subject<-ca) in the notation where a chain is written leaf first. A chain that ends
// in this certificate verifies against ca's root as well as against subject itself.
func (ca *CA) CrossSign(subject *CA, notBefore, notAfter time.Time) (*x509.Certificate, error) {
	template, err := caTemplate("", notBefore, notAfter)
	if err != nil {
		return nil, err
	}
	template.Subject = subject.Cert.Subject
	template.SubjectKeyId = subject.Cert.SubjectKeyId

	cert, err := sign(template, ca.Cert, subject.Key.Public(), ca.Key)
	if err != nil {
		return nil, fmt.Errorf("pki: cross-signing %q by %q: %w", subject.Cert.Subject.CommonName, ca.Cert.Subject.CommonName, err)
	}
	return cert, nil
}

// Leaf issues a server certificate for hosts, signed by ca. Each host that parses as an
// IP address becomes an IP SAN and every other host a DNS SAN. The first host is also
// the subject common name.
func (ca *CA) Leaf(hosts []string, notBefore, notAfter time.Time) (*Leaf, error) {
	if len(hosts) == 0 {
		return nil, fmt.Errorf("pki: creating leaf: no hosts given")
	}

	key, err := newKey()
	if err != nil {
		return nil, err
	}

	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: hosts[0]},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, host := range hosts {
		if addr, err := netip.ParseAddr(host); err == nil {
			template.IPAddresses = append(template.IPAddresses, addr.AsSlice())
			continue
		}
		template.DNSNames = append(template.DNSNames, host)
	}

	cert, err := sign(template, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return nil, fmt.Errorf("pki: creating leaf for %q: %w", hosts[0], err)
	}
	return &Leaf{Cert: cert, Key: key}, nil
}

// TLSCertificate returns the certificate a server sends: the leaf followed by chain,
// in exactly the given order and with nothing added.
func (l *Leaf) TLSCertificate(chain ...*x509.Certificate) tls.Certificate {
	raw := [][]byte{l.Cert.Raw}
	for _, cert := range chain {
		raw = append(raw, cert.Raw)
	}
	return tls.Certificate{
		Certificate: raw,
		PrivateKey:  l.Key,
		Leaf:        l.Cert,
	}
}

// Pool returns a certificate pool holding certs.
func Pool(certs ...*x509.Certificate) *x509.CertPool {
	pool := x509.NewCertPool()
	for _, cert := range certs {
		pool.AddCert(cert)
	}
	return pool
}

// PEM encodes certs as consecutive PEM "CERTIFICATE" blocks, in the given order.
func PEM(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, cert := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})...)
	}
	return out
}

func caTemplate(name string, notBefore, notAfter time.Time) (*x509.Certificate, error) {
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	return &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name, Organization: []string{"pki test authority"}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}, nil
}

func sign(template, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, template, parent, pub, signer)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func newKey() (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: generating key: %w", err)
	}
	return key, nil
}

func newSerial() (*big.Int, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("pki: generating serial number: %w", err)
	}
	return serial, nil
}
