// Package config reads the function's settings from environment variables and
// validates them all at start-up, so a bad value stops the function with an error that
// names the variable, the value and the accepted form, before any provider is touched.
//
// The package reads values only; it creates no clients and opens no files other than
// the CA bundle file when CA_BUNDLE_FILE is set.
package config

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Defaults for settings that are not set.
const (
	DefaultConcurrency      = 16
	DefaultProviderTimeout  = 60 * time.Second
	DefaultHandshakeTimeout = 5 * time.Second
	DefaultHTTPTimeout      = 10 * time.Second
	DefaultSamples          = 2
	DefaultDeadlineMargin   = 20 * time.Second
	DefaultExpiryWarning    = 30 * 24 * time.Hour
	DefaultOptOutTag        = "oidc-thumbprint-remediator:opt-out"
	DefaultMetricsNamespace = "OIDCThumbprintRemediator"
	DefaultPolicy           = "changes-and-problems"

	maxConcurrency = 256
	maxSamples     = 32
)

// Config holds every setting of the function and the command line's sweep.
type Config struct {
	// TopicARN is the SNS topic for summaries (TOPIC_ARN). Empty means no publish.
	TopicARN string
	// DryRun computes and reports everything and writes nothing (DRY_RUN).
	DryRun bool
	// NotificationPolicy is always, changes-and-problems or problems
	// (NOTIFICATION_POLICY, default changes-and-problems).
	NotificationPolicy string
	// CABundle holds the operator's CA certificates (CA_BUNDLE as PEM text, or
	// CA_BUNDLE_FILE as a path); empty when neither is set.
	CABundle []*x509.Certificate
	// Concurrency is how many providers are processed at once (CONCURRENCY, 1-256,
	// default 16).
	Concurrency int
	// ProviderTimeout bounds the work on one provider (PROVIDER_TIMEOUT, default 60s).
	ProviderTimeout time.Duration
	// HandshakeTimeout bounds one TLS handshake (HANDSHAKE_TIMEOUT, default 5s).
	HandshakeTimeout time.Duration
	// HTTPTimeout bounds one HTTP request (HTTP_TIMEOUT, default 10s).
	HTTPTimeout time.Duration
	// Samples is the number of handshakes per host beyond one TLS 1.3-only and one
	// TLS 1.2-only handshake per address
	// (SAMPLES, 0-32, default 2).
	Samples int
	// DeadlineMargin is how long before the Lambda deadline the sweep stops starting
	// providers (DEADLINE_MARGIN, default 20s).
	DeadlineMargin time.Duration
	// ExpiryWarning is the period before a needed certificate expires in which a
	// warning is reported (EXPIRY_WARNING_DAYS, default 30 days; 0 turns it off).
	ExpiryWarning time.Duration
	// OptOutTag is the IAM tag key that makes the sweep skip a provider
	// (OPT_OUT_TAG, default oidc-thumbprint-remediator:opt-out).
	OptOutTag string
	// IncludeTag, when set, limits the sweep to providers carrying this tag key
	// (INCLUDE_TAG, default empty: every provider).
	IncludeTag string
	// ExtraEKSRegions are scanned for clusters besides the regions read from EKS
	// issuer URLs (EXTRA_EKS_REGIONS, comma-separated).
	ExtraEKSRegions []string
	// AllowPrivateNetworks lets the function connect to loopback, private and
	// link-local addresses (ALLOW_PRIVATE_NETWORKS, default false).
	AllowPrivateNetworks bool
	// HostOverrides pins host names to addresses before DNS is asked
	// (HOST_OVERRIDES, "name=address,name=address"), like curl's --resolve.
	HostOverrides map[string][]netip.Addr
	// MetricsNamespace is the CloudWatch namespace of the metric line
	// (METRICS_NAMESPACE, default OIDCThumbprintRemediator).
	MetricsNamespace string
}

// LookupFunc reads one environment variable; os.LookupEnv satisfies it.
type LookupFunc func(name string) (string, bool)

var (
	topicARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$`)
	regionPattern   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)
	tagKeyPattern   = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$`)
)

// Load reads and validates every setting. It reports all invalid settings at once,
// joined, each naming the variable, the value and what is accepted.
func Load(lookup LookupFunc) (Config, error) {
	r := reader{lookup: lookup}
	cfg := Config{
		TopicARN:             r.match("TOPIC_ARN", topicARNPattern, "an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:remediator"),
		DryRun:               r.boolean("DRY_RUN", false),
		NotificationPolicy:   r.oneOf("NOTIFICATION_POLICY", DefaultPolicy, "always", "changes-and-problems", "problems"),
		Concurrency:          r.integer("CONCURRENCY", DefaultConcurrency, 1, maxConcurrency),
		ProviderTimeout:      r.duration("PROVIDER_TIMEOUT", DefaultProviderTimeout),
		HandshakeTimeout:     r.duration("HANDSHAKE_TIMEOUT", DefaultHandshakeTimeout),
		HTTPTimeout:          r.duration("HTTP_TIMEOUT", DefaultHTTPTimeout),
		Samples:              r.integer("SAMPLES", DefaultSamples, 0, maxSamples),
		DeadlineMargin:       r.duration("DEADLINE_MARGIN", DefaultDeadlineMargin),
		ExpiryWarning:        time.Duration(r.integer("EXPIRY_WARNING_DAYS", 30, 0, 3650)) * 24 * time.Hour,
		OptOutTag:            r.tagKey("OPT_OUT_TAG", DefaultOptOutTag),
		IncludeTag:           r.tagKey("INCLUDE_TAG", ""),
		ExtraEKSRegions:      r.regions("EXTRA_EKS_REGIONS"),
		AllowPrivateNetworks: r.boolean("ALLOW_PRIVATE_NETWORKS", false),
		MetricsNamespace:     r.text("METRICS_NAMESPACE", DefaultMetricsNamespace),
		HostOverrides:        r.hostOverrides("HOST_OVERRIDES"),
	}
	cfg.CABundle = r.bundle()
	return cfg, errors.Join(r.errs...)
}

