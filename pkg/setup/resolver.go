package setup

import (
	"context"
	"net"
	"net/netip"
	"strings"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/netguard"
)

// OverrideResolver returns addresses from a fixed table of host names and passes every
// other name to Fallback, like curl's --resolve. Operators use it for split-horizon
// DNS, and the local sandbox uses it to give loopback issuers real-looking names.
// Overridden addresses still pass the private-network guard.
type OverrideResolver struct {
	Hosts    map[string][]netip.Addr
	Fallback netguard.Resolver
}

// LookupNetIP implements netguard.Resolver.
func (r *OverrideResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if addrs, ok := r.Hosts[strings.ToLower(host)]; ok {
		return filterFamily(addrs, network), nil
	}
	fallback := r.Fallback
	if fallback == nil {
		fallback = net.DefaultResolver
	}
	return fallback.LookupNetIP(ctx, network, host)
}

func filterFamily(addrs []netip.Addr, network string) []netip.Addr {
	var out []netip.Addr
	for _, a := range addrs {
		switch {
		case network == "ip4" && !a.Is4():
		case network == "ip6" && !a.Is6():
		default:
			out = append(out, a)
		}
	}
	return out
}
