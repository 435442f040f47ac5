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
	// after the per-address version handshakes, spread round-robin over the addresses.
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

// Probe observes host on port. It first handshakes with every resolved address twice,
// offering only TLS 1.3 and then only TLS 1.2, and sets TLS13 and TLS12 when at least
// one address accepted that version. It then takes Config.Samples handshakes offering
// both versions. Every completed handshake is a sample of its chain.
//
// Attempts counts every connection tried, retries included. Failures counts handshakes
// that still failed after their retries, except a version handshake that the server
// rejected with a protocol_version alert, because that rejection answers the version
// question. When no handshake completes, Error holds the last error and Chains is
// empty.
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

	var (
		observed = newObservations()
		lastErr  error
	)
	record := func(s sample, err error, versionHandshake bool) {
		if err == nil {
			observed.add(s)
			return
		}
		lastErr = err
		if !(versionHandshake && versionRejected(err)) {
			result.Failures++
		}
	}

	for _, addr := range addrs {
		for _, version := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
			if ctx.Err() != nil {
				break
			}
			s, err := p.handshakeWithRetry(ctx, &result, host, addr, port, version, version)
			record(s, err, true)
			if err == nil && version == tls.VersionTLS13 {
				result.TLS13 = true
			}
			if err == nil && version == tls.VersionTLS12 {
				result.TLS12 = true
			}
		}
	}

	for i := range p.cfg.Samples {
		if ctx.Err() != nil {
			break
		}
		addr := addrs[i%len(addrs)]
		s, err := p.handshakeWithRetry(ctx, &result, host, addr, port, tls.VersionTLS12, tls.VersionTLS13)
		record(s, err, false)
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

// handshakeWithRetry repeats a failed handshake while its error is transient, up to
// Config.Attempts tries, with jittered exponential backoff.
func (p *Prober) handshakeWithRetry(ctx context.Context, counts *chain.Host, host string, addr netip.Addr, port string, minVersion, maxVersion uint16) (sample, error) {
	delay := p.cfg.Backoff
	for attempt := 1; ; attempt++ {
		counts.Attempts++
		s, err := p.handshake(ctx, host, addr, port, minVersion, maxVersion)
		if err == nil || attempt >= p.cfg.Attempts || !transient(err) || ctx.Err() != nil {
			return s, err
		}

		if !pause(ctx, jitter(delay)) {
			return s, err
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
