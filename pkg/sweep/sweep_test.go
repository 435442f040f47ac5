package sweep

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/cluster"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/discovery"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/provider"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/pki"
)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

const account = "123456789012"

func arnFor(url string) string {
	return "arn:aws:iam::" + account + ":oidc-provider/" + url
}

// fakeProviders is an in-memory IAM with function fields for faults.
type fakeProviders struct {
	mu        sync.Mutex
	providers map[string]provider.Provider
	listErr   error
	getErr    map[string]error
	// beforeUpdate runs inside Update before the re-read, to model a concurrent change.
	beforeUpdate func(arn string)
	updates      map[string][]string
}

func newFakeProviders(ps ...provider.Provider) *fakeProviders {
	f := &fakeProviders{providers: map[string]provider.Provider{}, getErr: map[string]error{}, updates: map[string][]string{}}
	for _, p := range ps {
		f.providers[p.ARN] = p
	}
	return f
}

func (f *fakeProviders) List(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.listErr != nil {
		return nil, f.listErr
	}
	var arns []string
	for arn := range f.providers {
		arns = append(arns, arn)
	}
	slices.Sort(arns)
	return arns, nil
}

func (f *fakeProviders) Get(_ context.Context, arn string) (provider.Provider, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.getErr[arn]; err != nil {
		return provider.Provider{}, err
	}
	p, ok := f.providers[arn]
	if !ok {
		return provider.Provider{}, provider.ErrNotFound
	}
	return p, nil
}

