package faults

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/config"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/handler"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/notify"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/provider"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/setup"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/sweep"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/awsdouble"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/issuerfarm"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/pki"
)

// epoch is the one instant every certificate's validity is measured from. The observers
// that setup builds verify with the wall clock, so valid certificates cover a year
// either side of epoch and invalid ones miss it by a year. A run of any length then
// judges them the same way.
var epoch = time.Now().UTC().Truncate(time.Hour)

const (
	region = "eu-west-1"
	// stale is a well-formed entry that matches no certificate any row serves.
	stale = "abababababababababababababababababababab"
)

// authorities are the certificate authorities shared by every row.
type authorities struct {
	publicRoot *pki.CA // replaces the system root store
	publicCA   *pki.CA // issues the leaves of public issuers
	privateCA  *pki.CA // the operator's CA bundle
}

var (
	caOnce   sync.Once
	caShared authorities
	caErr    error
)

func TestMain(m *testing.M) {
	// Every SDK client here uses static credentials, so nothing needs the instance
	// metadata service; disabling it keeps a mistake from ever reaching it.
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	os.Exit(m.Run())
}

func sharedAuthorities(t *testing.T) authorities {
	t.Helper()
	caOnce.Do(func() {
		notBefore, notAfter := epoch.AddDate(-1, 0, 0), epoch.AddDate(1, 0, 0)
		var a authorities
		if a.publicRoot, caErr = pki.NewRoot("Faults Public Root CA", notBefore, notAfter.AddDate(5, 0, 0)); caErr != nil {
			return
		}
		if a.publicCA, caErr = a.publicRoot.Intermediate("Faults Public Issuing CA", notBefore, notAfter); caErr != nil {
			return
		}
		if a.privateCA, caErr = pki.NewRoot("Faults Private Root CA", notBefore, notAfter); caErr != nil {
			return
		}
		caShared = a
	})
	if caErr != nil {
		t.Fatalf("creating certificate authorities: %v", caErr)
	}
	return caShared
}

// world is one row's sandbox: an issuer farm, the AWS double, the configuration the
// function runs with and the record of what the row served and seeded.
type world struct {
	t     *testing.T
	ca    authorities
	farm  *issuerfarm.Farm
	aws   *awsdouble.Server
	cfg   config.Config
	topic string

	mu sync.Mutex
	// served maps the thumbprint of every certificate an issuer sent in this row to
	// whether it came in a chain that verifies against the trust stores.
	served map[string]bool
	// updates counts UpdateOpenIDConnectProviderThumbprint calls per provider ARN.
	updates map[string]int
	// gets counts GetOpenIDConnectProvider calls per provider ARN.
	gets map[string]int

	healthy []string // ARNs of providers that must come out "ok"
	faulty  string   // ARN of the provider the fault is aimed at; may be empty
	// deleted lists providers that the fault itself removed from IAM.
	deleted map[string]bool
	// notReached lists the providers the row expects the deadline to leave out.
	notReached []string
	// deadline, when positive, bounds the invocation's context as Lambda's deadline
	// does.
	deadline time.Duration
	// event is the invocation payload. Empty means a manual event with no options.
	event string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{
		t:       t,
		ca:      sharedAuthorities(t),
		farm:    issuerfarm.New(),
		aws:     awsdouble.StartForTest(t, awsdouble.Options{Region: region}),
		served:  map[string]bool{},
		updates: map[string]int{},
		gets:    map[string]int{},
		deleted: map[string]bool{},
	}
	t.Cleanup(w.farm.Close)
	w.topic = w.aws.AddTopic("oidc-thumbprint-remediator")
	w.cfg = config.Config{
		TopicARN:             w.topic,
		NotificationPolicy:   string(notify.Always),
		CABundle:             []*x509.Certificate{w.ca.privateCA.Cert},
		Concurrency:          4,
		ProviderTimeout:      8 * time.Second,
		HandshakeTimeout:     time.Second,
		HTTPTimeout:          2 * time.Second,
		Samples:              1,
		DeadlineMargin:       time.Second,
		ExpiryWarning:        config.DefaultExpiryWarning,
		OptOutTag:            provider.TagOptOut,
		AllowPrivateNetworks: true,
		MetricsNamespace:     "FaultSuite",
	}
	w.countCalls()
	return w
}

// countCalls records reads and writes per provider ARN through the double's hooks,
// which see every request that reaches the double, failed ones included.
func (w *world) countCalls() {
	w.aws.Before("iam", "GetOpenIDConnectProvider", func(c awsdouble.Call) *awsdouble.Fault {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.gets[c.Params.Get("OpenIDConnectProviderArn")]++
		return nil
	})
	w.aws.Before("iam", "UpdateOpenIDConnectProviderThumbprint", func(c awsdouble.Call) *awsdouble.Fault {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.updates[c.Params.Get("OpenIDConnectProviderArn")]++
		return nil
	})
}

