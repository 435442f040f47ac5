// Package scenario seeds the local sandbox with whole accounts: IAM OIDC providers in
// the AWS API double, loopback issuers in the issuer farm that serve them, the trust
// stores, and the environment the function needs to reach all of it. The demo, the
// end-to-end test and the benchmark share it.
//
// It is test and demo code: nothing under pkg/ or functions/ imports it.
package scenario

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/awsdouble"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/issuerfarm"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/pki"
)

// Account is a seeded sandbox account and the issuers that serve its providers.
type Account struct {
	AWS      *awsdouble.Server
	Farm     *issuerfarm.Farm
	TopicARN string
	// Providers lists the seeded providers in the order they were created.
	Providers []Provider
	dir       string
	hosts     []string
}

// Provider is one seeded IAM OIDC provider and what the sweep should conclude.
type Provider struct {
	Label string
	ARN   string
	URL   string
	// Expect is the verdict a correct sweep gives, with the severity after a slash
	// when there is one ("updated/advisory").
	Expect string
}

// Close stops the servers and removes the files the account wrote.
func (a *Account) Close() {
	if a.Farm != nil {
		a.Farm.Close()
	}
	if a.AWS != nil {
		a.AWS.Close()
	}
	if a.dir != "" {
		os.RemoveAll(a.dir)
	}
}

// Env returns the function's environment: the AWS double as every service's endpoint,
// static sandbox credentials, the public and private trust stores, and host overrides
// that point the issuers' names at their loopback addresses.
func (a *Account) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + a.AWS.URL(),
		"AWS_ACCESS_KEY_ID=AKIASANDBOXEXAMPLE",
		"AWS_SECRET_ACCESS_KEY=sandbox-secret-not-real",
		"AWS_REGION=eu-west-1",
		// Static credentials are set, so the SDK never needs the instance metadata
		// service; disabling it keeps a misconfiguration from ever reaching it.
		"AWS_EC2_METADATA_DISABLED=true",
		"SSL_CERT_FILE=" + filepath.Join(a.dir, "public-roots.pem"),
		"SSL_CERT_DIR=" + filepath.Join(a.dir, "no-system-roots"),
		"CA_BUNDLE_FILE=" + filepath.Join(a.dir, "private-ca.pem"),
		"TOPIC_ARN=" + a.TopicARN,
		"ALLOW_PRIVATE_NETWORKS=true",
		"HOST_OVERRIDES=" + strings.Join(a.hosts, ","),
		"HANDSHAKE_TIMEOUT=2s",
		"HTTP_TIMEOUT=3s",
		"PROVIDER_TIMEOUT=20s",
		"DEADLINE_MARGIN=5s",
	}
}

// PublicRoots returns the pool standing in for the system roots.
func (a *Account) PublicRoots() (*x509.CertPool, error) {
	data, err := os.ReadFile(filepath.Join(a.dir, "public-roots.pem"))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(data)
	return pool, nil
}

// Dir is the folder holding the account's trust store files.
func (a *Account) Dir() string { return a.dir }

// pkiSet holds the certificate authorities of the demo.
type pkiSet struct {
	public, private, rogue *pki.CA
	publicOld, publicNew   *pki.CA
	privateInt             *pki.CA
	notBefore, notAfter    time.Time
}

func newPKI(now time.Time) (*pkiSet, error) {
	nb, na := now.Add(-24*time.Hour), now.AddDate(1, 0, 0)
	s := &pkiSet{notBefore: nb, notAfter: na}
	var err error

	if s.public, err = pki.NewRoot("Sandbox Public Root CA", nb, na.AddDate(5, 0, 0)); err != nil {
		return nil, err
	}
	if s.publicOld, err = s.public.Intermediate("Sandbox Public Issuing CA 2025", nb, na); err != nil {
		return nil, err
	}
	if s.publicNew, err = s.public.Intermediate("Sandbox Public Issuing CA 2026", nb, na); err != nil {
		return nil, err
	}

	if s.private, err = pki.NewRoot("Example Corp Private Root CA", nb, na.AddDate(5, 0, 0)); err != nil {
		return nil, err
	}
	if s.privateInt, err = s.private.Intermediate("Example Corp Issuing CA", nb, na); err != nil {
		return nil, err
	}

	if s.rogue, err = pki.NewRoot("Unknown Self-Signed CA", nb, na); err != nil {
		return nil, err
	}
	return s, nil
}

