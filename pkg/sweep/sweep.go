package sweep

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/cluster"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/discovery"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/provider"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
)

// Providers reads and updates IAM OIDC providers; *provider.Store satisfies it.
type Providers interface {
	List(ctx context.Context) ([]string, error)
	Get(ctx context.Context, arn string) (provider.Provider, error)
	Update(ctx context.Context, arn string, plan func(current provider.Provider) ([]string, bool, error)) ([]string, error)
}

// Discoverer fetches a provider's discovery document; *discovery.Client satisfies it.
type Discoverer interface {
	Fetch(ctx context.Context, providerURL string) (discovery.Result, error)
}

// Prober observes the certificate chains of one host; *tlsprobe.Prober satisfies it.
type Prober interface {
	Probe(ctx context.Context, host, port string) chain.Host
}

// ClusterIndex maps EKS issuer URLs to clusters; *cluster.Finder satisfies it.
type ClusterIndex interface {
	Index(ctx context.Context, regions []string) (map[string]cluster.Cluster, []cluster.RegionError)
}

// Options tune a sweep. The zero value of each field is documented with it.
type Options struct {
	// DryRun computes and reports everything and writes nothing.
	DryRun bool
	// Concurrency is how many providers run at once; zero means 1.
	Concurrency int
	// ProviderTimeout bounds the work on one provider; zero means no bound other
	// than the deadline.
	ProviderTimeout time.Duration
	// DeadlineMargin is how long before the context's deadline the sweep stops
	// starting providers. Providers already running must finish by half the margin
	// before the deadline.
	DeadlineMargin time.Duration
	// Filter limits the sweep to these provider ARNs or URLs; empty means all.
	Filter []string
	// OptOutTag is a tag key that makes the sweep skip a provider; empty disables it.
	OptOutTag string
	// IncludeTag, when set, limits the sweep to providers carrying this tag key.
	IncludeTag string
	// ExtraRegions are scanned for EKS clusters besides those named by issuer URLs.
	ExtraRegions []string
	// ExpiryWarning is the period before a needed certificate expires in which an
	// expiring-soon finding is reported.
	ExpiryWarning time.Duration
	// Now returns the time used to judge certificates; nil means time.Now.
	Now func() time.Time
	// Progress, when set, is called once per provider as it finishes, never
	// concurrently.
	Progress func(report.Provider)
}

// Sweeper runs sweeps. Clusters may be nil, which turns EKS lookups off.
type Sweeper struct {
	Providers Providers
	Discovery Discoverer
	Prober    Prober
	Clusters  ClusterIndex
	Options   Options
}

// Run sweeps every provider and returns the report.
func (s *Sweeper) Run(ctx context.Context) (report.Report, error) {
	started := time.Now()
	rep := report.Report{
		SchemaVersion:     report.SchemaVersion,
		StartedAt:         started.UTC(),
		DryRun:            s.Options.DryRun,
		Providers:         []report.Provider{},
		NotReached:        []string{},
		UnmanagedClusters: []report.Cluster{},
		Notes:             []string{},
	}

	arns, err := s.Providers.List(ctx)
	if err != nil {
		return rep, fmt.Errorf("listing OIDC providers: %w", err)
	}
	if len(arns) > 0 {
		rep.AccountID = accountOf(arns[0])
	}

	clusters := s.startClusterIndex(ctx, arns)

	selected, skipped, unmatched := s.filter(arns)
	rep.Providers = append(rep.Providers, skipped...)
	for _, entry := range unmatched {
		rep.Notes = append(rep.Notes, fmt.Sprintf("provider filter entry %q matches no provider in the account", entry))
	}

	done, notReached := s.runAll(ctx, selected)
	rep.Providers = append(rep.Providers, done...)
	rep.NotReached = append(rep.NotReached, notReached...)

	index := clusters.wait()
	rep.Notes = append(rep.Notes, index.notes...)
	rep.UnmanagedClusters = append(rep.UnmanagedClusters, index.attach(rep.Providers, arns)...)

	slices.SortFunc(rep.Providers, func(a, b report.Provider) int { return strings.Compare(a.ARN, b.ARN) })
	rep.FinishedAt = time.Now().UTC()
	return rep, nil
}

// filter splits the ARNs into those to sweep and those skipped by the filter, and
// returns the filter entries that matched nothing.
func (s *Sweeper) filter(arns []string) (selected []string, skipped []report.Provider, unmatched []string) {
	if len(s.Options.Filter) == 0 {
		return arns, nil, nil
	}

	used := make([]bool, len(s.Options.Filter))
	for _, arn := range arns {
		url := urlOf(arn)
		matched := false
		for i, entry := range s.Options.Filter {
			if entry == arn || normalizeURL(entry) == normalizeURL(url) {
				used[i], matched = true, true
			}
		}
		if matched {
			selected = append(selected, arn)
			continue
		}
		skipped = append(skipped, report.Provider{
			ARN:     arn,
			URL:     url,
			Verdict: verdict.Skipped,
			Reason:  "not in the invocation's provider filter",
		})
	}
	for i, entry := range s.Options.Filter {
		if !used[i] {
			unmatched = append(unmatched, entry)
		}
	}
	return selected, skipped, unmatched
}

