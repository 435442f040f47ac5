package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/config"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/discovery"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/netguard"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/setup"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/sweep"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/thumbprint"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
)

type checkOptions struct {
	thumbprints  string
	caBundle     string
	format       formatFlag
	allowPrivate bool
	allowLeaf    bool
	samples      int
	handshake    time.Duration
	httpTimeout  time.Duration
	expiryDays   int
	resolve      stringList
}

func checkFlags() (*flag.FlagSet, *checkOptions) {
	o := &checkOptions{format: "text"}
	fs := newFlagSet("check", "check <issuer URL> [options]",
		`Fetches <issuer URL>/.well-known/openid-configuration, handshakes with the discovery
and jwks_uri hosts (every address, TLS 1.2 and 1.3 separately, several samples), and
judges a thumbprint list the way a sweep does, without reading or writing AWS.
The issuer URL may be given as IAM stores it (example.com/path) or with https://.
`, judgedExitStatus)
	fs.StringVar(&o.thumbprints, "thumbprints", "", "comma-separated `list` of thumbprints to judge, 40 hex characters each, as stored in IAM (default: an empty list)")
	fs.StringVar(&o.caBundle, "ca-bundle", "", "PEM `FILE` of CA certificates that issue a private issuer's chain")
	fs.Var(&o.format, "format", "output `format`: text or json")
	fs.BoolVar(&o.allowPrivate, "allow-private-networks", false, "allow issuers on loopback, private and link-local addresses (without it they are rejected before any connection)")
	fs.BoolVar(&o.allowLeaf, "allow-leaf-pin", false, "propose a leaf thumbprint for a server that sends only its leaf certificate")
	fs.IntVar(&o.samples, "samples", config.DefaultSamples, "`count` of handshakes per host beyond one TLS 1.3-only and one TLS 1.2-only handshake per address, 0 to 32")
	fs.DurationVar(&o.handshake, "handshake-timeout", config.DefaultHandshakeTimeout, "time limit of one TLS handshake, a Go `duration` such as 5s or 1500ms")
	fs.DurationVar(&o.httpTimeout, "http-timeout", config.DefaultHTTPTimeout, "time limit of one HTTP request, a Go `duration` such as 10s or 1m")
	fs.Var(&o.resolve, "resolve", "pin a host `name=address` before DNS is asked, like curl's --resolve (repeatable; the address still passes the private-network check)")
	fs.IntVar(&o.expiryDays, "expiry-warning-days", 30, "warn when the top certificate expires within this many `days` (0: off)")
	return fs, o
}

func runCheck(ctx context.Context, args []string, env Env) (int, error) {
	fs, o := checkFlags()
	positional, err := parseInterleaved(fs, args)
	if err != nil {
		return ExitUsage, err
	}
	if len(positional) != 1 {
		return ExitUsage, usageError("want exactly one issuer URL, got %d arguments", len(positional))
	}
	issuer, err := discovery.IssuerURL(positional[0])
	if err != nil {
		return ExitUsage, usageError("%v", err)
	}
	if err := validateCheckOptions(o); err != nil {
		return ExitUsage, err
	}

	configured, err := parseThumbprints(o.thumbprints)
	if err != nil {
		return ExitUsage, err
	}
	cfg, err := checkConfig(o)
	if err != nil {
		return ExitUsage, err
	}

	trust, err := loadTrust(env, cfg)
	if err != nil {
		return ExitUsage, err
	}
	obs := setup.NewObservers(cfg, trust, env.Resolver)
	if err := checkGuard(ctx, obs.Guard, issuer.Hostname()); err != nil {
		return ExitUsage, err
	}

	providerURL := issuer.Host + issuer.Path
	in := sweep.Observe(ctx, obs.Discovery, obs.Prober, verdict.Input{
		ProviderURL:   providerURL,
		Configured:    configured,
		AllowLeafPin:  o.allowLeaf,
		Now:           time.Now(),
		ExpiryWarning: cfg.ExpiryWarning,
	})
	p := report.Provider{URL: providerURL, Before: configured, Hosts: in.Hosts}
	d := verdict.Decide(in)
	sweep.Apply(&p, d)

	if err := writeCheck(env, o.format, p); err != nil {
		return ExitUsage, err
	}
	if healthy(p) {
		return ExitOK, nil
	}
	return ExitProblem, nil
}

