package discovery

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
)

func contentTypeFinding(what, target, contentType string) finding.Finding {
	served := fmt.Sprintf("as %q", contentType)
	if contentType == "" {
		served = "without a Content-Type header"
	}
	return finding.Finding{
		Code:    finding.ContentType,
		Message: fmt.Sprintf("the %s at %s is served %s instead of application/json", what, target, served),
	}
}

// issuerMismatch compares the document's issuer value with the provider URL, both as
// IAM stores it (with https:// added) and normalised. STS rejects a token whose iss
// claim is not the provider URL, so a different issuer value breaks token exchange for
// clients that copy it. The message states that thumbprints cannot fix this.
func issuerMismatch(providerURL string, issuer *url.URL, served string) (finding.Finding, bool) {
	want := issuer.String()
	if served == want {
		return finding.Finding{}, false
	}
	if stored, err := withHTTPS(providerURL); err == nil && served == stored {
		return finding.Finding{}, false
	}

	message := fmt.Sprintf("the discovery issuer %q differs from the provider URL %q (difference: %s). "+
		"STS compares a token's iss claim with the provider URL, so tokens that carry the "+
		"document's issuer are rejected. Changing thumbprints does not fix this",
		served, want, issuerDifference(issuer, served))
	if served == "" {
		message = fmt.Sprintf("the discovery document has no issuer string, want %q. "+
			"STS compares a token's iss claim with the provider URL %q. "+
			"Changing thumbprints does not fix this", want, want)
	}
	return finding.Finding{Code: finding.IssuerMismatch, Message: message}, true
}

// issuerDifference names the first part of the URLs that differs.
func issuerDifference(issuer *url.URL, served string) string {
	u, err := url.Parse(served)
	if err != nil {
		return "the issuer is not a URL"
	}

	servedHost, servedPort := hostPort(u)
	wantHost, wantPort := hostPort(issuer)
	switch {
	case u.Scheme != issuer.Scheme:
		return fmt.Sprintf("scheme %q instead of %q", u.Scheme, issuer.Scheme)
	case servedHost != wantHost || servedPort != wantPort:
		return fmt.Sprintf("host %s instead of %s", u.Host, issuer.Host)
	case u.Host != issuer.Host:
		return fmt.Sprintf("host written %q instead of %q", u.Host, issuer.Host)
	case strings.TrimRight(u.EscapedPath(), "/") == issuer.EscapedPath() && u.RawQuery == "" && u.Fragment == "":
		return "a trailing slash"
	case u.EscapedPath() != issuer.EscapedPath():
		return fmt.Sprintf("path %q instead of %q", u.EscapedPath(), issuer.EscapedPath())
	default:
		return "a query or fragment"
	}
}

func foreignJWKSHost(r Result) finding.Finding {
	return finding.Finding{
		Code: finding.ForeignJWKSHost,
		Message: fmt.Sprintf("jwks_uri is on %s, not on the issuer host %s. "+
			"IAM also checks the jwks_uri host's certificate chain, so that chain needs a thumbprint too",
			hostPortLabel(r.JWKSHost, r.JWKSPort), hostPortLabel(r.DiscoveryHost, r.DiscoveryPort)),
	}
}

// hostPortLabel formats a host for messages, naming the port only when it is not 443.
func hostPortLabel(host, port string) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port == "443" {
		return host
	}
	return host + ":" + port
}
