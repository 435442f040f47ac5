package verdict

import (
	"strings"
	"testing"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	certpki "github.com/oidc-thumbprint-remediator/remediator/sandbox/pki"
)

// BenchmarkDecide measures the pure decision for one provider, which a sweep runs once
// per provider and once more before each write.
func BenchmarkDecide(b *testing.B) {
	notBefore, notAfter := now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0)
	root, err := certpki.NewRoot("Bench Root", notBefore, notAfter)
	if err != nil {
		b.Fatalf("NewRoot() error = %v", err)
	}
	intermediate, err := root.Intermediate("Bench Intermediate", notBefore, notAfter)
	if err != nil {
		b.Fatalf("Intermediate() error = %v", err)
	}
	leaf, err := intermediate.Leaf([]string{"id.example.test"}, notBefore, notAfter)
	if err != nil {
		b.Fatalf("Leaf() error = %v", err)
	}
	host := observedHost("id.example.test", "discovery+jwks", bothVersions, sent(chain.TrustPublic, 4, leaf.Cert, intermediate.Cert))

	stale := []string{
		strings.Repeat("ab", 20), strings.Repeat("cd", 20), strings.Repeat("0", 40),
		"AB:CD:" + strings.Repeat("ef", 18), strings.Repeat("12", 32),
	}
	benchmarks := []struct {
		name       string
		configured []string
	}{
		{name: "healthy list", configured: []string{tp(intermediate.Cert)}},
		{name: "full stale list", configured: stale},
	}
	for _, bm := range benchmarks {
		in := Input{
			ProviderURL:   "id.example.test",
			Configured:    bm.configured,
			Hosts:         []chain.Host{host},
			Now:           now,
			ExpiryWarning: 30 * 24 * time.Hour,
		}
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Decide(in)
			}
		})
	}
}
