package cluster

import (
	"regexp"
	"slices"
	"strings"
)

// issuerHostPattern matches the host of an EKS OIDC issuer:
// oidc.eks.<region>.amazonaws.com, or oidc.eks.<region>.amazonaws.com.cn in the China
// partition.
var issuerHostPattern = regexp.MustCompile(`^oidc\.eks\.([a-z]{2}(?:-[a-z]+)+-[0-9]+)\.amazonaws\.com(\.cn)?$`)

// portPattern matches a decimal TCP port.
var portPattern = regexp.MustCompile(`^[0-9]{1,5}$`)

// issuerIDPattern matches the cluster ID in the path, which EKS writes as 32
// upper-case hexadecimal characters. Any letters and digits are accepted.
var issuerIDPattern = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// ParseIssuer returns the region and cluster ID of an EKS OIDC issuer URL such as
// "https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF", with
// or without "https://" (IAM stores provider URLs without it). The host is matched
// without regard to case. A region starting with "cn-" must use the amazonaws.com.cn
// domain and any other region amazonaws.com. An explicit port is accepted, because a
// mirror or a local sandbox serves the same issuer on another port and the host alone
// names the region. ok is false for anything else, including another scheme, a query,
// a trailing slash or extra path segments.
func ParseIssuer(issuerURL string) (region, id string, ok bool) {
	rest := trimHTTPS(issuerURL)

	host, path, found := strings.Cut(rest, "/")
	if !found {
		return "", "", false
	}
	if name, port, hasPort := strings.Cut(host, ":"); hasPort {
		if !portPattern.MatchString(port) {
			return "", "", false
		}
		host = name
	}
	match := issuerHostPattern.FindStringSubmatch(strings.ToLower(host))
	if match == nil {
		return "", "", false
	}
	region, china := match[1], match[2] != ""
	if china != strings.HasPrefix(region, "cn-") {
		return "", "", false
	}

	id, found = strings.CutPrefix(path, "id/")
	if !found || !issuerIDPattern.MatchString(id) {
		return "", "", false
	}
	return region, id, true
}

// NormalizeIssuer returns issuerURL without its "https://" scheme, with the host in
// lower case and without trailing slashes, so an EKS issuer and an IAM provider URL
// for the same issuer compare equal. The path keeps its case because EKS cluster IDs
// are case-sensitive in the URL.
func NormalizeIssuer(issuerURL string) string {
	rest := trimHTTPS(issuerURL)
	host, path, found := strings.Cut(rest, "/")
	normalized := strings.ToLower(host)
	if found {
		normalized += "/" + path
	}
	return strings.TrimRight(normalized, "/")
}

// trimHTTPS removes an "https://" prefix in any letter case.
func trimHTTPS(issuerURL string) string {
	const scheme = "https://"
	if len(issuerURL) >= len(scheme) && strings.EqualFold(issuerURL[:len(scheme)], scheme) {
		return issuerURL[len(scheme):]
	}
	return issuerURL
}

// Regions returns the sorted, distinct regions of the EKS issuers among issuerURLs,
// skipping URLs that are not EKS issuers.
func Regions(issuerURLs []string) []string {
	seen := map[string]bool{}
	var regions []string
	for _, issuerURL := range issuerURLs {
		region, _, ok := ParseIssuer(issuerURL)
		if ok && !seen[region] {
			seen[region] = true
			regions = append(regions, region)
		}
	}
	slices.Sort(regions)
	return regions
}
