// Package bench seeds sandbox accounts for the benchmark command: many loopback
// issuers with an injected network delay, one of them much slower than the rest, and
// an AWS API double per account size that holds one IAM OIDC provider per issuer. It
// also runs a sweep in a child process and reads the child's resource usage, so the
// issuers and the double, which run in the benchmark's own process, never count
// towards the sweep's CPU time and memory.
//
// It is benchmark code: nothing under pkg/ or functions/ imports it. It asserts
// nothing about the figures; the command prints them.
package bench

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/awsdouble"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/issuerfarm"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/pki"
)

// Region is the region of the sandbox account's SNS topic and SDK clients.
const Region = "eu-west-1"

// SlowName is the host name of the slow issuer. It sorts after the "issuer-" names,
// so IAM lists its provider last and a sweep starts it last: the worst case for the
// sweep's wall time.
const SlowName = "slow.bench.test"

// IssuerOptions describe the issuers to start.
type IssuerOptions struct {
	// Count is the number of issuers, the slow one included.
	Count int
	// Delay is each fast issuer's handshake delay and response delay.
	Delay time.Duration
	// SlowDelay is the slow issuer's handshake delay and response delay.
	SlowDelay time.Duration
	// Now is the time the certificates are valid around.
	Now time.Time
}

// Issuers are loopback issuers in one farm, with the trust store that verifies them
// as publicly trusted.
type Issuers struct {
	Farm *issuerfarm.Farm
	// Servers lists the slow issuer first, then the fast ones.
	Servers []*issuerfarm.Server
	// Current is the thumbprint every issuer needs: its intermediate CA.
	Current string
	// Previous is a thumbprint of an intermediate that no issuer serves any more.
	Previous string
	dir      string
}

// StartIssuers starts opts.Count issuers and writes their trust store to a temporary
// folder. Call Close when done.
func StartIssuers(opts IssuerOptions) (*Issuers, error) {
	if opts.Count < 1 {
		return nil, fmt.Errorf("bench: issuer count %d: want at least 1", opts.Count)
	}
	is := &Issuers{Farm: issuerfarm.New()}
	ok := false
	defer func() {
		if !ok {
			is.Close()
		}
	}()

	notBefore, notAfter := opts.Now.Add(-24*time.Hour), opts.Now.AddDate(1, 0, 0)
	root, err := pki.NewRoot("Bench Public Root CA", notBefore, notAfter.AddDate(5, 0, 0))
	if err != nil {
		return nil, err
	}
	current, err := root.Intermediate("Bench Public Issuing CA 2026", notBefore, notAfter)
	if err != nil {
		return nil, err
	}
	previous, err := root.Intermediate("Bench Public Issuing CA 2025", notBefore, notAfter)
	if err != nil {
		return nil, err
	}
	is.Current = chain.Describe(current.Cert).Thumbprint
	is.Previous = chain.Describe(previous.Cert).Thumbprint

	if is.dir, err = writeTrustStore(root.Cert); err != nil {
		return nil, err
	}

	for i := range opts.Count {
		name, delay := fmt.Sprintf("issuer-%04d.bench.test", i), opts.Delay
		if i == 0 {
			name, delay = SlowName, opts.SlowDelay
		}
		server, err := startIssuer(is.Farm, current, name, delay, notBefore, notAfter)
		if err != nil {
			return nil, err
		}
		is.Servers = append(is.Servers, server)
	}

	ok = true
	return is, nil
}

func startIssuer(farm *issuerfarm.Farm, ca *pki.CA, name string, delay time.Duration, notBefore, notAfter time.Time) (*issuerfarm.Server, error) {
	leaf, err := ca.Leaf([]string{name}, notBefore, notAfter)
	if err != nil {
		return nil, err
	}
	server, err := farm.Start(issuerfarm.Options{
		Name:         name,
		Certificates: []tls.Certificate{leaf.TLSCertificate(ca.Cert)},
		Faults:       issuerfarm.Faults{HandshakeDelay: delay, ResponseDelay: delay},
	})
	if err != nil {
		return nil, fmt.Errorf("bench: starting issuer %s: %w", name, err)
	}
	return server, nil
}

// writeTrustStore writes root as the only "system" root and an empty certificate
// folder, so the function trusts the bench's issuers and nothing else.
func writeTrustStore(root *x509.Certificate) (string, error) {
	dir, err := os.MkdirTemp("", "remediator-bench-")
	if err != nil {
		return "", err
	}
	if err := os.Mkdir(filepath.Join(dir, "no-system-roots"), 0o700); err != nil {
		return dir, err
	}
	return dir, os.WriteFile(filepath.Join(dir, "public-roots.pem"), pki.PEM(root), 0o600)
}

// Handshakes returns the TLS handshakes that the first n servers counted so far.
func (is *Issuers) Handshakes(n int) int {
	total := 0
	for _, server := range is.Servers[:n] {
		total += server.TotalHandshakes()
	}
	return total
}

