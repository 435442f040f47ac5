// Package setup builds the sweep's collaborators from the validated configuration:
// trust stores, the private-network guard, the discovery client, the TLS prober, the
// AWS SDK clients and the SNS publisher. The Lambda entry point and the command line
// share it, so both run the same code with the same settings.
//
// It creates values only; nothing here opens a connection until it is used.
package setup

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/cluster"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/config"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/discovery"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/handler"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/netguard"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/notify"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/provider"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/sweep"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/tlsprobe"
)

// Observers are the network-facing parts of a sweep that need no AWS access.
type Observers struct {
	Guard     *netguard.Guard
	Discovery *discovery.Client
	Prober    *tlsprobe.Prober
}

// Trust holds the root stores. System approximates the root CAs AWS trusts; with Go on
// Linux it is read from SSL_CERT_FILE, SSL_CERT_DIR or the distribution's bundle
// (Amazon Linux's on provided.al2023).
type Trust struct {
	System *x509.CertPool
	Bundle *x509.CertPool // nil when the operator supplied no bundle
}

// LoadTrust reads the system roots and builds the operator bundle's pool.
func LoadTrust(bundle []*x509.Certificate) (Trust, error) {
	system, err := x509.SystemCertPool()
	if err != nil {
		return Trust{}, fmt.Errorf("loading system root certificates: %w", err)
	}
	return NewTrust(system, bundle), nil
}

// NewTrust builds Trust from a given system pool and the operator bundle.
func NewTrust(system *x509.CertPool, bundle []*x509.Certificate) Trust {
	t := Trust{System: system}
	if len(bundle) > 0 {
		t.Bundle = x509.NewCertPool()
		for _, cert := range bundle {
			t.Bundle.AddCert(cert)
		}
	}
	return t
}

// combined returns a pool that trusts both the system roots and the bundle, for
// HTTPS requests to private issuers.
func (t Trust) combined(bundle []*x509.Certificate) *x509.CertPool {
	pool := t.System.Clone()
	for _, cert := range bundle {
		pool.AddCert(cert)
	}
	return pool
}

// NewObservers builds the guard, discovery client and prober. A nil resolver means the
// system resolver.
func NewObservers(cfg config.Config, trust Trust, resolver netguard.Resolver) Observers {
	if len(cfg.HostOverrides) > 0 {
		resolver = &OverrideResolver{Hosts: cfg.HostOverrides, Fallback: resolver}
	}
	guard := &netguard.Guard{AllowPrivate: cfg.AllowPrivateNetworks, Resolver: resolver}
	disc := discovery.New(discovery.Config{
		DialContext: guard.DialContext,
		RootCAs:     trust.combined(cfg.CABundle),
		Timeout:     cfg.HTTPTimeout,
	})
	// SAMPLES=0 means no extra samples, while tlsprobe reads a zero Samples as its
	// default and a negative one as none.
	samples := cfg.Samples
	if samples == 0 {
		samples = -1
	}
	prober := tlsprobe.New(tlsprobe.Config{
		Resolve:          guard.Resolve,
		Roots:            trust.System,
		Bundle:           trust.Bundle,
		Samples:          samples,
		HandshakeTimeout: cfg.HandshakeTimeout,
	})
	return Observers{Guard: guard, Discovery: disc, Prober: prober}
}

// SweepOptions maps the configuration onto sweep options.
func SweepOptions(cfg config.Config) sweep.Options {
	return sweep.Options{
		DryRun:          cfg.DryRun,
		Concurrency:     cfg.Concurrency,
		ProviderTimeout: cfg.ProviderTimeout,
		DeadlineMargin:  cfg.DeadlineMargin,
		OptOutTag:       cfg.OptOutTag,
		IncludeTag:      cfg.IncludeTag,
		ExtraRegions:    cfg.ExtraEKSRegions,
		ExpiryWarning:   cfg.ExpiryWarning,
	}
}

// NewSweeper builds a sweeper on real SDK clients. IAM is a global service, so its
// client uses the configured region only for signing; EKS clients are made per region.
func NewSweeper(cfg config.Config, awsCfg aws.Config, obs Observers) *sweep.Sweeper {
	iamClient := iam.NewFromConfig(awsCfg)
	finder := &cluster.Finder{Client: func(region string) cluster.API {
		return eks.NewFromConfig(awsCfg, func(o *eks.Options) { o.Region = region })
	}}
	return &sweep.Sweeper{
		Providers: &provider.Store{API: iamClient},
		Discovery: obs.Discovery,
		Prober:    obs.Prober,
		Clusters:  finder,
		Options:   SweepOptions(cfg),
	}
}

// NewPublisher returns the SNS publisher, or nil when no topic is configured.
func NewPublisher(cfg config.Config, awsCfg aws.Config, logHint string) *notify.Publisher {
	if cfg.TopicARN == "" {
		return nil
	}
	return &notify.Publisher{
		API:      sns.NewFromConfig(awsCfg),
		TopicARN: cfg.TopicARN,
		LogHint:  logHint,
	}
}

// HandlerOptions are the edge-specific parts of a Lambda handler.
type HandlerOptions struct {
	// Logger receives the per-provider and per-sweep lines.
	Logger *slog.Logger
	// Metrics receives the Embedded Metric Format line; Lambda reads standard output.
	Metrics io.Writer
	// LogHint names where the full report is when the SNS summary is shortened.
	LogHint string
}

// NewHandler builds the Lambda handler from a sweeper: each invocation runs a copy of
// it with the event's options, and publishes to the configured topic.
func NewHandler(cfg config.Config, awsCfg aws.Config, sweeper *sweep.Sweeper, opts HandlerOptions) (*handler.Handler, error) {
	policy, err := notify.ParsePolicy(cfg.NotificationPolicy)
	if err != nil {
		return nil, err
	}
	return &handler.Handler{
		Run: func(ctx context.Context, options sweep.Options) (report.Report, error) {
			s := *sweeper
			s.Options = options
			return s.Run(ctx)
		},
		Options:   sweeper.Options,
		Policy:    policy,
		Publisher: NewPublisher(cfg, awsCfg, opts.LogHint),
		Logger:    opts.Logger,
		Metrics:   opts.Metrics,
		Namespace: cfg.MetricsNamespace,
	}, nil
}
