package report

import (
	"fmt"
	"strings"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
)

// arnPlaceholder replaces a provider ARN that the check did not read from IAM.
const arnPlaceholder = "arn:aws:iam::ACCOUNT_ID:oidc-provider/"

// CheckText renders one check for a person who would otherwise run
// "openssl s_client -showcerts". Per host it lists each distinct chain with its sample
// count and its certificates leaf first, and marks the certificate whose thumbprint
// IAM needs. Then come the verdict, findings and lists, and the AWS CLI command that
// writes the proposed list when a change is proposed.
func CheckText(p Provider) string {
	var b strings.Builder
	writeLines(&b, wrap(p.URL, "Provider ", "  "))
	if p.ARN != "" {
		writeLines(&b, wrap(p.ARN, "ARN ", "  "))
	}
	if p.Cluster != nil {
		writeLines(&b, wrap(fmt.Sprintf("EKS cluster %s in %s", p.Cluster.Name, p.Cluster.Region), "", "  "))
	}

	configured := make(map[string]bool, len(p.Before))
	for _, t := range p.Before {
		configured[normalisedThumbprint(t)] = true
	}
	for _, h := range p.Hosts {
		b.WriteString("\n")
		writeLines(&b, hostLines(h, configured))
	}

	b.WriteString("\n")
	status := string(p.Verdict)
	if p.Severity != "" {
		status += ", " + string(p.Severity)
	}
	writeLines(&b, wrap(status+": "+p.Reason, "Verdict: ", "  "))
	if len(p.Findings) > 0 {
		b.WriteString("Findings:\n")
		for _, f := range p.Findings {
			writeLines(&b, wrap(string(f.Code)+": "+f.Message, "  - ", "    "))
		}
	}
	b.WriteString("\n")
	writeLines(&b, thumbprintLines("configured:", p.Before, p.Proposed, "removed"))
	if len(p.Proposed) > 0 {
		writeLines(&b, thumbprintLines("proposed:", p.Proposed, p.Before, "added"))
	}

	if lines := commandLines(p); lines != nil {
		b.WriteString("\n")
		writeLines(&b, lines)
	}
	return b.String()
}

func hostLines(h chain.Host, configured map[string]bool) []string {
	lines := wrap(fmt.Sprintf("%s (%s)", h.Name, h.Role), "Host ", "  ")
	if len(h.Addresses) > 0 {
		lines = append(lines, wrap(strings.Join(h.Addresses, ", "), "  addresses: ", "    ")...)
	}
	lines = append(lines, fmt.Sprintf("  TLS 1.2 %s, TLS 1.3 %s", acceptance(h.TLS12), acceptance(h.TLS13)))
	lines = append(lines, fmt.Sprintf("  handshakes: %d attempted, %d failed", h.Attempts, h.Failures))
	if h.Error != "" {
		lines = append(lines, wrap(h.Error, "  error: ", "    ")...)
	}

	for i, c := range h.Chains {
		lines = append(lines, "")
		lines = append(lines, chainLines(c, i, len(h.Chains), configured)...)
	}
	return lines
}

func chainLines(c chain.Chain, i, n int, configured map[string]bool) []string {
	lines := []string{fmt.Sprintf("  Chain %d of %d: %s, %s", i+1, n,
		plural(c.Samples, "sample", "samples"), trustText(c.Trust))}
	if c.VerifyError != "" {
		lines = append(lines, wrap(c.VerifyError, "    verification error: ", "      ")...)
	}
	if len(c.Addresses) > 0 {
		lines = append(lines, wrap(strings.Join(c.Addresses, ", "), "    from: ", "      ")...)
	}
	if len(c.TLSVersions) > 0 {
		lines = append(lines, "    over: "+strings.Join(c.TLSVersions, ", "))
	}

	pin := pinIndex(c)
	for j, cert := range c.Certificates {
		kind := "leaf"
		if cert.IsCA {
			kind = "CA"
		}
		lines = append(lines, fmt.Sprintf("    %d %s %s, expires %s", j, cert.Thumbprint, kind,
			cert.NotAfter.UTC().Format("2006-01-02")))
		lines = append(lines, wrap(cert.Subject, "      subject: ", "        ")...)
		lines = append(lines, wrap(cert.Issuer, "      issuer:  ", "        ")...)

		var marks []string
		switch {
		case j != pin:
		case c.Trust == chain.TrustNone:
			marks = append(marks, "do not pin: this chain failed verification, so no value is taken from it")
		case j == len(c.Certificates)-1:
			marks = append(marks, "IAM needs this thumbprint (last certificate sent)")
		default:
			marks = append(marks, "IAM needs this thumbprint (top intermediate CA, not the self-signed root sent after it, which servers may stop sending)")
		}
		if configured[cert.Thumbprint] {
			marks = append(marks, "configured")
		}
		if len(marks) > 0 {
			lines = append(lines, wrap(strings.Join(marks, ", "), "      => ", "         ")...)
		}
	}
	return lines
}

// pinIndex returns the position of the chain's pinned certificate, or -1 when the
// chain has no CA certificate.
func pinIndex(c chain.Chain) int {
	pin := c.Pin()
	if pin.Thumbprint == "" {
		return -1
	}
	for i := len(c.Certificates) - 1; i >= 0; i-- {
		if c.Certificates[i].Thumbprint == pin.Thumbprint {
			return i
		}
	}
	return -1
}

func trustText(t chain.Trust) string {
	switch t {
	case chain.TrustPublic:
		return "verified against the system roots"
	case chain.TrustPrivate:
		return "verified against the operator's CA bundle"
	case chain.TrustNone:
		return "failed verification"
	}
	return "trust " + clean(string(t))
}

func acceptance(ok bool) string {
	if ok {
		return "accepted"
	}
	return "rejected"
}

// commandLines returns the AWS CLI command that writes the proposed list, or nil when
// nothing should be written by hand: no proposal, a list already written, or a change
// that was refused as unsafe.
func commandLines(p Provider) []string {
	if len(p.Proposed) == 0 {
		return nil
	}
	switch p.Verdict {
	case verdict.Updated:
		return []string{"The proposed list was written to IAM."}
	case verdict.Refused:
		return wrap("The proposed list was not written because writing it is unsafe; "+
			"read the findings before changing the list by hand.", "", "")
	}

	arn := p.ARN
	lines := []string{"To write the proposed list:"}
	if arn == "" {
		arn = arnPlaceholder + p.URL
		lines = wrap("To write the proposed list, replace ACCOUNT_ID with the account "+
			"(and aws with aws-cn or aws-us-gov outside the aws partition) and run:", "", "")
	}
	thumbprints := make([]string, len(p.Proposed))
	for i, t := range p.Proposed {
		thumbprints[i] = shellQuote(t)
	}
	lines = append(lines,
		"  aws iam update-open-id-connect-provider-thumbprint \\",
		"    --open-id-connect-provider-arn "+shellQuote(arn)+" \\",
		"    --thumbprint-list \\",
	)
	for i, t := range thumbprints {
		line := "      " + t
		if i < len(thumbprints)-1 {
			line += " \\"
		}
		lines = append(lines, line)
	}
	return lines
}

// shellQuote returns s unchanged when a POSIX shell reads it as one plain word, and
// in single quotes otherwise.
func shellQuote(s string) string {
	plain := s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune(":/._-=@+,", r))
	}) < 0
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(clean(s), "'", `'\''`) + "'"
}
