package verdict

import (
	"fmt"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
)

// severityOf grades the mismatched chains and explains the grade in the words of
// Decision.Reason. mismatched must not be empty.
//
// Since 2024, AWS first validates the JWKS host's chain against its own library of
// trusted root CAs. It falls back to the stored thumbprints only when the chain ends
// at another CA, when it cannot retrieve the certificate, or when the endpoint
// requires TLS 1.3. So a mismatch is critical for a chain trusted only through the
// operator's CA bundle and for a TLS-1.3-only host. It is advisory only when every
// mismatched chain verifies against public roots on a host that accepts TLS 1.2,
// because then only the fallback path is broken. "Public" is approximated by the
// system root store.
//
// A host not known to accept TLS 1.2 and a server that sends only its leaf
// certificate are graded critical too, because advisory needs evidence that the
// public path works.
// NOTE: whether AWS completes a chain that lacks its intermediates, by fetching them
// from the certificate's Authority Information Access URL, is not documented.
func severityOf(mismatched []judgedChain) (Severity, string) {
	subject := fmt.Sprintf("no configured thumbprint matches the chain of %s", mismatched[0].host.Name)
	if len(mismatched) > 1 {
		subject = fmt.Sprintf("no configured thumbprint matches %d of the observed chains", len(mismatched))
	}

	for _, j := range mismatched {
		if j.chain.Trust == chain.TrustPrivate {
			return Critical, fmt.Sprintf("%s, and the chain of %s is trusted only through the operator CA bundle, so AWS relies on the thumbprint and token exchanges fail",
				subject, j.host.Name)
		}
	}
	for _, j := range mismatched {
		if tls13Only(j.host) {
			return Critical, fmt.Sprintf("%s, and host %s accepts only TLS 1.3, so AWS relies on the thumbprint and token exchanges fail",
				subject, j.host.Name)
		}
	}
	for _, j := range mismatched {
		if !hostAcceptsTLS12(j.host) {
			return Critical, fmt.Sprintf("%s, and host %s was not seen accepting TLS 1.2, so AWS may rely on the thumbprint and token exchanges may fail",
				subject, j.host.Name)
		}
	}
	for _, j := range mismatched {
		if j.leafOnly {
			return Critical, fmt.Sprintf("%s, and host %s sends only its leaf certificate, so AWS may be unable to build a chain to its trusted root CAs and then relies on the thumbprint, and token exchanges fail",
				subject, j.host.Name)
		}
	}
	return Advisory, subject + ", but the chain verifies against public roots and the host accepts TLS 1.2, so AWS validates it with its trusted root CAs first. " +
		"The stored thumbprint is only the fallback, which is broken. Public trust is approximated by the system root store"
}
