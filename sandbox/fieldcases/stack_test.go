package fieldcases

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/discovery"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/netguard"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/provider"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/sweep"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/thumbprint"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/tlsprobe"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/awsdouble"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/issuerfarm"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/pki"
)

// Certificates are valid from notBefore to notAfter unless a test sets other dates, and
// every check runs at the pinned time now.
var (
	notBefore = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	notAfter  = time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)
	now       = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
)

// expiryWarning is the window in which an expiring top certificate is reported.
const expiryWarning = 30 * 24 * time.Hour

// Host names of the loopback issuers.
const (
	issuerHost = "id.test"
	keysHost   = "keys.cdn.test"
	webHost    = "www.test"
)

func TestMain(m *testing.M) {
	// The SDK clients get static credentials from the AWS double; this keeps the SDK
	// from ever asking an instance metadata service.
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	os.Exit(m.Run())
}

// hierarchy is a CA family as the field cases write it: an old root R0, a new root R1,
// the cross-signed certificate X(R1<-R0) and an intermediate I1 issued by R1.
type hierarchy struct {
	oldRoot      *pki.CA
	root         *pki.CA
	cross        *x509.Certificate
	intermediate *pki.CA
}

func newHierarchy(t *testing.T, name string) hierarchy {
	t.Helper()
	var h hierarchy
	var err error

	h.oldRoot, err = pki.NewRoot(name+" Root R0", notBefore, notAfter)
	if err != nil {
		t.Fatalf("NewRoot() error = %v", err)
	}

	h.root, err = pki.NewRoot(name+" Root R1", notBefore, notAfter)
	if err != nil {
		t.Fatalf("NewRoot() error = %v", err)
	}

	h.cross, err = h.oldRoot.CrossSign(h.root, notBefore, notAfter)
	if err != nil {
		t.Fatalf("CrossSign() error = %v", err)
	}

	h.intermediate, err = h.root.Intermediate(name+" Issuing CA I1", notBefore, notAfter)
	if err != nil {
		t.Fatalf("Intermediate() error = %v", err)
	}
	return h
}

// roots returns the self-signed roots of the hierarchy, which a trust store holds.
func (h hierarchy) roots() []*x509.Certificate {
	return []*x509.Certificate{h.oldRoot.Cert, h.root.Cert}
}

// newRoot creates a self-signed root with the default validity.
func newRoot(t *testing.T, name string) *pki.CA {
	t.Helper()
	root, err := pki.NewRoot(name, notBefore, notAfter)
	if err != nil {
		t.Fatalf("NewRoot(%q) error = %v", name, err)
	}
	return root
}

// newIntermediate creates an intermediate of ca valid until until.
func newIntermediate(t *testing.T, ca *pki.CA, name string, until time.Time) *pki.CA {
	t.Helper()
	intermediate, err := ca.Intermediate(name, notBefore, until)
	if err != nil {
		t.Fatalf("Intermediate(%q) error = %v", name, err)
	}
	return intermediate
}

// newLeaf issues a server certificate for host with the default validity.
func newLeaf(t *testing.T, ca *pki.CA, host string) *pki.Leaf {
	t.Helper()
	leaf, err := ca.Leaf([]string{host}, notBefore, notAfter)
	if err != nil {
		t.Fatalf("Leaf(%q) error = %v", host, err)
	}
	return leaf
}

// tp returns the SHA-1 thumbprint of cert, the value IAM stores.
func tp(cert *x509.Certificate) string {
	return thumbprint.Of(cert)
}

