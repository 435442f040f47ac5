package verdict

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
)

// Decide judges a provider's stored thumbprint list against what the TLS handshakes
// observed, grades any mismatch and proposes the complete list to write.
//
// The verdict is one of:
//   - Unreachable when discovery failed or a host completed no handshake. Nothing is
//     known about the list, so there is no severity and no proposal.
//   - Refused when a change cannot be computed or written safely. That happens when
//     discovery failed and an observed chain fails verification, when a host's
//     samples disagree and one chain fails verification (probable interception), when
//     a chain that no entry matches failed verification, or when the needed values do
//     not fit in MaxThumbprints entries. Severity is set when a verified chain is
//     mismatched. Proposed is set only for the last case, to show the list that would
//     be needed.
//   - Mismatch, with a severity, when a verified chain contains no configured
//     thumbprint. Proposed is nil when no value can be taken from the mismatched
//     chains, as for a server that sends only its leaf while leaf pins are not allowed.
//   - OK otherwise. Proposed is set when a chain matches only through a leaf pin and
//     its CA value is added.
//
// Matched and Chains count verified chains only.
func Decide(in Input) Decision {
	hosts := sortHosts(in.Hosts)
	obs := indexCertificates(hosts)
	e := readEntries(in.Configured, in.Keep, obs)

	if d, ok := decideUnreachable(in, hosts, e); ok {
		return d
	}

	judged := judgeChains(hosts, e, in.AllowLeafPin)
	d := Decision{}
	d.Findings = append(d.Findings, e.findings...)
	d.Findings = append(d.Findings, in.DiscoveryFindings...)
	d.Findings = append(d.Findings, entryFindings(e, obs)...)
	d.Findings = append(d.Findings, hostFindings(hosts, judged)...)
	d.Findings = append(d.Findings, chainFindings(judged, in.AllowLeafPin, in.Now, in.ExpiryWarning)...)

	var mismatched []judgedChain
	var needed []string
	for _, j := range judged {
		if !j.verified {
			continue
		}
		d.Chains++
		if j.matched() {
			d.Matched++
		} else {
			mismatched = append(mismatched, j)
		}
		if j.needsPin() {
			needed = append(needed, j.pin.Thumbprint)
		}
	}
	if len(mismatched) > 0 {
		d.Severity, d.Reason = severityOf(mismatched)
	}

	decideList(&d, in, hosts, judged, e, obs, mismatched, needed)
	d.Findings = sortFindings(d.Findings)
	return d
}

// decideList sets the verdict and the proposed list of a provider whose hosts were all
// reached.
func decideList(d *Decision, in Input, hosts []chain.Host, judged []judgedChain, e entries, obs observed, mismatched []judgedChain, needed []string) {
	for _, host := range hosts {
		if interception(host) {
			d.Verdict = Refused
			d.Reason = fmt.Sprintf("host %s sent distinct chains and one of them failed verification, which suggests TLS interception, so nothing is written and the stored list stays", host.Name)
			return
		}
	}
	for _, j := range judged {
		if !j.verified && !j.matched() {
			d.Verdict = Refused
			d.Reason = fmt.Sprintf("no configured thumbprint matches the chain of %s, but that chain failed verification, so no value is computed from it and nothing is written", j.host.Name)
			return
		}
	}

	if len(needed) == 0 {
		if len(mismatched) > 0 {
			// Only leaf-only chains without an allowed leaf pin are left, so there is
			// nothing to propose.
			d.Verdict = Mismatch
			d.Reason += ". No thumbprint can be proposed until the server sends its CA certificate"
			return
		}
		d.Verdict = OK
		d.Reason = okReason(judged)
		return
	}

	list, fits := proposeList(e, obs, needed)
	if !fits {
		d.Verdict = Refused
		d.Proposed = list
		d.Reason = fmt.Sprintf("the provider needs %d thumbprints but IAM accepts at most %d, so nothing is written", len(list), MaxThumbprints)
		d.Findings = append(d.Findings, finding.Finding{
			Code: finding.ListTooLong,
			Message: fmt.Sprintf("the list needs %d entries, but IAM accepts at most %d: remove keep entries that are no longer needed, or make the hosts serve fewer distinct chains",
				len(list), MaxThumbprints),
		})
		return
	}

	// Never propose an empty list, and propose nothing when the stored list is
	// already the list to write.
	if len(list) > 0 && !slices.Equal(list, in.Configured) {
		d.Proposed = list
	}
	if len(mismatched) > 0 {
		d.Verdict = Mismatch
		return
	}
	d.Verdict = OK
	d.Reason = okReason(judged)
	if d.Proposed != nil {
		d.Reason = "every observed chain contains a configured thumbprint, but some match only through a leaf certificate, which breaks at the next renewal, so the CA thumbprint is added"
	}
}