// runAll sweeps the providers with bounded concurrency and stops starting new ones
// once the deadline margin is reached.
func (s *Sweeper) runAll(ctx context.Context, arns []string) (done []report.Provider, notReached []string) {
	workers := max(s.Options.Concurrency, 1)
	stopAt, finishBy, hasDeadline := s.deadlines(ctx)

	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, workers)
	)
	for _, arn := range arns {
		sem <- struct{}{}
		if ctx.Err() != nil || (hasDeadline && time.Now().After(stopAt)) {
			<-sem
			mu.Lock()
			notReached = append(notReached, arn)
			mu.Unlock()
			continue
		}

		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()

			pctx, cancel := s.providerContext(ctx, finishBy, hasDeadline)
			out := s.sweepOne(pctx, arn)
			cancel()

			mu.Lock()
			defer mu.Unlock()
			done = append(done, out)
			if s.Options.Progress != nil {
				s.Options.Progress(out)
			}
		}()
	}
	wg.Wait()
	return done, notReached
}

func (s *Sweeper) deadlines(ctx context.Context) (stopAt, finishBy time.Time, ok bool) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	return deadline.Add(-s.Options.DeadlineMargin), deadline.Add(-s.Options.DeadlineMargin / 2), true
}

func (s *Sweeper) providerContext(ctx context.Context, finishBy time.Time, hasDeadline bool) (context.Context, context.CancelFunc) {
	limit := time.Time{}
	if s.Options.ProviderTimeout > 0 {
		limit = time.Now().Add(s.Options.ProviderTimeout)
	}
	if hasDeadline && (limit.IsZero() || finishBy.Before(limit)) {
		limit = finishBy
	}
	if limit.IsZero() {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, limit)
}

func (s *Sweeper) now() time.Time {
	if s.Options.Now != nil {
		return s.Options.Now()
	}
	return time.Now()
}

// sweepOne judges one provider and, unless the sweep is a dry run, writes the fix.
// The result is named so that the deferred assignment of Duration reaches the caller.
func (s *Sweeper) sweepOne(ctx context.Context, arn string) (out report.Provider) {
	started := time.Now()
	out = report.Provider{ARN: arn, URL: urlOf(arn), Before: []string{}, Proposed: []string{}, Findings: []finding.Finding{}, Hosts: []chain.Host{}}
	defer func() { out.Duration = time.Since(started) }()

	p, err := s.Providers.Get(ctx, arn)
	switch {
	case errors.Is(err, provider.ErrNotFound):
		out.Verdict, out.Reason = verdict.Skipped, "the provider was deleted after the sweep listed it"
		return out
	case err != nil:
		out.Verdict, out.Reason = verdict.Unreachable, fmt.Sprintf("reading the provider from IAM failed: %v", err)
		return out
	}
	out.URL = p.URL
	out.Before = nonNil(p.Thumbprints)

	if reason := s.skipReason(p); reason != "" {
		out.Verdict, out.Reason = verdict.Skipped, reason
		return out
	}

	in, keepErr := s.input(ctx, p)
	d := verdict.Decide(in)
	out.Hosts = nonNil(in.Hosts)
	Apply(&out, d)

	if keepErr != nil && d.ShouldWrite() {
		out.Verdict = verdict.Refused
		out.Reason = fmt.Sprintf("a change is needed but the keep tag cannot be read, so the entries the operator wants kept are unknown: %v", keepErr)
		return out
	}
	if !d.ShouldWrite() {
		return out
	}
	if s.Options.DryRun {
		out.Verdict = verdict.WouldUpdate
		return out
	}
	s.write(ctx, in, &out)
	return out
}

// input gathers the decision's input for a provider read from IAM.
func (s *Sweeper) input(ctx context.Context, p provider.Provider) (verdict.Input, error) {
	keep, keepErr := p.KeepList()
	in := verdict.Input{
		ProviderURL:   p.URL,
		Configured:    p.Thumbprints,
		Keep:          keep,
		AllowLeafPin:  p.AllowsLeafPin(),
		Now:           s.now(),
		ExpiryWarning: s.Options.ExpiryWarning,
	}
	return Observe(ctx, s.Discovery, s.Prober, in), keepErr
}

