package verdict

import (
	"errors"
	"fmt"
	"slices"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/thumbprint"
)

// sentCertificate locates one certificate that a host sent.
type sentCertificate struct {
	host     string
	position int // 0-based, in the order the server sent it
	last     bool
	cert     chain.Certificate
}

// describe names the certificate for a message, such as `the top certificate
// "CN=Root" sent by id.example.test`.
func (s sentCertificate) describe() string {
	var label string
	switch {
	case s.last:
		label = "the top certificate"
	case s.position == 0 && !s.cert.IsCA:
		label = "the leaf certificate"
	default:
		label = fmt.Sprintf("certificate %d", s.position+1)
	}
	return fmt.Sprintf("%s %q sent by %s", label, s.cert.Subject, s.host)
}

// observed indexes every certificate that any host sent, verified or not.
type observed struct {
	byThumbprint map[string][]sentCertificate
	bySHA256     map[string]sentCertificate
}

func indexCertificates(hosts []chain.Host) observed {
	obs := observed{byThumbprint: map[string][]sentCertificate{}, bySHA256: map[string]sentCertificate{}}
	for _, host := range hosts {
		for _, c := range host.Chains {
			for i, cert := range c.Certificates {
				sent := sentCertificate{host: host.Name, position: i, last: i == len(c.Certificates)-1, cert: cert}
				obs.byThumbprint[cert.Thumbprint] = append(obs.byThumbprint[cert.Thumbprint], sent)
				if _, seen := obs.bySHA256[cert.SHA256]; !seen && cert.SHA256 != "" {
					obs.bySHA256[cert.SHA256] = sent
				}
			}
		}
	}
	return obs
}

// stale reports whether a normalised thumbprint matches no certificate that was sent.
func (o observed) stale(value string) bool {
	return len(o.byThumbprint[value]) == 0
}

// leafPin reports whether a normalised thumbprint matches certificates that were sent,
// and all of them are leaf certificates (Basic Constraints without cA).
func (o observed) leafPin(value string) bool {
	sent := o.byThumbprint[value]
	if len(sent) == 0 {
		return false
	}
	for _, s := range sent {
		if s.cert.IsCA {
			return false
		}
	}
	return true
}

// entries is the configured list and the keep list after normalisation.
type entries struct {
	// valid holds the distinct normalised entries of Configured in stored order,
	// without malformed entries and placeholders.
	valid []string
	// keep holds the distinct normalised entries of Keep in their given order.
	keep []string
	// findings reports malformed entries and placeholders.
	findings []finding.Finding
}

func (e entries) configured(value string) bool {
	return slices.Contains(e.valid, value)
}

func (e entries) kept(value string) bool {
	return slices.Contains(e.keep, value)
}

// readEntries normalises the configured and keep lists and reports each entry that
// cannot match a certificate.
func readEntries(configured, keep []string, obs observed) entries {
	var e entries
	for i, raw := range configured {
		value, err := thumbprint.Normalize(raw)
		switch {
		case err != nil:
			e.findings = append(e.findings, malformedFinding(i+1, raw, err, obs))
		case thumbprint.IsPlaceholder(value):
			e.findings = append(e.findings, finding.Finding{
				Code:    finding.Placeholder,
				Message: fmt.Sprintf("entry %d %q is a placeholder (one character repeated), not the thumbprint of a certificate", i+1, raw),
			})
		case !slices.Contains(e.valid, value):
			e.valid = append(e.valid, value)
		}
	}

	// A keep entry is written even when it is a placeholder, because the operator
	// asked for it. Only a value that IAM would reject is left out.
	for _, raw := range keep {
		value, err := thumbprint.Normalize(raw)
		if err != nil {
			e.findings = append(e.findings, finding.Finding{
				Code:    finding.Malformed,
				Message: fmt.Sprintf("keep entry %q is ignored because it is not a valid thumbprint: %v", raw, reasonOf(err)),
			})
			continue
		}
		if !slices.Contains(e.keep, value) {
			e.keep = append(e.keep, value)
		}
	}
	return e
}

// malformedFinding reports a configured entry that is not a thumbprint. A SHA-256
// fingerprint of a certificate that a host sent names that certificate and the SHA-1
// thumbprint to configure instead.
func malformedFinding(position int, raw string, err error, obs observed) finding.Finding {
	var malformed *thumbprint.MalformedError
	if errors.As(err, &malformed) && malformed.SHA256 != "" {
		if sent, ok := obs.bySHA256[malformed.SHA256]; ok {
			return finding.Finding{
				Code: finding.Malformed,
				Message: fmt.Sprintf("entry %d %q is the SHA-256 fingerprint of %s, but IAM needs its SHA-1 thumbprint %s",
					position, raw, sent.describe(), sent.cert.Thumbprint),
			}
		}
	}
	return finding.Finding{
		Code:    finding.Malformed,
		Message: fmt.Sprintf("entry %d %q is not a valid thumbprint: %s", position, raw, reasonOf(err)),
	}
}

func reasonOf(err error) string {
	var malformed *thumbprint.MalformedError
	if errors.As(err, &malformed) {
		return malformed.Reason
	}
	return err.Error()
}