// reader collects every invalid setting instead of stopping at the first.
type reader struct {
	lookup LookupFunc
	errs   []error
}

func (r *reader) value(name string) (string, bool) {
	v, ok := r.lookup(name)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

func (r *reader) fail(name, value, want string) {
	r.errs = append(r.errs, fmt.Errorf("invalid %s %q: want %s", name, value, want))
}

func (r *reader) text(name, def string) string {
	v, ok := r.value(name)
	if !ok {
		return def
	}
	return v
}

func (r *reader) match(name string, pattern *regexp.Regexp, want string) string {
	v, ok := r.value(name)
	if ok && !pattern.MatchString(v) {
		r.fail(name, v, want)
	}
	return v
}

func (r *reader) boolean(name string, def bool) bool {
	v, ok := r.value(name)
	if !ok {
		return def
	}
	switch strings.ToLower(v) {
	case "true", "1", "yes":
		return true
	case "false", "0", "no":
		return false
	}
	r.fail(name, v, "true or false (also accepted: 1, 0, yes, no)")
	return def
}

func (r *reader) oneOf(name, def string, allowed ...string) string {
	v, ok := r.value(name)
	if !ok {
		return def
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.fail(name, v, "one of "+strings.Join(allowed, ", "))
	return def
}

func (r *reader) integer(name string, def, lo, hi int) int {
	v, ok := r.value(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		r.fail(name, v, fmt.Sprintf("a whole number from %d to %d", lo, hi))
		return def
	}
	return n
}

func (r *reader) duration(name string, def time.Duration) time.Duration {
	v, ok := r.value(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 || d > 15*time.Minute {
		r.fail(name, v, "a Go duration above 0 and at most 15m, such as 500ms, 10s or 2m")
		return def
	}
	return d
}

func (r *reader) tagKey(name, def string) string {
	v, ok := r.value(name)
	if !ok {
		return def
	}
	if strings.HasPrefix(strings.ToLower(v), "aws:") || !tagKeyPattern.MatchString(v) {
		r.fail(name, v, "an IAM tag key of 1-128 letters, digits, spaces and _.:/=+-@, not starting with aws:")
		return def
	}
	return v
}

func (r *reader) regions(name string) []string {
	v, ok := r.value(name)
	if !ok {
		return nil
	}
	var regions []string
	for _, part := range strings.Split(v, ",") {
		region := strings.TrimSpace(part)
		if !regionPattern.MatchString(region) {
			r.fail(name, v, "comma-separated AWS region codes such as eu-west-1,us-east-2")
			return nil
		}
		regions = append(regions, region)
	}
	return regions
}

func (r *reader) hostOverrides(name string) map[string][]netip.Addr {
	v, ok := r.value(name)
	if !ok {
		return nil
	}
	hosts, err := ParseHostOverrides(v)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("invalid %s %q: %w", name, v, err))
		return nil
	}
	return hosts
}

// ParseHostOverrides reads "name=address" entries separated by commas, for example
// "id.example=127.0.0.1,id.example=::1". A name may repeat to give several addresses.
func ParseHostOverrides(s string) (map[string][]netip.Addr, error) {
	hosts := map[string][]netip.Addr{}
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name, addr, ok := strings.Cut(entry, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || name == "" {
			return nil, fmt.Errorf("host override %q: want name=address", entry)
		}
		ip, err := netip.ParseAddr(strings.TrimSpace(addr))
		if err != nil {
			return nil, fmt.Errorf("host override %q: %w", entry, err)
		}
		hosts[name] = append(hosts[name], ip.Unmap())
	}
	return hosts, nil
}

// bundle reads CA_BUNDLE (PEM text) or CA_BUNDLE_FILE (a path); setting both is an
// error because the intended source would be ambiguous.
func (r *reader) bundle() []*x509.Certificate {
	text, hasText := r.value("CA_BUNDLE")
	path, hasPath := r.value("CA_BUNDLE_FILE")
	switch {
	case hasText && hasPath:
		r.errs = append(r.errs, errors.New("invalid CA bundle: set CA_BUNDLE or CA_BUNDLE_FILE, not both"))
		return nil
	case hasPath:
		data, err := os.ReadFile(path)
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("invalid CA_BUNDLE_FILE %q: %w", path, err))
			return nil
		}
		return r.parseBundle("CA_BUNDLE_FILE", path, data)
	case hasText:
		return r.parseBundle("CA_BUNDLE", "(PEM text)", []byte(text))
	}
	return nil
}

func (r *reader) parseBundle(name, shown string, data []byte) []*x509.Certificate {
	certs, err := ParseBundle(data)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("invalid %s %s: %w", name, shown, err))
		return nil
	}
	return certs
}

// ParseBundle reads PEM CA certificates. Every block must be a CERTIFICATE that parses
// and is a CA, so a private key or a leaf pasted by mistake is reported, not ignored.
func ParseBundle(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for n := 1; ; n++ {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %d is %q: want only CERTIFICATE blocks (never a private key)", n, block.Type)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parsing PEM block %d: %w", n, err)
		}
		if !cert.IsCA {
			return nil, fmt.Errorf("PEM block %d (%s) is not a CA certificate: want the CA that issues the issuer's certificates", n, cert.Subject)
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, errors.New("no PEM CERTIFICATE block found: want one or more -----BEGIN CERTIFICATE----- blocks")
	}
	return certs, nil
}