// checkGuard returns a usage error when the guard blocks the issuer's host. The
// operator can change that with an option, so the command names the option instead of
// reporting the provider as unreachable. Other lookup errors are left to the check,
// which reports them per host.
func checkGuard(ctx context.Context, guard *netguard.Guard, host string) error {
	_, err := guard.Resolve(ctx, host)
	var blocked *netguard.BlockedError
	if !errors.As(err, &blocked) {
		return nil
	}
	if blocked.Kind == netguard.KindMetadata {
		return usageError("issuer host %q resolves to %s, a cloud metadata address, so no connection was made: such addresses are always blocked",
			blocked.Host, blocked.Addr)
	}
	return usageError("issuer host %q resolves to %s, a %s address, so no connection was made: "+
		"pass --allow-private-networks to check an issuer on loopback, private or link-local addresses",
		blocked.Host, blocked.Addr, blocked.Kind)
}

func writeCheck(env Env, format formatFlag, p report.Provider) error {
	if format == "json" {
		data, err := report.CheckJSON(p)
		if err != nil {
			return err
		}
		_, err = env.Stdout.Write(append(data, '\n'))
		return err
	}
	_, err := fmt.Fprint(env.Stdout, report.CheckText(p))
	return err
}

func parseThumbprints(s string) ([]string, error) {
	if s == "" {
		return []string{}, nil
	}
	list, err := thumbprint.ParseList(s)
	if err != nil {
		return nil, usageError("-thumbprints: %v", err)
	}
	return list, nil
}

func checkConfig(o *checkOptions) (config.Config, error) {
	cfg := config.Config{
		AllowPrivateNetworks: o.allowPrivate,
		Samples:              o.samples,
		HandshakeTimeout:     o.handshake,
		HTTPTimeout:          o.httpTimeout,
		ExpiryWarning:        time.Duration(o.expiryDays) * 24 * time.Hour,
	}
	if len(o.resolve) > 0 {
		hosts, err := config.ParseHostOverrides(strings.Join(o.resolve, ","))
		if err != nil {
			return cfg, usageError("-resolve: %v", err)
		}
		cfg.HostOverrides = hosts
	}
	if o.caBundle == "" {
		return cfg, nil
	}
	data, err := os.ReadFile(o.caBundle)
	if err != nil {
		return cfg, usageError("-ca-bundle: %v", err)
	}
	certs, err := config.ParseBundle(data)
	if err != nil {
		return cfg, usageError("-ca-bundle %s: %v", o.caBundle, err)
	}
	cfg.CABundle = certs
	return cfg, nil
}

func loadTrust(env Env, cfg config.Config) (setup.Trust, error) {
	if env.SystemRoots != nil {
		return setup.NewTrust(env.SystemRoots, cfg.CABundle), nil
	}
	return setup.LoadTrust(cfg.CABundle)
}

// validateCheckOptions applies the limits that the function's environment variables
// have, so a typo such as -http-timeout 0 is reported instead of replaced by a default.
func validateCheckOptions(o *checkOptions) error {
	switch {
	case o.samples < 0 || o.samples > 32:
		return usageError("-samples %d: want 0 to 32", o.samples)
	case o.handshake <= 0 || o.handshake > 15*time.Minute:
		return usageError("-handshake-timeout %s: want a duration above 0 and at most 15m", o.handshake)
	case o.httpTimeout <= 0 || o.httpTimeout > 15*time.Minute:
		return usageError("-http-timeout %s: want a duration above 0 and at most 15m", o.httpTimeout)
	case o.expiryDays < 0 || o.expiryDays > 3650:
		return usageError("-expiry-warning-days %d: want 0 to 3650", o.expiryDays)
	}
	return nil
}