func (w *world) updateCalls(arn string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.updates[arn]
}

func (w *world) getCalls(arn string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.gets[arn]
}

// leaf issues a certificate for name from ca, valid a year either side of epoch, and
// returns what a server sends: the leaf, then ca's certificate.
func (w *world) leaf(ca *pki.CA, name string) tls.Certificate {
	w.t.Helper()
	return w.leafValid(ca, name, epoch.AddDate(-1, 0, 0), epoch.AddDate(1, 0, 0))
}

func (w *world) leafValid(ca *pki.CA, name string, notBefore, notAfter time.Time) tls.Certificate {
	w.t.Helper()
	leaf, err := ca.Leaf([]string{name}, notBefore, notAfter)
	if err != nil {
		w.t.Fatalf("issuing leaf for %s: %v", name, err)
	}
	return leaf.TLSCertificate(ca.Cert)
}

// selfSigned returns a server certificate for name that signs itself and is issued by
// no CA, so it verifies against nothing.
func (w *world) selfSigned(name string) tls.Certificate {
	w.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		w.t.Fatalf("generating key: %v", err)
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		DNSNames:              []string{name},
		NotBefore:             epoch.AddDate(-1, 0, 0),
		NotAfter:              epoch.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, key.Public(), key)
	if err != nil {
		w.t.Fatalf("creating self-signed certificate for %s: %v", name, err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// issuer starts a farm server and records the chains it serves. trusted reports whether
// those chains verify against the trust stores, which decides whether the sweep may
// write a value taken from them.
func (w *world) issuer(opts issuerfarm.Options, trusted bool) *issuerfarm.Server {
	w.t.Helper()
	srv, err := w.farm.Start(opts)
	if err != nil {
		w.t.Fatalf("starting issuer %s: %v", opts.Name, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, cert := range opts.Certificates {
		for _, der := range cert.Certificate {
			parsed, err := x509.ParseCertificate(der)
			if err != nil {
				w.t.Fatalf("parsing a certificate served by %s: %v", opts.Name, err)
			}
			tp := chain.Describe(parsed).Thumbprint
			w.served[tp] = w.served[tp] || trusted
		}
	}
	return srv
}

// publicIssuer starts an issuer for name that serves a public chain ending at the
// public issuing CA, with extra options applied.
func (w *world) publicIssuer(name string, edit func(*issuerfarm.Options)) *issuerfarm.Server {
	w.t.Helper()
	opts := issuerfarm.Options{Name: name, Certificates: []tls.Certificate{w.leaf(w.ca.publicCA, name)}}
	if edit != nil {
		edit(&opts)
	}
	return w.issuer(opts, true)
}

// publicTP is the thumbprint that public issuers need: the public issuing CA's, the
// last certificate they send.
func (w *world) publicTP() string {
	return chain.Describe(w.ca.publicCA.Cert).Thumbprint
}

// addProvider seeds an IAM OIDC provider for an issuer URL (with or without https://).
func (w *world) addProvider(url string, thumbprints []string, tags map[string]string) string {
	return w.aws.AddProvider(strings.TrimPrefix(url, "https://"), thumbprints, tags)
}

// seedHealthy seeds a provider whose issuer serves a public chain that its list
// matches, so the sweep must report it "ok" and leave it alone.
func (w *world) seedHealthy() string {
	w.t.Helper()
	srv := w.publicIssuer("healthy.example.test", nil)
	arn := w.addProvider(srv.URL(), []string{w.publicTP()}, nil)
	w.healthy = append(w.healthy, arn)
	return arn
}

// seedFaulty seeds the provider the row aims its fault at.
func (w *world) seedFaulty(url string, thumbprints []string) string {
	w.faulty = w.addProvider(url, thumbprints, nil)
	return w.faulty
}

// seedStale seeds a provider on a healthy public issuer whose list holds only a stale
// entry, so the sweep must write the issuer's value: the target of the AWS-side faults.
func (w *world) seedStale(name string) string {
	w.t.Helper()
	srv := w.publicIssuer(name, nil)
	return w.seedFaulty(srv.URL(), []string{stale})
}

// failCalls makes the first n calls of an IAM action for arn fail with f. n < 0 fails
// every call.
func (w *world) failCalls(action, arn string, n int, f awsdouble.Fault) {
	var mu sync.Mutex
	seen := 0
	w.aws.Before("iam", action, func(c awsdouble.Call) *awsdouble.Fault {
		if c.Params.Get("OpenIDConnectProviderArn") != arn {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		seen++
		if n >= 0 && seen > n {
			return nil
		}
		fault := f
		return &fault
	})
}

// outcome is everything one invocation produced.
type outcome struct {
	result handler.Result
	err    error
	// ran reports whether the handler started a sweep; rep is its report.
	ran  bool
	rep  report.Report
	text string
	doc  jsonReport
	logs string
	// before and after hold IAM's providers around the invocation, by ARN.
	before, after map[string]awsdouble.Provider
	published     []awsdouble.Message
}

// jsonReport is the part of the JSON sweep document the checks read, decoded from the
// bytes that report.JSON renders, so the field names are checked too.
type jsonReport struct {
	SchemaVersion string `json:"schemaVersion"`
	Providers     []struct {
		ARN      string   `json:"arn"`
		URL      string   `json:"url"`
		Verdict  string   `json:"verdict"`
		Severity string   `json:"severity"`
		Reason   string   `json:"reason"`
		Before   []string `json:"before"`
		Proposed []string `json:"proposed"`
		Findings []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"findings"`
		Hosts []chain.Host `json:"hosts"`
	} `json:"providers"`
	NotReached []string       `json:"notReached"`
	Notes      []string       `json:"notes"`
	Counts     map[string]int `json:"counts"`
}

// invoke builds the function the way its entry point does, from w.cfg, and runs one
// invocation with w.event.
func (w *world) invoke() outcome {
	w.t.Helper()
	var out outcome
	out.before = w.snapshot()

	awsCfg := w.aws.Config(region)
	trust := setup.NewTrust(pki.Pool(w.ca.publicRoot.Cert), w.cfg.CABundle)
	sweeper := setup.NewSweeper(w.cfg, awsCfg, setup.NewObservers(w.cfg, trust, w.farm))
	policy, err := notify.ParsePolicy(w.cfg.NotificationPolicy)
	if err != nil {
		w.t.Fatalf("ParsePolicy(%q): %v", w.cfg.NotificationPolicy, err)
	}

	var logs, metrics bytes.Buffer
	h := &handler.Handler{
		Run: func(ctx context.Context, opts sweep.Options) (report.Report, error) {
			s := *sweeper
			s.Options = opts
			rep, err := s.Run(ctx)
			out.ran, out.rep = true, rep
			return rep, err
		},
		Options:   sweeper.Options,
		Policy:    policy,
		Publisher: setup.NewPublisher(w.cfg, awsCfg, "the test log"),
		Logger:    slog.New(slog.NewJSONHandler(&logs, nil)),
		Metrics:   &metrics,
		Namespace: w.cfg.MetricsNamespace,
	}

	ctx := context.Background()
	if w.deadline > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, w.deadline)
		defer cancel()
	}
	payload := w.event
	if payload == "" {
		payload = "{}"
	}
	out.result, out.err = h.Invoke(ctx, json.RawMessage(payload))

	out.after = w.snapshot()
	out.logs = logs.String()
	out.published = w.aws.Published()
	if out.ran {
		out.text = report.Text(out.rep)
		raw, err := report.JSON(out.rep)
		if err != nil {
			w.t.Fatalf("report.JSON() error = %v", err)
		}
		if err := json.Unmarshal(raw, &out.doc); err != nil {
			w.t.Fatalf("decoding report.JSON() output: %v\n%s", err, raw)
		}
	}
	return out
}

// snapshot copies every provider the row seeded from the double.
func (w *world) snapshot() map[string]awsdouble.Provider {
	arns := append(slices.Clone(w.healthy), w.notReached...)
	if w.faulty != "" {
		arns = append(arns, w.faulty)
	}
	state := map[string]awsdouble.Provider{}
	for _, arn := range arns {
		if p, ok := w.aws.Provider(arn); ok {
			state[arn] = p
		}
	}
	return state
}

// seeded returns every ARN the row seeded, sorted.
func (w *world) seeded() []string {
	arns := append(slices.Clone(w.healthy), w.notReached...)
	if w.faulty != "" {
		arns = append(arns, w.faulty)
	}
	slices.Sort(arns)
	return slices.Compact(arns)
}

func (o outcome) provider(arn string) (report.Provider, bool) {
	for _, p := range o.rep.Providers {
		if p.ARN == arn {
			return p, true
		}
	}
	return report.Provider{}, false
}

// describe summarises an outcome for failure messages.
func (o outcome) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invoke error: %v\nresult: %+v\n", o.err, o.result)
	if o.ran {
		b.WriteString(o.text)
	}
	return b.String()
}