func okReason(judged []judgedChain) string {
	for _, j := range judged {
		if !j.verified {
			return "every observed chain contains a configured thumbprint, but some chains failed verification"
		}
	}
	for _, j := range judged {
		if !j.matchesCA {
			return "every observed chain contains a configured thumbprint, but some match only through a leaf certificate, which breaks at the next renewal"
		}
	}
	return "every observed chain contains a configured thumbprint"
}

// decideUnreachable returns an Unreachable decision when discovery failed or a host
// completed no handshake. When discovery failed and an observed chain fails
// verification, it returns the Refused decision of decideUnverifiedDiscovery instead.
// It keeps the findings about malformed entries and placeholders, which need no
// observation, and the discovery findings.
func decideUnreachable(in Input, hosts []chain.Host, e entries) (Decision, bool) {
	var failures []finding.Finding
	var reason string
	switch {
	case in.DiscoveryError != "" && unverifiedChain(hosts) != nil:
		return decideUnverifiedDiscovery(in, hosts, e), true
	case in.DiscoveryError != "":
		failures = append(failures, finding.Finding{Code: finding.DiscoveryFailed, Message: "discovery failed: " + in.DiscoveryError})
		reason = "the discovery document could not be read, so the thumbprints the provider needs cannot be computed"
	case len(hosts) == 0:
		failures = append(failures, finding.Finding{Code: finding.HandshakeFailed, Message: "no discovery or JWKS host was probed"})
		reason = "no host was observed, so the thumbprints the provider needs cannot be computed"
	default:
		for _, host := range hosts {
			if len(host.Chains) > 0 {
				continue
			}
			failures = append(failures, finding.Finding{
				Code: finding.HandshakeFailed,
				Message: fmt.Sprintf("no TLS handshake with %s completed (%d attempts): %s",
					host.Name, host.Attempts, cmp.Or(host.Error, "no error recorded")),
			})
			if reason == "" {
				reason = fmt.Sprintf("no TLS handshake with %s completed, so the thumbprints the provider needs cannot be computed", host.Name)
			}
		}
	}
	if len(failures) == 0 {
		return Decision{}, false
	}

	findings := append(failures, e.findings...)
	findings = append(findings, in.DiscoveryFindings...)
	return Decision{Verdict: Unreachable, Reason: reason, Findings: sortFindings(findings)}, true
}

// unverifiedChain returns the first chain that failed verification, or nil.
func unverifiedChain(hosts []chain.Host) *chain.Chain {
	for _, host := range hosts {
		for i, c := range host.Chains {
			if c.Trust == chain.TrustNone {
				return &host.Chains[i]
			}
		}
	}
	return nil
}

// decideUnverifiedDiscovery refuses a provider whose discovery host serves a chain that
// fails verification. The discovery document could not be trusted, so the JWKS host is
// unknown and nothing can be computed. The observed chain is still reported, because
// it shows the operator what the host serves (an interception proxy, a missing CA in
// the bundle, an expired certificate).
func decideUnverifiedDiscovery(in Input, hosts []chain.Host, e entries) Decision {
	c := unverifiedChain(hosts)
	top := c.Top()
	findings := []finding.Finding{
		{Code: finding.DiscoveryFailed, Message: "discovery failed: " + in.DiscoveryError},
		{Code: finding.ChainUnverified, Message: fmt.Sprintf(
			"the discovery host sends a chain ending at %q (thumbprint %s) that does not verify: %s. If the issuer uses a private CA, add that CA to the CA bundle",
			top.Subject, top.Thumbprint, cmp.Or(c.VerifyError, "unknown reason"))},
	}
	findings = append(findings, e.findings...)
	findings = append(findings, in.DiscoveryFindings...)
	return Decision{
		Verdict:  Refused,
		Reason:   "the issuer's certificate chain does not verify, so its discovery document was not trusted; nothing was computed or written",
		Findings: sortFindings(findings),
	}
}
