package chain

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"strings"
	"time"
)

// Certificate summarises one certificate as a server sent it.
type Certificate struct {
	Subject    string    `json:"subject"`
	Issuer     string    `json:"issuer"`
	Thumbprint string    `json:"thumbprint"` // lowercase hex SHA-1 of the DER bytes
	SHA256     string    `json:"sha256"`     // lowercase hex SHA-256 of the DER bytes
	NotBefore  time.Time `json:"notBefore"`
	NotAfter   time.Time `json:"notAfter"`
	IsCA       bool      `json:"isCA"` // Basic Constraints cA, never guessed from the position
	SelfSigned bool      `json:"selfSigned"`
}

// Describe summarises cert. IsCA comes from Basic Constraints, so a certificate without
// that extension counts as a leaf.
func Describe(cert *x509.Certificate) Certificate {
	sum := sha1.Sum(cert.Raw)
	sum256 := sha256.Sum256(cert.Raw)
	return Certificate{
		Subject:    cert.Subject.String(),
		Issuer:     cert.Issuer.String(),
		Thumbprint: hex.EncodeToString(sum[:]),
		SHA256:     hex.EncodeToString(sum256[:]),
		NotBefore:  cert.NotBefore.UTC(),
		NotAfter:   cert.NotAfter.UTC(),
		IsCA:       cert.BasicConstraintsValid && cert.IsCA,
		SelfSigned: isSelfSigned(cert),
	}
}

func isSelfSigned(cert *x509.Certificate) bool {
	if string(cert.RawSubject) != string(cert.RawIssuer) {
		return false
	}
	return cert.CheckSignatureFrom(cert) == nil
}

// Trust names the root store a chain verified against.
type Trust string

const (
	// TrustPublic means the chain verified against the system root store, which
	// approximates the root CAs that AWS trusts for OIDC providers.
	TrustPublic Trust = "public"
	// TrustPrivate means the chain verified only with the operator's CA bundle.
	TrustPrivate Trust = "private"
	// TrustNone means the chain failed verification, and VerifyError gives the cause.
	TrustNone Trust = "none"
)

// Chain is one distinct certificate chain that a host sent, in the order it was sent,
// leaf first.
type Chain struct {
	Certificates []Certificate `json:"certificates"`
	// Samples counts the handshakes that received exactly this chain.
	Samples int `json:"samples"`
	// Addresses lists the IP addresses that sent this chain, sorted.
	Addresses []string `json:"addresses"`
	// TLSVersions lists the protocol versions negotiated with this chain ("TLS 1.2",
	// "TLS 1.3"), sorted.
	TLSVersions []string `json:"tlsVersions"`
	Trust       Trust    `json:"trust"`
	VerifyError string   `json:"verifyError,omitempty"`
	// TopIssuerNotAfter is the expiry of the certificate that issued Top, taken from
	// the verified chain (it may come from the root store rather than the server).
	// It is zero when the chain did not verify or Top is self-signed.
	TopIssuerNotAfter time.Time `json:"topIssuerNotAfter,omitzero"`
}

// Top returns the last certificate the server sent, which is the one whose thumbprint
// AWS documents for IAM OIDC providers. It returns the zero Certificate for an empty
// chain.
func (c Chain) Top() Certificate {
	if len(c.Certificates) == 0 {
		return Certificate{}
	}
	return c.Certificates[len(c.Certificates)-1]
}

// Pin returns the certificate whose thumbprint IAM needs for this chain: the top
// intermediate CA the server sent, which is the last sent CA certificate that is not
// self-signed. A cross-signed root counts, because it is not self-signed. When every
// sent CA certificate is self-signed, as in [leaf, private root], it is the last sent CA
// certificate. Pin returns the zero Certificate when the chain has no CA certificate.
//
// A self-signed root is redundant in a TLS Certificate message and servers drop it
// without notice, while the top intermediate is always sent. AWS documents this value
// as "the top intermediate CA", and IAM accepts a match on any presented certificate.
// Only sent certificates are candidates, so a root that only the trust store holds is
// never returned.
func (c Chain) Pin() Certificate {
	var lastCA Certificate
	for i := len(c.Certificates) - 1; i >= 0; i-- {
		cert := c.Certificates[i]
		if !cert.IsCA {
			continue
		}
		if !cert.SelfSigned {
			return cert
		}
		if lastCA.Thumbprint == "" {
			lastCA = cert
		}
	}
	return lastCA
}

// Key identifies a chain by the thumbprints of its certificates in sent order.
func (c Chain) Key() string {
	parts := make([]string, len(c.Certificates))
	for i, cert := range c.Certificates {
		parts[i] = cert.Thumbprint
	}
	return strings.Join(parts, ",")
}

// Contains reports whether any certificate in the chain has the given lowercase
// thumbprint.
func (c Chain) Contains(thumbprint string) bool {
	for _, cert := range c.Certificates {
		if cert.Thumbprint == thumbprint {
			return true
		}
	}
	return false
}

// Host is everything observed on one host name.
type Host struct {
	Name string `json:"host"`
	// Role is "discovery", "jwks" or "discovery+jwks" when one host serves both.
	Role string `json:"role"`
	// Addresses lists every address the name resolved to, sorted.
	Addresses []string `json:"addresses"`
	// TLS12 and TLS13 report which protocol versions the host accepted when each was
	// offered alone.
	TLS12 bool `json:"tls12"`
	TLS13 bool `json:"tls13"`
	// Chains holds the distinct chains seen, most samples first, ties broken by Key.
	Chains []Chain `json:"chains"`
	// Attempts counts handshakes tried, Failures those that failed after retries.
	Attempts int `json:"attempts"`
	Failures int `json:"failures"`
	// Error is set when no handshake succeeded; the host is then unreachable.
	Error string `json:"error,omitempty"`
}

// Reachable reports whether at least one handshake completed.
func (h Host) Reachable() bool {
	return len(h.Chains) > 0
}
