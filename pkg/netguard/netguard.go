package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Kinds of forbidden addresses, as BlockedError.Kind reports them.
const (
	KindMetadata    = "cloud metadata"
	KindUnspecified = "unspecified"
	KindThisNetwork = "this network"
	KindLoopback    = "loopback"
	KindPrivate     = "private"
	KindLinkLocal   = "link-local"
	KindCGNAT       = "carrier-grade NAT"
	KindMulticast   = "multicast"
	KindReserved    = "reserved"
)

// Resolver looks up the IP addresses of a host name. *net.Resolver satisfies it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Dialer opens a connection to an address. *net.Dialer satisfies it.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Guard resolves host names and dials only addresses that it has checked.
type Guard struct {
	// AllowPrivate lets connections reach loopback, private, link-local and other
	// internal addresses, for issuers on private networks. The operator must opt in
	// because it lets stored URLs reach internal services. Cloud metadata addresses
	// stay blocked.
	AllowPrivate bool
	// Resolver looks up host names. Nil means net.DefaultResolver.
	Resolver Resolver
	// Dialer opens the connections that DialContext makes. Nil means a zero
	// net.Dialer, so the caller's context bounds the dial.
	Dialer Dialer
}

// BlockedError reports a host that resolved to a forbidden address.
type BlockedError struct {
	Host string
	Addr netip.Addr
	// Kind is one of the Kind constants, such as KindLoopback.
	Kind string
}

func (e *BlockedError) Error() string {
	if e.Kind == KindMetadata {
		return fmt.Sprintf("netguard: host %q resolves to %s, a cloud metadata address: connection blocked, also when private networks are allowed",
			e.Host, e.Addr)
	}
	return fmt.Sprintf("netguard: host %q resolves to %s, a %s address: connection blocked; enable the allow private networks setting to reach issuers on internal networks",
		e.Host, e.Addr, e.Kind)
}

// Resolve returns the addresses of host, unmapped and without duplicates, in the order
// the resolver returned them. A literal IP address (with or without brackets) is used
// as is. Unless AllowPrivate is set, Resolve returns a *BlockedError when any address
// is forbidden, even if others are not, because the connection could reach any of them.
func (g *Guard) Resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	addrs, err := g.lookup(ctx, host)
	if err != nil {
		return nil, err
	}

	for _, addr := range addrs {
		kind := Classify(addr)
		// Cloud metadata services hand out credentials and are never an OIDC issuer,
		// so they stay blocked even when private networks are allowed.
		if kind == KindMetadata || (kind != "" && !g.AllowPrivate) {
			return nil, &BlockedError{Host: host, Addr: addr, Kind: kind}
		}
	}
	return addrs, nil
}

// DialContext connects to address ("host:port") through the addresses that Resolve
// returns, trying each in order until one connects. It dials the checked IP address
// itself and never the name, so a DNS answer that changes between the check and the
// dial cannot redirect the connection. Its signature matches http.Transport.DialContext.
func (g *Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("netguard: invalid address %q: %w", address, err)
	}

	addrs, err := g.Resolve(ctx, host)
	if err != nil {
		return nil, err
	}

	dialer := g.Dialer
	if dialer == nil {
		dialer = &net.Dialer{}
	}

	var errs []error
	for _, addr := range addrs {
		if !matchesNetwork(network, addr) {
			continue
		}
		conn, err := dialer.DialContext(ctx, network, net.JoinHostPort(addr.String(), port))
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("netguard: dialing %s: no %s address among %v", address, network, addrs)
	}
	return nil, fmt.Errorf("netguard: dialing %s: %w", address, errors.Join(errs...))
}

func (g *Guard) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" {
		return nil, errors.New("netguard: empty host name")
	}

	if addr, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{addr.Unmap()}, nil
	}

	resolver := g.Resolver
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	found, err := resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("netguard: resolving %q: %w", host, err)
	}

	addrs := make([]netip.Addr, 0, len(found))
	seen := make(map[netip.Addr]bool, len(found))
	for _, addr := range found {
		addr = addr.Unmap()
		if seen[addr] {
			continue
		}
		seen[addr] = true
		addrs = append(addrs, addr)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("netguard: resolving %q: no addresses found", host)
	}
	return addrs, nil
}

func matchesNetwork(network string, addr netip.Addr) bool {
	switch network {
	case "tcp4", "udp4", "ip4":
		return addr.Is4()
	case "tcp6", "udp6", "ip6":
		return addr.Is6()
	default:
		return true
	}
}
