package faults

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/netguard"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/setup"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/issuerfarm"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/pki"
)

// madeUpName is the host name the stub resolver returns addresses for. No DNS server
// serves it.
const madeUpName = "made-up.example.test"

// stubResolver returns the next of its address lists for every lookup, repeating the
// last one, and records the requested names. It never queries DNS.
type stubResolver struct {
	mu      sync.Mutex
	answers [][]netip.Addr
	asked   []string
}

func (r *stubResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked = append(r.asked, host)
	answer := r.answers[0]
	if len(r.answers) > 1 {
		r.answers = r.answers[1:]
	}
	return answer, nil
}

// recordingDialer records every address it is asked to dial and never connects.
type recordingDialer struct {
	mu     sync.Mutex
	dialed []string
}

var errNoConnection = errors.New("recording dialer never connects")

func (d *recordingDialer) DialContext(_ context.Context, _, address string) (net.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.dialed = append(d.dialed, address)
	return nil, errNoConnection
}

func (d *recordingDialer) calls() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.dialed)
}

// guardRow is one kind of address the guard must reject by default.
type guardRow struct {
	name string
	// answer is the address list the made-up name resolves to.
	answer []string
	// blocked is the address the guard reports, after unmapping.
	blocked string
	kind    string
}

func guardRows() []guardRow {
	return []guardRow{
		{name: "loopback", answer: []string{"127.0.0.1"}, blocked: "127.0.0.1", kind: netguard.KindLoopback},
		{name: "loopback elsewhere in 127/8", answer: []string{"127.8.9.10"}, blocked: "127.8.9.10", kind: netguard.KindLoopback},
		{name: "IPv6 loopback", answer: []string{"::1"}, blocked: "::1", kind: netguard.KindLoopback},
		{name: "RFC 1918 10/8", answer: []string{"10.1.2.3"}, blocked: "10.1.2.3", kind: netguard.KindPrivate},
		{name: "RFC 1918 172.16/12", answer: []string{"172.16.0.1"}, blocked: "172.16.0.1", kind: netguard.KindPrivate},
		{name: "RFC 1918 192.168/16", answer: []string{"192.168.1.1"}, blocked: "192.168.1.1", kind: netguard.KindPrivate},
		{name: "IPv6 unique local", answer: []string{"fd12:3456::1"}, blocked: "fd12:3456::1", kind: netguard.KindPrivate},
		{name: "carrier-grade NAT", answer: []string{"100.64.0.1"}, blocked: "100.64.0.1", kind: netguard.KindCGNAT},
		{name: "IPv4 link-local", answer: []string{"169.254.10.10"}, blocked: "169.254.10.10", kind: netguard.KindLinkLocal},
		{name: "IPv6 link-local", answer: []string{"fe80::1"}, blocked: "fe80::1", kind: netguard.KindLinkLocal},
		{name: "instance metadata", answer: []string{"169.254.169.254"}, blocked: "169.254.169.254", kind: netguard.KindMetadata},
		{name: "instance metadata over IPv6", answer: []string{"fd00:ec2::254"}, blocked: "fd00:ec2::254", kind: netguard.KindMetadata},
		{name: "Alibaba Cloud metadata", answer: []string{"100.100.100.200"}, blocked: "100.100.100.200", kind: netguard.KindMetadata},
		{name: "IPv4-mapped loopback", answer: []string{"::ffff:127.0.0.1"}, blocked: "127.0.0.1", kind: netguard.KindLoopback},
		{name: "IPv4-mapped private", answer: []string{"::ffff:10.0.0.1"}, blocked: "10.0.0.1", kind: netguard.KindPrivate},
		{name: "IPv4-mapped metadata", answer: []string{"::ffff:169.254.169.254"}, blocked: "169.254.169.254", kind: netguard.KindMetadata},
		{name: "NAT64 metadata", answer: []string{"64:ff9b::a9fe:a9fe"}, blocked: "64:ff9b::a9fe:a9fe", kind: netguard.KindMetadata},
		{name: "unspecified IPv4", answer: []string{"0.0.0.0"}, blocked: "0.0.0.0", kind: netguard.KindUnspecified},
		{name: "unspecified IPv6", answer: []string{"::"}, blocked: "::", kind: netguard.KindUnspecified},
		{name: "this network", answer: []string{"0.1.2.3"}, blocked: "0.1.2.3", kind: netguard.KindThisNetwork},
		{name: "multicast", answer: []string{"224.0.0.1"}, blocked: "224.0.0.1", kind: netguard.KindMulticast},
		{name: "IPv6 multicast", answer: []string{"ff02::1"}, blocked: "ff02::1", kind: netguard.KindMulticast},
		{name: "reserved", answer: []string{"240.0.0.1"}, blocked: "240.0.0.1", kind: netguard.KindReserved},
		{name: "broadcast", answer: []string{"255.255.255.255"}, blocked: "255.255.255.255", kind: netguard.KindReserved},
		{name: "public and private answers mixed", answer: []string{"192.0.2.10", "10.0.0.1"}, blocked: "10.0.0.1", kind: netguard.KindPrivate},
	}
}

