package setup

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/config"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/sweep"
)

// stubResolver returns one address for every name and records the names requested.
type stubResolver struct {
	asked []string
}

func (s *stubResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	s.asked = append(s.asked, host)
	if host == "missing.example" {
		return nil, errors.New("no such host")
	}
	return []netip.Addr{netip.MustParseAddr("192.0.2.10")}, nil
}

func TestOverrideResolver(t *testing.T) {
	fallback := &stubResolver{}
	r := &OverrideResolver{
		Hosts: map[string][]netip.Addr{
			"id.example": {netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")},
		},
		Fallback: fallback,
	}

	tests := []struct {
		name, network, host string
		want                []string
	}{
		{"override both families", "ip", "id.example", []string{"127.0.0.1", "::1"}},
		{"override matched without regard to case", "ip", "ID.Example", []string{"127.0.0.1", "::1"}},
		{"override ipv4 only", "ip4", "id.example", []string{"127.0.0.1"}},
		{"override ipv6 only", "ip6", "id.example", []string{"::1"}},
		{"other names use the fallback", "ip", "other.example", []string{"192.0.2.10"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addrs, err := r.LookupNetIP(context.Background(), tt.network, tt.host)
			if err != nil {
				t.Fatalf("LookupNetIP() error = %v", err)
			}
			var got []string
			for _, a := range addrs {
				got = append(got, a.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("LookupNetIP(%q, %q) = %q, want %q", tt.network, tt.host, got, tt.want)
			}
		})
	}
	if !slices.Equal(fallback.asked, []string{"other.example"}) {
		t.Errorf("fallback asked for %q, want only other.example", fallback.asked)
	}

	if _, err := r.LookupNetIP(context.Background(), "ip", "missing.example"); err == nil {
		t.Error("LookupNetIP(missing.example) error = nil, want the fallback's error")
	}
}

func TestNewTrustWithoutBundle(t *testing.T) {
	trust := NewTrust(nil, nil)
	if trust.Bundle != nil {
		t.Error("Bundle is set without a CA bundle, want nil so no chain counts as private")
	}
}

func TestNewObserversSamples(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	addr := netip.MustParseAddrPort(srv.Listener.Addr().String())
	port := strconv.Itoa(int(addr.Port()))

	tests := []struct {
		name     string
		samples  int
		attempts int
	}{
		// One handshake offering only TLS 1.3 and one offering only TLS 1.2 per
		// address, then the configured extra samples.
		{"zero means no extra samples", 0, 2},
		{"one extra sample", 1, 3},
		{"three extra samples", 3, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config.Config{
				AllowPrivateNetworks: true,
				Samples:              tt.samples,
				HandshakeTimeout:     5 * time.Second,
				HTTPTimeout:          5 * time.Second,
			}
			obs := NewObservers(cfg, NewTrust(x509.NewCertPool(), nil), nil)

			host := obs.Prober.Probe(context.Background(), addr.Addr().String(), port)

			if host.Failures != 0 {
				t.Fatalf("Probe() failures = %d, want 0 (error %q)", host.Failures, host.Error)
			}
			if host.Attempts != tt.attempts {
				t.Errorf("Probe() attempts = %d with Samples %d, want %d", host.Attempts, tt.samples, tt.attempts)
			}
		})
	}
}

func TestNewHandlerRejectsUnknownPolicy(t *testing.T) {
	_, err := NewHandler(config.Config{NotificationPolicy: "sometimes"}, aws.Config{}, &sweep.Sweeper{}, HandlerOptions{})
	if err == nil || !strings.Contains(err.Error(), "sometimes") {
		t.Errorf("NewHandler() error = %v, want one naming the policy", err)
	}
}

func TestNewHandlerRunsACopyWithTheEventOptions(t *testing.T) {
	base := &sweep.Sweeper{Options: sweep.Options{Concurrency: 3}}
	h, err := NewHandler(config.Config{NotificationPolicy: "always"}, aws.Config{}, base, HandlerOptions{})
	if err != nil {
		t.Fatalf("NewHandler() error = %v", err)
	}

	if h.Options.Concurrency != 3 {
		t.Errorf("Options.Concurrency = %d, want the sweeper's 3", h.Options.Concurrency)
	}
	if h.Publisher != nil {
		t.Error("Publisher is set without a topic, want nil")
	}
	if h.Policy != "always" {
		t.Errorf("Policy = %q, want always", h.Policy)
	}
}