// serve issues a leaf for name from ca and returns what the server sends: the leaf
// and ca's certificate.
func (s *pkiSet) serve(ca *pki.CA, name string) (tls.Certificate, error) {
	leaf, err := ca.Leaf([]string{name}, s.notBefore, s.notAfter)
	if err != nil {
		return tls.Certificate{}, err
	}
	return leaf.TLSCertificate(ca.Cert), nil
}

func tp(cert *x509.Certificate) string {
	return chain.Describe(cert).Thumbprint
}

// StartDemo seeds the account that "make demo" sweeps:
//   - payments: an EKS cluster's issuer whose list is right (ok);
//   - checkout: an EKS issuer whose public CA rotated (updated, advisory);
//   - ci-runners: a private issuer trusted through the CA bundle with a stale entry
//     (updated, critical);
//   - auth: a third-party issuer (mockoidc) registered with an empty list (updated);
//   - legacy-sso: an issuer whose chain does not verify (refused, nothing written);
//   - partner-idp: an issuer that refuses connections (unreachable);
//   - batch: an EKS issuer whose cluster was deleted (ok, orphaned-provider);
//
// and an EKS cluster, analytics, that has no IAM provider.
func StartDemo(now time.Time) (*Account, error) {
	a := &Account{}
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()

	var err error
	if a.dir, err = os.MkdirTemp("", "remediator-sandbox-"); err != nil {
		return nil, err
	}
	if err := os.Mkdir(filepath.Join(a.dir, "no-system-roots"), 0o700); err != nil {
		return nil, err
	}
	certs, err := newPKI(now)
	if err != nil {
		return nil, err
	}
	if err := a.writeTrustStores(certs); err != nil {
		return nil, err
	}

	a.AWS = awsdouble.New(awsdouble.Options{Region: "eu-west-1", Lifetime: 30 * time.Minute})
	if err := a.AWS.Start(); err != nil {
		return nil, err
	}
	a.TopicARN = a.AWS.AddTopic("oidc-thumbprint-remediator")
	a.Farm = issuerfarm.New()

	steps := []func(*pkiSet) error{
		a.addPayments, a.addCheckout, a.addCIRunners, a.addAuth,
		a.addLegacySSO, a.addPartnerIdP, a.addBatch,
	}
	for _, step := range steps {
		if err := step(certs); err != nil {
			return nil, err
		}
	}
	a.AWS.AddCluster("eu-west-1", "analytics", "https://oidc.eks.eu-west-1.amazonaws.com/id/ANALYTICS0000000000000000000000")

	ok = true
	return a, nil
}