func parseAddrs(t *testing.T, literals []string) []netip.Addr {
	t.Helper()
	addrs := make([]netip.Addr, len(literals))
	for i, literal := range literals {
		addrs[i] = netip.MustParseAddr(literal)
	}
	return addrs
}

// TestGuardRejectsBeforeDialing resolves a made-up name to each forbidden kind of
// address through a stub resolver and checks that the guard, the discovery client and
// the prober that setup wires all stop before any connection is attempted.
func TestGuardRejectsBeforeDialing(t *testing.T) {
	ca := sharedAuthorities(t)
	for _, tt := range guardRows() {
		t.Run(tt.name, func(t *testing.T) {
			resolver := &stubResolver{answers: [][]netip.Addr{parseAddrs(t, tt.answer)}}
			dialer := &recordingDialer{}
			guard := &netguard.Guard{Resolver: resolver, Dialer: dialer}

			_, err := guard.DialContext(context.Background(), "tcp", madeUpName+":443")
			checkBlocked(t, "Guard.DialContext()", err, tt.blocked, tt.kind)
			if got := dialer.calls(); len(got) != 0 {
				t.Fatalf("Guard.DialContext() dialed %q, want no dial", got)
			}

			// The prober below dials with its own net.Dialer, so it runs only once
			// the same guard has been seen to reject the name.
			w := newWorld(t)
			w.cfg.AllowPrivateNetworks = false
			obs := setup.NewObservers(w.cfg, setup.NewTrust(pki.Pool(ca.publicRoot.Cert), w.cfg.CABundle), resolver)
			obs.Guard.Dialer = dialer

			_, err = obs.Discovery.Fetch(context.Background(), madeUpName+"/id/ABC")
			checkBlocked(t, "Discovery.Fetch()", err, tt.blocked, tt.kind)

			host := obs.Prober.Probe(context.Background(), madeUpName, "443")
			if host.Attempts != 0 || host.Reachable() {
				t.Errorf("Prober.Probe() = %d attempts, reachable %t; want no attempt", host.Attempts, host.Reachable())
			}
			if !strings.Contains(host.Error, "netguard: host") || !strings.Contains(host.Error, tt.kind) {
				t.Errorf("Prober.Probe() error = %q, want the guard's message naming %q", host.Error, tt.kind)
			}

			if got := dialer.calls(); len(got) != 0 {
				t.Errorf("observers dialed %q, want no dial", got)
			}
		})
	}
}