func (f *fakeProviders) Update(ctx context.Context, arn string, plan func(provider.Provider) ([]string, bool, error)) ([]string, error) {
	if f.beforeUpdate != nil {
		f.beforeUpdate(arn)
	}
	current, err := f.Get(ctx, arn)
	if err != nil {
		return nil, err
	}
	list, write, err := plan(current)
	if err != nil || !write {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.providers[arn]
	p.Thumbprints = list
	f.providers[arn] = p
	f.updates[arn] = list
	return list, nil
}

func (f *fakeProviders) set(arn string, list []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.providers[arn]
	p.Thumbprints = list
	f.providers[arn] = p
}

// fakeDiscovery serves one result per provider URL; URLs not in the map fail.
type fakeDiscovery map[string]discovery.Result

func (f fakeDiscovery) Fetch(_ context.Context, url string) (discovery.Result, error) {
	res, ok := f[url]
	if !ok {
		return discovery.Result{}, fmt.Errorf("fetching discovery document of %s: connection refused", url)
	}
	return res, nil
}

// fakeProber returns a fixed observation per host and counts probes.
type fakeProber struct {
	mu     sync.Mutex
	hosts  map[string]chain.Host
	probes map[string]int
	delay  time.Duration
}

func (f *fakeProber) Probe(ctx context.Context, host, _ string) chain.Host {
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.probes == nil {
		f.probes = map[string]int{}
	}
	f.probes[host]++
	if h, ok := f.hosts[host]; ok {
		return h
	}
	return chain.Host{Name: host, Error: "connection refused"}
}

// world is a small set of issuers with public chains for sweep tests.
type world struct {
	t      *testing.T
	root   *pki.CA
	inter  map[string]*pki.CA
	disc   fakeDiscovery
	prober *fakeProber
}

func newWorld(t *testing.T) *world {
	t.Helper()
	root, err := pki.NewRoot("Test Root", now.AddDate(-1, 0, 0), now.AddDate(5, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, root: root, inter: map[string]*pki.CA{}, disc: fakeDiscovery{}, prober: &fakeProber{hosts: map[string]chain.Host{}}}
}

// issuer registers a host that serves [leaf, intermediate] under a public root and
// returns the intermediate's thumbprint, the value IAM needs.
func (w *world) issuer(host string) string {
	w.t.Helper()
	inter, err := w.root.Intermediate("CA for "+host, now.AddDate(-1, 0, 0), now.AddDate(2, 0, 0))
	if err != nil {
		w.t.Fatal(err)
	}
	leaf, err := inter.Leaf([]string{host}, now.AddDate(0, -1, 0), now.AddDate(0, 6, 0))
	if err != nil {
		w.t.Fatal(err)
	}
	w.inter[host] = inter
	w.disc[host] = discovery.Result{
		Issuer: "https://" + host, JWKSURI: "https://" + host + "/jwks",
		DiscoveryHost: host, DiscoveryPort: "443", JWKSHost: host, JWKSPort: "443",
	}
	w.prober.hosts[host] = chain.Host{
		Name: host, Addresses: []string{"192.0.2.1"}, TLS12: true, TLS13: true, Attempts: 3,
		Chains: []chain.Chain{{
			Certificates: describe(leaf.Cert, inter.Cert),
			Samples:      3, Addresses: []string{"192.0.2.1"}, TLSVersions: []string{"TLS 1.3"},
			Trust: chain.TrustPublic,
		}},
	}
	return chain.Describe(inter.Cert).Thumbprint
}

func describe(certs ...*x509.Certificate) []chain.Certificate {
	out := make([]chain.Certificate, len(certs))
	for i, c := range certs {
		out[i] = chain.Describe(c)
	}
	return out
}

func (w *world) sweeper(p Providers, opts Options) *Sweeper {
	opts.Now = func() time.Time { return now }
	if opts.Concurrency == 0 {
		opts.Concurrency = 4
	}
	return &Sweeper{Providers: p, Discovery: w.disc, Prober: w.prober, Options: opts}
}

func byURL(r report.Report, url string) report.Provider {
	for _, p := range r.Providers {
		if p.URL == url {
			return p
		}
	}
	return report.Provider{}
}

func stale(c byte) string { return strings.Repeat(string(c), 39) + "1" }

func TestRunVerdictsPerProvider(t *testing.T) {
	w := newWorld(t)
	good := w.issuer("good.example")
	w.issuer("rotated.example")
	fakes := newFakeProviders(
		provider.Provider{ARN: arnFor("good.example"), URL: "good.example", Thumbprints: []string{good}},
		provider.Provider{ARN: arnFor("rotated.example"), URL: "rotated.example", Thumbprints: []string{stale('a')}},
		provider.Provider{ARN: arnFor("down.example"), URL: "down.example", Thumbprints: []string{stale('b')}},
	)

	rep, err := w.sweeper(fakes, Options{}).Run(context.Background())
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}

	if rep.AccountID != account {
		t.Errorf("AccountID = %q, want %q", rep.AccountID, account)
	}
	tests := []struct {
		url      string
		verdict  verdict.Kind
		severity verdict.Severity
	}{
		{"good.example", verdict.OK, ""},
		{"rotated.example", verdict.Updated, verdict.Advisory},
		{"down.example", verdict.Unreachable, ""},
	}
	for _, tt := range tests {
		got := byURL(rep, tt.url)
		if got.Verdict != tt.verdict || got.Severity != tt.severity {
			t.Errorf("%s: verdict %s/%s, want %s/%s (reason %q)", tt.url, got.Verdict, got.Severity, tt.verdict, tt.severity, got.Reason)
		}
	}
	if got := fakes.updates[arnFor("rotated.example")]; len(got) != 1 || got[0] != chain.Describe(w.inter["rotated.example"].Cert).Thumbprint {
		t.Errorf("written list = %q, want the rotated issuer's intermediate", got)
	}
	if _, wrote := fakes.updates[arnFor("down.example")]; wrote {
		t.Error("an unreachable provider was written")
	}
	if len(rep.Providers) != 3 {
		t.Errorf("len(Providers) = %d, want 3", len(rep.Providers))
	}
	if !slices.IsSortedFunc(rep.Providers, func(a, b report.Provider) int { return strings.Compare(a.ARN, b.ARN) }) {
		t.Error("providers are not sorted by ARN")
	}
}

func TestRunDryRunWritesNothing(t *testing.T) {
	w := newWorld(t)
	w.issuer("rotated.example")
	fakes := newFakeProviders(provider.Provider{ARN: arnFor("rotated.example"), URL: "rotated.example", Thumbprints: []string{stale('a')}})

	rep, err := w.sweeper(fakes, Options{DryRun: true}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	got := byURL(rep, "rotated.example")
	if got.Verdict != verdict.WouldUpdate {
		t.Errorf("verdict = %s, want would-update", got.Verdict)
	}
	if len(got.Proposed) == 0 {
		t.Error("dry run proposed nothing")
	}
	if len(fakes.updates) != 0 {
		t.Errorf("dry run wrote %v", fakes.updates)
	}
	if !rep.DryRun {
		t.Error("report DryRun = false, want true")
	}
}

func TestRunIsIdempotent(t *testing.T) {
	w := newWorld(t)
	w.issuer("rotated.example")
	fakes := newFakeProviders(provider.Provider{ARN: arnFor("rotated.example"), URL: "rotated.example", Thumbprints: []string{stale('a')}})
	s := w.sweeper(fakes, Options{})

	if _, err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	fakes.updates = map[string][]string{}
	rep, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	if got := byURL(rep, "rotated.example").Verdict; got != verdict.OK {
		t.Errorf("second sweep verdict = %s, want ok", got)
	}
	if len(fakes.updates) != 0 {
		t.Errorf("second sweep wrote %v", fakes.updates)
	}
}

func TestRunRereadsBeforeWriting(t *testing.T) {
	w := newWorld(t)
	need := w.issuer("rotated.example")
	arn := arnFor("rotated.example")

	t.Run("someone fixed it meanwhile", func(t *testing.T) {
		fakes := newFakeProviders(provider.Provider{ARN: arn, URL: "rotated.example", Thumbprints: []string{stale('a')}})
		fakes.beforeUpdate = func(string) { fakes.set(arn, []string{need}) }

		rep, err := w.sweeper(fakes, Options{}).Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}

		got := byURL(rep, "rotated.example")
		if got.Verdict != verdict.OK {
			t.Errorf("verdict = %s, want ok once the fresh list is healthy", got.Verdict)
		}
		if len(fakes.updates) != 0 {
			t.Errorf("wrote %v over a list that no longer needed it", fakes.updates)
		}
	})

	t.Run("someone added an entry meanwhile", func(t *testing.T) {
		extra := stale('c')
		fakes := newFakeProviders(provider.Provider{ARN: arn, URL: "rotated.example", Thumbprints: []string{stale('a')}})
		fakes.beforeUpdate = func(string) { fakes.set(arn, []string{stale('a'), extra}) }

		if _, err := w.sweeper(fakes, Options{}).Run(context.Background()); err != nil {
			t.Fatal(err)
		}

		written := fakes.updates[arn]
		if !slices.Contains(written, need) {
			t.Errorf("written list %q lacks the needed value %s", written, need)
		}
	})
}

func TestRunProviderDeletedAfterListing(t *testing.T) {
	w := newWorld(t)
	w.issuer("gone.example")
	fakes := newFakeProviders(provider.Provider{ARN: arnFor("gone.example"), URL: "gone.example"})
	fakes.getErr[arnFor("gone.example")] = fmt.Errorf("reading provider: %w", provider.ErrNotFound)

	rep, err := w.sweeper(fakes, Options{}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	got := byURL(rep, "gone.example")
	if got.Verdict != verdict.Skipped || !strings.Contains(got.Reason, "deleted") {
		t.Errorf("verdict = %s (%q), want skipped because deleted", got.Verdict, got.Reason)
	}
}

func TestRunListFailureFailsSweep(t *testing.T) {
	w := newWorld(t)
	fakes := newFakeProviders()
	fakes.listErr = errors.New("AccessDenied")

	if _, err := w.sweeper(fakes, Options{}).Run(context.Background()); err == nil {
		t.Fatal("Run() error = nil, want the list error")
	}
}

func TestRunFiltersAndTags(t *testing.T) {
	w := newWorld(t)
	for _, host := range []string{"a.example", "b.example", "c.example", "d.example"} {
		w.issuer(host)
	}
	tp := func(h string) []string { return []string{chain.Describe(w.inter[h].Cert).Thumbprint} }
	fakes := newFakeProviders(
		provider.Provider{ARN: arnFor("a.example"), URL: "a.example", Thumbprints: tp("a.example")},
		provider.Provider{ARN: arnFor("b.example"), URL: "b.example", Thumbprints: tp("b.example"), Tags: map[string]string{"skip-me": ""}},
		provider.Provider{ARN: arnFor("c.example"), URL: "c.example", Thumbprints: tp("c.example"), Tags: map[string]string{"team": "x"}},
		provider.Provider{ARN: arnFor("d.example"), URL: "d.example", Thumbprints: tp("d.example")},
	)

	t.Run("filter by arn and url", func(t *testing.T) {
		rep, err := w.sweeper(fakes, Options{Filter: []string{arnFor("a.example"), "https://B.example/", "nothing.example"}, OptOutTag: "skip-me"}).Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]verdict.Kind{"a.example": verdict.OK, "b.example": verdict.Skipped, "c.example": verdict.Skipped, "d.example": verdict.Skipped}
		for url, v := range want {
			if got := byURL(rep, url).Verdict; got != v {
				t.Errorf("%s verdict = %s, want %s", url, got, v)
			}
		}
		if !strings.Contains(byURL(rep, "b.example").Reason, "opted out") {
			t.Errorf("b.example reason = %q, want the opt-out tag", byURL(rep, "b.example").Reason)
		}
		if len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "nothing.example") {
			t.Errorf("Notes = %q, want one note naming the unmatched filter entry", rep.Notes)
		}
	})

	t.Run("include tag", func(t *testing.T) {
		rep, err := w.sweeper(fakes, Options{IncludeTag: "team"}).Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range rep.Providers {
			want := verdict.Skipped
			if p.URL == "c.example" {
				want = verdict.OK
			}
			if p.Verdict != want {
				t.Errorf("%s verdict = %s, want %s", p.URL, p.Verdict, want)
			}
		}
	})
}

