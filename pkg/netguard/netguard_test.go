package netguard

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeResolver returns the next answer for each lookup and records the hosts it was
// asked for. After the last answer it keeps returning the last one.
type fakeResolver struct {
	mu      sync.Mutex
	answers [][]netip.Addr
	err     error
	hosts   []string
}

func (r *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()

	r.hosts = append(r.hosts, host)
	if r.err != nil {
		return nil, r.err
	}
	answer := r.answers[0]
	if len(r.answers) > 1 {
		r.answers = r.answers[1:]
	}
	return answer, nil
}

func (r *fakeResolver) lookups() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.hosts)
}

// fakeDialer records every address it is asked to dial and never opens a connection.
type fakeDialer struct {
	mu        sync.Mutex
	addresses []string
}

var errFakeDial = errors.New("fake dialer does not connect")

func (d *fakeDialer) DialContext(_ context.Context, _, address string) (net.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.addresses = append(d.addresses, address)
	return nil, errFakeDial
}

func (d *fakeDialer) dialed() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.addresses)
}

func addrs(t *testing.T, literals ...string) []netip.Addr {
	t.Helper()
	out := make([]netip.Addr, len(literals))
	for i, literal := range literals {
		out[i] = netip.MustParseAddr(literal)
	}
	return out
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		addr string
		want string
	}{
		{name: "AWS metadata", addr: "169.254.169.254", want: KindMetadata},
		{name: "AWS metadata IPv6", addr: "fd00:ec2::254", want: KindMetadata},
		{name: "Alibaba metadata", addr: "100.100.100.200", want: KindMetadata},
		{name: "metadata IPv4-mapped", addr: "::ffff:169.254.169.254", want: KindMetadata},
		{name: "metadata through NAT64", addr: "64:ff9b::a9fe:a9fe", want: KindMetadata},
		{name: "unspecified IPv4", addr: "0.0.0.0", want: KindUnspecified},
		{name: "unspecified IPv6", addr: "::", want: KindUnspecified},
		{name: "this network", addr: "0.1.2.3", want: KindThisNetwork},
		{name: "loopback", addr: "127.0.0.1", want: KindLoopback},
		{name: "loopback other", addr: "127.8.9.10", want: KindLoopback},
		{name: "loopback IPv6", addr: "::1", want: KindLoopback},
		{name: "loopback IPv4-mapped", addr: "::ffff:127.0.0.1", want: KindLoopback},
		{name: "private 10/8", addr: "10.1.2.3", want: KindPrivate},
		{name: "private 172.16/12", addr: "172.31.255.255", want: KindPrivate},
		{name: "private 192.168/16", addr: "192.168.0.1", want: KindPrivate},
		{name: "private IPv4-mapped", addr: "::ffff:10.0.0.1", want: KindPrivate},
		{name: "private through NAT64", addr: "64:ff9b::a00:1", want: KindPrivate},
		{name: "unique local IPv6", addr: "fd12:3456::1", want: KindPrivate},
		{name: "unique local fc00", addr: "fc00::1", want: KindPrivate},
		{name: "link-local IPv4", addr: "169.254.1.1", want: KindLinkLocal},
		{name: "link-local IPv6", addr: "fe80::1", want: KindLinkLocal},
		{name: "link-local IPv6 with zone", addr: "fe80::1%eth0", want: KindLinkLocal},
		{name: "carrier-grade NAT", addr: "100.64.0.1", want: KindCGNAT},
		{name: "carrier-grade NAT top", addr: "100.127.255.255", want: KindCGNAT},
		{name: "multicast IPv4", addr: "224.0.0.1", want: KindMulticast},
		{name: "multicast IPv6", addr: "ff02::1", want: KindMulticast},
		{name: "broadcast", addr: "255.255.255.255", want: KindReserved},
		{name: "reserved class E", addr: "240.0.0.1", want: KindReserved},
		{name: "public IPv4", addr: "192.0.2.10", want: ""},
		{name: "public IPv4 next to CGNAT", addr: "100.128.0.1", want: ""},
		{name: "public IPv4 next to 172.16/12", addr: "172.32.0.1", want: ""},
		{name: "public IPv6", addr: "2001:db8::1", want: ""},
		{name: "public IPv4-mapped", addr: "::ffff:192.0.2.10", want: ""},
		{name: "public through NAT64", addr: "64:ff9b::c000:20a", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Errorf("Classify(%s) = %q, want %q", tt.addr, got, tt.want)
			}
		})
	}
}

