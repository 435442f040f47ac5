package verdict

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
)

// dateLayout formats the dates in findings.
const dateLayout = "2006-01-02"

// entryFindings reports configured entries that match no sent certificate or only a
// leaf certificate.
func entryFindings(e entries, obs observed) []finding.Finding {
	var findings []finding.Finding
	for _, value := range e.valid {
		switch {
		case obs.stale(value):
			message := fmt.Sprintf("entry %s matches no certificate served by the discovery or JWKS host", value)
			if e.kept(value) {
				message += ", but it stays because the operator marked it to keep"
			}
			findings = append(findings, finding.Finding{Code: finding.StaleEntry, Message: message})
		case obs.leafPin(value):
			findings = append(findings, finding.Finding{
				Code: finding.LeafPinned,
				Message: fmt.Sprintf("entry %s matches only %s, so it stops matching when that certificate is renewed",
					value, obs.byThumbprint[value][0].describe()),
			})
		}
	}
	return findings
}

// hostFindings reports what the handshakes with each host showed, apart from the
// configured list: protocol versions, distinct chains, interception and verification.
func hostFindings(hosts []chain.Host, judged []judgedChain) []finding.Finding {
	var findings []finding.Finding
	for _, host := range hosts {
		if tls13Only(host) {
			findings = append(findings, finding.Finding{
				Code:    finding.TLS13Only,
				Message: fmt.Sprintf("host %s accepts only TLS 1.3, so AWS relies on the thumbprint instead of its trusted root CAs", host.Name),
			})
		}

		if len(host.Chains) > 1 {
			findings = append(findings, multipleChainsFinding(host, judged))
		}

		if interception(host) {
			findings = append(findings, interceptionFinding(host))
			continue
		}
		for _, c := range host.Chains {
			if verified(c) {
				continue
			}
			findings = append(findings, finding.Finding{
				Code: finding.ChainUnverified,
				Message: fmt.Sprintf("host %s: the chain ending at %q (%d samples) failed verification, so no thumbprint is computed from it: %s",
					host.Name, c.Top().Subject, c.Samples, cmp.Or(c.VerifyError, "no verification result")),
			})
			if len(c.Certificates) == 1 && !c.Top().IsCA && !c.Top().SelfSigned {
				// A leaf sent alone verifies only when its issuer is a trusted root.
				// Issued by an intermediate, it fails whatever the CA bundle holds, and
				// the fix is on the server.
				findings = append(findings, finding.Finding{
					Code: finding.LeafOnlyChain,
					Message: fmt.Sprintf("host %s sends only its leaf certificate %q, issued by %q, which is not sent: serve the full chain including the intermediate CA certificates",
						host.Name, c.Top().Subject, c.Top().Issuer),
				})
			}
		}
	}
	return findings
}

func multipleChainsFinding(host chain.Host, judged []judgedChain) finding.Finding {
	samples := make([]string, len(host.Chains))
	for i, c := range host.Chains {
		samples[i] = strconv.Itoa(c.Samples)
	}
	matched := 0
	for _, j := range judged {
		if j.host.Name == host.Name && j.host.Role == host.Role && j.matched() {
			matched++
		}
	}
	return finding.Finding{
		Code: finding.MultipleChains,
		Message: fmt.Sprintf("host %s sent %d distinct chains (%s samples), and the configured list matches %d of %d chains",
			host.Name, len(host.Chains), strings.Join(samples, ", "), matched, len(host.Chains)),
	}
}

func interceptionFinding(host chain.Host) finding.Finding {
	var failedSamples, verifiedSamples int
	var verifyError string
	for _, c := range host.Chains {
		if verified(c) {
			verifiedSamples += c.Samples
			continue
		}
		failedSamples += c.Samples
		if verifyError == "" {
			verifyError = c.VerifyError
		}
	}
	return finding.Finding{
		Code: finding.InterceptionSuspected,
		Message: fmt.Sprintf("host %s: %d of %d samples received a chain that failed verification (%s) while %d received a verified chain, which suggests a TLS-intercepting proxy, so nothing is written",
			host.Name, failedSamples, failedSamples+verifiedSamples, cmp.Or(verifyError, "no verification result"), verifiedSamples),
	}
}