// Observe fetches the discovery document of in.ProviderURL and probes the discovery
// and JWKS hosts, once when they are the same host, and returns in with the discovery
// result and the host observations filled in. The command line's check uses it too, so
// one issuer is judged by the same code as a sweep.
func Observe(ctx context.Context, d Discoverer, p Prober, in verdict.Input) verdict.Input {
	res, err := d.Fetch(ctx, in.ProviderURL)
	if err != nil {
		in.DiscoveryError = err.Error()
		if host, port, ok := unverifiedIssuer(in.ProviderURL, err); ok {
			// The chain is reported even though nothing is computed from it: it shows
			// the operator what the host serves instead of a bare x509 error.
			observed := p.Probe(ctx, host, port)
			observed.Role = "discovery"
			in.Hosts = []chain.Host{observed}
		}
		return in
	}
	in.DiscoveryFindings = res.Findings

	if res.DiscoveryHost == res.JWKSHost && res.DiscoveryPort == res.JWKSPort {
		host := p.Probe(ctx, res.JWKSHost, res.JWKSPort)
		host.Role = "discovery+jwks"
		in.Hosts = []chain.Host{host}
		return in
	}

	hosts := make([]chain.Host, 2)
	var wg sync.WaitGroup
	wg.Go(func() {
		hosts[0] = p.Probe(ctx, res.DiscoveryHost, res.DiscoveryPort)
		hosts[0].Role = "discovery"
	})
	wg.Go(func() {
		hosts[1] = p.Probe(ctx, res.JWKSHost, res.JWKSPort)
		hosts[1].Role = "jwks"
	})
	wg.Wait()
	in.Hosts = hosts
	return in
}

// unverifiedIssuer returns the issuer's host and port when err is a certificate
// verification failure.
func unverifiedIssuer(providerURL string, err error) (host, port string, ok bool) {
	var (
		verifyErr  *tls.CertificateVerificationError
		unknown    x509.UnknownAuthorityError
		invalid    x509.CertificateInvalidError
		hostnameEr x509.HostnameError
	)
	if !errors.As(err, &verifyErr) && !errors.As(err, &unknown) && !errors.As(err, &invalid) && !errors.As(err, &hostnameEr) {
		return "", "", false
	}
	u, parseErr := discovery.IssuerURL(providerURL)
	if parseErr != nil {
		return "", "", false
	}
	return u.Hostname(), cmp.Or(u.Port(), "443"), true
}

// write re-reads the provider, decides again on the fresh list with the same
// observations, and writes only if that decision still calls for it.
func (s *Sweeper) write(ctx context.Context, in verdict.Input, out *report.Provider) {
	var fresh verdict.Decision
	plan := func(current provider.Provider) ([]string, bool, error) {
		again := in
		again.Configured = current.Thumbprints
		fresh = verdict.Decide(again)
		return fresh.Proposed, fresh.ShouldWrite(), nil
	}

	written, err := s.Providers.Update(ctx, out.ARN, plan)
	switch {
	case errors.Is(err, provider.ErrNotFound):
		out.Verdict, out.Severity = verdict.Skipped, ""
		out.Reason = "the provider was deleted before the update; nothing was written"
	case err != nil:
		out.Findings = append(out.Findings, finding.Finding{
			Code:    finding.WriteFailed,
			Message: fmt.Sprintf("updating the thumbprint list failed, so the stored list is unchanged: %v", err),
		})
	case written == nil:
		Apply(out, fresh)
		out.Reason = "the stored list changed during the sweep and no longer needs an update: " + fresh.Reason
	default:
		Apply(out, fresh)
		out.Verdict = verdict.Updated
		out.Proposed = written
	}
}

// Apply copies a decision into a report entry.
func Apply(out *report.Provider, d verdict.Decision) {
	out.Verdict = d.Verdict
	out.Severity = d.Severity
	out.Reason = d.Reason
	out.Findings = nonNil(d.Findings)
	out.Proposed = nonNil(d.Proposed)
}

func (s *Sweeper) skipReason(p provider.Provider) string {
	if key := s.Options.OptOutTag; key != "" {
		if _, ok := p.Tags[key]; ok {
			return fmt.Sprintf("opted out by the IAM tag %q", key)
		}
	}
	if key := s.Options.IncludeTag; key != "" {
		if _, ok := p.Tags[key]; !ok {
			return fmt.Sprintf("not tagged with %q, and the sweep covers only tagged providers", key)
		}
	}
	return ""
}

// accountOf returns the account ID of an OIDC provider ARN, or "" when it is not one.
func accountOf(arn string) string {
	parsed, err := provider.ParseARN(arn)
	if err != nil {
		return ""
	}
	return parsed.AccountID
}

// urlOf returns the provider URL that an OIDC provider ARN ends with, or "" when it is
// not one.
func urlOf(arn string) string {
	parsed, err := provider.ParseARN(arn)
	if err != nil {
		return ""
	}
	return parsed.URL
}

// normalizeURL compares provider URLs regardless of scheme, host case and a trailing
// slash.
func normalizeURL(u string) string {
	u = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(u), "https://"), "http://")
	u = strings.TrimSuffix(u, "/")
	host, path, _ := strings.Cut(u, "/")
	host = strings.ToLower(host)
	if h, port, err := net.SplitHostPort(host); err == nil && port == "443" {
		host = h
	}
	if path == "" {
		return host
	}
	return host + "/" + path
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