// TestGuardRejectsLiteralAddresses gives the guard IP literals, which it checks
// without asking the resolver.
func TestGuardRejectsLiteralAddresses(t *testing.T) {
	tests := []struct {
		name    string
		address string
		blocked string
		kind    string
	}{
		{name: "metadata", address: "169.254.169.254:80", blocked: "169.254.169.254", kind: netguard.KindMetadata},
		{name: "metadata over IPv6", address: "[fd00:ec2::254]:80", blocked: "fd00:ec2::254", kind: netguard.KindMetadata},
		{name: "IPv4-mapped metadata", address: "[::ffff:169.254.169.254]:80", blocked: "169.254.169.254", kind: netguard.KindMetadata},
		{name: "IPv4-mapped loopback", address: "[::ffff:127.0.0.1]:443", blocked: "127.0.0.1", kind: netguard.KindLoopback},
		{name: "private", address: "10.0.0.7:443", blocked: "10.0.0.7", kind: netguard.KindPrivate},
		{name: "link-local with zone", address: "[fe80::1%eth0]:443", blocked: "fe80::1%eth0", kind: netguard.KindLinkLocal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resolver := &stubResolver{answers: [][]netip.Addr{nil}}
			dialer := &recordingDialer{}
			guard := &netguard.Guard{Resolver: resolver, Dialer: dialer}

			_, err := guard.DialContext(context.Background(), "tcp", tt.address)
			checkBlocked(t, "Guard.DialContext()", err, tt.blocked, tt.kind)
			if got := dialer.calls(); len(got) != 0 {
				t.Errorf("Guard.DialContext() dialed %q, want no dial", got)
			}
			if len(resolver.asked) != 0 {
				t.Errorf("resolver was asked for %q, want no lookup for a literal", resolver.asked)
			}
		})
	}
}

// TestGuardDialsTheCheckedAddress lets the resolver change its answer after the first
// lookup, as a rebinding attacker would, and checks that the dial goes to the address
// that was checked and that the name is looked up once.
func TestGuardDialsTheCheckedAddress(t *testing.T) {
	resolver := &stubResolver{answers: [][]netip.Addr{
		parseAddrs(t, []string{"192.0.2.10"}),
		parseAddrs(t, []string{"169.254.169.254"}),
	}}
	dialer := &recordingDialer{}
	guard := &netguard.Guard{Resolver: resolver, Dialer: dialer}

	_, err := guard.DialContext(context.Background(), "tcp", madeUpName+":443")
	if !errors.Is(err, errNoConnection) {
		t.Errorf("Guard.DialContext() error = %v, want the recording dialer's %v", err, errNoConnection)
	}
	if got, want := dialer.calls(), []string{"192.0.2.10:443"}; !slices.Equal(got, want) {
		t.Errorf("dialed %q, want %q", got, want)
	}
	if got, want := resolver.asked, []string{madeUpName}; !slices.Equal(got, want) {
		t.Errorf("looked up %q, want %q", got, want)
	}
}

// TestGuardAllowPrivate checks that the operator's switch lets a private address
// through to the dialer, which here only records it.
func TestGuardAllowPrivate(t *testing.T) {
	resolver := &stubResolver{answers: [][]netip.Addr{parseAddrs(t, []string{"10.0.0.7"})}}
	dialer := &recordingDialer{}
	guard := &netguard.Guard{AllowPrivate: true, Resolver: resolver, Dialer: dialer}

	_, err := guard.DialContext(context.Background(), "tcp", madeUpName+":443")
	if !errors.Is(err, errNoConnection) {
		t.Errorf("Guard.DialContext() error = %v, want the recording dialer's %v", err, errNoConnection)
	}
	if got, want := dialer.calls(), []string{"10.0.0.7:443"}; !slices.Equal(got, want) {
		t.Errorf("dialed %q, want %q", got, want)
	}
}

