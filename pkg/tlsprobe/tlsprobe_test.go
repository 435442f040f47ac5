package tlsprobe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/issuerfarm"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/pki"
)

var (
	notBefore = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	notAfter  = time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC)
	now       = time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
)

const host = "id.test"

// pkiSet is a public hierarchy (old root R0 cross-signing new root R1, which issues I1
// and the leaf) and a private root RP with its own leaf.
type pkiSet struct {
	oldRoot, root, intermediate, privateRoot *pki.CA
	cross                                    *x509.Certificate
	leaf, privateLeaf                        *pki.Leaf
}

func newPKI(t *testing.T) pkiSet {
	t.Helper()
	var set pkiSet
	var err error

	set.oldRoot, err = pki.NewRoot("Old Public Root R0", notBefore, notAfter.AddDate(-1, 0, 0))
	if err != nil {
		t.Fatalf("NewRoot() error = %v", err)
	}

	set.root, err = pki.NewRoot("Public Root R1", notBefore, notAfter)
	if err != nil {
		t.Fatalf("NewRoot() error = %v", err)
	}

	set.cross, err = set.oldRoot.CrossSign(set.root, notBefore, notAfter.AddDate(-2, 0, 0))
	if err != nil {
		t.Fatalf("CrossSign() error = %v", err)
	}

	set.intermediate, err = set.root.Intermediate("Public Issuing CA I1", notBefore, notAfter)
	if err != nil {
		t.Fatalf("Intermediate() error = %v", err)
	}

	set.leaf, err = set.intermediate.Leaf([]string{host}, notBefore, notAfter)
	if err != nil {
		t.Fatalf("Leaf() error = %v", err)
	}

	set.privateRoot, err = pki.NewRoot("Private Root RP", notBefore, notAfter)
	if err != nil {
		t.Fatalf("NewRoot() error = %v", err)
	}

	set.privateLeaf, err = set.privateRoot.Leaf([]string{host}, notBefore, notAfter)
	if err != nil {
		t.Fatalf("Leaf() error = %v", err)
	}
	return set
}

// fullChain is what a well-configured public server sends: [L, I1, X(R1<-R0)].
func (s pkiSet) fullChain() tls.Certificate {
	return s.leaf.TLSCertificate(s.intermediate.Cert, s.cross)
}

func startIssuer(t *testing.T, opts issuerfarm.Options) (*issuerfarm.Farm, *issuerfarm.Server) {
	t.Helper()
	farm := issuerfarm.New()
	t.Cleanup(farm.Close)

	if opts.Name == "" {
		opts.Name = host
	}
	server, err := farm.Start(opts)
	if err != nil {
		t.Fatalf("issuerfarm Start() error = %v", err)
	}
	return farm, server
}

// newProber returns a Prober that resolves through farm, trusts roots as public and
// bundle as private, verifies at the pinned time and retries after 1ms.
func newProber(farm *issuerfarm.Farm, roots, bundle *x509.CertPool, adjust func(*Config)) *Prober {
	cfg := Config{
		Resolve:          farm.Resolve,
		Roots:            roots,
		Bundle:           bundle,
		HandshakeTimeout: 5 * time.Second,
		Backoff:          time.Millisecond,
		Now:              func() time.Time { return now },
	}
	if adjust != nil {
		adjust(&cfg)
	}
	return New(cfg)
}

func probe(t *testing.T, prober *Prober, server *issuerfarm.Server) chain.Host {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return prober.Probe(ctx, server.Name(), server.Port())
}

func thumbprints(certs ...*x509.Certificate) []string {
	out := make([]string, len(certs))
	for i, cert := range certs {
		out[i] = chain.Describe(cert).Thumbprint
	}
	return out
}

func chainThumbprints(c chain.Chain) []string {
	out := make([]string, len(c.Certificates))
	for i, cert := range c.Certificates {
		out[i] = cert.Thumbprint
	}
	return out
}