func (a *Account) writeTrustStores(certs *pkiSet) error {
	files := map[string][]byte{
		"public-roots.pem": pki.PEM(certs.public.Cert),
		"private-ca.pem":   pki.PEM(certs.private.Cert),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(a.dir, name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// startIssuer starts a farm issuer and registers its name for the function's resolver.
func (a *Account) startIssuer(opts issuerfarm.Options) (*issuerfarm.Server, error) {
	srv, err := a.Farm.Start(opts)
	if err != nil {
		return nil, fmt.Errorf("starting issuer %s: %w", opts.Name, err)
	}
	for _, addr := range srv.Addrs() {
		a.hosts = append(a.hosts, opts.Name+"="+addr.String())
	}
	return srv, nil
}

func (a *Account) add(label, url string, thumbprints []string, expect string) {
	arn := a.AWS.AddProvider(url, thumbprints, nil)
	a.Providers = append(a.Providers, Provider{Label: label, ARN: arn, URL: url, Expect: expect})
}

// startEKSIssuer starts an issuer at https://oidc.eks.<region>.amazonaws.com/id/<id>
// with a leaf that c.publicNew issued.
func (a *Account) startEKSIssuer(c *pkiSet, region, id string) (*issuerfarm.Server, error) {
	name := "oidc.eks." + region + ".amazonaws.com"
	cert, err := c.serve(c.publicNew, name)
	if err != nil {
		return nil, err
	}
	return a.startIssuer(issuerfarm.Options{Name: name, Path: "/id/" + id, Certificates: []tls.Certificate{cert}})
}

func (a *Account) addPayments(c *pkiSet) error {
	srv, err := a.startEKSIssuer(c, "eu-west-1", "PAYMENTS00000000000000000000000")
	if err != nil {
		return err
	}
	url := strings.TrimPrefix(srv.URL(), "https://")
	a.AWS.AddCluster("eu-west-1", "payments", srv.URL())
	a.add("payments", url, []string{tp(c.publicNew.Cert)}, "ok")
	return nil
}

func (a *Account) addCheckout(c *pkiSet) error {
	srv, err := a.startEKSIssuer(c, "us-east-2", "CHECKOUT0000000000000000000000")
	if err != nil {
		return err
	}
	url := strings.TrimPrefix(srv.URL(), "https://")
	a.AWS.AddCluster("us-east-2", "checkout", srv.URL())
	a.add("checkout", url, []string{tp(c.publicOld.Cert)}, "updated/advisory")
	return nil
}

func (a *Account) addCIRunners(c *pkiSet) error {
	const name = "oidc.ci.example.internal"
	cert, err := c.serve(c.privateInt, name)
	if err != nil {
		return err
	}
	srv, err := a.startIssuer(issuerfarm.Options{Name: name, Certificates: []tls.Certificate{cert}})
	if err != nil {
		return err
	}
	stale := strings.Repeat("ab", 20)
	a.add("ci-runners", strings.TrimPrefix(srv.URL(), "https://"), []string{stale}, "updated/critical")
	return nil
}

func (a *Account) addAuth(c *pkiSet) error {
	const name = "auth.example.test"
	cert, err := c.serve(c.publicNew, name)
	if err != nil {
		return err
	}
	issuer, err := a.Farm.MockOIDC(name, cert)
	if err != nil {
		return fmt.Errorf("starting mockoidc: %w", err)
	}
	a.hosts = append(a.hosts, name+"=127.0.0.1")
	a.add("auth", strings.TrimPrefix(issuer, "https://"), []string{}, "updated/advisory")
	return nil
}

func (a *Account) addLegacySSO(c *pkiSet) error {
	const name = "sso.legacy.example.test"
	cert, err := c.serve(c.rogue, name)
	if err != nil {
		return err
	}
	srv, err := a.startIssuer(issuerfarm.Options{Name: name, Certificates: []tls.Certificate{cert}})
	if err != nil {
		return err
	}
	a.add("legacy-sso", strings.TrimPrefix(srv.URL(), "https://"), []string{tp(c.publicOld.Cert)}, "refused")
	return nil
}

func (a *Account) addPartnerIdP(*pkiSet) error {
	// A port that was bound and released: nothing listens there, so connections are
	// refused at once.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	const name = "idp.partner.example.test"
	a.hosts = append(a.hosts, name+"=127.0.0.1")
	a.add("partner-idp", fmt.Sprintf("%s:%d", name, port), []string{strings.Repeat("cd", 20)}, "unreachable")
	return nil
}

func (a *Account) addBatch(c *pkiSet) error {
	srv, err := a.startEKSIssuer(c, "ap-southeast-2", "BATCH000000000000000000000000000")
	if err != nil {
		return err
	}
	a.add("batch", strings.TrimPrefix(srv.URL(), "https://"), []string{tp(c.publicNew.Cert)}, "ok")
	return nil
}
