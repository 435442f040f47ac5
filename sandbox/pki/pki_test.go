package pki

import (
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"
)

var (
	notBefore = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	notAfter  = time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC)
	now       = time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
)

type hierarchy struct {
	oldRoot, root, intermediate *CA
	cross                       *x509.Certificate
	leaf                        *Leaf
}

func newHierarchy(t *testing.T) hierarchy {
	t.Helper()

	oldRoot, err := NewRoot("Old Root", notBefore, notAfter)
	if err != nil {
		t.Fatalf("NewRoot() error = %v", err)
	}

	root, err := NewRoot("New Root", notBefore, notAfter)
	if err != nil {
		t.Fatalf("NewRoot() error = %v", err)
	}

	cross, err := oldRoot.CrossSign(root, notBefore, notAfter)
	if err != nil {
		t.Fatalf("CrossSign() error = %v", err)
	}

	intermediate, err := root.Intermediate("Issuing CA", notBefore, notAfter)
	if err != nil {
		t.Fatalf("Intermediate() error = %v", err)
	}

	leaf, err := intermediate.Leaf([]string{"id.test", "127.0.0.1", "::1"}, notBefore, notAfter)
	if err != nil {
		t.Fatalf("Leaf() error = %v", err)
	}

	return hierarchy{oldRoot: oldRoot, root: root, intermediate: intermediate, cross: cross, leaf: leaf}
}

func TestLeafVerifies(t *testing.T) {
	h := newHierarchy(t)

	tests := []struct {
		name          string
		roots         []*x509.Certificate
		intermediates []*x509.Certificate
		dnsName       string
		wantErr       bool
	}{
		{name: "through intermediate to root", roots: []*x509.Certificate{h.root.Cert}, intermediates: []*x509.Certificate{h.intermediate.Cert}, dnsName: "id.test"},
		{name: "through cross-sign to old root", roots: []*x509.Certificate{h.oldRoot.Cert}, intermediates: []*x509.Certificate{h.intermediate.Cert, h.cross}, dnsName: "id.test"},
		{name: "IP SAN", roots: []*x509.Certificate{h.root.Cert}, intermediates: []*x509.Certificate{h.intermediate.Cert}, dnsName: "127.0.0.1"},
		{name: "IPv6 SAN", roots: []*x509.Certificate{h.root.Cert}, intermediates: []*x509.Certificate{h.intermediate.Cert}, dnsName: "::1"},
		{name: "missing intermediate", roots: []*x509.Certificate{h.root.Cert}, dnsName: "id.test", wantErr: true},
		{name: "old root without cross-sign", roots: []*x509.Certificate{h.oldRoot.Cert}, intermediates: []*x509.Certificate{h.intermediate.Cert}, dnsName: "id.test", wantErr: true},
		{name: "other host", roots: []*x509.Certificate{h.root.Cert}, intermediates: []*x509.Certificate{h.intermediate.Cert}, dnsName: "other.test", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.leaf.Cert.Verify(x509.VerifyOptions{
				DNSName:       tt.dnsName,
				Roots:         Pool(tt.roots...),
				Intermediates: Pool(tt.intermediates...),
				CurrentTime:   now,
			})
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Errorf("Verify() error = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestLeafExpiresAtNotAfter(t *testing.T) {
	h := newHierarchy(t)

	_, err := h.leaf.Cert.Verify(x509.VerifyOptions{
		DNSName:       "id.test",
		Roots:         Pool(h.root.Cert),
		Intermediates: Pool(h.intermediate.Cert),
		CurrentTime:   notAfter.Add(time.Second),
	})
	if err == nil {
		t.Fatal("Verify() after NotAfter error = nil, want an expiry error")
	}
}

func TestCertificateFields(t *testing.T) {
	h := newHierarchy(t)

	tests := []struct {
		name       string
		cert       *x509.Certificate
		wantIsCA   bool
		wantIssuer string
	}{
		{name: "root", cert: h.root.Cert, wantIsCA: true, wantIssuer: "New Root"},
		{name: "intermediate", cert: h.intermediate.Cert, wantIsCA: true, wantIssuer: "New Root"},
		{name: "cross-sign", cert: h.cross, wantIsCA: true, wantIssuer: "Old Root"},
		{name: "leaf", cert: h.leaf.Cert, wantIsCA: false, wantIssuer: "Issuing CA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.cert.BasicConstraintsValid {
				t.Error("BasicConstraintsValid = false, want true")
			}
			if tt.cert.IsCA != tt.wantIsCA {
				t.Errorf("IsCA = %v, want %v", tt.cert.IsCA, tt.wantIsCA)
			}
			if got := tt.cert.Issuer.CommonName; got != tt.wantIssuer {
				t.Errorf("Issuer.CommonName = %q, want %q", got, tt.wantIssuer)
			}
			if !tt.cert.NotBefore.Equal(notBefore) || !tt.cert.NotAfter.Equal(notAfter) {
				t.Errorf("validity = %v..%v, want %v..%v", tt.cert.NotBefore, tt.cert.NotAfter, notBefore, notAfter)
			}
		})
	}

	if h.root.Cert.MaxPathLen > 0 || h.root.Cert.MaxPathLenZero {
		t.Errorf("root MaxPathLen = %d (zero flag %v), want unset", h.root.Cert.MaxPathLen, h.root.Cert.MaxPathLenZero)
	}
	if h.cross.Subject.String() != h.root.Cert.Subject.String() {
		t.Errorf("cross-sign Subject = %q, want %q", h.cross.Subject, h.root.Cert.Subject)
	}
	if !h.root.Key.PublicKey.Equal(h.cross.PublicKey) {
		t.Error("cross-sign PublicKey differs from the subject's key")
	}
}

func TestTLSCertificateOrder(t *testing.T) {
	h := newHierarchy(t)

	got := h.leaf.TLSCertificate(h.intermediate.Cert, h.cross)

	want := [][]byte{h.leaf.Cert.Raw, h.intermediate.Cert.Raw, h.cross.Raw}
	if len(got.Certificate) != len(want) {
		t.Fatalf("len(Certificate) = %d, want %d", len(got.Certificate), len(want))
	}
	for i := range want {
		if string(got.Certificate[i]) != string(want[i]) {
			t.Errorf("Certificate[%d] differs from the requested order", i)
		}
	}
	if got.PrivateKey != h.leaf.Key {
		t.Error("PrivateKey is not the leaf key")
	}
}

func TestPEMRoundTrip(t *testing.T) {
	h := newHierarchy(t)

	rest := PEM(h.intermediate.Cert, h.root.Cert)

	for i, want := range []*x509.Certificate{h.intermediate.Cert, h.root.Cert} {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			t.Fatalf("block %d: pem.Decode() = nil", i)
		}
		if block.Type != "CERTIFICATE" {
			t.Errorf("block %d: Type = %q, want %q", i, block.Type, "CERTIFICATE")
		}
		if string(block.Bytes) != string(want.Raw) {
			t.Errorf("block %d: bytes differ from the certificate", i)
		}
	}
	if len(rest) != 0 {
		t.Errorf("trailing bytes = %d, want 0", len(rest))
	}
}

func TestLeafWithoutHosts(t *testing.T) {
	root, err := NewRoot("Root", notBefore, notAfter)
	if err != nil {
		t.Fatalf("NewRoot() error = %v", err)
	}

	if _, err := root.Leaf(nil, notBefore, notAfter); err == nil {
		t.Error("Leaf(nil) error = nil, want an error")
	}
}