func TestClassifyInvalidAddr(t *testing.T) {
	if got := Classify(netip.Addr{}); got != KindUnspecified {
		t.Errorf("Classify(zero Addr) = %q, want %q", got, KindUnspecified)
	}
}

func TestResolveBlocks(t *testing.T) {
	tests := []struct {
		name     string
		host     string
		answer   []string
		wantAddr string
		wantKind string
	}{
		{name: "literal metadata", host: "169.254.169.254", wantAddr: "169.254.169.254", wantKind: KindMetadata},
		{name: "literal bracketed IPv6 loopback", host: "[::1]", wantAddr: "::1", wantKind: KindLoopback},
		{name: "literal IPv4-mapped private", host: "::ffff:10.0.0.7", wantAddr: "10.0.0.7", wantKind: KindPrivate},
		{name: "name to private", host: "internal.test", answer: []string{"10.0.0.7"}, wantAddr: "10.0.0.7", wantKind: KindPrivate},
		{name: "name to public and metadata", host: "mixed.test", answer: []string{"192.0.2.10", "169.254.169.254"}, wantAddr: "169.254.169.254", wantKind: KindMetadata},
		{name: "name to mapped loopback", host: "sneaky.test", answer: []string{"::ffff:127.0.0.1"}, wantAddr: "127.0.0.1", wantKind: KindLoopback},
		{name: "name to CGNAT", host: "cgnat.test", answer: []string{"100.64.1.1"}, wantAddr: "100.64.1.1", wantKind: KindCGNAT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resolver := &fakeResolver{answers: [][]netip.Addr{addrs(t, tt.answer...)}}
			guard := &Guard{Resolver: resolver}

			got, err := guard.Resolve(context.Background(), tt.host)

			var blocked *BlockedError
			if !errors.As(err, &blocked) {
				t.Fatalf("Resolve(%q) = %v, %v, want a *BlockedError", tt.host, got, err)
			}
			if blocked.Host != tt.host {
				t.Errorf("BlockedError.Host = %q, want %q", blocked.Host, tt.host)
			}
			if blocked.Addr.String() != tt.wantAddr {
				t.Errorf("BlockedError.Addr = %s, want %s", blocked.Addr, tt.wantAddr)
			}
			if blocked.Kind != tt.wantKind {
				t.Errorf("BlockedError.Kind = %q, want %q", blocked.Kind, tt.wantKind)
			}
			if len(tt.answer) == 0 && len(resolver.lookups()) != 0 {
				t.Errorf("resolver lookups for a literal = %v, want none", resolver.lookups())
			}
		})
	}
}