func TestProbeSingleChain(t *testing.T) {
	set := newPKI(t)

	tests := []struct {
		name          string
		sent          tls.Certificate
		roots         []*x509.Certificate
		bundle        []*x509.Certificate
		wantCerts     []*x509.Certificate
		wantTrust     chain.Trust
		wantTopIssuer time.Time
	}{
		{
			name:          "full chain to cross-sign",
			sent:          set.fullChain(),
			roots:         []*x509.Certificate{set.oldRoot.Cert},
			wantCerts:     []*x509.Certificate{set.leaf.Cert, set.intermediate.Cert, set.cross},
			wantTrust:     chain.TrustPublic,
			wantTopIssuer: set.oldRoot.Cert.NotAfter,
		},
		{
			name:          "cross-sign with new root trusted",
			sent:          set.fullChain(),
			roots:         []*x509.Certificate{set.root.Cert, set.oldRoot.Cert},
			wantCerts:     []*x509.Certificate{set.leaf.Cert, set.intermediate.Cert, set.cross},
			wantTrust:     chain.TrustPublic,
			wantTopIssuer: set.oldRoot.Cert.NotAfter,
		},
		{
			name:          "server sends its root",
			sent:          set.leaf.TLSCertificate(set.intermediate.Cert, set.root.Cert),
			roots:         []*x509.Certificate{set.root.Cert},
			wantCerts:     []*x509.Certificate{set.leaf.Cert, set.intermediate.Cert, set.root.Cert},
			wantTrust:     chain.TrustPublic,
			wantTopIssuer: time.Time{},
		},
		{
			name:          "public leaf without intermediate",
			sent:          set.leaf.TLSCertificate(),
			roots:         []*x509.Certificate{set.root.Cert},
			wantCerts:     []*x509.Certificate{set.leaf.Cert},
			wantTrust:     chain.TrustNone,
			wantTopIssuer: time.Time{},
		},
		{
			name:          "private leaf only",
			sent:          set.privateLeaf.TLSCertificate(),
			roots:         []*x509.Certificate{set.root.Cert},
			bundle:        []*x509.Certificate{set.privateRoot.Cert},
			wantCerts:     []*x509.Certificate{set.privateLeaf.Cert},
			wantTrust:     chain.TrustPrivate,
			wantTopIssuer: set.privateRoot.Cert.NotAfter,
		},
		{
			name:          "private leaf and root",
			sent:          set.privateLeaf.TLSCertificate(set.privateRoot.Cert),
			roots:         []*x509.Certificate{set.root.Cert},
			bundle:        []*x509.Certificate{set.privateRoot.Cert},
			wantCerts:     []*x509.Certificate{set.privateLeaf.Cert, set.privateRoot.Cert},
			wantTrust:     chain.TrustPrivate,
			wantTopIssuer: time.Time{},
		},
		{
			name:      "private chain without bundle",
			sent:      set.privateLeaf.TLSCertificate(set.privateRoot.Cert),
			roots:     []*x509.Certificate{set.root.Cert},
			wantCerts: []*x509.Certificate{set.privateLeaf.Cert, set.privateRoot.Cert},
			wantTrust: chain.TrustNone,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			farm, server := startIssuer(t, issuerfarm.Options{Certificates: []tls.Certificate{tt.sent}})
			var bundle *x509.CertPool
			if tt.bundle != nil {
				bundle = pki.Pool(tt.bundle...)
			}
			prober := newProber(farm, pki.Pool(tt.roots...), bundle, nil)

			got := probe(t, prober, server)

			if got.Error != "" {
				t.Fatalf("Error = %q, want none", got.Error)
			}
			if len(got.Chains) != 1 {
				t.Fatalf("len(Chains) = %d, want 1", len(got.Chains))
			}
			observed := got.Chains[0]
			if want := thumbprints(tt.wantCerts...); !slices.Equal(chainThumbprints(observed), want) {
				t.Errorf("chain thumbprints = %v, want %v", chainThumbprints(observed), want)
			}
			if observed.Trust != tt.wantTrust {
				t.Errorf("Trust = %q, want %q (VerifyError %q)", observed.Trust, tt.wantTrust, observed.VerifyError)
			}
			if (observed.VerifyError != "") != (tt.wantTrust == chain.TrustNone) {
				t.Errorf("VerifyError = %q with Trust %q", observed.VerifyError, observed.Trust)
			}
			if !observed.TopIssuerNotAfter.Equal(tt.wantTopIssuer) {
				t.Errorf("TopIssuerNotAfter = %v, want %v", observed.TopIssuerNotAfter, tt.wantTopIssuer)
			}
			if observed.Samples != 4 {
				t.Errorf("Samples = %d, want 4 (two version handshakes and two samples)", observed.Samples)
			}
			if want := []string{"TLS 1.2", "TLS 1.3"}; !slices.Equal(observed.TLSVersions, want) {
				t.Errorf("TLSVersions = %v, want %v", observed.TLSVersions, want)
			}
			if want := []string{"127.0.0.1"}; !slices.Equal(observed.Addresses, want) || !slices.Equal(got.Addresses, want) {
				t.Errorf("Addresses = %v (host %v), want %v", observed.Addresses, got.Addresses, want)
			}
			if !got.TLS12 || !got.TLS13 {
				t.Errorf("TLS12, TLS13 = %v, %v, want true, true", got.TLS12, got.TLS13)
			}
			if got.Attempts != 4 || got.Failures != 0 {
				t.Errorf("Attempts, Failures = %d, %d, want 4, 0", got.Attempts, got.Failures)
			}
		})
	}
}