// chainFindings reports, per verified chain, a server that sends only its leaf, a
// discovery host whose chain no entry matches, and certificates near or past expiry.
func chainFindings(judged []judgedChain, allowLeafPin bool, now time.Time, warning time.Duration) []finding.Finding {
	var findings []finding.Finding
	for _, j := range judged {
		if !j.verified {
			continue
		}

		if j.leafOnly {
			message := fmt.Sprintf("host %s sends only its leaf certificate %q: serve the full chain including the CA certificate, so that a CA thumbprint can be configured",
				j.host.Name, j.chain.Certificates[0].Subject)
			if !allowLeafPin {
				message += ". A leaf thumbprint is proposed only when leaf pins are allowed, because it changes at every renewal"
			}
			findings = append(findings, finding.Finding{Code: finding.LeafOnlyChain, Message: message})
		}

		if j.host.Role == roleDiscovery && !j.matched() {
			findings = append(findings, finding.Finding{
				Code:    finding.DiscoveryHostUnpinned,
				Message: fmt.Sprintf("discovery host %s is not the JWKS host and no configured entry matches its chain, but both hosts' chains need a thumbprint", j.host.Name),
			})
		}

		findings = append(findings, expiryFindings(j, now, warning)...)
	}
	return findings
}

// expiryFindings warns about the chain's pin certificate and its top certificate when
// they expire within the warning window, and about the top certificate's issuer when
// it has expired. Each means that the server's chain, and the thumbprint it needs,
// is likely to change soon.
func expiryFindings(j judgedChain, now time.Time, warning time.Duration) []finding.Finding {
	var findings []finding.Finding
	if warning > 0 {
		var checked []string
		for _, cert := range []chain.Certificate{j.pin, j.chain.Top()} {
			if cert.Thumbprint == "" || slices.Contains(checked, cert.Thumbprint) {
				continue
			}
			checked = append(checked, cert.Thumbprint)

			if cert.NotAfter.After(now) && !cert.NotAfter.After(now.Add(warning)) {
				findings = append(findings, finding.Finding{
					Code: finding.ExpiringSoon,
					Message: fmt.Sprintf("host %s: certificate %q (thumbprint %s) expires on %s, within the %s warning window, so the chain and its thumbprint are likely to change",
						j.host.Name, cert.Subject, cert.Thumbprint, cert.NotAfter.UTC().Format(dateLayout), formatWindow(warning)),
				})
			}
		}
	}

	issuerExpiry := j.chain.TopIssuerNotAfter
	if !issuerExpiry.IsZero() && issuerExpiry.Before(now) {
		findings = append(findings, finding.Finding{
			Code: finding.IssuerExpired,
			Message: fmt.Sprintf("host %s: the issuer of the top certificate %q expired on %s, so the server is likely to change its chain",
				j.host.Name, j.chain.Top().Subject, issuerExpiry.UTC().Format(dateLayout)),
		})
	}
	return findings
}

// formatWindow writes a warning window in whole days when it is one, such as "30-day".
func formatWindow(d time.Duration) string {
	const day = 24 * time.Hour
	if d%day == 0 {
		return fmt.Sprintf("%d-day", d/day)
	}
	return d.String()
}

// sortFindings orders findings by code and then message and removes exact duplicates,
// so that the same observations always give the same output.
func sortFindings(findings []finding.Finding) []finding.Finding {
	slices.SortFunc(findings, func(a, b finding.Finding) int {
		return cmp.Or(cmp.Compare(a.Code, b.Code), strings.Compare(a.Message, b.Message))
	})
	return slices.Compact(findings)
}