// TestGuardSweepBlocksLoopbackIssuer sweeps a loopback issuer with private networks
// not allowed: the provider is unreachable with the guard's message, and the issuer
// receives no connection.
func TestGuardSweepBlocksLoopbackIssuer(t *testing.T) {
	w := newWorld(t)
	w.cfg.AllowPrivateNetworks = false
	srv := w.publicIssuer("internal-idp.example.test", nil)
	w.seedFaulty(srv.URL(), []string{stale})

	o := w.invoke()
	want := want{verdict: verdict.Unreachable, codes: []finding.Code{finding.DiscoveryFailed}, detail: "a loopback address: connection blocked"}
	checkCompleted(t, w, o)
	checkEveryProviderReported(t, w, o)
	checkFaultyProvider(t, w, o, want)
	checkSummary(t, w, o)
	checkResult(t, o, want)
	checkWrites(t, w, o, want)
	checkServedEntriesKept(t, w, o)

	p, _ := o.provider(w.faulty)
	if !slices.ContainsFunc(p.Findings, func(f finding.Finding) bool { return strings.Contains(f.Message, "allow private networks") }) {
		t.Errorf("findings = %+v, want one telling how to allow private networks", p.Findings)
	}
	for _, addr := range srv.Addrs() {
		if n := srv.Connections(addr); n != 0 {
			t.Errorf("connections to the issuer on %s = %d, want 0", addr, n)
		}
	}
	if n := srv.TotalHandshakes(); n != 0 {
		t.Errorf("issuer handshakes = %d, want 0", n)
	}

	// The prober that setup wires goes through the same guard.
	obs := setup.NewObservers(w.cfg, setup.NewTrust(pki.Pool(w.ca.publicRoot.Cert), nil), w.farm)
	host := obs.Prober.Probe(context.Background(), srv.Name(), srv.Port())
	if host.Attempts != 0 || !strings.Contains(host.Error, netguard.KindLoopback) {
		t.Errorf("Prober.Probe() = %d attempts, error %q; want none and the guard's message", host.Attempts, host.Error)
	}
	if n := srv.TotalHandshakes(); n != 0 {
		t.Errorf("issuer handshakes after the probe = %d, want 0", n)
	}
	if t.Failed() {
		t.Logf("outcome:\n%s", o.describe())
	}
}

func checkBlocked(t *testing.T, call string, err error, addr, kind string) {
	t.Helper()
	var blocked *netguard.BlockedError
	if !errors.As(err, &blocked) {
		t.Fatalf("%s error = %v, want a *netguard.BlockedError", call, err)
	}
	if blocked.Addr.String() != addr || blocked.Kind != kind {
		t.Errorf("%s blocked %s as %q, want %s as %q", call, blocked.Addr, blocked.Kind, addr, kind)
	}
}

// TestProberDialsTheCheckedAddress serves one issuer on 127.0.0.1 and 127.0.0.2 and
// lets the resolver switch from the first to the second after one lookup: every
// handshake of a probe goes to the address the guard checked.
func TestProberDialsTheCheckedAddress(t *testing.T) {
	if !issuerfarm.LoopbackAvailable("127.0.0.2") {
		t.Skip("127.0.0.2 cannot be bound on this machine")
	}
	w := newWorld(t)
	srv := w.publicIssuer(madeUpName, func(opts *issuerfarm.Options) {
		opts.Addrs = []string{"127.0.0.1", "127.0.0.2"}
	})
	first, second := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2")
	resolver := &stubResolver{answers: [][]netip.Addr{{first}, {second}}}

	obs := setup.NewObservers(w.cfg, setup.NewTrust(pki.Pool(w.ca.publicRoot.Cert), nil), resolver)
	host := obs.Prober.Probe(context.Background(), madeUpName, srv.Port())

	if !host.Reachable() {
		t.Fatalf("Prober.Probe() error = %q, want a completed handshake", host.Error)
	}
	if got, want := host.Addresses, []string{"127.0.0.1"}; !slices.Equal(got, want) {
		t.Errorf("Prober.Probe() addresses = %q, want %q", got, want)
	}
	if n := srv.Handshakes(first); n != host.Attempts {
		t.Errorf("handshakes on %s = %d, want every attempt (%d)", first, n, host.Attempts)
	}
	if n := srv.Connections(second); n != 0 {
		t.Errorf("connections to %s = %d, want 0", second, n)
	}
	if got, want := resolver.asked, []string{madeUpName}; !slices.Equal(got, want) {
		t.Errorf("looked up %q, want %q", got, want)
	}
}