func TestProbeExpiredTopIssuer(t *testing.T) {
	set := newPKI(t)
	farm, server := startIssuer(t, issuerfarm.Options{Certificates: []tls.Certificate{set.fullChain()}})
	afterOldRoot := set.oldRoot.Cert.NotAfter.AddDate(0, 1, 0)
	prober := newProber(farm, pki.Pool(set.root.Cert, set.oldRoot.Cert), nil, func(cfg *Config) {
		cfg.Now = func() time.Time { return afterOldRoot }
	})

	got := probe(t, prober, server)

	if len(got.Chains) != 1 {
		t.Fatalf("len(Chains) = %d, want 1 (Error %q)", len(got.Chains), got.Error)
	}
	observed := got.Chains[0]
	if observed.Trust != chain.TrustPublic {
		t.Errorf("Trust = %q, want %q (VerifyError %q)", observed.Trust, chain.TrustPublic, observed.VerifyError)
	}
	if !observed.TopIssuerNotAfter.Equal(set.oldRoot.Cert.NotAfter) {
		t.Errorf("TopIssuerNotAfter = %v, want the expired old root's %v", observed.TopIssuerNotAfter, set.oldRoot.Cert.NotAfter)
	}
}

func TestProbeVerifyErrors(t *testing.T) {
	set := newPKI(t)

	tests := []struct {
		name     string
		now      time.Time
		probeFor string
	}{
		{name: "expired chain", now: notAfter.AddDate(1, 0, 0), probeFor: host},
		{name: "not yet valid", now: notBefore.AddDate(-1, 0, 0), probeFor: host},
		{name: "wrong host name", now: now, probeFor: "other.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, server := startIssuer(t, issuerfarm.Options{Certificates: []tls.Certificate{set.fullChain()}})
			resolve := func(context.Context, string) ([]netip.Addr, error) { return server.Addrs(), nil }
			prober := New(Config{
				Resolve: resolve,
				Roots:   pki.Pool(set.root.Cert),
				Backoff: time.Millisecond,
				Now:     func() time.Time { return tt.now },
			})

			got := prober.Probe(context.Background(), tt.probeFor, server.Port())

			if len(got.Chains) != 1 {
				t.Fatalf("len(Chains) = %d, want 1 (Error %q)", len(got.Chains), got.Error)
			}
			if got.Chains[0].Trust != chain.TrustNone {
				t.Errorf("Trust = %q, want %q", got.Chains[0].Trust, chain.TrustNone)
			}
			if got.Chains[0].VerifyError == "" {
				t.Error("VerifyError is empty, want the verification error")
			}
			if !got.Chains[0].TopIssuerNotAfter.IsZero() {
				t.Errorf("TopIssuerNotAfter = %v, want zero for an unverified chain", got.Chains[0].TopIssuerNotAfter)
			}
		})
	}
}

