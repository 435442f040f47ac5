// Package finding names the observations about a provider that a person should read:
// each has a stable code that scripts match on and a message a person can act on.
//
// The package defines the codes and the Finding type only. It makes no observations:
// packages discovery, verdict and sweep create the findings.
package finding

// Code is a stable identifier for a kind of finding. Codes are part of the JSON output
// and never change meaning.
type Code string

// Finding codes. The README documents each one.
const (
	LeafPinned            Code = "leaf-pinned"
	Placeholder           Code = "placeholder"
	Malformed             Code = "malformed"
	StaleEntry            Code = "stale-entry"
	MultipleChains        Code = "multiple-chains"
	ExpiringSoon          Code = "expiring-soon"
	IssuerExpired         Code = "issuer-expired"
	InterceptionSuspected Code = "interception-suspected"
	DiscoveryHostUnpinned Code = "discovery-host-unpinned"
	IssuerMismatch        Code = "issuer-mismatch"
	ContentType           Code = "content-type"
	ForeignJWKSHost       Code = "foreign-jwks-host"
	TLS13Only             Code = "tls13-only"
	OrphanedProvider      Code = "orphaned-provider"

	// ChainUnverified: a chain failed verification against the system roots and the
	// operator's CA bundle, so nothing is computed from it.
	ChainUnverified Code = "chain-unverified"
	// LeafOnlyChain: the server sends its leaf certificate alone, so the only value IAM
	// can match is a leaf pin, which breaks at the next renewal.
	LeafOnlyChain Code = "leaf-only-chain"
	// DiscoveryFailed: the discovery document could not be fetched or read.
	DiscoveryFailed Code = "discovery-failed"
	// HandshakeFailed: no TLS handshake with a host completed.
	HandshakeFailed Code = "handshake-failed"
	// ListTooLong: the values the provider needs do not fit in IAM's five entries.
	ListTooLong Code = "list-too-long"
	// WriteFailed: IAM rejected or failed the update; the stored list is unchanged.
	WriteFailed Code = "write-failed"
	// JWKSUnavailable: the jwks_uri could not be fetched or holds no keys, so STS
	// cannot verify tokens whatever the thumbprints.
	JWKSUnavailable Code = "jwks-unavailable"
	// EKSLookupFailed: the owning EKS cluster could not be looked up (for example
	// missing eks: permissions or an opted-out region).
	EKSLookupFailed Code = "eks-lookup-failed"
)

// Finding is one observation about a provider.
type Finding struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// Fault reports whether the code describes something that makes token exchanges fail
// or keeps the sweep from judging the list. These are a chain that does not verify,
// keys that cannot be fetched, suspected interception, an expired issuer, a leaf-only
// server, an issuer that does not match, a failed discovery, handshake or write, and a
// list that does not fit. The other codes are warnings that need no action today.
func (c Code) Fault() bool {
	switch c {
	case ChainUnverified, JWKSUnavailable, InterceptionSuspected, IssuerExpired, LeafOnlyChain,
		IssuerMismatch, DiscoveryFailed, HandshakeFailed, WriteFailed, ListTooLong:
		return true
	}
	return false
}
