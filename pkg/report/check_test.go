package report

import (
	"strings"
	"testing"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
)

func TestCheckGolden(t *testing.T) {
	schema := compileSchema(t, "check.schema.json")
	healthy := checkProvider()
	healthy.Verdict = verdict.OK
	healthy.Severity = ""
	healthy.Reason = "every observed chain contains a configured thumbprint"
	healthy.Before = []string{tpTop, tpOther}
	healthy.Proposed = nil
	healthy.Findings = nil
	healthy.ARN = "arn:aws:iam::123456789012:oidc-provider/id.example.test"

	tests := []struct {
		name     string
		provider Provider
	}{
		{"check-mismatch", checkProvider()},
		{"check-ok", healthy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			goldenText(t, tt.name+".txt", CheckText(tt.provider))

			got, err := CheckJSON(tt.provider)
			if err != nil {
				t.Fatalf("CheckJSON() error = %v", err)
			}
			if err := validate(t, schema, got); err != nil {
				t.Errorf("CheckJSON() does not match docs/check.schema.json: %v", err)
			}
			goldenJSON(t, tt.name+".json", got)
		})
	}
}

func TestCheckSchemaRejectsUnknownVerdict(t *testing.T) {
	schema := compileSchema(t, "check.schema.json")
	p := checkProvider()
	p.Verdict = "fine"

	got, err := CheckJSON(p)
	if err != nil {
		t.Fatal(err)
	}
	if validate(t, schema, got) == nil {
		t.Errorf("docs/check.schema.json accepted verdict %q", p.Verdict)
	}
}

func TestCheckTextCommand(t *testing.T) {
	withARN := checkProvider()
	withARN.ARN = "arn:aws:iam::123456789012:oidc-provider/id.example.test"
	refused := checkProvider()
	refused.Verdict = verdict.Refused
	updated := checkProvider()
	updated.Verdict = verdict.Updated
	unchanged := checkProvider()
	unchanged.Proposed = nil
	odd := checkProvider()
	odd.URL = "id.example.test/tenant's $(id)"

	tests := []struct {
		name     string
		provider Provider
		want     string
		absent   string
	}{
		{"placeholder ARN", checkProvider(), "    --open-id-connect-provider-arn arn:aws:iam::ACCOUNT_ID:oidc-provider/id.example.test \\\n", ""},
		{"known ARN", withARN, "    --open-id-connect-provider-arn arn:aws:iam::123456789012:oidc-provider/id.example.test \\\n", "ACCOUNT_ID"},
		{"thumbprint list", checkProvider(), "    --thumbprint-list \\\n      " + tpTop + " \\\n      " + tpOther + "\n", ""},
		{"quoted ARN", odd, `'arn:aws:iam::ACCOUNT_ID:oidc-provider/id.example.test/tenant'\''s $(id)'`, ""},
		{"refused", refused, "not written because writing it is unsafe", "update-open-id-connect-provider-thumbprint"},
		{"updated", updated, "The proposed list was written to IAM.", "update-open-id-connect-provider-thumbprint"},
		{"no change", unchanged, "configured:", "update-open-id-connect-provider-thumbprint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := CheckText(tt.provider)
			if !strings.Contains(text, tt.want) {
				t.Errorf("CheckText() has no %q:\n%s", tt.want, text)
			}
			if tt.absent != "" && strings.Contains(text, tt.absent) {
				t.Errorf("CheckText() contains %q:\n%s", tt.absent, text)
			}
		})
	}
}

func TestCheckTextMarksTopCertificate(t *testing.T) {
	text := CheckText(checkProvider())

	want := []string{
		"    2 " + tpTop + " CA, expires 2027-03-01\n" +
			"      subject: CN=Test Cross Root\n" +
			"      issuer:  CN=Test Old Root\n" +
			"      => IAM needs this thumbprint (last certificate sent), configured\n",
		"    1 " + tpOther + " CA, expires 2027-03-01\n" +
			"      subject: CN=Other Intermediate\n" +
			"      issuer:  CN=Other Root\n" +
			"      => IAM needs this thumbprint (last certificate sent)\n",
		"    0 " + tpLeaf + " leaf, expires 2027-03-01\n" +
			"      subject: CN=id.example.test\n" +
			"      issuer:  CN=Test Intermediate\n    1 ",
		"  Chain 1 of 2: 4 samples, verified against the system roots\n" +
			"    from: 127.0.0.1, ::1\n" +
			"    over: TLS 1.2, TLS 1.3\n",
		"  Chain 2 of 2: 2 samples, verified against the system roots\n",
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("CheckText() has no line %q:\n%s", w, text)
		}
	}
}

func TestCheckTextDoesNotPinUnverifiedChain(t *testing.T) {
	p := checkProvider()
	p.Hosts[0].Chains[0].Trust = chain.TrustNone
	p.Hosts[0].Chains[0].VerifyError = "x509: certificate signed by unknown authority"

	text := CheckText(p)

	unverified := text[strings.Index(text, "Chain 1 of"):strings.Index(text, "Chain 2 of")]
	if strings.Contains(unverified, "IAM needs this thumbprint") {
		t.Errorf("CheckText() suggests a value from a chain that failed verification:\n%s", unverified)
	}
	if !strings.Contains(unverified, "do not pin") {
		t.Errorf("CheckText() does not warn against pinning the unverified chain:\n%s", unverified)
	}
}
