package finding

import "testing"

func TestCodeFault(t *testing.T) {
	faults := []Code{ChainUnverified, JWKSUnavailable, InterceptionSuspected, IssuerExpired, LeafOnlyChain,
		IssuerMismatch, DiscoveryFailed, HandshakeFailed, WriteFailed, ListTooLong}
	warnings := []Code{LeafPinned, Placeholder, Malformed, StaleEntry, MultipleChains, ExpiringSoon,
		DiscoveryHostUnpinned, ContentType, ForeignJWKSHost, TLS13Only, OrphanedProvider, EKSLookupFailed}

	for _, c := range faults {
		if !c.Fault() {
			t.Errorf("%s.Fault() = false, want true", c)
		}
	}
	for _, c := range warnings {
		if c.Fault() {
			t.Errorf("%s.Fault() = true, want false", c)
		}
	}
}
