package discovery

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// acceptedForm is the provider URL syntax that error messages show.
const acceptedForm = "want host[:port][/path] or https://host[:port][/path]"

// URLError reports a provider URL or jwks_uri that cannot be used.
type URLError struct {
	// Value is the URL exactly as given.
	Value string
	// Reason is the fault found in Value.
	Reason string
	// Err is the underlying parse error, or nil.
	Err error
}

func (e *URLError) Error() string {
	return fmt.Sprintf("discovery: invalid URL %q: %s (%s)", e.Value, e.Reason, acceptedForm)
}

func (e *URLError) Unwrap() error { return e.Err }

// IssuerURL normalises a provider URL into the https issuer URL that the discovery path
// is appended to. It accepts the URL as IAM stores it ("oidc.example.com/id/ABC") or
// with an https:// prefix. The host is lowercased, port 443 is dropped, the path is kept
// as written except for trailing slashes, and the result always has the https scheme.
//
// It returns a *URLError for another scheme (http:// included), user info, a query, a
// fragment, an empty or malformed host, whitespace and ports outside 1-65535.
func IssuerURL(providerURL string) (*url.URL, error) {
	reject := func(reason string, err error) (*url.URL, error) {
		return nil, &URLError{Value: providerURL, Reason: reason, Err: err}
	}

	if providerURL == "" {
		return reject("empty URL", nil)
	}
	if strings.ContainsFunc(providerURL, unicode.IsSpace) {
		return reject("contains whitespace", nil)
	}
	if strings.ContainsFunc(providerURL, unicode.IsControl) {
		return reject("contains control characters", nil)
	}

	text, err := withHTTPS(providerURL)
	if err != nil {
		return reject(err.Error(), nil)
	}

	u, err := url.Parse(text)
	if err != nil {
		return reject("cannot be parsed", err)
	}
	if u.Opaque != "" {
		return reject("missing // after the scheme", nil)
	}
	if u.User != nil {
		return reject("contains user info", nil)
	}
	if u.RawQuery != "" || u.ForceQuery {
		return reject("contains a query", nil)
	}
	if u.Fragment != "" || strings.Contains(text, "#") {
		return reject("contains a fragment", nil)
	}

	host, err := normaliseHost(u.Hostname(), u.Port())
	if err != nil {
		return reject(err.Error(), nil)
	}

	rawPath := strings.TrimRight(u.EscapedPath(), "/")
	path, err := url.PathUnescape(rawPath)
	if err != nil {
		return reject("invalid escape in path", err)
	}

	return &url.URL{Scheme: "https", Host: host, Path: path, RawPath: rawPath}, nil
}

// withHTTPS adds the https scheme to a URL without one and rejects any other scheme.
func withHTTPS(providerURL string) (string, error) {
	scheme, _, found := strings.Cut(providerURL, "://")
	if !found {
		lower := strings.ToLower(providerURL)
		if strings.HasPrefix(lower, "https:") || strings.HasPrefix(lower, "http:") {
			return "", errors.New("missing // after the scheme")
		}
		return "https://" + providerURL, nil
	}
	if !strings.EqualFold(scheme, "https") {
		return "", fmt.Errorf("scheme %q is not https", scheme)
	}
	return providerURL, nil
}

// normaliseHost returns host[:port] with the host lowercased, IPv6 addresses in
// brackets and port 443 dropped.
func normaliseHost(hostname, port string) (string, error) {
	if hostname == "" {
		return "", errors.New("empty host")
	}

	host, err := canonicalHostname(hostname)
	if err != nil {
		return "", err
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}

	if port == "" {
		return host, nil
	}
	number, err := strconv.Atoi(port)
	if err != nil || number < 1 || number > 65535 {
		return "", fmt.Errorf("port %q is outside 1-65535", port)
	}
	if number == 443 {
		return host, nil
	}
	return host + ":" + strconv.Itoa(number), nil
}

// canonicalHostname lowercases a DNS name or formats an IP address canonically. A DNS
// name must be ASCII letters, digits, hyphens and underscores in non-empty labels
// separated by dots, so internationalised names must be given in punycode.
func canonicalHostname(hostname string) (string, error) {
	if addr, err := netip.ParseAddr(hostname); err == nil {
		if addr.Zone() != "" {
			return "", fmt.Errorf("host %q has an IPv6 zone", hostname)
		}
		return addr.String(), nil
	}
	if strings.Contains(hostname, ":") {
		return "", fmt.Errorf("host %q is not a valid IPv6 address", hostname)
	}

	name := strings.ToLower(hostname)
	for label := range strings.SplitSeq(name, ".") {
		if label == "" {
			return "", fmt.Errorf("host %q has an empty label", hostname)
		}
		for _, r := range label {
			if !isHostnameRune(r) {
				return "", fmt.Errorf("host %q contains %q (use the punycode form for non-ASCII names)", hostname, r)
			}
		}
	}
	return name, nil
}

func isHostnameRune(r rune) bool {
	return ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') || r == '-' || r == '_'
}

// hostPort splits an https URL's host into host name and port, filling in 443.
func hostPort(u *url.URL) (host, port string) {
	host = strings.ToLower(u.Hostname())
	port = u.Port()
	if port == "" {
		port = "443"
	}
	return host, port
}

// sameOrigin reports whether a and b are both https on the same host and port.
func sameOrigin(a, b *url.URL) bool {
	if !strings.EqualFold(a.Scheme, "https") || !strings.EqualFold(b.Scheme, "https") {
		return false
	}
	aHost, aPort := hostPort(a)
	bHost, bPort := hostPort(b)
	return aHost == bHost && aPort == bPort
}
