package cli

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/pki"
)

// The thumbprint tests verify nothing against a clock, so their certificates use a
// pinned validity period.
var (
	pinnedNotBefore = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pinnedNotAfter  = time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)
	pinnedNow       = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
)

const starfieldFixture = "../thumbprint/testdata/starfield-services-root-g2-cross-signed.pem"

// offlineChain is a leaf, its intermediate, the self-signed root, a certificate that
// cross-signs the root from an older root, and a private root with its own leaf.
type offlineChain struct {
	leaf, inter, root, cross, oldRoot *x509.Certificate
	privateRoot, privateLeaf          *x509.Certificate
}

func newOfflineChain(t *testing.T) offlineChain {
	t.Helper()

	oldRoot, err := pki.NewRoot("Offline Old Root", pinnedNotBefore, pinnedNotAfter)
	if err != nil {
		t.Fatal(err)
	}
	root, err := pki.NewRoot("Offline Root", pinnedNotBefore, pinnedNotAfter)
	if err != nil {
		t.Fatal(err)
	}
	cross, err := oldRoot.CrossSign(root, pinnedNotBefore, pinnedNotAfter)
	if err != nil {
		t.Fatal(err)
	}

	inter, err := root.Intermediate("Offline Issuing CA", pinnedNotBefore, pinnedNotAfter)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := inter.Leaf([]string{"oidc.offline.test"}, pinnedNotBefore, pinnedNotAfter)
	if err != nil {
		t.Fatal(err)
	}

	privateRoot, err := pki.NewRoot("Offline Private Root", pinnedNotBefore, pinnedNotAfter)
	if err != nil {
		t.Fatal(err)
	}
	privateLeaf, err := privateRoot.Leaf([]string{"oidc.private.test"}, pinnedNotBefore, pinnedNotAfter)
	if err != nil {
		t.Fatal(err)
	}

	return offlineChain{
		leaf: leaf.Cert, inter: inter.Cert, root: root.Cert, cross: cross, oldRoot: oldRoot.Cert,
		privateRoot: privateRoot.Cert, privateLeaf: privateLeaf.Cert,
	}
}

// transcript renders certs the way "openssl s_client -showcerts" prints them, with the
// connection chatter around the PEM blocks.
func transcript(certs ...*x509.Certificate) string {
	var b strings.Builder
	b.WriteString("CONNECTED(00000003)\ndepth=2 CN = Offline Root\nverify return:1\n---\nCertificate chain\n")
	for i, cert := range certs {
		fmt.Fprintf(&b, " %d s:%s\n   i:%s\n   a:PKEY: id-ecPublicKey, 256 (bit); sigalg: ecdsa-with-SHA256\n", i, cert.Subject, cert.Issuer)
		b.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	}
	b.WriteString("---\nServer certificate\nsubject=CN = oidc.offline.test\n---\nSSL handshake has read 2710 bytes\nDONE\n")
	return b.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestThumbprintPublicFixture(t *testing.T) {
	out := run(t, Env{}, "", "thumbprint", starfieldFixture)

	if out.status != ExitOK {
		t.Fatalf("thumbprint exit status = %d, want %d; stderr:\n%s", out.status, ExitOK, out.stderr)
	}
	if want := "9e99a48a9960b14926bb7f3b02e22da2b0ab7280\n"; out.stdout != want {
		t.Errorf("thumbprint stdout = %q, want %q", out.stdout, want)
	}
	if !strings.Contains(out.stderr, "Starfield Services Root Certificate Authority - G2") {
		t.Errorf("thumbprint stderr does not name the chosen certificate:\n%s", out.stderr)
	}
}

func TestThumbprintChoosesTopIntermediate(t *testing.T) {
	c := newOfflineChain(t)

	tests := []struct {
		name    string
		certs   []*x509.Certificate
		want    *x509.Certificate
		because string
	}{
		{"leaf first with root", []*x509.Certificate{c.leaf, c.inter, c.root}, c.inter, "top intermediate CA"},
		{"root first", []*x509.Certificate{c.root, c.inter, c.leaf}, c.inter, "top intermediate CA"},
		{"shuffled", []*x509.Certificate{c.inter, c.leaf, c.root}, c.inter, "top intermediate CA"},
		{"without root", []*x509.Certificate{c.leaf, c.inter}, c.inter, "top certificate of the chain"},
		{"cross-signed root sent last", []*x509.Certificate{c.leaf, c.inter, c.cross}, c.cross, "top certificate of the chain"},
		{"cross-signed root before old root", []*x509.Certificate{c.oldRoot, c.cross, c.leaf, c.inter}, c.cross, "top intermediate CA"},
		{"leaf and private root", []*x509.Certificate{c.privateLeaf, c.privateRoot}, c.privateRoot, "every CA certificate in the chain is self-signed"},
		{"leaf only", []*x509.Certificate{c.leaf}, c.leaf, "no CA certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "showcerts.txt", transcript(tt.certs...))

			out := run(t, Env{}, "", "thumbprint", path)

			if out.status != ExitOK {
				t.Fatalf("thumbprint exit status = %d, want %d; stderr:\n%s", out.status, ExitOK, out.stderr)
			}
			if want := tp(tt.want) + "\n"; out.stdout != want {
				t.Errorf("thumbprint stdout = %q, want %q (%s)", out.stdout, want, tt.want.Subject)
			}
			if !strings.Contains(out.stderr, "chosen certificate: "+tt.want.Subject.String()) {
				t.Errorf("thumbprint stderr does not name %q as chosen:\n%s", tt.want.Subject, out.stderr)
			}
			if !strings.Contains(out.stderr, tt.because) {
				t.Errorf("thumbprint stderr has no reason %q:\n%s", tt.because, out.stderr)
			}
			if !strings.Contains(out.stderr, tp(tt.want)+" ") || !strings.Contains(out.stderr, "<= chosen") {
				t.Errorf("thumbprint stderr does not mark the chosen certificate in the chain:\n%s", out.stderr)
			}
		})
	}
}

