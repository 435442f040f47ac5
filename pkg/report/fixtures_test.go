package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// Fixed values, so golden files never depend on the clock or on random keys.
var (
	started = time.Date(2026, 12, 4, 20, 0, 0, 0, time.UTC)
	expiry  = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
)

const (
	tpLeaf   = "1111111111111111111111111111111111111111"
	tpInter  = "2222222222222222222222222222222222222222"
	tpTop    = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
	tpOther  = "06b25927c42a721631c1efd9431e648fa62e1e39"
	tpZeros  = "0000000000000000000000000000000000000000"
	sha256Of = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
)

func certificate(subject, issuer, thumbprint string, isCA bool) chain.Certificate {
	return chain.Certificate{
		Subject:    subject,
		Issuer:     issuer,
		Thumbprint: thumbprint,
		SHA256:     sha256Of,
		NotBefore:  started.AddDate(-1, 0, 0),
		NotAfter:   expiry,
		IsCA:       isCA,
		SelfSigned: subject == issuer,
	}
}

func sampleHost(name string) chain.Host {
	return chain.Host{
		Name:      name,
		Role:      "discovery+jwks",
		Addresses: []string{"127.0.0.1", "::1"},
		TLS12:     true,
		TLS13:     true,
		Chains: []chain.Chain{{
			Certificates: []chain.Certificate{
				certificate("CN="+name, "CN=Test Intermediate", tpLeaf, false),
				certificate("CN=Test Intermediate", "CN=Test Cross Root", tpInter, true),
				certificate("CN=Test Cross Root", "CN=Test Old Root", tpTop, true),
			},
			Samples:     6,
			Addresses:   []string{"127.0.0.1", "::1"},
			TLSVersions: []string{"TLS 1.2", "TLS 1.3"},
			Trust:       chain.TrustPublic,
		}},
		Attempts: 6,
	}
}

// sampleReport returns a sweep with a provider in every section of Text.
func sampleReport() Report {
	return Report{
		SchemaVersion: SchemaVersion,
		AccountID:     "123456789012",
		StartedAt:     started,
		FinishedAt:    started.Add(72 * time.Second),
		Providers: []Provider{
			{
				ARN:      "arn:aws:iam::123456789012:oidc-provider/private.example.test",
				URL:      "private.example.test",
				Verdict:  verdict.Mismatch,
				Severity: verdict.Critical,
				Reason:   "no configured thumbprint matches the chain, and AWS relies on the thumbprint because the chain ends at a private CA",
				Before:   []string{tpZeros},
				Proposed: []string{tpTop},
				Findings: []finding.Finding{{Code: finding.Placeholder, Message: "entry 0000000000000000000000000000000000000000 is a placeholder, not a thumbprint"}},
				Hosts:    []chain.Host{sampleHost("private.example.test")},
			},
			{
				ARN:      "arn:aws:iam::123456789012:oidc-provider/intercepted.example.test",
				URL:      "intercepted.example.test",
				Verdict:  verdict.Refused,
				Reason:   "samples disagree and one chain fails verification, so nothing was written",
				Before:   []string{tpTop},
				Findings: []finding.Finding{{Code: finding.InterceptionSuspected, Message: "3 of 6 handshakes received a chain that does not verify; a TLS-intercepting proxy is likely"}},
			},
			{
				ARN:      "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
				URL:      "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
				Verdict:  verdict.Updated,
				Severity: verdict.Advisory,
				Reason:   "the served chain no longer contains the configured certificate",
				Before:   []string{"06:B2:59:27:C4:2A:72:16:31:C1:EF:D9:43:1E:64:8F:A6:2E:1E:39"},
				Proposed: []string{tpOther, tpTop},
				Findings: []finding.Finding{},
				Cluster:  &Cluster{Name: "prod", Region: "eu-west-1"},
			},
			{
				ARN:      "arn:aws:iam::123456789012:oidc-provider/token.actions.example.test",
				URL:      "token.actions.example.test",
				Verdict:  verdict.Mismatch,
				Severity: verdict.Advisory,
				Reason:   "1 of 2 chains has no configured thumbprint; AWS validates this public chain against its trusted root CAs first",
				Before:   []string{tpInter},
				Findings: []finding.Finding{{Code: finding.MultipleChains, Message: "2 distinct chains seen: 4 and 2 samples"}},
			},
			{
				ARN:      "arn:aws:iam::123456789012:oidc-provider/expiring.example.test",
				URL:      "expiring.example.test",
				Verdict:  verdict.OK,
				Reason:   "every observed chain contains a configured thumbprint",
				Before:   []string{tpTop},
				Findings: []finding.Finding{{Code: finding.ExpiringSoon, Message: "the top certificate expires on 2027-03-01"}},
			},
			{
				ARN:      "arn:aws:iam::123456789012:oidc-provider/down.example.test",
				URL:      "down.example.test",
				Verdict:  verdict.Unreachable,
				Reason:   "discovery failed: GET https://down.example.test/.well-known/openid-configuration timed out after 10s",
				Before:   []string{tpTop},
				Findings: []finding.Finding{{Code: finding.DiscoveryFailed, Message: "the discovery document could not be fetched"}},
			},
			{
				ARN:     "arn:aws:iam::123456789012:oidc-provider/legacy.example.test",
				URL:     "legacy.example.test",
				Verdict: verdict.Skipped,
				Reason:  "tagged thumbprint-remediator=skip",
				Before:  []string{tpTop},
			},
			{ARN: "arn:aws:iam::123456789012:oidc-provider/a.example.test", URL: "a.example.test", Verdict: verdict.OK, Reason: "every observed chain contains a configured thumbprint", Before: []string{tpTop}},
			{ARN: "arn:aws:iam::123456789012:oidc-provider/b.example.test", URL: "b.example.test", Verdict: verdict.OK, Reason: "every observed chain contains a configured thumbprint", Before: []string{tpTop}},
		},
		NotReached:        []string{"arn:aws:iam::123456789012:oidc-provider/late.example.test"},
		UnmanagedClusters: []Cluster{{Name: "staging", Region: "us-east-2", Issuer: "https://oidc.eks.us-east-2.amazonaws.com/id/EXAMPLE0000000000000000000000002"}},
		Notes:             []string{"EKS region ap-east-1 could not be listed: AccessDeniedException"},
	}
}