func TestProbeTwoBackEndsByAddress(t *testing.T) {
	if !issuerfarm.LoopbackAvailable("127.0.0.2") {
		t.Skip("127.0.0.2 cannot be bound on this machine")
	}
	set := newPKI(t)
	otherIntermediate, err := set.root.Intermediate("Public Issuing CA I2", notBefore, notAfter)
	if err != nil {
		t.Fatalf("Intermediate() error = %v", err)
	}
	otherLeaf, err := otherIntermediate.Leaf([]string{host}, notBefore, notAfter)
	if err != nil {
		t.Fatalf("Leaf() error = %v", err)
	}
	farm, server := startIssuer(t, issuerfarm.Options{
		Addrs: []string{"127.0.0.1", "127.0.0.2"},
		SelectCertificate: issuerfarm.ByAddress(map[string]tls.Certificate{
			"127.0.0.1": set.leaf.TLSCertificate(set.intermediate.Cert, set.root.Cert),
			"127.0.0.2": otherLeaf.TLSCertificate(otherIntermediate.Cert, set.root.Cert),
		}),
	})
	prober := newProber(farm, pki.Pool(set.root.Cert), nil, nil)

	got := probe(t, prober, server)

	if want := []string{"127.0.0.1", "127.0.0.2"}; !slices.Equal(got.Addresses, want) {
		t.Errorf("Addresses = %v, want %v", got.Addresses, want)
	}
	if len(got.Chains) != 2 {
		t.Fatalf("len(Chains) = %d, want 2", len(got.Chains))
	}
	byAddress := map[string]chain.Chain{}
	for _, observed := range got.Chains {
		if len(observed.Addresses) != 1 {
			t.Fatalf("chain Addresses = %v, want exactly one", observed.Addresses)
		}
		byAddress[observed.Addresses[0]] = observed
		if observed.Samples != 3 {
			t.Errorf("chain from %v Samples = %d, want 3", observed.Addresses, observed.Samples)
		}
	}
	if got := byAddress["127.0.0.1"].Certificates[1].Thumbprint; got != thumbprints(set.intermediate.Cert)[0] {
		t.Errorf("127.0.0.1 intermediate = %s, want I1", got)
	}
	if got := byAddress["127.0.0.2"].Certificates[1].Thumbprint; got != thumbprints(otherIntermediate.Cert)[0] {
		t.Errorf("127.0.0.2 intermediate = %s, want I2", got)
	}
	if got.Chains[0].Key() > got.Chains[1].Key() {
		t.Error("chains with equal samples are not sorted by Key")
	}
	for _, addr := range server.Addrs() {
		if n := server.Handshakes(addr); n != 3 {
			t.Errorf("Handshakes(%s) = %d, want 3", addr, n)
		}
	}
}

func TestProbeIPv6Address(t *testing.T) {
	if !issuerfarm.LoopbackAvailable("::1") {
		t.Skip("::1 cannot be bound on this machine")
	}
	set := newPKI(t)
	farm, server := startIssuer(t, issuerfarm.Options{Addrs: []string{"127.0.0.1", "::1"}, Certificates: []tls.Certificate{set.fullChain()}})
	prober := newProber(farm, pki.Pool(set.oldRoot.Cert), nil, nil)

	got := probe(t, prober, server)

	if want := []string{"127.0.0.1", "::1"}; !slices.Equal(got.Addresses, want) {
		t.Errorf("Addresses = %v, want %v", got.Addresses, want)
	}
	if len(got.Chains) != 1 {
		t.Fatalf("len(Chains) = %d, want 1", len(got.Chains))
	}
	if want := []string{"127.0.0.1", "::1"}; !slices.Equal(got.Chains[0].Addresses, want) {
		t.Errorf("chain Addresses = %v, want %v", got.Chains[0].Addresses, want)
	}
	if n := server.Handshakes(netip.MustParseAddr("::1")); n != 3 {
		t.Errorf("Handshakes(::1) = %d, want 3", n)
	}
}

