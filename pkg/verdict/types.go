package verdict

import (
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
)

// Kind is the one verdict a provider gets per sweep.
type Kind string

// Verdicts. Decide returns OK, Mismatch, Unreachable or Refused; package sweep turns
// a decision with a proposed list into Updated or WouldUpdate and sets Skipped.
const (
	OK          Kind = "ok"
	Mismatch    Kind = "mismatch"
	Updated     Kind = "updated"
	WouldUpdate Kind = "would-update"
	Unreachable Kind = "unreachable"
	Refused     Kind = "refused"
	Skipped     Kind = "skipped"
)

// Severity grades a mismatch. It is empty unless some observed chain has no matching
// configured thumbprint.
type Severity string

const (
	// Critical: AWS relies on the thumbprint (private CA, TLS 1.3 only), so token
	// exchanges fail now.
	Critical Severity = "critical"
	// Advisory: AWS validates the chain against its trusted root CAs first, so only
	// the fallback path is broken.
	Advisory Severity = "advisory"
)

// MaxThumbprints is the most entries IAM accepts in a provider's thumbprint list.
const MaxThumbprints = 5

// Input is everything Decide needs about one provider.
type Input struct {
	// ProviderURL is the URL as IAM stores it, without "https://".
	ProviderURL string
	// Configured is the ThumbprintList exactly as GetOpenIDConnectProvider returned it.
	Configured []string
	// Keep lists entries the operator marked to keep; they are never dropped.
	Keep []string
	// AllowLeafPin lets Decide propose a leaf thumbprint for a server that sends only
	// its leaf certificate. Off by default because a leaf pin breaks at renewal.
	AllowLeafPin bool
	// DiscoveryError is set when the discovery document could not be fetched or
	// read; the verdict is then Unreachable and nothing is proposed.
	DiscoveryError string
	// DiscoveryFindings are findings from reading the discovery document.
	DiscoveryFindings []finding.Finding
	// Hosts holds the observation of the discovery host and of the jwks_uri host,
	// one entry when both are the same host.
	Hosts []chain.Host
	// Now is the time used for expiry warnings.
	Now time.Time
	// ExpiryWarning is how long before a top certificate expires that a warning is
	// reported. Zero disables the warning.
	ExpiryWarning time.Duration
}

// Decision is the outcome of Decide.
type Decision struct {
	Verdict  Kind
	Severity Severity
	// Reason explains in one sentence why the verdict and severity were chosen.
	Reason   string
	Findings []finding.Finding
	// Proposed is the complete list that would fix the provider, lowercase, in a
	// deterministic order, or nil when the stored list needs no change. A Refused
	// decision may carry it for the report; ShouldWrite reports whether to write it.
	Proposed []string
	// Matched and Chains count the observed chains that contain a configured
	// thumbprint, and all observed chains.
	Matched int
	Chains  int
}

// ShouldWrite reports whether the sweep should write Proposed to IAM.
func (d Decision) ShouldWrite() bool {
	return d.Proposed != nil && (d.Verdict == OK || d.Verdict == Mismatch)
}