// Close stops every issuer and removes the trust store.
func (is *Issuers) Close() {
	is.Farm.Close()
	if is.dir != "" {
		os.RemoveAll(is.dir)
	}
}

// Account is an AWS API double holding one provider for each of the first N issuers.
type Account struct {
	AWS      *awsdouble.Server
	TopicARN string
	// ARNs lists the providers in the order of Issuers.Servers, so ARNs[0] is the
	// slow issuer's provider.
	ARNs []string
	// Stale lists the providers whose list Reset sets to a thumbprint no issuer
	// serves, so that every sweep after a Reset updates them.
	Stale   []string
	issuers *Issuers
	n       int
}

// NewAccount seeds a double with providers for the first n issuers. Every
// staleEvery-th fast provider gets a stale list and the others the current one;
// staleEvery 0 makes every list current. Call Close when done.
func NewAccount(is *Issuers, n, staleEvery int) (*Account, error) {
	if n < 1 || n > len(is.Servers) {
		return nil, fmt.Errorf("bench: account size %d: want 1 to %d", n, len(is.Servers))
	}
	a := &Account{
		AWS:     awsdouble.New(awsdouble.Options{Region: Region, Lifetime: time.Hour}),
		issuers: is,
		n:       n,
	}
	if err := a.AWS.Start(); err != nil {
		return nil, err
	}
	a.TopicARN = a.AWS.AddTopic("oidc-thumbprint-remediator")

	for i, server := range is.Servers[:n] {
		arn := a.AWS.AddProvider(strings.TrimPrefix(server.URL(), "https://"), []string{is.Current}, nil)
		a.ARNs = append(a.ARNs, arn)
		if staleEvery > 0 && i > 0 && i%staleEvery == 0 {
			a.Stale = append(a.Stale, arn)
		}
	}
	a.Reset()
	return a, nil
}

// Reset restores every provider's list to its seeded state, so each sweep does the
// same work.
func (a *Account) Reset() {
	for _, arn := range a.ARNs {
		a.AWS.SetThumbprints(arn, []string{a.issuers.Current})
	}
	for _, arn := range a.Stale {
		a.AWS.SetThumbprints(arn, []string{a.issuers.Previous})
	}
}

// Close stops the double.
func (a *Account) Close() {
	a.AWS.Close()
}

// Env returns the function's environment for this account: the double as every AWS
// endpoint, static sandbox credentials, the bench trust store as the system roots,
// and host overrides for every issuer of the account. handshakeTimeout and
// httpTimeout must exceed the slow issuer's delays.
func (a *Account) Env(handshakeTimeout, httpTimeout time.Duration) []string {
	var hosts []string
	for _, server := range a.issuers.Servers[:a.n] {
		for _, addr := range server.Addrs() {
			hosts = append(hosts, server.Name()+"="+addr.String())
		}
	}
	return []string{
		"AWS_ENDPOINT_URL=" + a.AWS.URL(),
		"AWS_ACCESS_KEY_ID=AKIASANDBOXEXAMPLE",
		"AWS_SECRET_ACCESS_KEY=sandbox-secret-not-real",
		"AWS_REGION=" + Region,
		// Static credentials are set, so the SDK never needs the instance metadata
		// service, and disabling it keeps a misconfiguration from reaching it.
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(a.issuers.dir, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(a.issuers.dir, "no-aws-credentials"),
		"SSL_CERT_FILE=" + filepath.Join(a.issuers.dir, "public-roots.pem"),
		"SSL_CERT_DIR=" + filepath.Join(a.issuers.dir, "no-system-roots"),
		"TOPIC_ARN=" + a.TopicARN,
		"ALLOW_PRIVATE_NETWORKS=true",
		"HOST_OVERRIDES=" + strings.Join(hosts, ","),
		"HANDSHAKE_TIMEOUT=" + handshakeTimeout.String(),
		"HTTP_TIMEOUT=" + httpTimeout.String(),
	}
}

// Counters are the calls an account's double and issuers received.
type Counters struct {
	List, Get, Update int // IAM actions on OIDC providers
	Publish           int // SNS Publish
	Handshakes        int // TLS handshakes counted by the account's issuers
}

// Counters returns the counts so far. Subtract two snapshots for one sweep's counts.
func (a *Account) Counters() Counters {
	return Counters{
		List:       a.AWS.Calls("iam", "ListOpenIDConnectProviders"),
		Get:        a.AWS.Calls("iam", "GetOpenIDConnectProvider"),
		Update:     a.AWS.Calls("iam", "UpdateOpenIDConnectProviderThumbprint"),
		Publish:    a.AWS.Calls("sns", "Publish"),
		Handshakes: a.issuers.Handshakes(a.n),
	}
}

// Sub returns c minus before.
func (c Counters) Sub(before Counters) Counters {
	return Counters{
		List:       c.List - before.List,
		Get:        c.Get - before.Get,
		Update:     c.Update - before.Update,
		Publish:    c.Publish - before.Publish,
		Handshakes: c.Handshakes - before.Handshakes,
	}
}