func TestRunStopsStartingBeforeDeadline(t *testing.T) {
	w := newWorld(t)
	var ps []provider.Provider
	for i := range 6 {
		host := fmt.Sprintf("p%d.example", i)
		ps = append(ps, provider.Provider{ARN: arnFor(host), URL: host, Thumbprints: []string{w.issuer(host)}})
	}
	fakes := newFakeProviders(ps...)
	w.prober.delay = 150 * time.Millisecond

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	rep, err := w.sweeper(fakes, Options{Concurrency: 1, DeadlineMargin: 200 * time.Millisecond}).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}

	if len(rep.NotReached) == 0 {
		t.Fatal("NotReached is empty, want the providers left when the margin was reached")
	}
	if len(rep.Providers)+len(rep.NotReached) != 6 {
		t.Errorf("%d swept + %d not reached, want 6 in all", len(rep.Providers), len(rep.NotReached))
	}
	for _, p := range rep.Providers {
		if p.Verdict == "" {
			t.Errorf("%s has no verdict", p.URL)
		}
	}
}

func TestRunProbesSharedHostOnce(t *testing.T) {
	w := newWorld(t)
	need := w.issuer("one.example")
	fakes := newFakeProviders(provider.Provider{ARN: arnFor("one.example"), URL: "one.example", Thumbprints: []string{need}})

	if _, err := w.sweeper(fakes, Options{}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := w.prober.probes["one.example"]; got != 1 {
		t.Errorf("probes of one.example = %d, want 1 when discovery and JWKS share the host", got)
	}
}

func TestObserveSeparateJWKSHost(t *testing.T) {
	w := newWorld(t)
	w.issuer("id.example")
	w.issuer("keys.example")
	res := w.disc["id.example"]
	res.JWKSHost, res.JWKSURI = "keys.example", "https://keys.example/jwks"
	w.disc["id.example"] = res

	in := Observe(context.Background(), w.disc, w.prober, verdict.Input{ProviderURL: "id.example"})

	if len(in.Hosts) != 2 {
		t.Fatalf("len(Hosts) = %d, want 2", len(in.Hosts))
	}
	if in.Hosts[0].Role != "discovery" || in.Hosts[0].Name != "id.example" {
		t.Errorf("Hosts[0] = %s/%s, want id.example/discovery", in.Hosts[0].Name, in.Hosts[0].Role)
	}
	if in.Hosts[1].Role != "jwks" || in.Hosts[1].Name != "keys.example" {
		t.Errorf("Hosts[1] = %s/%s, want keys.example/jwks", in.Hosts[1].Name, in.Hosts[1].Role)
	}
}

// fakeClusters returns a fixed index.
type fakeClusters struct {
	clusters map[string]cluster.Cluster
	failures []cluster.RegionError
	regions  []string
}

func (f *fakeClusters) Index(_ context.Context, regions []string) (map[string]cluster.Cluster, []cluster.RegionError) {
	f.regions = regions
	return f.clusters, f.failures
}

func TestRunEKSClusters(t *testing.T) {
	w := newWorld(t)
	const (
		live     = "oidc.eks.eu-west-1.amazonaws.com/id/LIVE"
		orphan   = "oidc.eks.eu-west-1.amazonaws.com/id/GONE"
		denied   = "oidc.eks.ap-south-1.amazonaws.com/id/DENIED"
		unpinned = "oidc.eks.eu-west-1.amazonaws.com/id/NOPROVIDER"
	)
	var ps []provider.Provider
	needs := map[string]string{}
	for _, url := range []string{live, orphan, denied} {
		host := strings.SplitN(url, "/", 2)[0]
		if _, seen := needs[host]; !seen {
			needs[host] = w.issuer(host)
		}
		w.disc[url] = w.disc[host]
		ps = append(ps, provider.Provider{ARN: arnFor(url), URL: url, Thumbprints: []string{needs[host]}})
	}
	clusters := &fakeClusters{
		clusters: map[string]cluster.Cluster{
			live:     {Name: "payments", Region: "eu-west-1", Issuer: "https://" + live},
			unpinned: {Name: "analytics", Region: "eu-west-1", Issuer: "https://" + unpinned},
		},
		failures: []cluster.RegionError{{Region: "ap-south-1", Err: errors.New("AccessDeniedException")}},
	}
	s := w.sweeper(newFakeProviders(ps...), Options{ExtraRegions: []string{"us-west-2"}})
	s.Clusters = clusters

	rep, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	if want := []string{"ap-south-1", "eu-west-1", "us-west-2"}; !slices.Equal(clusters.regions, want) {
		t.Errorf("regions scanned = %q, want %q", clusters.regions, want)
	}
	if c := byURL(rep, live).Cluster; c == nil || c.Name != "payments" {
		t.Errorf("cluster of %s = %+v, want payments", live, c)
	}
	if !hasFinding(byURL(rep, orphan), finding.OrphanedProvider) {
		t.Errorf("%s lacks orphaned-provider: %+v", orphan, byURL(rep, orphan).Findings)
	}
	if !hasFinding(byURL(rep, denied), finding.EKSLookupFailed) || hasFinding(byURL(rep, denied), finding.OrphanedProvider) {
		t.Errorf("%s findings = %+v, want eks-lookup-failed and no orphan verdict", denied, byURL(rep, denied).Findings)
	}
	if len(rep.UnmanagedClusters) != 1 || rep.UnmanagedClusters[0].Name != "analytics" {
		t.Errorf("UnmanagedClusters = %+v, want analytics only", rep.UnmanagedClusters)
	}
	if byURL(rep, live).Verdict != verdict.OK {
		t.Errorf("EKS lookups changed the verdict of %s to %s", live, byURL(rep, live).Verdict)
	}
}

func hasFinding(p report.Provider, code finding.Code) bool {
	for _, f := range p.Findings {
		if f.Code == code {
			return true
		}
	}
	return false
}