func TestProbeTwoBackEndsPerConnection(t *testing.T) {
	set := newPKI(t)
	otherIntermediate, err := set.root.Intermediate("Public Issuing CA I2", notBefore, notAfter)
	if err != nil {
		t.Fatalf("Intermediate() error = %v", err)
	}
	otherLeaf, err := otherIntermediate.Leaf([]string{host}, notBefore, notAfter)
	if err != nil {
		t.Fatalf("Leaf() error = %v", err)
	}
	farm, server := startIssuer(t, issuerfarm.Options{Certificates: []tls.Certificate{
		set.leaf.TLSCertificate(set.intermediate.Cert, set.root.Cert),
		otherLeaf.TLSCertificate(otherIntermediate.Cert, set.root.Cert),
	}})
	prober := newProber(farm, pki.Pool(set.root.Cert), nil, func(cfg *Config) { cfg.Samples = 4 })

	got := probe(t, prober, server)

	if len(got.Chains) != 2 {
		t.Fatalf("len(Chains) = %d, want 2", len(got.Chains))
	}
	for _, observed := range got.Chains {
		if observed.Samples != 3 {
			t.Errorf("chain %s Samples = %d, want 3", observed.Certificates[1].Subject, observed.Samples)
		}
		if observed.Trust != chain.TrustPublic {
			t.Errorf("chain %s Trust = %q, want %q", observed.Certificates[1].Subject, observed.Trust, chain.TrustPublic)
		}
	}
}

func TestProbeInterception(t *testing.T) {
	set := newPKI(t)
	proxyRoot, err := pki.NewRoot("Intercepting Proxy Root", notBefore, notAfter)
	if err != nil {
		t.Fatalf("NewRoot() error = %v", err)
	}
	proxyLeaf, err := proxyRoot.Leaf([]string{host}, notBefore, notAfter)
	if err != nil {
		t.Fatalf("Leaf() error = %v", err)
	}
	farm, server := startIssuer(t, issuerfarm.Options{Certificates: []tls.Certificate{
		set.fullChain(),
		proxyLeaf.TLSCertificate(proxyRoot.Cert),
	}})
	prober := newProber(farm, pki.Pool(set.oldRoot.Cert), pki.Pool(set.privateRoot.Cert), nil)

	got := probe(t, prober, server)

	if len(got.Chains) != 2 {
		t.Fatalf("len(Chains) = %d, want 2", len(got.Chains))
	}
	trusts := map[chain.Trust]chain.Chain{}
	for _, observed := range got.Chains {
		trusts[observed.Trust] = observed
	}
	public, ok := trusts[chain.TrustPublic]
	if !ok || public.Top().Thumbprint != thumbprints(set.cross)[0] {
		t.Errorf("public chain = %+v, want one ending in the cross-sign", public)
	}
	intercepted, ok := trusts[chain.TrustNone]
	if !ok || intercepted.Top().Thumbprint != thumbprints(proxyRoot.Cert)[0] {
		t.Errorf("untrusted chain = %+v, want one ending in the proxy root", intercepted)
	}
	if intercepted.VerifyError == "" {
		t.Error("untrusted chain VerifyError is empty")
	}
	if public.Samples+intercepted.Samples != 4 || public.Samples != 2 {
		t.Errorf("Samples public, intercepted = %d, %d, want 2, 2", public.Samples, intercepted.Samples)
	}
}

func TestProbeTLSVersions(t *testing.T) {
	set := newPKI(t)

	tests := []struct {
		name         string
		min, max     uint16
		wantTLS12    bool
		wantTLS13    bool
		wantVersions []string
	}{
		{name: "TLS 1.3 only", min: tls.VersionTLS13, max: tls.VersionTLS13, wantTLS13: true, wantVersions: []string{"TLS 1.3"}},
		{name: "TLS 1.2 only", min: tls.VersionTLS12, max: tls.VersionTLS12, wantTLS12: true, wantVersions: []string{"TLS 1.2"}},
		{name: "TLS 1.2 and 1.3", min: tls.VersionTLS12, max: tls.VersionTLS13, wantTLS12: true, wantTLS13: true, wantVersions: []string{"TLS 1.2", "TLS 1.3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			farm, server := startIssuer(t, issuerfarm.Options{MinVersion: tt.min, MaxVersion: tt.max, Certificates: []tls.Certificate{set.fullChain()}})
			prober := newProber(farm, pki.Pool(set.oldRoot.Cert), nil, nil)

			got := probe(t, prober, server)

			if got.TLS12 != tt.wantTLS12 || got.TLS13 != tt.wantTLS13 {
				t.Errorf("TLS12, TLS13 = %v, %v, want %v, %v", got.TLS12, got.TLS13, tt.wantTLS12, tt.wantTLS13)
			}
			if len(got.Chains) != 1 {
				t.Fatalf("len(Chains) = %d, want 1 (Error %q)", len(got.Chains), got.Error)
			}
			if !slices.Equal(got.Chains[0].TLSVersions, tt.wantVersions) {
				t.Errorf("TLSVersions = %v, want %v", got.Chains[0].TLSVersions, tt.wantVersions)
			}
			if got.Attempts != 4 {
				t.Errorf("Attempts = %d, want 4 because a rejected version is not retried", got.Attempts)
			}
			if got.Failures != 0 {
				t.Errorf("Failures = %d, want 0 because a rejected version is an answer", got.Failures)
			}
		})
	}
}

