package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/issuerfarm"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/pki"
)

// output is what one Run call returned and wrote.
type output struct {
	status int
	stdout string
	stderr string
}

// run calls Run with args, stdin and env's other fields, and captures both streams.
func run(t *testing.T, env Env, stdin string, args ...string) output {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env.Stdin = strings.NewReader(stdin)
	env.Stdout = &stdout
	env.Stderr = &stderr
	if env.Lookup == nil {
		env.Lookup = func(string) (string, bool) { return "", false }
	}
	if env.Resolver == nil {
		env.Resolver = noNetwork{}
	}
	status := Run(context.Background(), args, env)
	return output{status: status, stdout: stdout.String(), stderr: stderr.String()}
}

// testPKI is a public root with two intermediates, and a private root with one, all
// valid around the real time because the command line verifies chains with the real clock.
type testPKI struct {
	publicRoot, publicInt *pki.CA
	publicOld             *pki.CA
	privateRoot           *pki.CA
	privateInt            *pki.CA
	notBefore, notAfter   time.Time
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	now := time.Now()
	p := &testPKI{notBefore: now.Add(-24 * time.Hour), notAfter: now.AddDate(1, 0, 0)}
	var err error

	if p.publicRoot, err = pki.NewRoot("CLI Test Public Root", p.notBefore, p.notAfter.AddDate(5, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if p.publicInt, err = p.publicRoot.Intermediate("CLI Test Issuing CA 2026", p.notBefore, p.notAfter); err != nil {
		t.Fatal(err)
	}
	if p.publicOld, err = p.publicRoot.Intermediate("CLI Test Issuing CA 2025", p.notBefore, p.notAfter); err != nil {
		t.Fatal(err)
	}

	if p.privateRoot, err = pki.NewRoot("CLI Test Private Root", p.notBefore, p.notAfter.AddDate(5, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if p.privateInt, err = p.privateRoot.Intermediate("CLI Test Private Issuing CA", p.notBefore, p.notAfter); err != nil {
		t.Fatal(err)
	}
	return p
}

// serve returns what a server for name sends: a leaf issued by ca followed by chain.
func (p *testPKI) serve(t *testing.T, ca *pki.CA, name string, chain ...*x509.Certificate) tls.Certificate {
	t.Helper()
	leaf, err := ca.Leaf([]string{name}, p.notBefore, p.notAfter)
	if err != nil {
		t.Fatal(err)
	}
	return leaf.TLSCertificate(chain...)
}

// newFarm returns an issuer farm that stops when the test ends.
func newFarm(t *testing.T) *issuerfarm.Farm {
	t.Helper()
	farm := issuerfarm.New()
	t.Cleanup(farm.Close)
	return farm
}

// startIssuer starts an issuer in farm.
func startIssuer(t *testing.T, farm *issuerfarm.Farm, opts issuerfarm.Options) *issuerfarm.Server {
	t.Helper()
	srv, err := farm.Start(opts)
	if err != nil {
		t.Fatalf("starting issuer %s: %v", opts.Name, err)
	}
	return srv
}

// validate fails the test when data does not match the JSON schema in docs/.
func validate(t *testing.T, schemaFile string, data []byte) {
	t.Helper()
	schema, err := jsonschema.NewCompiler().Compile(filepath.Join("..", "..", "docs", schemaFile))
	if err != nil {
		t.Fatalf("compiling docs/%s: %v", schemaFile, err)
	}
	value, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, data)
	}
	if err := schema.Validate(value); err != nil {
		t.Errorf("output does not match docs/%s: %v", schemaFile, err)
	}
}

func tp(cert *x509.Certificate) string {
	return chain.Describe(cert).Thumbprint
}

// noNetwork is the resolver of every test that starts no issuer, so that a command
// that gets as far as a lookup fails at once instead of querying DNS.
type noNetwork struct{}

func (noNetwork) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	return nil, &net.DNSError{Err: "tests resolve no names outside the issuer farm", Name: host, IsNotFound: true}
}

// notTerminal is Env.IsTerminal for output that goes to a pipe.
func notTerminal(io.Writer) bool { return false }