// quietReport returns a sweep in which every provider is healthy.
func quietReport() Report {
	r := Report{AccountID: "123456789012", StartedAt: started, FinishedAt: started.Add(3 * time.Second)}
	for _, host := range []string{"a.example.test", "b.example.test", "c.example.test"} {
		r.Providers = append(r.Providers, Provider{URL: host, Verdict: verdict.OK, Before: []string{tpTop}})
	}
	return r
}

// checkProvider returns a check that proposes a change on a host serving two chains.
func checkProvider() Provider {
	host := sampleHost("id.example.test")
	second := host.Chains[0]
	second.Certificates = []chain.Certificate{
		certificate("CN=id.example.test", "CN=Other Intermediate", tpLeaf, false),
		certificate("CN=Other Intermediate", "CN=Other Root", tpOther, true),
	}
	second.Samples = 2
	second.Addresses = []string{"::1"}
	second.TLSVersions = []string{"TLS 1.3"}
	host.Chains[0].Samples = 4
	host.Chains = append(host.Chains, second)
	host.Attempts = 7
	host.Failures = 1

	return Provider{
		URL:      "id.example.test",
		Verdict:  verdict.Mismatch,
		Severity: verdict.Advisory,
		Reason:   "1 of 2 chains has no configured thumbprint; AWS validates this public chain against its trusted root CAs first",
		Before:   []string{tpTop},
		Proposed: []string{tpTop, tpOther},
		Findings: []finding.Finding{{Code: finding.MultipleChains, Message: "2 distinct chains seen: 4 and 2 samples; configured entries match 1 of 2"}},
		Hosts:    []chain.Host{host},
	}
}

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) []byte {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run go test -update to create it): %v", err)
	}
	return want
}

// goldenText compares text output byte for byte.
func goldenText(t *testing.T, name, got string) {
	t.Helper()
	want := golden(t, name, []byte(got))
	if got != string(want) {
		t.Errorf("%s differs from testdata/%s (run go test -update and review the diff)\ngot:\n%s", name, name, got)
	}
}

// goldenJSON compares JSON output semantically, so key order and spacing do not
// matter.
func goldenJSON(t *testing.T, name string, got []byte) {
	t.Helper()
	var indented bytes.Buffer
	if err := json.Indent(&indented, got, "", "  "); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	indented.WriteByte('\n')
	want := golden(t, name, indented.Bytes())

	var gotValue, wantValue any
	if err := json.Unmarshal(got, &gotValue); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &wantValue); err != nil {
		t.Fatalf("testdata/%s: %v", name, err)
	}
	if !reflect.DeepEqual(gotValue, wantValue) {
		t.Errorf("%s differs from testdata/%s (run go test -update and review the diff)\ngot:\n%s", name, name, indented.String())
	}
}

// compileSchema compiles one of the schemas under docs/.
func compileSchema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	schema, err := jsonschema.NewCompiler().Compile(filepath.Join("..", "..", "docs", name))
	if err != nil {
		t.Fatalf("compiling docs/%s: %v", name, err)
	}
	return schema
}

// validate checks doc against schema and returns the validation error, if any.
func validate(t *testing.T, schema *jsonschema.Schema, doc []byte) error {
	t.Helper()
	value, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	return schema.Validate(value)
}