func sha256Hex(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// sortedThumbprints returns the thumbprints of certs in ascending order, the order in
// which Decide appends values it adds.
func sortedThumbprints(certs ...*x509.Certificate) []string {
	values := make([]string, len(certs))
	for i, cert := range certs {
		values[i] = tp(cert)
	}
	slices.Sort(values)
	return values
}

// stack is the product's observation path wired as setup.NewObservers wires it, on
// loopback: a netguard.Guard that allows private networks and resolves through the
// issuer farm, a discovery client and a TLS prober. publicRoots replaces the system
// root store, and bundle is the operator's CA bundle.
type stack struct {
	t           *testing.T
	farm        *issuerfarm.Farm
	publicRoots []*x509.Certificate
	bundle      []*x509.Certificate

	// now is the verification time of the discovery client and the prober, and the
	// time of each decision.
	now time.Time
	// handshakeTimeout, httpTimeout, attempts and samples configure the clients.
	handshakeTimeout time.Duration
	httpTimeout      time.Duration
	attempts         int
	samples          int
}

func newStack(t *testing.T) *stack {
	t.Helper()
	farm := issuerfarm.New()
	t.Cleanup(farm.Close)
	return &stack{
		t:                t,
		farm:             farm,
		now:              now,
		handshakeTimeout: 5 * time.Second,
		httpTimeout:      5 * time.Second,
		attempts:         tlsprobe.DefaultAttempts,
		samples:          tlsprobe.DefaultSamples,
	}
}

// trustPublic adds certs to the stand-in for the system root store.
func (s *stack) trustPublic(certs ...*x509.Certificate) {
	s.publicRoots = append(s.publicRoots, certs...)
}

// trustPrivate adds certs to the operator's CA bundle.
func (s *stack) trustPrivate(certs ...*x509.Certificate) {
	s.bundle = append(s.bundle, certs...)
}

// serve starts a loopback issuer that stops when the test ends.
func (s *stack) serve(opts issuerfarm.Options) *issuerfarm.Server {
	s.t.Helper()
	server, err := s.farm.Start(opts)
	if err != nil {
		s.t.Fatalf("issuerfarm Start(%q) error = %v", opts.Name, err)
	}
	return server
}

// serveChain starts a loopback issuer for name that sends leaf followed by chain on
// every handshake.
func (s *stack) serveChain(name string, leaf *pki.Leaf, chain ...*x509.Certificate) *issuerfarm.Server {
	s.t.Helper()
	return s.serve(issuerfarm.Options{Name: name, Certificates: []tls.Certificate{leaf.TLSCertificate(chain...)}})
}

// requireLoopback skips the test when addr cannot be bound on this machine.
func requireLoopback(t *testing.T, addrs ...string) {
	t.Helper()
	for _, addr := range addrs {
		if !issuerfarm.LoopbackAvailable(addr) {
			t.Skipf("loopback address %s cannot be bound here", addr)
		}
	}
}

// clients builds the discovery client and the prober from the current trust stores.
// The discovery client trusts the public roots and the bundle, as setup does for
// HTTPS requests.
func (s *stack) clients() (*discovery.Client, *tlsprobe.Prober) {
	guard := &netguard.Guard{AllowPrivate: true, Resolver: s.farm}
	clock := func() time.Time { return s.now }

	disc := discovery.New(discovery.Config{
		DialContext: guard.DialContext,
		RootCAs:     pki.Pool(slices.Concat(s.publicRoots, s.bundle)...),
		Timeout:     s.httpTimeout,
		Now:         clock,
	})

	var bundle *x509.CertPool
	if len(s.bundle) > 0 {
		bundle = pki.Pool(s.bundle...)
	}
	prober := tlsprobe.New(tlsprobe.Config{
		Resolve:          guard.Resolve,
		Roots:            pki.Pool(s.publicRoots...),
		Bundle:           bundle,
		Samples:          s.samples,
		HandshakeTimeout: s.handshakeTimeout,
		Attempts:         s.attempts,
		Backoff:          time.Millisecond,
		Now:              clock,
	})
	return disc, prober
}

// check observes the issuer at providerURL and judges configured, as the command
// line's check does.
func (s *stack) check(providerURL string, configured ...string) (verdict.Input, verdict.Decision) {
	s.t.Helper()
	return s.checkInput(verdict.Input{ProviderURL: providerURL, Configured: configured})
}

// checkInput fills in the time and warning window of in, observes its provider and
// decides.
func (s *stack) checkInput(in verdict.Input) (verdict.Input, verdict.Decision) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	if in.Configured == nil {
		in.Configured = []string{}
	}
	in.Now = s.now
	in.ExpiryWarning = expiryWarning

	disc, prober := s.clients()
	in = sweep.Observe(ctx, disc, prober, in)
	return in, verdict.Decide(in)
}

// sweepAccount runs one sweep over every provider in double with the real IAM client.
func (s *stack) sweepAccount(double *awsdouble.Server) report.Report {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	disc, prober := s.clients()
	sweeper := &sweep.Sweeper{
		Providers: &provider.Store{API: iam.NewFromConfig(double.Config("us-east-1"))},
		Discovery: disc,
		Prober:    prober,
		Options: sweep.Options{
			ExpiryWarning: expiryWarning,
			Now:           func() time.Time { return s.now },
		},
	}
	rep, err := sweeper.Run(ctx)
	if err != nil {
		s.t.Fatalf("Sweeper.Run() error = %v", err)
	}
	return rep
}

