package verdict

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
)

const (
	public  = chain.TrustPublic
	private = chain.TrustPrivate
	none    = chain.TrustNone

	both      = "discovery+jwks"
	discovery = "discovery"
	jwks      = "jwks"

	placeholder = "0000000000000000000000000000000000000000"
	warning     = 30 * 24 * time.Hour
)

// keptValues match no observed certificate, and tests mark them to keep.
var keptValues = []string{
	"1111111111111111111111111111111111111112",
	"2222222222222222222222222222222222222223",
	"3333333333333333333333333333333333333334",
	"4444444444444444444444444444444444444445",
}

type decideTest struct {
	name         string
	in           Input
	wantVerdict  Kind
	wantSeverity Severity
	wantProposed []string
	// wantCodes lists the codes of all findings in the order Decide sorts them.
	wantCodes []finding.Code
	// wantMessages maps a code to text that a finding with that code must contain.
	wantMessages map[finding.Code][]string
}

func decideTests(t *testing.T) []decideTest {
	t.Helper()
	p := newPKI(t)

	publicHost := func(chains ...chain.Chain) []chain.Host {
		return []chain.Host{observedHost("id.example.test", both, bothVersions, chains...)}
	}
	input := func(configured []string, hosts []chain.Host) Input {
		return Input{ProviderURL: "id.example.test", Configured: configured, Hosts: hosts, Now: now, ExpiryWarning: warning}
	}
	withKeep := func(in Input, keep ...string) Input {
		in.Keep = keep
		return in
	}
	withLeafPin := func(in Input) Input {
		in.AllowLeafPin = true
		return in
	}
	upperWithColons := func(value string) string {
		var pairs []string
		for i := 0; i < len(value); i += 2 {
			pairs = append(pairs, strings.ToUpper(value[i:i+2]))
		}
		return strings.Join(pairs, ":")
	}
	expired := sent(none, 4, p.l1, p.i1.cert, p.x)
	expired.VerifyError = "x509: certificate has expired or is not yet valid: current time 2026-03-01T12:00:00Z is after 2026-02-28T00:00:00Z"
	issuerExpired := sent(public, 4, p.l1, p.i1.cert)
	issuerExpired.TopIssuerNotAfter = now.Add(-24 * time.Hour)
	twoHosts := func(discoveryChain, jwksChain chain.Chain) []chain.Host {
		return []chain.Host{
			observedHost("id.test", discovery, bothVersions, discoveryChain),
			observedHost("keys.cdn.test", jwks, bothVersions, jwksChain),
		}
	}
	backEnds := publicHost(sent(public, 3, p.la, p.ia.cert, p.ra.cert), sent(public, 2, p.lb, p.ib.cert, p.rb.cert))

	return []decideTest{
		{
			name:         "leaf pinned before renewal",
			in:           input([]string{tp(p.l1)}, publicHost(sent(public, 4, p.l1, p.i1.cert, p.x))),
			wantVerdict:  OK,
			wantProposed: []string{tp(p.l1), tp(p.x)},
			wantCodes:    []finding.Code{finding.LeafPinned},
			wantMessages: map[finding.Code][]string{finding.LeafPinned: {tp(p.l1), "leaf certificate", "renewed"}},
		},
		{
			name:         "leaf pinned after renewal",
			in:           input([]string{tp(p.l1)}, publicHost(sent(public, 4, p.l2, p.i1.cert, p.x))),
			wantVerdict:  Mismatch,
			wantSeverity: Advisory,
			wantProposed: []string{tp(p.x)},
			wantCodes:    []finding.Code{finding.StaleEntry},
		},
		{
			name:         "trust store root configured",
			in:           input([]string{tp(p.r0.cert)}, publicHost(sent(public, 4, p.l1, p.i1.cert, p.x))),
			wantVerdict:  Mismatch,
			wantSeverity: Advisory,
			wantProposed: []string{tp(p.x)},
			wantCodes:    []finding.Code{finding.StaleEntry},
			wantMessages: map[finding.Code][]string{finding.StaleEntry: {tp(p.r0.cert), "matches no certificate served by the discovery or JWKS host"}},
		},
		{
			name:         "value from another host",
			in:           input([]string{tp(p.i1.cert), tp(p.iw.cert)}, publicHost(sent(public, 4, p.l1, p.i1.cert, p.r1.cert))),
			wantVerdict:  OK,
			wantCodes:    []finding.Code{finding.StaleEntry},
			wantMessages: map[finding.Code][]string{finding.StaleEntry: {tp(p.iw.cert)}},
		},
		{
			name:         "SHA-256 instead of SHA-1",
			in:           input([]string{sha256Hex(p.x), upperWithColons(tp(p.x))}, publicHost(sent(public, 4, p.l1, p.i1.cert, p.x))),
			wantVerdict:  OK,
			wantCodes:    []finding.Code{finding.Malformed},
			wantMessages: map[finding.Code][]string{finding.Malformed: {"entry 1", "SHA-256 fingerprint of the top certificate", "SHA-1 thumbprint " + tp(p.x)}},
		},
		{
			name:         "SHA-256 of no observed certificate",
			in:           input([]string{sha256Hex(p.iw.cert), tp(p.x)}, publicHost(sent(public, 4, p.l1, p.i1.cert, p.x))),
			wantVerdict:  OK,
			wantCodes:    []finding.Code{finding.Malformed},
			wantMessages: map[finding.Code][]string{finding.Malformed: {"looks like a SHA-256 fingerprint"}},
		},
		{
			name:         "two back-ends",
			in:           input([]string{tp(p.ia.cert)}, backEnds),
			wantVerdict:  Mismatch,
			wantSeverity: Advisory,
			wantProposed: []string{tp(p.ia.cert), tp(p.ib.cert)},
			wantCodes:    []finding.Code{finding.MultipleChains},
			wantMessages: map[finding.Code][]string{finding.MultipleChains: {"2 distinct chains (3, 2 samples)", "matches 1 of 2 chains"}},
		},
		{
			name:         "interception",
			in:           input([]string{tp(p.x)}, publicHost(sent(public, 3, p.l1, p.i1.cert, p.x), sent(none, 2, p.lm, p.rm.cert))),
			wantVerdict:  Refused,
			wantCodes:    []finding.Code{finding.InterceptionSuspected, finding.MultipleChains},
			wantMessages: map[finding.Code][]string{finding.InterceptionSuspected: {"2 of 5 samples", "unknown authority", "3 received a verified chain"}},
		},
		{
			name:         "cross-sign dropped public",
			in:           input([]string{tp(p.x)}, publicHost(sent(public, 4, p.l1, p.i1.cert))),
			wantVerdict:  Mismatch,
			wantSeverity: Advisory,
			wantProposed: []string{tp(p.i1.cert)},
			wantCodes:    []finding.Code{finding.StaleEntry},
		},
		{
			name:         "cross-sign dropped private",
			in:           input([]string{tp(p.x)}, publicHost(sent(private, 4, p.l1, p.i1.cert))),
			wantVerdict:  Mismatch,
			wantSeverity: Critical,
			wantProposed: []string{tp(p.i1.cert)},
			wantCodes:    []finding.Code{finding.StaleEntry},
		},
		{
			name:         "cross-sign dropped TLS 1.3 only",
			in:           input([]string{tp(p.x)}, []chain.Host{observedHost("id.example.test", both, onlyTLS13, sent(public, 4, p.l1, p.i1.cert))}),
			wantVerdict:  Mismatch,
			wantSeverity: Critical,
			wantProposed: []string{tp(p.i1.cert)},
			wantCodes:    []finding.Code{finding.StaleEntry, finding.TLS13Only},
		},
		{
			name:         "intermediate expiring soon",
			in:           input([]string{tp(p.iExpiring.cert)}, publicHost(sent(public, 4, p.lExpiring, p.iExpiring.cert, p.r1.cert))),
			wantVerdict:  OK,
			wantCodes:    []finding.Code{finding.ExpiringSoon},
			wantMessages: map[finding.Code][]string{finding.ExpiringSoon: {"Expiring Intermediate", "expires on 2026-03-11", "30-day"}},
		},
		{
			name:         "expired chain",
			in:           input([]string{tp(p.iw.cert)}, publicHost(expired)),
			wantVerdict:  Refused,
			wantCodes:    []finding.Code{finding.ChainUnverified, finding.StaleEntry},
			wantMessages: map[finding.Code][]string{finding.ChainUnverified: {"certificate has expired"}},
		},
		{
			name:        "unverified chain matched",
			in:          input([]string{tp(p.x)}, publicHost(expired)),
			wantVerdict: OK,
			wantCodes:   []finding.Code{finding.ChainUnverified},
		},
		{
			name:         "issuer expired",
			in:           input([]string{tp(p.i1.cert)}, publicHost(issuerExpired)),
			wantVerdict:  OK,
			wantCodes:    []finding.Code{finding.IssuerExpired},
			wantMessages: map[finding.Code][]string{finding.IssuerExpired: {"expired on 2026-02-28"}},
		},
		{
			name:         "private leaf only",
			in:           input([]string{tp(p.rp.cert)}, publicHost(sent(private, 4, p.lp))),
			wantVerdict:  Mismatch,
			wantSeverity: Critical,
			wantCodes:    []finding.Code{finding.LeafOnlyChain, finding.StaleEntry},
			wantMessages: map[finding.Code][]string{finding.LeafOnlyChain: {"serve the full chain including the CA certificate"}},
		},
		{
			name:         "private leaf only with leaf pins allowed",
			in:           withLeafPin(input([]string{tp(p.rp.cert)}, publicHost(sent(private, 4, p.lp)))),
			wantVerdict:  Mismatch,
			wantSeverity: Critical,
			wantProposed: []string{tp(p.lp)},
			wantCodes:    []finding.Code{finding.LeafOnlyChain, finding.StaleEntry},
		},
		{
			name:        "private leaf and root",
			in:          input([]string{tp(p.rp.cert)}, publicHost(sent(private, 4, p.lp, p.rp.cert))),
			wantVerdict: OK,
		},
		{
			name:         "discovery failure",
			in:           Input{ProviderURL: "id.example.test", Configured: []string{tp(p.x)}, DiscoveryError: "GET https://id.example.test/.well-known/openid-configuration: redirect to another host", Now: now},
			wantVerdict:  Unreachable,
			wantCodes:    []finding.Code{finding.DiscoveryFailed},
			wantMessages: map[finding.Code][]string{finding.DiscoveryFailed: {"redirect to another host"}},
		},
		{
			name:        "leaf sent alone without its intermediate",
			in:          input([]string{tp(p.i1.cert)}, publicHost(sent(none, 3, p.l1))),
			wantVerdict: Refused,
			wantCodes:   []finding.Code{finding.ChainUnverified, finding.LeafOnlyChain, finding.StaleEntry},
			wantMessages: map[finding.Code][]string{
				finding.LeafOnlyChain: {"sends only its leaf certificate", "serve the full chain"},
			},
		},
		{
			name: "discovery refused by an unverified chain",
			in: Input{
				ProviderURL: "id.example.test", Configured: []string{tp(p.x)}, Now: now,
				DiscoveryError: "GET https://id.example.test/.well-known/openid-configuration: x509: certificate signed by unknown authority",
				Hosts:          []chain.Host{observedHost("id.example.test", discovery, bothVersions, sent(none, 3, p.l1, p.i1.cert))},
			},
			wantVerdict: Refused,
			wantCodes:   []finding.Code{finding.ChainUnverified, finding.DiscoveryFailed},
			wantMessages: map[finding.Code][]string{
				finding.ChainUnverified: {tp(p.i1.cert), "CA bundle"},
				finding.DiscoveryFailed: {"unknown authority"},
			},
		},
		{
			name: "handshake failure",
			in: input([]string{tp(p.x)}, []chain.Host{
				{Name: "id.example.test", Role: both, Attempts: 6, Failures: 6, Error: "read tcp 127.0.0.1:443: connection reset by peer"},
			}),
			wantVerdict:  Unreachable,
			wantCodes:    []finding.Code{finding.HandshakeFailed},
			wantMessages: map[finding.Code][]string{finding.HandshakeFailed: {"id.example.test", "connection reset by peer"}},
		},
		{
			name: "JWKS host unreachable",
			in: input([]string{placeholder}, []chain.Host{
				observedHost("id.test", discovery, bothVersions, sent(public, 4, p.li, p.ii.cert, p.ri.cert)),
				{Name: "keys.cdn.test", Role: jwks, Attempts: 6, Failures: 6, Error: "i/o timeout"},
			}),
			wantVerdict: Unreachable,
			wantCodes:   []finding.Code{finding.HandshakeFailed, finding.Placeholder},
		},
		{
			name:         "keys on another host",
			in:           input([]string{tp(p.ii.cert)}, twoHosts(sent(public, 4, p.li, p.ii.cert, p.ri.cert), sent(public, 4, p.lk, p.ik.cert, p.rk.cert))),
			wantVerdict:  Mismatch,
			wantSeverity: Advisory,
			wantProposed: []string{tp(p.ii.cert), tp(p.ik.cert)},
		},
		{
			name:         "discovery host unpinned",
			in:           input([]string{tp(p.ik.cert)}, twoHosts(sent(public, 4, p.li, p.ii.cert, p.ri.cert), sent(public, 4, p.lk, p.ik.cert, p.rk.cert))),
			wantVerdict:  Mismatch,
			wantSeverity: Advisory,
			wantProposed: []string{tp(p.ik.cert), tp(p.ii.cert)},
			wantCodes:    []finding.Code{finding.DiscoveryHostUnpinned},
			wantMessages: map[finding.Code][]string{finding.DiscoveryHostUnpinned: {"id.test"}},
		},
		{
			name:         "more than five drops leaf pin",
			in:           withKeep(input([]string{tp(p.la), keptValues[0], keptValues[1], keptValues[2], tp(p.ib.cert)}, backEnds), keptValues[:3]...),
			wantVerdict:  OK,
			wantProposed: []string{keptValues[0], keptValues[1], keptValues[2], tp(p.ib.cert), tp(p.ia.cert)},
			wantCodes:    []finding.Code{finding.LeafPinned, finding.MultipleChains, finding.StaleEntry, finding.StaleEntry, finding.StaleEntry},
		},
		{
			name:         "more than five still too long",
			in:           withKeep(input([]string{keptValues[0], keptValues[1], keptValues[2], keptValues[3], tp(p.ib.cert)}, backEnds), keptValues...),
			wantVerdict:  Refused,
			wantSeverity: Advisory,
			wantProposed: []string{keptValues[0], keptValues[1], keptValues[2], keptValues[3], tp(p.ib.cert), tp(p.ia.cert)},
			wantCodes:    []finding.Code{finding.ListTooLong, finding.MultipleChains, finding.StaleEntry, finding.StaleEntry, finding.StaleEntry, finding.StaleEntry},
			wantMessages: map[finding.Code][]string{finding.ListTooLong: {"needs 6 entries", "at most 5"}},
		},
		{
			name:         "placeholder public",
			in:           input([]string{placeholder}, publicHost(sent(public, 4, p.l1, p.i1.cert, p.x))),
			wantVerdict:  Mismatch,
			wantSeverity: Advisory,
			wantProposed: []string{tp(p.x)},
			wantCodes:    []finding.Code{finding.Placeholder},
		},
		{
			name:         "placeholder TLS 1.3 only",
			in:           input([]string{placeholder}, []chain.Host{observedHost("id.example.test", both, onlyTLS13, sent(public, 4, p.l1, p.i1.cert, p.x))}),
			wantVerdict:  Mismatch,
			wantSeverity: Critical,
			wantProposed: []string{tp(p.x)},
			wantCodes:    []finding.Code{finding.Placeholder, finding.TLS13Only},
		},
		{
			name:         "placeholder private",
			in:           input([]string{placeholder}, publicHost(sent(private, 4, p.l1, p.i1.cert, p.x))),
			wantVerdict:  Mismatch,
			wantSeverity: Critical,
			wantProposed: []string{tp(p.x)},
			wantCodes:    []finding.Code{finding.Placeholder},
		},
		{
			name:         "empty configured list",
			in:           input([]string{}, publicHost(sent(public, 4, p.l1, p.i1.cert, p.x))),
			wantVerdict:  Mismatch,
			wantSeverity: Advisory,
			wantProposed: []string{tp(p.x)},
		},
		{
			name:         "keep entry survives when stale",
			in:           withKeep(input([]string{strings.ToUpper(keptValues[0])}, publicHost(sent(public, 4, p.l1, p.i1.cert, p.x))), keptValues[0]),
			wantVerdict:  Mismatch,
			wantSeverity: Advisory,
			wantProposed: []string{keptValues[0], tp(p.x)},
			wantCodes:    []finding.Code{finding.StaleEntry},
			wantMessages: map[finding.Code][]string{finding.StaleEntry: {"operator marked it to keep"}},
		},
		{
			name:         "keep entry added when missing",
			in:           withKeep(input([]string{placeholder}, publicHost(sent(public, 4, p.l1, p.i1.cert, p.x))), keptValues[1]),
			wantVerdict:  Mismatch,
			wantSeverity: Advisory,
			wantProposed: []string{keptValues[1], tp(p.x)},
			wantCodes:    []finding.Code{finding.Placeholder},
		},
		{
			name: "discovery findings passed through",
			in: func() Input {
				in := input([]string{tp(p.x)}, publicHost(sent(public, 4, p.l1, p.i1.cert, p.x)))
				in.DiscoveryFindings = []finding.Finding{{Code: finding.IssuerMismatch, Message: "issuer has a trailing slash"}}
				return in
			}(),
			wantVerdict: OK,
			wantCodes:   []finding.Code{finding.IssuerMismatch},
		},
	}
}

