package verdict

import (
	"crypto/x509"
	"strings"
	"testing"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
)

func TestPinCertificate(t *testing.T) {
	p := newPKI(t)
	tests := []struct {
		name  string
		certs []*x509.Certificate
		want  *x509.Certificate
	}{
		{name: "self-signed root sent", certs: []*x509.Certificate{p.l1, p.i1.cert, p.r1.cert}, want: p.i1.cert},
		{name: "cross-signed root sent", certs: []*x509.Certificate{p.l1, p.i1.cert, p.x}, want: p.x},
		{name: "cross-sign before self-signed twin", certs: []*x509.Certificate{p.l1, p.i1.cert, p.x, p.r1.cert}, want: p.x},
		{name: "intermediate only", certs: []*x509.Certificate{p.l1, p.i1.cert}, want: p.i1.cert},
		{name: "leaf and private root", certs: []*x509.Certificate{p.lp, p.rp.cert}, want: p.rp.cert},
		{name: "root only", certs: []*x509.Certificate{p.r1.cert}, want: p.r1.cert},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pinCertificate(sent(public, 1, tt.certs...))
			if want := chain.Describe(tt.want); got.Thumbprint != want.Thumbprint {
				t.Errorf("pinCertificate() = %q, want %q", got.Subject, want.Subject)
			}
		})
	}
}

func TestSeverityReason(t *testing.T) {
	p := newPKI(t)
	judge := func(host chain.Host) []judgedChain {
		return judgeChains([]chain.Host{host}, entries{}, false)
	}
	tests := []struct {
		name         string
		mismatched   []judgedChain
		wantSeverity Severity
		wantTexts    []string
	}{
		{
			name:         "public with TLS 1.2",
			mismatched:   judge(observedHost("id.test", both, bothVersions, sent(public, 1, p.l1, p.i1.cert))),
			wantSeverity: Advisory,
			wantTexts:    []string{"public roots", "accepts TLS 1.2", "trusted root CAs first", "only the fallback, which is broken", "approximated by the system root store"},
		},
		{
			name:         "private",
			mismatched:   judge(observedHost("id.test", both, bothVersions, sent(private, 1, p.l1, p.i1.cert))),
			wantSeverity: Critical,
			wantTexts:    []string{"trusted only through the operator CA bundle, so AWS relies on the thumbprint and token exchanges fail"},
		},
		{
			name:         "TLS 1.3 only",
			mismatched:   judge(observedHost("id.test", both, onlyTLS13, sent(public, 1, p.l1, p.i1.cert))),
			wantSeverity: Critical,
			wantTexts:    []string{"accepts only TLS 1.3"},
		},
		{
			name:         "TLS 1.2 unknown",
			mismatched:   judge(chain.Host{Name: "id.test", Role: both, Chains: []chain.Chain{sent(public, 1, p.l1, p.i1.cert)}}),
			wantSeverity: Critical,
			wantTexts:    []string{"not seen accepting TLS 1.2"},
		},
		{
			name:         "public leaf only",
			mismatched:   judge(observedHost("id.test", both, bothVersions, sent(public, 1, p.l1))),
			wantSeverity: Critical,
			wantTexts:    []string{"sends only its leaf certificate"},
		},
		{
			name: "two chains",
			mismatched: judge(observedHost("id.test", both, bothVersions,
				sent(public, 2, p.la, p.ia.cert), sent(public, 1, p.lb, p.ib.cert))),
			wantSeverity: Advisory,
			wantTexts:    []string{"matches 2 of the observed chains"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			severity, reason := severityOf(tt.mismatched)
			if severity != tt.wantSeverity {
				t.Errorf("severityOf() severity = %q, want %q", severity, tt.wantSeverity)
			}
			for _, text := range tt.wantTexts {
				if !strings.Contains(reason, text) {
					t.Errorf("severityOf() reason = %q, want it to contain %q", reason, text)
				}
			}
			if strings.Contains(reason, "harmless") {
				t.Errorf("severityOf() reason = %q, want no claim that the mismatch is harmless", reason)
			}
		})
	}
}
