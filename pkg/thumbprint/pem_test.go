package thumbprint

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestParsePEMShowcertsTranscript(t *testing.T) {
	root := newRoot(t, "Example Root")
	intermediate := newIntermediate(t, "Example Intermediate", root)
	leaf := newLeaf(t, "id.example.test", intermediate)

	pemBlocks := strings.SplitAfter(encodePEM(leaf, intermediate.cert), "-----END CERTIFICATE-----\n")
	transcript := "CONNECTED(00000003)\n" +
		"depth=1 CN = Example Intermediate\n" +
		"---\nCertificate chain\n" +
		" 0 s:CN = id.example.test\n   i:CN = Example Intermediate\n" +
		pemBlocks[0] +
		" 1 s:CN = Example Intermediate\n   i:CN = Example Root\n" +
		// Pasted text often picks up indentation and Windows line endings.
		"  " + strings.ReplaceAll(pemBlocks[1], "\n", "\r\n") +
		"-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n" +
		"---\nServer certificate\nsubject=CN = id.example.test\n---\nDONE\n"

	certs, err := ParsePEM([]byte(transcript))
	if err != nil {
		t.Fatalf("ParsePEM() error = %v", err)
	}
	if len(certs) != 2 {
		t.Fatalf("ParsePEM() returned %d certificates, want 2", len(certs))
	}
	if !bytes.Equal(certs[0].Raw, leaf.Raw) {
		t.Errorf("certificate 1 = %q, want the leaf", certs[0].Subject)
	}
	if !bytes.Equal(certs[1].Raw, intermediate.cert.Raw) {
		t.Errorf("certificate 2 = %q, want the intermediate", certs[1].Subject)
	}
}

func TestParsePEMInvalid(t *testing.T) {
	root := newRoot(t, "Example Root")
	good := encodePEM(root.cert)
	goodLines := strings.Count(good, "\n")

	// The base64 of the second block gets a character outside the alphabet.
	corrupted := strings.Replace(good, "\n", "\n!", 1)
	// Valid base64 of bytes that are not a certificate.
	notDER := "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"

	tests := []struct {
		name      string
		in        string
		wantBlock int
		wantLine  int
		wantText  string
	}{
		{name: "corrupted base64", in: "text\n" + good + corrupted, wantBlock: 2, wantLine: 2 + goodLines, wantText: "invalid base64"},
		{name: "corrupted DER", in: notDER, wantBlock: 1, wantLine: 1, wantText: "invalid certificate"},
		{name: "missing END line", in: good + "-----BEGIN CERTIFICATE-----\nAAAA\n", wantBlock: 2, wantLine: 1 + goodLines, wantText: "missing -----END CERTIFICATE----- line"},
		{name: "new block before END", in: "-----BEGIN CERTIFICATE-----\nAAAA\n" + good, wantBlock: 1, wantLine: 1, wantText: "line 3 starts a new block"},
		{name: "empty block", in: "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", wantBlock: 1, wantLine: 1, wantText: "the block is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certs, err := ParsePEM([]byte(tt.in))
			if err == nil {
				t.Fatalf("ParsePEM() returned %d certificates, want an error", len(certs))
			}

			var blockErr *BlockError
			if !errors.As(err, &blockErr) {
				t.Fatalf("ParsePEM() error = %v (%T), want *BlockError", err, err)
			}
			if blockErr.Block != tt.wantBlock {
				t.Errorf("BlockError.Block = %d, want %d", blockErr.Block, tt.wantBlock)
			}
			if blockErr.Line != tt.wantLine {
				t.Errorf("BlockError.Line = %d, want %d", blockErr.Line, tt.wantLine)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("ParsePEM() error = %q, want it to contain %q", err, tt.wantText)
			}
		})
	}
}

func TestParsePEMCorruptedFixture(t *testing.T) {
	data, err := os.ReadFile("testdata/starfield-services-root-g2-cross-signed.pem")
	if err != nil {
		t.Fatalf("reading fixture: %v", err)
	}
	lines := strings.Split(string(data), "\n")
	lines[5] = lines[5][:10] + "*" + lines[5][11:]

	_, err = ParsePEM([]byte(strings.Join(lines, "\n")))
	if err == nil {
		t.Fatal("ParsePEM() error = nil, want an error for corrupted base64")
	}
	want := "thumbprint: certificate block 1 (starting on line 1): invalid base64: illegal base64 data at input byte "
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("ParsePEM() error = %q, want prefix %q", err, want)
	}
}

func TestParsePEMNoCertificate(t *testing.T) {
	root := newRoot(t, "Example Root")
	tests := []struct {
		name     string
		in       []byte
		wantHint string
	}{
		{name: "empty", in: nil},
		{name: "plain text", in: []byte("connect: connection refused\n")},
		{name: "private key only", in: []byte("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")},
		{name: "DER", in: root.cert.Raw, wantHint: "openssl x509 -inform der"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certs, err := ParsePEM(tt.in)
			if !errors.Is(err, ErrNoCertificate) {
				t.Fatalf("ParsePEM() = %d certificates, %v, want ErrNoCertificate", len(certs), err)
			}
			if !strings.Contains(err.Error(), "openssl s_client -showcerts") {
				t.Errorf("ParsePEM() error = %q, want it to say what input is expected", err)
			}
			if !strings.Contains(err.Error(), tt.wantHint) {
				t.Errorf("ParsePEM() error = %q, want it to contain %q", err, tt.wantHint)
			}
		})
	}
}
