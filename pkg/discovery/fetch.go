package discovery

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
)

// wellKnownPath is appended after the issuer URL's path, as OpenID Connect Discovery
// 1.0 specifies for issuers with a path.
const wellKnownPath = "/.well-known/openid-configuration"

// Result is the outcome of a successful Fetch.
type Result struct {
	// DiscoveryURL is the requested document URL,
	// https://host[:port]/path/.well-known/openid-configuration. A same-host redirect
	// does not change it.
	DiscoveryURL string
	// Issuer is the document's issuer value as served, which may differ from the
	// provider URL.
	Issuer  string
	JWKSURI string
	// DiscoveryHost and JWKSHost are lowercase host names or IP addresses without
	// brackets. The ports are always set, "443" when the URL names none.
	DiscoveryHost, DiscoveryPort string
	JWKSHost, JWKSPort           string
	// Findings are problems that do not stop the sweep.
	Findings []finding.Finding
}

// Fetch reads the discovery document of providerURL, checks it and fetches its JWKS.
//
// It returns an error, and a zero Result, when the provider URL is invalid (*URLError),
// the document cannot be fetched (*StatusError, *RedirectError, *BodyTooLargeError, a
// TLS or network error) or cannot be used (*DocumentError). Everything else is a
// finding: a content type other than JSON, an issuer value that differs from the
// provider URL, a jwks_uri on another host, and a JWKS that cannot be fetched or read.
//
// Fetch makes at most four requests (the document and the JWKS, each with one
// redirect), each bounded by Config.Timeout. Only ctx bounds the whole call.
func (c *Client) Fetch(ctx context.Context, providerURL string) (Result, error) {
	issuer, err := IssuerURL(providerURL)
	if err != nil {
		return Result{}, err
	}
	discoveryURL := issuer.JoinPath(wellKnownPath)

	resp, err := c.get(ctx, discoveryURL)
	if err != nil {
		return Result{}, err
	}

	doc, err := parseDocument(resp.Body)
	if err != nil {
		return Result{}, &DocumentError{URL: discoveryURL.String(), Err: err}
	}

	result := Result{
		DiscoveryURL: discoveryURL.String(),
		Issuer:       doc.Issuer,
		JWKSURI:      doc.JWKSURI.String(),
	}
	result.DiscoveryHost, result.DiscoveryPort = hostPort(discoveryURL)
	result.JWKSHost, result.JWKSPort = hostPort(doc.JWKSURI)

	if !isJSONMediaType(resp.ContentType) {
		result.Findings = append(result.Findings, contentTypeFinding("discovery document", discoveryURL.String(), resp.ContentType))
	}
	if f, ok := issuerMismatch(providerURL, issuer, doc.Issuer); ok {
		result.Findings = append(result.Findings, f)
	}
	if !sameOrigin(discoveryURL, doc.JWKSURI) {
		result.Findings = append(result.Findings, foreignJWKSHost(result))
	}
	result.Findings = append(result.Findings, c.checkJWKS(ctx, doc.JWKSURI)...)

	return result, nil
}

// checkJWKS fetches the key set and reports problems as findings. A failure here does
// not stop the sweep, because the thumbprint comes from the jwks_uri host's TLS
// handshake, which package tlsprobe makes and reports on its own.
func (c *Client) checkJWKS(ctx context.Context, jwksURI *url.URL) []finding.Finding {
	resp, err := c.get(ctx, jwksURI)
	if err != nil {
		return []finding.Finding{{
			Code: finding.JWKSUnavailable,
			Message: fmt.Sprintf("the JWKS could not be fetched, so STS cannot verify tokens whatever the thumbprints: %s",
				strings.TrimPrefix(err.Error(), "discovery: ")),
		}}
	}

	var findings []finding.Finding
	if !isJSONMediaType(resp.ContentType) {
		findings = append(findings, contentTypeFinding("JWKS", jwksURI.String(), resp.ContentType))
	}

	invalidJSON, problem := jwkSetProblem(resp.Body)
	switch {
	case invalidJSON:
		findings = append(findings, finding.Finding{
			Code:    finding.ContentType,
			Message: fmt.Sprintf("the JWKS at %s %s", jwksURI, problem),
		})
	case problem != "":
		findings = append(findings, finding.Finding{
			Code:    finding.JWKSUnavailable,
			Message: fmt.Sprintf("the JWKS at %s %s, so STS cannot verify tokens whatever the thumbprints", jwksURI, problem),
		})
	}
	return findings
}