func TestBlockedErrorMessage(t *testing.T) {
	err := &BlockedError{Host: "internal.test", Addr: netip.MustParseAddr("10.0.0.7"), Kind: KindPrivate}

	want := `netguard: host "internal.test" resolves to 10.0.0.7, a private address: connection blocked; enable the allow private networks setting to reach issuers on internal networks`
	if got := err.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestResolveBlocksMetadataWhenPrivateAllowed(t *testing.T) {
	for _, literal := range []string{"169.254.169.254", "fd00:ec2::254", "100.100.100.200"} {
		t.Run(literal, func(t *testing.T) {
			guard := &Guard{AllowPrivate: true, Resolver: &fakeResolver{}}

			_, err := guard.Resolve(context.Background(), literal)

			var blocked *BlockedError
			if !errors.As(err, &blocked) || blocked.Kind != KindMetadata {
				t.Fatalf("Resolve(%q) error = %v, want a *BlockedError of kind %q", literal, err, KindMetadata)
			}
			if !strings.Contains(err.Error(), "also when private networks are allowed") {
				t.Errorf("Error() = %q, want it to say the block holds with private networks allowed", err)
			}
		})
	}
}

func TestResolveAllows(t *testing.T) {
	tests := []struct {
		name         string
		allowPrivate bool
		host         string
		answer       []string
		want         []string
	}{
		{name: "public name", host: "id.test", answer: []string{"192.0.2.10", "2001:db8::1"}, want: []string{"192.0.2.10", "2001:db8::1"}},
		{name: "public literal", host: "192.0.2.10", want: []string{"192.0.2.10"}},
		{name: "duplicates and mapped forms merged", host: "id.test", answer: []string{"192.0.2.10", "::ffff:192.0.2.10", "192.0.2.11"}, want: []string{"192.0.2.10", "192.0.2.11"}},
		{name: "private allowed", allowPrivate: true, host: "internal.test", answer: []string{"10.0.0.7", "::1"}, want: []string{"10.0.0.7", "::1"}},
		{name: "link-local allowed", allowPrivate: true, host: "169.254.10.1", want: []string{"169.254.10.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			guard := &Guard{AllowPrivate: tt.allowPrivate, Resolver: &fakeResolver{answers: [][]netip.Addr{addrs(t, tt.answer...)}}}

			got, err := guard.Resolve(context.Background(), tt.host)
			if err != nil {
				t.Fatalf("Resolve(%q) error = %v", tt.host, err)
			}
			if !slices.Equal(got, addrs(t, tt.want...)) {
				t.Errorf("Resolve(%q) = %v, want %v", tt.host, got, tt.want)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	dnsErr := &net.DNSError{Err: "no such host", Name: "missing.test", IsNotFound: true}
	tests := []struct {
		name     string
		host     string
		resolver *fakeResolver
		wantIs   error
	}{
		{name: "resolver error wrapped", host: "missing.test", resolver: &fakeResolver{err: dnsErr}, wantIs: dnsErr},
		{name: "empty answer", host: "empty.test", resolver: &fakeResolver{answers: [][]netip.Addr{nil}}},
		{name: "empty host", host: "", resolver: &fakeResolver{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			guard := &Guard{Resolver: tt.resolver}

			got, err := guard.Resolve(context.Background(), tt.host)
			if err == nil {
				t.Fatalf("Resolve(%q) = %v, want an error", tt.host, got)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("Resolve(%q) error = %v, want it to wrap %v", tt.host, err, tt.wantIs)
			}
		})
	}
}

func TestDialContextBlocksBeforeDialing(t *testing.T) {
	tests := []struct {
		name    string
		address string
		answer  []string
	}{
		{name: "metadata literal", address: "169.254.169.254:80"},
		{name: "IPv6 metadata literal", address: "[fd00:ec2::254]:443"},
		{name: "name to private", address: "internal.test:443", answer: []string{"10.0.0.7"}},
		{name: "name to public and link-local", address: "mixed.test:443", answer: []string{"192.0.2.10", "fe80::1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dialer := &fakeDialer{}
			guard := &Guard{Resolver: &fakeResolver{answers: [][]netip.Addr{addrs(t, tt.answer...)}}, Dialer: dialer}

			conn, err := guard.DialContext(context.Background(), "tcp", tt.address)

			var blocked *BlockedError
			if !errors.As(err, &blocked) {
				t.Fatalf("DialContext(%q) = %v, %v, want a *BlockedError", tt.address, conn, err)
			}
			if got := dialer.dialed(); len(got) != 0 {
				t.Errorf("dialed %v, want no dial", got)
			}
		})
	}
}

func TestDialContextDialsCheckedAddresses(t *testing.T) {
	resolver := &fakeResolver{answers: [][]netip.Addr{
		addrs(t, "192.0.2.10", "2001:db8::1"),
		addrs(t, "169.254.169.254"), // a second answer that must never be used
	}}
	dialer := &fakeDialer{}
	guard := &Guard{Resolver: resolver, Dialer: dialer}

	_, err := guard.DialContext(context.Background(), "tcp", "id.test:443")

	if !errors.Is(err, errFakeDial) {
		t.Errorf("DialContext() error = %v, want it to wrap %v", err, errFakeDial)
	}
	want := []string{"192.0.2.10:443", "[2001:db8::1]:443"}
	if got := dialer.dialed(); !slices.Equal(got, want) {
		t.Errorf("dialed %v, want %v", got, want)
	}
	if got := resolver.lookups(); !slices.Equal(got, []string{"id.test"}) {
		t.Errorf("lookups = %v, want exactly one for id.test", got)
	}
}

func TestDialContextNetworkFamily(t *testing.T) {
	tests := []struct {
		network string
		want    []string
	}{
		{network: "tcp", want: []string{"192.0.2.10:443", "[2001:db8::1]:443"}},
		{network: "tcp4", want: []string{"192.0.2.10:443"}},
		{network: "tcp6", want: []string{"[2001:db8::1]:443"}},
	}
	for _, tt := range tests {
		t.Run(tt.network, func(t *testing.T) {
			dialer := &fakeDialer{}
			guard := &Guard{Resolver: &fakeResolver{answers: [][]netip.Addr{addrs(t, "192.0.2.10", "2001:db8::1")}}, Dialer: dialer}

			if _, err := guard.DialContext(context.Background(), tt.network, "id.test:443"); err == nil {
				t.Fatal("DialContext() error = nil, want the fake dialer's error")
			}
			if got := dialer.dialed(); !slices.Equal(got, tt.want) {
				t.Errorf("dialed %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDialContextInvalidAddress(t *testing.T) {
	dialer := &fakeDialer{}
	guard := &Guard{Resolver: &fakeResolver{}, Dialer: dialer}

	if _, err := guard.DialContext(context.Background(), "tcp", "no-port.test"); err == nil {
		t.Error("DialContext(no port) error = nil, want an error")
	}
	if got := dialer.dialed(); len(got) != 0 {
		t.Errorf("dialed %v, want no dial", got)
	}
}

func TestDialContextAllowPrivateLoopback(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("net.Listen() error = %v", err)
	}
	t.Cleanup(func() { listener.Close() })

	accepted := make(chan net.Addr, 1)
	go func() {
		conn, err := listener.Accept()
		if err != nil {
			return
		}
		accepted <- conn.RemoteAddr()
		conn.Close()
	}()

	_, port, err := net.SplitHostPort(listener.Addr().String())
	if err != nil {
		t.Fatalf("SplitHostPort() error = %v", err)
	}
	resolver := &fakeResolver{answers: [][]netip.Addr{addrs(t, "127.0.0.1")}}

	blocked := &Guard{Resolver: resolver}
	if _, err := blocked.DialContext(context.Background(), "tcp", net.JoinHostPort("farm.test", port)); err == nil {
		t.Fatal("DialContext() without AllowPrivate error = nil, want a *BlockedError")
	}

	guard := &Guard{AllowPrivate: true, Resolver: resolver}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	conn, err := guard.DialContext(ctx, "tcp", net.JoinHostPort("farm.test", port))
	if err != nil {
		t.Fatalf("DialContext() with AllowPrivate error = %v", err)
	}
	defer conn.Close()

	if got := conn.RemoteAddr().String(); got != listener.Addr().String() {
		t.Errorf("RemoteAddr() = %s, want %s", got, listener.Addr())
	}
	select {
	case <-accepted:
	case <-ctx.Done():
		t.Fatal("listener accepted no connection before the deadline")
	}
}
