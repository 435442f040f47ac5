package verdict

import (
	"crypto/x509"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/thumbprint"
)

// reordered returns in with its hosts, and the chains of each host, in reverse order.
func reordered(in Input) Input {
	hosts := slices.Clone(in.Hosts)
	slices.Reverse(hosts)
	for i := range hosts {
		hosts[i].Chains = slices.Clone(hosts[i].Chains)
		slices.Reverse(hosts[i].Chains)
	}
	in.Hosts = hosts
	return in
}

func TestDecideOrderIndependent(t *testing.T) {
	for _, tt := range decideTests(t) {
		t.Run(tt.name, func(t *testing.T) {
			want := Decide(tt.in)
			if got := Decide(reordered(tt.in)); !reflect.DeepEqual(got, want) {
				t.Errorf("Decide(reordered) = %+v, want %+v", got, want)
			}
		})
	}
}

func TestDecideProposalIgnoresSamples(t *testing.T) {
	p := newPKI(t)
	chainA := sent(public, 5, p.la, p.ia.cert, p.ra.cert)
	chainB := sent(public, 1, p.lb, p.ib.cert, p.rb.cert)
	in := Input{Configured: []string{}, Now: now, Hosts: []chain.Host{observedHost("token.example.test", both, bothVersions, chainA, chainB)}}
	want := []string{tp(p.ia.cert), tp(p.ib.cert)}
	slices.Sort(want)

	chainA.Samples, chainB.Samples = 1, 5
	swapped := in
	swapped.Hosts = []chain.Host{observedHost("token.example.test", both, bothVersions, chainB, chainA)}

	for name, input := range map[string]Input{"A sampled most": in, "B sampled most": swapped} {
		if got := Decide(input).Proposed; !slices.Equal(got, want) {
			t.Errorf("%s: Decide().Proposed = %q, want %q", name, got, want)
		}
	}
}

// TestDecideProperties checks invariants over generated scenarios. A proposal is never
// empty, and a list to write has at most MaxThumbprints valid entries. Proposed values
// come only from the configured or keep lists or from certificates of verified chains.
// The decision does not depend on the order of the observations.
func TestDecideProperties(t *testing.T) {
	p := newPKI(t)
	certificates := [][]chain.Certificate{
		describeAll(p.l1, p.i1.cert, p.x),
		describeAll(p.l2, p.i1.cert, p.x),
		describeAll(p.l1, p.i1.cert),
		describeAll(p.la, p.ia.cert, p.ra.cert),
		describeAll(p.lb, p.ib.cert, p.rb.cert),
		describeAll(p.lp),
		describeAll(p.lp, p.rp.cert),
		describeAll(p.lm, p.rm.cert),
		describeAll(p.li, p.ii.cert, p.ri.cert),
		describeAll(p.lk, p.ik.cert, p.rk.cert),
		describeAll(p.lExpiring, p.iExpiring.cert, p.r1.cert),
	}
	var values []string
	for _, certs := range certificates {
		for _, cert := range certs {
			values = append(values, cert.Thumbprint, strings.ToUpper(cert.Thumbprint))
		}
	}
	values = append(values, keptValues...)
	values = append(values, placeholder, "not-a-thumbprint", sha256Hex(p.x), "")

	random := rand.New(rand.NewPCG(1, 2))
	pick := func(n int) []string {
		picked := []string{}
		for range n {
			picked = append(picked, values[random.IntN(len(values))])
		}
		return picked
	}
	trusts := []chain.Trust{public, public, private, none}

	seen := map[Kind]int{}
	written, tooLong := 0, 0
	for i := range 3000 {
		var hosts []chain.Host
		roles := [][]string{{both}, {discovery, jwks}}[random.IntN(2)]
		for h, role := range roles {
			host := chain.Host{Name: []string{"id.test", "keys.cdn.test"}[h], Role: role, TLS13: true, TLS12: random.IntN(3) > 0, Attempts: 6}
			for range random.IntN(4) {
				c := chain.Chain{Certificates: certificates[random.IntN(len(certificates))], Samples: 1 + random.IntN(5), Trust: trusts[random.IntN(len(trusts))]}
				if !slices.ContainsFunc(host.Chains, func(seen chain.Chain) bool { return seen.Key() == c.Key() }) {
					host.Chains = append(host.Chains, c)
				}
			}
			if len(host.Chains) == 0 && random.IntN(4) > 0 {
				host.Chains = []chain.Chain{{Certificates: certificates[0], Samples: 1, Trust: public}}
			}
			hosts = append(hosts, host)
		}
		in := Input{
			Configured:    pick(random.IntN(7)),
			Keep:          pick(random.IntN(3)),
			AllowLeafPin:  random.IntN(2) == 0,
			Hosts:         hosts,
			Now:           now,
			ExpiryWarning: warning,
		}

		d := Decide(in)
		checkProperties(t, i, in, d)
		seen[d.Verdict]++
		if d.ShouldWrite() {
			written++
		}
		if len(d.Proposed) > MaxThumbprints {
			tooLong++
		}
		if again := Decide(reordered(in)); !reflect.DeepEqual(again, d) {
			t.Fatalf("scenario %d: Decide(reordered) = %+v, want %+v", i, again, d)
		}
	}

	// The generator must reach every verdict, or the checks above prove little.
	t.Logf("verdicts %v, %d lists to write, %d lists too long", seen, written, tooLong)
	for _, kind := range []Kind{OK, Mismatch, Refused, Unreachable} {
		if seen[kind] == 0 {
			t.Errorf("no generated scenario has verdict %q", kind)
		}
	}
	if written == 0 || tooLong == 0 {
		t.Errorf("generated %d lists to write and %d lists too long, want some of each", written, tooLong)
	}
}