func TestProbeTLS10OnlyHost(t *testing.T) {
	set := newPKI(t)
	farm, server := startIssuer(t, issuerfarm.Options{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10, Certificates: []tls.Certificate{set.fullChain()}})
	prober := newProber(farm, pki.Pool(set.oldRoot.Cert), nil, nil)

	got := probe(t, prober, server)

	if got.Error == "" || len(got.Chains) != 0 {
		t.Errorf("Error, Chains = %q, %d, want an error and no chains", got.Error, len(got.Chains))
	}
	if got.TLS12 || got.TLS13 {
		t.Errorf("TLS12, TLS13 = %v, %v, want false, false", got.TLS12, got.TLS13)
	}
	if got.Failures != 2 {
		t.Errorf("Failures = %d, want 2 (the sampling handshakes)", got.Failures)
	}
}

func TestProbeFlakyHost(t *testing.T) {
	set := newPKI(t)

	tests := []struct {
		name         string
		attempts     int
		wantSamples  int
		wantAttempts int
		wantFailures int
	}{
		// Connections 3 and 6 are dropped: the third handshake succeeds on its retry.
		{name: "retries recover", attempts: 3, wantSamples: 4, wantAttempts: 5, wantFailures: 0},
		// Without retries the third handshake fails and stays failed.
		{name: "no retries", attempts: 1, wantSamples: 3, wantAttempts: 4, wantFailures: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			farm, server := startIssuer(t, issuerfarm.Options{
				Certificates: []tls.Certificate{set.fullChain()},
				Faults:       issuerfarm.Faults{DropEvery: 3},
			})
			prober := newProber(farm, pki.Pool(set.oldRoot.Cert), nil, func(cfg *Config) { cfg.Attempts = tt.attempts })

			got := probe(t, prober, server)

			if got.Error != "" {
				t.Errorf("Error = %q, want none", got.Error)
			}
			if len(got.Chains) != 1 {
				t.Fatalf("len(Chains) = %d, want 1", len(got.Chains))
			}
			if got.Chains[0].Samples != tt.wantSamples {
				t.Errorf("Samples = %d, want %d", got.Chains[0].Samples, tt.wantSamples)
			}
			if got.Attempts != tt.wantAttempts {
				t.Errorf("Attempts = %d, want %d", got.Attempts, tt.wantAttempts)
			}
			if got.Failures != tt.wantFailures {
				t.Errorf("Failures = %d, want %d", got.Failures, tt.wantFailures)
			}
		})
	}
}

func TestProbeResetEveryHandshake(t *testing.T) {
	set := newPKI(t)
	farm, server := startIssuer(t, issuerfarm.Options{
		Certificates: []tls.Certificate{set.fullChain()},
		Faults:       issuerfarm.Faults{DropEvery: 1, Reset: true},
	})
	prober := newProber(farm, pki.Pool(set.oldRoot.Cert), nil, nil)

	got := probe(t, prober, server)

	if len(got.Chains) != 0 {
		t.Errorf("len(Chains) = %d, want 0", len(got.Chains))
	}
	if !strings.Contains(got.Error, "connection reset") {
		t.Errorf("Error = %q, want it to name the connection reset", got.Error)
	}
	if got.Attempts != 12 || got.Failures != 4 {
		t.Errorf("Attempts, Failures = %d, %d, want 12, 4 (four handshakes, three tries each)", got.Attempts, got.Failures)
	}
	if got.TLS12 || got.TLS13 {
		t.Errorf("TLS12, TLS13 = %v, %v, want false, false", got.TLS12, got.TLS13)
	}
	if got.Reachable() {
		t.Error("Reachable() = true, want false")
	}
}

