package tlsprobe

import (
	"cmp"
	"crypto/tls"
	"crypto/x509"
	"net/netip"
	"slices"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
)

// sample is the observation of one completed handshake.
type sample struct {
	chain   chain.Chain // Certificates, Trust, VerifyError and TopIssuerNotAfter only
	addr    netip.Addr
	version uint16
}

// verify describes certs in sent order and verifies them for host: against Roots
// (public), else against Bundle (private), else the chain is untrusted. A CA in Bundle
// is an anchor whether or not it is self-signed, so a bundle that holds an intermediate
// of a public root also verifies chains below it.
func (p *Prober) verify(host string, certs []*x509.Certificate) sample {
	var s sample
	for _, cert := range certs {
		s.chain.Certificates = append(s.chain.Certificates, chain.Describe(cert))
	}
	if len(certs) == 0 {
		s.chain.Trust = chain.TrustNone
		s.chain.VerifyError = "server sent no certificate"
		return s
	}

	intermediates := x509.NewCertPool()
	for _, cert := range certs[1:] {
		intermediates.AddCert(cert)
	}
	options := x509.VerifyOptions{
		DNSName:       host,
		Intermediates: intermediates,
		CurrentTime:   p.cfg.Now(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}

	options.Roots = p.cfg.Roots
	_, err := certs[0].Verify(options)
	if err == nil {
		s.chain.Trust = chain.TrustPublic
		s.chain.TopIssuerNotAfter = topIssuerNotAfter(certs, p.cfg.Roots, options.CurrentTime)
		return s
	}

	if p.cfg.Bundle != nil {
		options.Roots = p.cfg.Bundle
		_, err = certs[0].Verify(options)
		if err == nil {
			s.chain.Trust = chain.TrustPrivate
			s.chain.TopIssuerNotAfter = topIssuerNotAfter(certs, p.cfg.Bundle, options.CurrentTime)
			return s
		}
	}

	s.chain.Trust = chain.TrustNone
	s.chain.VerifyError = err.Error()
	return s
}

// topIssuerNotAfter returns the expiry of the certificate that issued the last sent
// certificate, found among the sent certificates and roots, or the zero time when the
// last one is self-signed or its issuer is not found. An issuer valid at now is
// preferred. Otherwise the issuer is looked for at the time the top certificate was
// issued, so an expired issuer still reports its expiry. When several issuers fit, the
// latest expiry is returned.
func topIssuerNotAfter(certs []*x509.Certificate, roots *x509.CertPool, now time.Time) time.Time {
	top := certs[len(certs)-1]
	if chain.Describe(top).SelfSigned {
		return time.Time{}
	}

	intermediates := x509.NewCertPool()
	for _, cert := range certs[:len(certs)-1] {
		intermediates.AddCert(cert)
	}

	for _, at := range []time.Time{now, top.NotBefore} {
		chains, err := top.Verify(x509.VerifyOptions{
			Roots:         roots,
			Intermediates: intermediates,
			CurrentTime:   at,
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
		})
		if err != nil {
			continue
		}

		var latest time.Time
		for _, verified := range chains {
			if len(verified) > 1 && verified[1].NotAfter.After(latest) {
				latest = verified[1].NotAfter
			}
		}
		if !latest.IsZero() {
			return latest.UTC()
		}
	}
	return time.Time{}
}

// observations groups samples by chain.
type observations struct {
	byKey map[string]*group
}

type group struct {
	chain    chain.Chain
	addrs    map[netip.Addr]bool
	versions map[uint16]bool
}

func newObservations() *observations {
	return &observations{byKey: make(map[string]*group)}
}

func (o *observations) add(s sample) {
	key := s.chain.Key()
	g, ok := o.byKey[key]
	if !ok {
		g = &group{chain: s.chain, addrs: make(map[netip.Addr]bool), versions: make(map[uint16]bool)}
		o.byKey[key] = g
	}

	g.chain.Samples++
	g.addrs[s.addr] = true
	g.versions[s.version] = true
}

// chains returns the distinct chains, most samples first, ties broken by Key.
func (o *observations) chains() []chain.Chain {
	out := make([]chain.Chain, 0, len(o.byKey))
	for _, g := range o.byKey {
		c := g.chain

		addrs := make([]netip.Addr, 0, len(g.addrs))
		for addr := range g.addrs {
			addrs = append(addrs, addr)
		}
		c.Addresses = addressStrings(addrs)

		versions := make([]uint16, 0, len(g.versions))
		for version := range g.versions {
			versions = append(versions, version)
		}
		slices.Sort(versions)
		for _, version := range versions {
			c.TLSVersions = append(c.TLSVersions, tls.VersionName(version))
		}

		out = append(out, c)
	}

	slices.SortFunc(out, func(a, b chain.Chain) int {
		if bySamples := cmp.Compare(b.Samples, a.Samples); bySamples != 0 {
			return bySamples
		}
		return cmp.Compare(a.Key(), b.Key())
	})
	return out
}
