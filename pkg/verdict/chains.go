package verdict

import (
	"cmp"
	"slices"
	"strings"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
)

const (
	roleDiscovery = "discovery"
	tls12         = "TLS 1.2"
)

// sortHosts returns copies of hosts ordered by name, each with its chains ordered by
// samples (most first) and then by Key, so that the decision does not depend on the
// order in which observations arrived. Chains without certificates are left out.
func sortHosts(hosts []chain.Host) []chain.Host {
	sorted := make([]chain.Host, 0, len(hosts))
	for _, host := range hosts {
		var chains []chain.Chain
		for _, c := range host.Chains {
			if len(c.Certificates) > 0 {
				chains = append(chains, c)
			}
		}
		slices.SortStableFunc(chains, func(a, b chain.Chain) int {
			return cmp.Or(cmp.Compare(b.Samples, a.Samples), strings.Compare(a.Key(), b.Key()))
		})
		host.Chains = chains
		sorted = append(sorted, host)
	}
	slices.SortStableFunc(sorted, func(a, b chain.Host) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Role, b.Role))
	})
	return sorted
}

// judgedChain is one observed chain with what the configured list makes of it.
type judgedChain struct {
	host  chain.Host
	chain chain.Chain
	// verified is true when the chain verified against the system roots or the
	// operator's CA bundle.
	verified bool
	// matchesCA is true when a configured entry is the thumbprint of a CA certificate
	// in the chain, and matchesLeaf when one is the thumbprint of a leaf.
	matchesCA   bool
	matchesLeaf bool
	// leafOnly is true when the server sent no CA certificate at all.
	leafOnly bool
	// pin is the certificate whose thumbprint the chain needs, or the zero value
	// when no value may be taken from it.
	pin chain.Certificate
}

// matched reports whether IAM would accept the chain with the configured list, which
// needs any sent certificate to match.
func (c judgedChain) matched() bool {
	return c.matchesCA || c.matchesLeaf
}

// needsPin reports whether the chain's pin must be added: it verified, no CA
// certificate in it matches, and a pin is known.
func (c judgedChain) needsPin() bool {
	return c.verified && !c.matchesCA && c.pin.Thumbprint != ""
}

func judgeChains(hosts []chain.Host, e entries, allowLeafPin bool) []judgedChain {
	var judged []judgedChain
	for _, host := range hosts {
		for _, c := range host.Chains {
			j := judgedChain{
				host:     host,
				chain:    c,
				verified: verified(c),
				leafOnly: !slices.ContainsFunc(c.Certificates, func(cert chain.Certificate) bool { return cert.IsCA }),
			}
			for _, cert := range c.Certificates {
				if !e.configured(cert.Thumbprint) {
					continue
				}
				if cert.IsCA {
					j.matchesCA = true
				} else {
					j.matchesLeaf = true
				}
			}

			switch {
			case !j.verified:
				// Never take a value from a chain that failed verification or expired.
			case j.leafOnly && allowLeafPin:
				j.pin = c.Certificates[0]
			case !j.leafOnly:
				j.pin = pinCertificate(c)
			}
			judged = append(judged, j)
		}
	}
	return judged
}

// pinCertificate returns the certificate whose thumbprint a chain needs, the top
// intermediate CA the server sent, as chain.Chain.Pin defines it. The chain must
// contain a CA certificate.
func pinCertificate(c chain.Chain) chain.Certificate {
	return c.Pin()
}

// hostAcceptsTLS12 reports whether the host is known to accept TLS 1.2, from the
// version probe or from a handshake that negotiated it.
func hostAcceptsTLS12(host chain.Host) bool {
	if host.TLS12 {
		return true
	}
	for _, c := range host.Chains {
		if slices.Contains(c.TLSVersions, tls12) {
			return true
		}
	}
	return false
}

// verified reports whether the chain verified against the system roots or the
// operator's CA bundle. An unknown Trust value counts as failed verification.
func verified(c chain.Chain) bool {
	return c.Trust == chain.TrustPublic || c.Trust == chain.TrustPrivate
}

func tls13Only(host chain.Host) bool {
	return host.TLS13 && !host.TLS12
}

// interception reports whether the host sent distinct chains of which at least one
// verified and at least one did not: the pattern of a TLS-intercepting proxy that
// re-signs some connections.
func interception(host chain.Host) bool {
	var passed, failed bool
	for _, c := range host.Chains {
		if verified(c) {
			passed = true
		} else {
			failed = true
		}
	}
	return len(host.Chains) > 1 && passed && failed
}