func TestProbeStalledHandshake(t *testing.T) {
	set := newPKI(t)
	farm, server := startIssuer(t, issuerfarm.Options{
		Certificates: []tls.Certificate{set.fullChain()},
		Faults:       issuerfarm.Faults{StallHandshake: true},
	})
	const timeout = 100 * time.Millisecond
	prober := newProber(farm, pki.Pool(set.oldRoot.Cert), nil, func(cfg *Config) {
		cfg.HandshakeTimeout = timeout
		cfg.Attempts = 1
		cfg.Samples = -1
	})

	start := time.Now()
	got := probe(t, prober, server)
	elapsed := time.Since(start)

	if len(got.Chains) != 0 {
		t.Errorf("len(Chains) = %d, want 0", len(got.Chains))
	}
	if !strings.Contains(got.Error, "deadline exceeded") {
		t.Errorf("Error = %q, want a timeout", got.Error)
	}
	if got.Attempts != 2 {
		t.Errorf("Attempts = %d, want 2", got.Attempts)
	}
	// The two handshakes run in parallel, each bounded by the timeout, plus
	// scheduling slack.
	if limit := timeout + time.Second; elapsed > limit {
		t.Errorf("Probe took %v, want at most %v", elapsed, limit)
	}
	if elapsed < timeout {
		t.Errorf("Probe took %v, want at least %v because each handshake waits for its timeout", elapsed, timeout)
	}
}

func TestProbeSendsServerName(t *testing.T) {
	set := newPKI(t)
	farm, server := startIssuer(t, issuerfarm.Options{Certificates: []tls.Certificate{set.fullChain()}})
	prober := newProber(farm, pki.Pool(set.oldRoot.Cert), nil, nil)

	probe(t, prober, server)

	names := server.ServerNames()
	if len(names) != 4 {
		t.Fatalf("server saw %d handshakes, want 4", len(names))
	}
	for i, name := range names {
		if name != host {
			t.Errorf("handshake %d SNI = %q, want %q", i, name, host)
		}
	}
}

func TestProbeResolvesOnce(t *testing.T) {
	set := newPKI(t)
	farm, server := startIssuer(t, issuerfarm.Options{Certificates: []tls.Certificate{set.fullChain()}})
	var lookups atomic.Int32
	prober := newProber(farm, pki.Pool(set.oldRoot.Cert), nil, func(cfg *Config) {
		cfg.Resolve = func(ctx context.Context, name string) ([]netip.Addr, error) {
			lookups.Add(1)
			return farm.Resolve(ctx, name)
		}
	})

	got := probe(t, prober, server)

	if got.Error != "" {
		t.Fatalf("Error = %q, want none", got.Error)
	}
	if n := lookups.Load(); n != 1 {
		t.Errorf("Resolve calls = %d, want 1", n)
	}
	if n := server.Connections(server.Addrs()[0]); n != 4 {
		t.Errorf("Connections(%s) = %d, want 4", server.Addrs()[0], n)
	}
}

func TestProbeResolveError(t *testing.T) {
	farm := issuerfarm.New()
	t.Cleanup(farm.Close)
	prober := newProber(farm, x509.NewCertPool(), nil, nil)

	got := prober.Probe(context.Background(), "unknown.test", "443")

	if !strings.Contains(got.Error, "resolving unknown.test") {
		t.Errorf("Error = %q, want it to name the failed lookup", got.Error)
	}
	if got.Attempts != 0 || len(got.Chains) != 0 {
		t.Errorf("Attempts, Chains = %d, %d, want 0, 0", got.Attempts, len(got.Chains))
	}
}

func TestProbeCanceledContext(t *testing.T) {
	set := newPKI(t)
	farm, server := startIssuer(t, issuerfarm.Options{Certificates: []tls.Certificate{set.fullChain()}})
	prober := newProber(farm, pki.Pool(set.oldRoot.Cert), nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	got := prober.Probe(ctx, server.Name(), server.Port())

	if got.Error == "" || len(got.Chains) != 0 {
		t.Errorf("Error, Chains = %q, %d, want an error and no chains", got.Error, len(got.Chains))
	}
	if n := server.TotalHandshakes(); n != 0 {
		t.Errorf("server handshakes = %d, want 0", n)
	}
}
