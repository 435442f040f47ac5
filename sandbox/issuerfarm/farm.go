package issuerfarm

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"

	"github.com/oauth2-proxy/mockoidc"
)

// Farm is a set of loopback issuers and the mapping from their host names to the
// addresses they listen on.
type Farm struct {
	mu      sync.Mutex
	names   map[string][]netip.Addr
	closers []func()
}

// New returns an empty farm. Call Close when done, typically through t.Cleanup.
func New() *Farm {
	return &Farm{names: make(map[string][]netip.Addr)}
}

// Start starts an issuer described by opts and registers its host name.
func (f *Farm) Start(opts Options) (*Server, error) {
	opts = opts.withDefaults()

	if err := f.reserve(opts.Name); err != nil {
		return nil, err
	}

	server, err := start(opts)
	if err != nil {
		f.release(opts.Name)
		return nil, err
	}

	f.register(opts.Name, server.Addrs(), server.Close)
	return server, nil
}

// MockOIDC starts github.com/oauth2-proxy/mockoidc on 127.0.0.1 over TLS with cert and
// returns its issuer URL, such as "https://name:port/oidc". The discovery document is
// the one mockoidc writes, so tests read a document this project did not produce.
func (f *Farm) MockOIDC(name string, cert tls.Certificate) (string, error) {
	if err := f.reserve(name); err != nil {
		return "", err
	}

	issuerURL, shutdown, err := startMockOIDC(name, cert)
	if err != nil {
		f.release(name)
		return "", err
	}

	f.register(name, []netip.Addr{netip.MustParseAddr("127.0.0.1")}, shutdown)
	return issuerURL, nil
}

// Addrs returns the loopback addresses that name listens on, or nil for an unknown
// name.
func (f *Farm) Addrs(name string) []netip.Addr {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.names[name])
}

// LookupNetIP resolves the farm's host names to their loopback addresses, with the
// signature of net.Resolver.LookupNetIP so that it satisfies netguard.Resolver. A name
// the farm does not serve returns a not-found *net.DNSError because the farm never queries DNS.
// Network "ip4" or "ip6" keeps only that family.
func (f *Farm) LookupNetIP(_ context.Context, network, host string) ([]netip.Addr, error) {
	all := f.Addrs(host)

	var addrs []netip.Addr
	for _, addr := range all {
		switch {
		case network == "ip4" && !addr.Is4():
		case network == "ip6" && !addr.Is6():
		default:
			addrs = append(addrs, addr)
		}
	}
	if len(addrs) == 0 {
		return nil, &net.DNSError{Err: "no such host in the issuer farm", Name: host, IsNotFound: true}
	}
	return addrs, nil
}

// Resolve resolves host like LookupNetIP with network "ip". Its signature matches
// tlsprobe.Config.Resolve. Literal IP addresses are returned as they are.
func (f *Farm) Resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if addr, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{addr}, nil
	}
	return f.LookupNetIP(ctx, "ip", host)
}

// Close stops every server in the farm and removes their names.
func (f *Farm) Close() {
	f.mu.Lock()
	closers := f.closers
	f.closers = nil
	f.names = make(map[string][]netip.Addr)
	f.mu.Unlock()

	for _, closeServer := range closers {
		closeServer()
	}
}

// reserve claims name so that two servers, which listen on different ports, never
// share it.
func (f *Farm) reserve(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()

	if _, taken := f.names[name]; taken {
		return fmt.Errorf("issuerfarm: host name %q is already served by this farm", name)
	}
	f.names[name] = nil
	return nil
}

func (f *Farm) release(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.names, name)
}

func (f *Farm) register(name string, addrs []netip.Addr, closeServer func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.names[name] = addrs
	f.closers = append(f.closers, closeServer)
}

// startMockOIDC serves mockoidc on a TLS listener. mockoidc builds its issuer URL from
// the listener's address, so the listener reports name instead of 127.0.0.1 and the
// issuer URL carries the host name that the certificate is issued for.
func startMockOIDC(name string, cert tls.Certificate) (string, func(), error) {
	server, err := mockoidc.NewServer(nil)
	if err != nil {
		return "", nil, fmt.Errorf("issuerfarm: creating mockoidc: %w", err)
	}

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("issuerfarm: listening for mockoidc: %w", err)
	}
	port := listener.Addr().(*net.TCPAddr).Port
	named := &namedListener{Listener: listener, addr: namedAddr(net.JoinHostPort(name, fmt.Sprint(port)))}

	config := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if err := server.Start(tls.NewListener(named, config), config); err != nil {
		listener.Close()
		return "", nil, fmt.Errorf("issuerfarm: starting mockoidc: %w", err)
	}

	shutdown := func() {
		// Shutdown closes the listener and waits for open requests, so its error
		// carries nothing a test could act on.
		_ = server.Shutdown()
	}
	return server.Issuer(), shutdown, nil
}

type namedListener struct {
	net.Listener
	addr namedAddr
}

func (l *namedListener) Addr() net.Addr { return l.addr }

// namedAddr is a TCP address written as "name:port".
type namedAddr string

func (a namedAddr) Network() string { return "tcp" }
func (a namedAddr) String() string  { return string(a) }