func TestThumbprintWarnsOnLeaf(t *testing.T) {
	c := newOfflineChain(t)
	path := writeFile(t, "leaf.pem", string(pki.PEM(c.leaf)))

	out := run(t, Env{}, "", "thumbprint", path)

	if out.status != ExitOK {
		t.Fatalf("thumbprint exit status = %d, want %d", out.status, ExitOK)
	}
	if !strings.Contains(out.stderr, "warning: the chosen certificate is a leaf") {
		t.Errorf("thumbprint stderr has no leaf warning:\n%s", out.stderr)
	}
}

// TestThumbprintAgreesWithSweep checks that the command prints the value a sweep
// proposes for a provider whose host sends the same chain.
func TestThumbprintAgreesWithSweep(t *testing.T) {
	c := newOfflineChain(t)

	tests := []struct {
		name  string
		certs []*x509.Certificate
	}{
		{"intermediate and root", []*x509.Certificate{c.leaf, c.inter, c.root}},
		{"intermediate only", []*x509.Certificate{c.leaf, c.inter}},
		{"cross-signed root", []*x509.Certificate{c.leaf, c.inter, c.cross}},
		{"cross-signed and old root", []*x509.Certificate{c.leaf, c.inter, c.cross, c.oldRoot}},
		{"private root", []*x509.Certificate{c.privateLeaf, c.privateRoot}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent := chain.Chain{Samples: 1, Trust: chain.TrustPublic, TLSVersions: []string{"TLS 1.2"}}
			for _, cert := range tt.certs {
				sent.Certificates = append(sent.Certificates, chain.Describe(cert))
			}
			d := verdict.Decide(verdict.Input{
				ProviderURL: "oidc.offline.test",
				Configured:  []string{},
				Hosts: []chain.Host{{
					Name: "oidc.offline.test", Role: "discovery+jwks", Addresses: []string{"127.0.0.1"},
					TLS12: true, TLS13: true, Chains: []chain.Chain{sent}, Attempts: 1,
				}},
				Now: pinnedNow,
			})
			if len(d.Proposed) != 1 {
				t.Fatalf("Decide().Proposed = %q, want one value", d.Proposed)
			}

			path := writeFile(t, "chain.pem", string(pki.PEM(tt.certs...)))
			out := run(t, Env{}, "", "thumbprint", path)

			if got := strings.TrimSpace(out.stdout); got != d.Proposed[0] {
				t.Errorf("thumbprint = %q, want %q, the value Decide proposes", got, d.Proposed[0])
			}
		})
	}
}

func TestThumbprintStandardInput(t *testing.T) {
	c := newOfflineChain(t)

	out := run(t, Env{}, transcript(c.leaf, c.inter, c.root), "thumbprint", "-")

	if out.status != ExitOK {
		t.Fatalf("thumbprint - exit status = %d, want %d; stderr:\n%s", out.status, ExitOK, out.stderr)
	}
	if want := tp(c.inter) + "\n"; out.stdout != want {
		t.Errorf("thumbprint - stdout = %q, want %q", out.stdout, want)
	}
}

func TestThumbprintRejectsBadInput(t *testing.T) {
	c := newOfflineChain(t)
	good := string(pki.PEM(c.leaf))
	corrupted := string(pki.PEM(c.inter))
	corrupted = strings.Replace(corrupted, "\n", "\n!!not base64!!", 2)

	tests := []struct {
		name    string
		args    []string
		stdin   string
		wantErr []string
	}{
		{"corrupted base64", nil, good + corrupted, []string{"certificate block 2", "invalid base64"}},
		{"no certificate", nil, "hello\n", []string{"no PEM CERTIFICATE block found"}},
		{"two unrelated leaves", nil, string(pki.PEM(c.leaf, c.privateLeaf)), []string{"not one chain"}},
		{"missing file", []string{"thumbprint", filepath.Join(t.TempDir(), "absent.pem")}, "", []string{"absent.pem", "no such file"}},
		{"no argument", []string{"thumbprint"}, "", []string{"want exactly one FILE", `remediator help thumbprint`}},
		{"two arguments", []string{"thumbprint", "a.pem", "b.pem"}, "", []string{"got 2 arguments"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if args == nil {
				args = []string{"thumbprint", "-"}
			}

			out := run(t, Env{}, tt.stdin, args...)

			if out.status != ExitUsage {
				t.Errorf("%v exit status = %d, want %d", args, out.status, ExitUsage)
			}
			if out.stdout != "" {
				t.Errorf("%v stdout = %q, want nothing", args, out.stdout)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(out.stderr, want) {
					t.Errorf("%v stderr has no %q:\n%s", args, want, out.stderr)
				}
			}
		})
	}
}