func checkProperties(t *testing.T, scenario int, in Input, d Decision) {
	t.Helper()
	if d.Proposed != nil && len(d.Proposed) == 0 {
		t.Fatalf("scenario %d: Decide().Proposed is empty but not nil", scenario)
	}
	if d.ShouldWrite() && len(d.Proposed) > MaxThumbprints {
		t.Fatalf("scenario %d: Decide().Proposed has %d entries to write, want at most %d", scenario, len(d.Proposed), MaxThumbprints)
	}
	if d.Verdict == Unreachable && (d.Proposed != nil || d.Severity != "") {
		t.Fatalf("scenario %d: unreachable decision has Proposed %q and Severity %q, want neither", scenario, d.Proposed, d.Severity)
	}
	if d.Verdict == Mismatch && d.Severity == "" {
		t.Fatalf("scenario %d: mismatch decision has no severity", scenario)
	}
	if d.Verdict == OK && d.Severity != "" {
		t.Fatalf("scenario %d: ok decision has Severity %q, want none", scenario, d.Severity)
	}
	if !slices.IsSortedFunc(d.Findings, func(a, b finding.Finding) int {
		return strings.Compare(string(a.Code)+"\x00"+a.Message, string(b.Code)+"\x00"+b.Message)
	}) {
		t.Fatalf("scenario %d: findings are not sorted: %v", scenario, d.Findings)
	}

	allowed := map[string]bool{}
	for _, raw := range slices.Concat(in.Configured, in.Keep) {
		if value, err := thumbprint.Normalize(raw); err == nil {
			allowed[value] = true
		}
	}
	for _, host := range in.Hosts {
		for _, c := range host.Chains {
			if !verified(c) {
				continue
			}
			for _, cert := range c.Certificates {
				allowed[cert.Thumbprint] = true
			}
		}
	}
	for _, value := range d.Proposed {
		if normalized, err := thumbprint.Normalize(value); err != nil || normalized != value {
			t.Fatalf("scenario %d: proposed %q is not a normalised thumbprint", scenario, value)
		}
		if !allowed[value] {
			t.Fatalf("scenario %d: proposed %q is neither configured, kept nor sent in a verified chain", scenario, value)
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(d.Proposed)))) != len(d.Proposed) {
		t.Fatalf("scenario %d: Decide().Proposed %q has duplicates", scenario, d.Proposed)
	}
}

func describeAll(certs ...*x509.Certificate) []chain.Certificate {
	described := make([]chain.Certificate, len(certs))
	for i, cert := range certs {
		described[i] = chain.Describe(cert)
	}
	return described
}
