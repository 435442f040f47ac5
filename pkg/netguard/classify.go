package netguard

import "net/netip"

var (
	metadataAddrs = []netip.Addr{
		netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure and others
		netip.MustParseAddr("fd00:ec2::254"),   // AWS instance metadata over IPv6
		netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
	}

	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")

	// forbiddenPrefixes is checked in order, so narrower kinds come before the ranges
	// that contain them.
	forbiddenPrefixes = []struct {
		prefix netip.Prefix
		kind   string
	}{
		{netip.MustParsePrefix("0.0.0.0/8"), KindThisNetwork},
		{netip.MustParsePrefix("100.64.0.0/10"), KindCGNAT},
		{netip.MustParsePrefix("240.0.0.0/4"), KindReserved},
	}
)

// Classify returns the kind of forbidden address that addr is, or "" when addr may be
// dialed without AllowPrivate. IPv4-mapped IPv6 addresses are classified as the IPv4
// address they carry, and NAT64 addresses (64:ff9b::/96) as the IPv4 address they embed.
func Classify(addr netip.Addr) string {
	addr = addr.WithZone("").Unmap()
	if !addr.IsValid() {
		return KindUnspecified
	}

	if nat64Prefix.Contains(addr) {
		raw := addr.As16()
		return Classify(netip.AddrFrom4([4]byte(raw[12:])))
	}

	for _, metadata := range metadataAddrs {
		if addr == metadata {
			return KindMetadata
		}
	}

	switch {
	case addr.IsUnspecified():
		return KindUnspecified
	case addr.IsLoopback():
		return KindLoopback
	case addr.IsPrivate():
		return KindPrivate
	case addr.IsLinkLocalUnicast():
		return KindLinkLocal
	case addr.IsMulticast():
		return KindMulticast
	}

	for _, forbidden := range forbiddenPrefixes {
		if forbidden.prefix.Contains(addr) {
			return forbidden.kind
		}
	}
	return ""
}
