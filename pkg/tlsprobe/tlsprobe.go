package tlsprobe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
)

// Defaults for the zero values in Config.
const (
	DefaultSamples          = 2
	DefaultHandshakeTimeout = 5 * time.Second
	DefaultAttempts         = 3
	DefaultBackoff          = 200 * time.Millisecond
)

// Config sets how a Prober connects and verifies.
type Config struct {
	// Resolve returns the addresses to connect to for a host name, after checking
	// them; netguard.Guard.Resolve fits. Required.
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	// Roots is the public trust store. Nil means x509.SystemCertPool().
	Roots *x509.CertPool
	// Bundle is the operator's CA bundle for private issuers. Nil means none.
	Bundle *x509.CertPool
	// Samples is the number of handshakes, offering both TLS 1.2 and TLS 1.3, taken
	// besides the per-address version handshakes, spread round-robin over the addresses.
	// Zero means DefaultSamples and a negative value means none.
	Samples int
	// HandshakeTimeout bounds each connection attempt, dial included. Zero means
	// DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
	// Attempts is the number of tries per handshake when it fails with a transient
	// error (connection reset, refused or closed, timeout). Zero means
	// DefaultAttempts.
	Attempts int
	// Backoff is the delay before the first retry. It doubles for each further retry
	// and is jittered by up to half either way. Zero means DefaultBackoff.
	Backoff time.Duration
	// Now returns the verification time. Nil means time.Now.
	Now func() time.Time
}

// Prober observes hosts. It is safe for concurrent use.
type Prober struct {
	cfg Config
}

// New returns a Prober with cfg's zero values replaced by their defaults.
func New(cfg Config) *Prober {
	if cfg.Roots == nil {
		roots, err := x509.SystemCertPool()
		if err != nil {
			// NOTE: without a readable system store no chain counts as public; every
			// chain is then private (through Bundle) or fails verification.
			roots = x509.NewCertPool()
		}
		cfg.Roots = roots
	}
	if cfg.Samples == 0 {
		cfg.Samples = DefaultSamples
	}
	cfg.Samples = max(cfg.Samples, 0)
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = DefaultAttempts
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Prober{cfg: cfg}
}

// MaxParallelHandshakes bounds how many handshakes one Probe has open with a host at
// once, so a host with many addresses or a high Config.Samples gets no burst of
// connections.
const MaxParallelHandshakes = 6

// Probe observes host on port. It handshakes with every resolved address twice,
// offering only TLS 1.3 and then only TLS 1.2, and sets TLS13 and TLS12 when at least
// one address accepted that version. It also takes Config.Samples handshakes offering
// both versions, spread round-robin over the addresses. Every completed handshake is a
// sample of its chain. The handshakes run in parallel, at most MaxParallelHandshakes at
// a time, so a slow host costs about one handshake time instead of one per handshake.
//
// Attempts counts every connection tried, retries included. Failures counts handshakes
// that still failed after their retries, except a version handshake that the server
// rejected with a protocol_version alert, because that rejection answers the version
// question. When no handshake completes, Error holds the last error in the order above
// and Chains is empty.
func (p *Prober) Probe(ctx context.Context, host, port string) chain.Host {
	result := chain.Host{Name: host}

	addrs, err := p.cfg.Resolve(ctx, host)
	if err == nil && len(addrs) == 0 {
		err = errors.New("no addresses found")
	}
	if err != nil {
		result.Error = fmt.Sprintf("resolving %s: %v", host, err)
		return result
	}
	result.Addresses = addressStrings(addrs)

	plan := handshakePlan(addrs, p.cfg.Samples)
	outcomes := p.runPlan(ctx, host, port, plan)

	var (
		observed = newObservations()
		lastErr  error
	)
	for i, outcome := range outcomes {
		planned := plan[i]
		result.Attempts += outcome.attempts
		if outcome.attempts == 0 {
			continue
		}
		if outcome.err != nil {
			lastErr = outcome.err
			if !(planned.versionOnly() && versionRejected(outcome.err)) {
				result.Failures++
			}
			continue
		}

		observed.add(outcome.sample)
		if planned.versionOnly() && planned.minVersion == tls.VersionTLS13 {
			result.TLS13 = true
		}
		if planned.versionOnly() && planned.minVersion == tls.VersionTLS12 {
			result.TLS12 = true
		}
	}

	result.Chains = observed.chains()
	if len(result.Chains) == 0 {
		if lastErr == nil {
			lastErr = ctx.Err()
		}
		result.Error = fmt.Sprintf("no TLS handshake with %s completed after %d attempts: %v", host, result.Attempts, lastErr)
	}
	return result
}

// plannedHandshake is one handshake of a probe and the TLS versions it offers.
type plannedHandshake struct {
	addr                   netip.Addr
	minVersion, maxVersion uint16
}

// versionOnly reports whether the handshake offers a single version, which makes it a
// test of whether the host supports that version.
func (h plannedHandshake) versionOnly() bool { return h.minVersion == h.maxVersion }