func TestDecide(t *testing.T) {
	for _, tt := range decideTests(t) {
		t.Run(tt.name, func(t *testing.T) {
			got := Decide(tt.in)

			if got.Verdict != tt.wantVerdict {
				t.Errorf("Decide().Verdict = %q, want %q (reason: %s)", got.Verdict, tt.wantVerdict, got.Reason)
			}
			if got.Severity != tt.wantSeverity {
				t.Errorf("Decide().Severity = %q, want %q", got.Severity, tt.wantSeverity)
			}
			if !slices.Equal(got.Proposed, tt.wantProposed) || (got.Proposed == nil) != (tt.wantProposed == nil) {
				t.Errorf("Decide().Proposed = %q, want %q", got.Proposed, tt.wantProposed)
			}
			wantWrite := tt.wantProposed != nil && (tt.wantVerdict == OK || tt.wantVerdict == Mismatch)
			if got.ShouldWrite() != wantWrite {
				t.Errorf("Decide().ShouldWrite() = %t, want %t", got.ShouldWrite(), wantWrite)
			}
			if got.Reason == "" {
				t.Error("Decide().Reason is empty")
			}

			var codes []finding.Code
			for _, f := range got.Findings {
				codes = append(codes, f.Code)
			}
			if !slices.Equal(codes, tt.wantCodes) {
				t.Errorf("Decide() finding codes = %q, want %q\nfindings: %v", codes, tt.wantCodes, got.Findings)
			}
			for code, texts := range tt.wantMessages {
				for _, text := range texts {
					if !hasFinding(got.Findings, code, text) {
						t.Errorf("Decide() has no %s finding containing %q\nfindings: %v", code, text, got.Findings)
					}
				}
			}
		})
	}
}

func hasFinding(findings []finding.Finding, code finding.Code, text string) bool {
	for _, f := range findings {
		if f.Code == code && strings.Contains(f.Message, text) {
			return true
		}
	}
	return false
}