// providerURL returns the URL of server as IAM stores it, without "https://".
func providerURL(server *issuerfarm.Server) string {
	return strings.TrimPrefix(server.URL(), "https://")
}

// startAccount starts the AWS double for one test.
func startAccount(t *testing.T) *awsdouble.Server {
	t.Helper()
	return awsdouble.StartForTest(t, awsdouble.Options{Now: func() time.Time { return now }})
}

// outcome is what a test expects of one provider: its verdict, severity, proposed
// list (nil for none) and finding codes in the order Decide sorts them, by code.
type outcome struct {
	verdict  verdict.Kind
	severity verdict.Severity
	proposed []string
	codes    []finding.Code
}

// checkDecision compares a decision with the expected outcome.
func checkDecision(t *testing.T, d verdict.Decision, want outcome) {
	t.Helper()
	if d.Verdict != want.verdict {
		t.Errorf("Decide().Verdict = %q, want %q (reason: %s)", d.Verdict, want.verdict, d.Reason)
	}
	if d.Severity != want.severity {
		t.Errorf("Decide().Severity = %q, want %q (reason: %s)", d.Severity, want.severity, d.Reason)
	}
	if !slices.Equal(d.Proposed, want.proposed) || (d.Proposed == nil) != (want.proposed == nil) {
		t.Errorf("Decide().Proposed = %q, want %q", d.Proposed, want.proposed)
	}
	if got := codesOf(d.Findings); !slices.Equal(got, want.codes) {
		t.Errorf("Decide().Findings codes = %q, want %q\nfindings: %s", got, want.codes, describeFindings(d.Findings))
	}
}

// checkReported compares one provider of a sweep report with the expected outcome.
// The report holds empty slices where a decision holds nil.
func checkReported(t *testing.T, p report.Provider, want outcome) {
	t.Helper()
	if p.Verdict != want.verdict {
		t.Errorf("report verdict = %q, want %q (reason: %s)", p.Verdict, want.verdict, p.Reason)
	}
	if p.Severity != want.severity {
		t.Errorf("report severity = %q, want %q (reason: %s)", p.Severity, want.severity, p.Reason)
	}
	if !slices.Equal(p.Proposed, want.proposed) {
		t.Errorf("report proposed = %q, want %q", p.Proposed, want.proposed)
	}
	if got := codesOf(p.Findings); !slices.Equal(got, want.codes) {
		t.Errorf("report finding codes = %q, want %q\nfindings: %s", got, want.codes, describeFindings(p.Findings))
	}
}

func codesOf(findings []finding.Finding) []finding.Code {
	var codes []finding.Code
	for _, f := range findings {
		codes = append(codes, f.Code)
	}
	return codes
}

func describeFindings(findings []finding.Finding) string {
	var b strings.Builder
	for _, f := range findings {
		fmt.Fprintf(&b, "\n  %s: %s", f.Code, f.Message)
	}
	return b.String()
}

// findingMessage returns the message of the first finding with code, or "".
func findingMessage(findings []finding.Finding, code finding.Code) string {
	for _, f := range findings {
		if f.Code == code {
			return f.Message
		}
	}
	return ""
}

// reported returns the report entry of the provider with arn.
func reported(t *testing.T, rep report.Report, arn string) report.Provider {
	t.Helper()
	for _, p := range rep.Providers {
		if p.ARN == arn {
			return p
		}
	}
	t.Fatalf("report has no provider %s", arn)
	return report.Provider{}
}

// storedList returns the thumbprint list that IAM holds for arn.
func storedList(t *testing.T, double *awsdouble.Server, arn string) []string {
	t.Helper()
	p, ok := double.Provider(arn)
	if !ok {
		t.Fatalf("AWS double has no provider %s", arn)
	}
	return p.Thumbprints
}

// checkStored compares the list IAM holds for arn with want.
func checkStored(t *testing.T, double *awsdouble.Server, arn string, want []string) {
	t.Helper()
	if got := storedList(t, double, arn); !slices.Equal(got, want) {
		t.Errorf("IAM thumbprint list after the sweep = %q, want %q", got, want)
	}
}

// updates returns how many UpdateOpenIDConnectProviderThumbprint calls IAM received.
func updates(double *awsdouble.Server) int {
	return double.Calls("iam", "UpdateOpenIDConnectProviderThumbprint")
}