// handshakeOutcome is the result of one planned handshake. attempts is 0 when the
// context ended before the handshake started.
type handshakeOutcome struct {
	sample   sample
	err      error
	attempts int
}

// handshakePlan lists a probe's handshakes: a TLS 1.3-only and a TLS 1.2-only one per
// address, then samples handshakes offering both versions, round-robin over addrs.
func handshakePlan(addrs []netip.Addr, samples int) []plannedHandshake {
	plan := make([]plannedHandshake, 0, 2*len(addrs)+samples)
	for _, addr := range addrs {
		plan = append(plan,
			plannedHandshake{addr: addr, minVersion: tls.VersionTLS13, maxVersion: tls.VersionTLS13},
			plannedHandshake{addr: addr, minVersion: tls.VersionTLS12, maxVersion: tls.VersionTLS12},
		)
	}
	for i := range samples {
		plan = append(plan, plannedHandshake{addr: addrs[i%len(addrs)], minVersion: tls.VersionTLS12, maxVersion: tls.VersionTLS13})
	}
	return plan
}

// runPlan runs the planned handshakes in parallel and returns their outcomes in plan
// order, so that the caller aggregates them the same way whatever order they finish in.
func (p *Prober) runPlan(ctx context.Context, host, port string, plan []plannedHandshake) []handshakeOutcome {
	outcomes := make([]handshakeOutcome, len(plan))
	slots := make(chan struct{}, MaxParallelHandshakes)
	var wg sync.WaitGroup
	for i, planned := range plan {
		wg.Go(func() {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-slots }()
			if ctx.Err() != nil {
				return
			}

			s, attempts, err := p.handshakeWithRetry(ctx, host, planned.addr, port, planned.minVersion, planned.maxVersion)
			outcomes[i] = handshakeOutcome{sample: s, err: err, attempts: attempts}
		})
	}
	wg.Wait()
	return outcomes
}

// handshakeWithRetry repeats a failed handshake while its error is transient, up to
// Config.Attempts tries, with jittered exponential backoff.
// It returns the number of connections tried.
func (p *Prober) handshakeWithRetry(ctx context.Context, host string, addr netip.Addr, port string, minVersion, maxVersion uint16) (sample, int, error) {
	delay := p.cfg.Backoff
	for attempt := 1; ; attempt++ {
		s, err := p.handshake(ctx, host, addr, port, minVersion, maxVersion)
		if err == nil || attempt >= p.cfg.Attempts || !transient(err) || ctx.Err() != nil {
			return s, attempt, err
		}

		if !pause(ctx, jitter(delay)) {
			return s, attempt, err
		}
		delay *= 2
	}
}

// handshake runs one TLS handshake with addr and closes the connection. It connects to
// the checked address itself, so the host name is never resolved again.
func (p *Prober) handshake(ctx context.Context, host string, addr netip.Addr, port string, minVersion, maxVersion uint16) (sample, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.HandshakeTimeout)
	defer cancel()

	address := net.JoinHostPort(addr.String(), port)
	var dialer net.Dialer
	raw, err := dialer.DialContext(ctx, "tcp", address)
	if err != nil {
		return sample{}, fmt.Errorf("tlsprobe: connecting to %s: %w", address, err)
	}

	var observed sample
	config := &tls.Config{
		ServerName: host,
		MinVersion: minVersion,
		MaxVersion: maxVersion,
		// The library's verification is off because a probe must record chains that
		// fail it (expired, unknown authority, wrong host, interception).
		// VerifyConnection verifies every chain here instead and records the result,
		// and the connection closes after the handshake without sending application
		// data. HTTP requests made elsewhere keep normal verification.
		InsecureSkipVerify: true,
		VerifyConnection: func(state tls.ConnectionState) error {
			observed = p.verify(host, state.PeerCertificates)
			return nil
		},
	}
	conn := tls.Client(raw, config)
	defer conn.Close()

	if err := conn.HandshakeContext(ctx); err != nil {
		return sample{}, fmt.Errorf("tlsprobe: TLS handshake with %s (%s): %w", address, versionRange(minVersion, maxVersion), err)
	}
	observed.addr = addr
	observed.version = conn.ConnectionState().Version
	return observed, nil
}

// pause waits for d or until ctx is done, and reports whether d elapsed.
func pause(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()

	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// jitter returns a random duration in [d/2, 3d/2), so that probes retrying at once
// spread out.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d)
}

func versionRange(minVersion, maxVersion uint16) string {
	if minVersion == maxVersion {
		return tls.VersionName(minVersion) + " only"
	}
	return tls.VersionName(minVersion) + " to " + tls.VersionName(maxVersion)
}

func addressStrings(addrs []netip.Addr) []string {
	sorted := slices.Clone(addrs)
	slices.SortFunc(sorted, netip.Addr.Compare)
	sorted = slices.Compact(sorted)

	out := make([]string, len(sorted))
	for i, addr := range sorted {
		out[i] = addr.String()
	}
	return out
}
