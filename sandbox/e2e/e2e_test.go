package e2e

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/handler"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/awsdouble"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/lambdarie"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/scenario"
)

const updateAction = "UpdateOpenIDConnectProviderThumbprint"

// sandbox is a seeded account with the function running under the emulator.
type sandbox struct {
	account *scenario.Account
	emu     *lambdarie.Emulator
	// before holds each provider's list as seeded, by ARN.
	before map[string][]string
}

func startSandbox(t *testing.T) *sandbox {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	account, err := scenario.StartDemo(time.Now())
	if err != nil {
		t.Fatalf("seeding the sandbox: %v", err)
	}
	t.Cleanup(account.Close)

	emu, err := lambdarie.Start(ctx, lambdarie.Options{
		Emulator:  emulatorPath,
		Bootstrap: bootstrapPath,
		Env:       account.Env(),
		Timeout:   60 * time.Second,
	})
	if err != nil {
		t.Fatalf("starting the emulator: %v", err)
	}
	t.Cleanup(func() {
		emu.Close()
		if t.Failed() {
			t.Logf("emulator and function output:\n%s", emu.Logs())
		}
	})

	return &sandbox{account: account, emu: emu, before: thumbprintLists(t, account)}
}

func thumbprintLists(t *testing.T, account *scenario.Account) map[string][]string {
	t.Helper()
	lists := map[string][]string{}
	for _, p := range account.Providers {
		stored, ok := account.AWS.Provider(p.ARN)
		if !ok {
			t.Fatalf("provider %s (%s) is missing from the AWS double", p.Label, p.ARN)
		}
		lists[p.ARN] = stored.Thumbprints
	}
	return lists
}

// invoke sends payload and returns the response body, which is the function's result
// or the emulator's error document.
func (s *sandbox) invoke(t *testing.T, payload []byte) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	body, err := s.emu.Invoke(ctx, payload)
	if err != nil {
		t.Fatalf("invoking the function: %v", err)
	}
	return body
}

// invokeResult invokes the function with an event file and decodes its result.
func (s *sandbox) invokeResult(t *testing.T, eventFile string) handler.Result {
	t.Helper()
	body := s.invoke(t, readEvent(t, eventFile))
	var result handler.Result
	decoder := json.NewDecoder(bytes.NewReader(body))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&result); err != nil {
		t.Fatalf("result of %s is not a handler.Result: %v\n%s", eventFile, err, body)
	}
	return result
}

func (s *sandbox) writes() int {
	return s.account.AWS.Calls("iam", updateAction)
}

func readEvent(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// expectedVerdicts counts the verdicts the seeded providers should get.
func expectedVerdicts(account *scenario.Account, dryRun bool) map[string]int {
	counts := map[string]int{}
	for _, p := range account.Providers {
		kind, _, _ := strings.Cut(p.Expect, "/")
		if dryRun && kind == "updated" {
			kind = "would-update"
		}
		counts[kind]++
	}
	return counts
}

// neededThumbprint handshakes with the provider's issuer, verifying its chain with the
// sandbox's public roots and private CA, and returns the thumbprint of the last CA
// certificate sent that is not self-signed. It is worked out here independently of
// the function, as the oracle for what the sweep must write.
func neededThumbprint(t *testing.T, account *scenario.Account, providerURL string) string {
	t.Helper()
	issuer, err := url.Parse("https://" + providerURL)
	if err != nil {
		t.Fatal(err)
	}
	addrs := account.Farm.Addrs(issuer.Hostname())
	if len(addrs) == 0 {
		t.Fatalf("the issuer farm serves no %s", issuer.Hostname())
	}

	roots, err := account.PublicRoots()
	if err != nil {
		t.Fatal(err)
	}
	private, err := os.ReadFile(filepath.Join(account.Dir(), "private-ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	roots.AppendCertsFromPEM(private)

	dialer := &net.Dialer{Timeout: 5 * time.Second}
	address := net.JoinHostPort(addrs[0].String(), issuer.Port())
	conn, err := tls.DialWithDialer(dialer, "tcp", address, &tls.Config{ServerName: issuer.Hostname(), RootCAs: roots})
	if err != nil {
		t.Fatalf("handshake with %s at %s: %v", issuer.Hostname(), address, err)
	}
	defer conn.Close()

	sent := conn.ConnectionState().PeerCertificates
	for i := len(sent) - 1; i >= 0; i-- {
		cert := sent[i]
		if cert.IsCA && !selfSigned(cert) {
			sum := sha1.Sum(cert.Raw)
			return hex.EncodeToString(sum[:])
		}
	}
	t.Fatalf("%s sent no CA certificate that is not self-signed", issuer.Hostname())
	return ""
}

func selfSigned(cert *x509.Certificate) bool {
	return bytes.Equal(cert.RawSubject, cert.RawIssuer) && cert.CheckSignatureFrom(cert) == nil
}

func TestScheduledSweep(t *testing.T) {
	s := startSandbox(t)
	account := s.account

	result := s.invokeResult(t, "scheduled.json")

	if result.AccountID != account.AWS.AccountID() || result.DryRun {
		t.Errorf("result account = %q, dryRun = %v, want %q and false", result.AccountID, result.DryRun, account.AWS.AccountID())
	}
	if result.Providers != len(account.Providers) {
		t.Errorf("result providers = %d, want %d", result.Providers, len(account.Providers))
	}
	for kind, want := range expectedVerdicts(account, false) {
		if result.Verdicts[kind] != want {
			t.Errorf("result verdicts[%q] = %d, want %d (all: %v)", kind, result.Verdicts[kind], want, result.Verdicts)
		}
	}
	if !result.Published || result.PublishError != "" {
		t.Errorf("result published = %v, publishError = %q, want true and none", result.Published, result.PublishError)
	}

	t.Run("IAM lists", func(t *testing.T) {
		after := thumbprintLists(t, account)
		for _, p := range account.Providers {
			kind, _, _ := strings.Cut(p.Expect, "/")
			got, before := after[p.ARN], s.before[p.ARN]
			if kind != "updated" {
				if !slices.Equal(got, before) {
					t.Errorf("%s (%s): list = %q, want %q unchanged", p.Label, p.Expect, got, before)
				}
				continue
			}
			needed := neededThumbprint(t, account, p.URL)
			if !slices.Contains(got, needed) {
				t.Errorf("%s (%s): list = %q, want it to contain %s", p.Label, p.Expect, got, needed)
			}
			if slices.Equal(got, before) {
				t.Errorf("%s (%s): list = %q, unchanged from the seed", p.Label, p.Expect, got)
			}
		}
	})

	t.Run("SNS message", func(t *testing.T) {
		checkMessage(t, account)
	})

	t.Run("repeated invocations write nothing", func(t *testing.T) {
		writes := s.writes()
		lists := thumbprintLists(t, account)

		for _, eventFile := range []string{"scheduler.json", "scheduled.json"} {
			again := s.invokeResult(t, eventFile)

			if got := s.writes() - writes; got != 0 {
				t.Errorf("%s: %s calls = %d, want 0", eventFile, updateAction, got)
			}
			if again.Verdicts["updated"] != 0 {
				t.Errorf("%s: verdicts[updated] = %d, want 0", eventFile, again.Verdicts["updated"])
			}
		}
		if after := thumbprintLists(t, account); !maps.EqualFunc(after, lists, slices.Equal[[]string]) {
			t.Errorf("lists after repeated invocations = %v, want %v", after, lists)
		}
	})
}

func checkMessage(t *testing.T, account *scenario.Account) {
	t.Helper()
	published := account.AWS.Published()
	if len(published) != 1 {
		t.Fatalf("SNS messages = %d, want 1", len(published))
	}
	msg := published[0]

	if msg.TopicARN != account.TopicARN {
		t.Errorf("topic = %q, want %q", msg.TopicARN, account.TopicARN)
	}
	checkSubject(t, msg.Subject, account.AWS.AccountID())
	if msg.Structure != "json" {
		t.Errorf("MessageStructure = %q, want json", msg.Structure)
	}

	var envelope map[string]string
	if err := json.Unmarshal([]byte(msg.Message), &envelope); err != nil {
		t.Fatalf("message is not a JSON object of strings: %v\n%s", err, msg.Message)
	}
	validateReport(t, envelope["default"])
	checkEmail(t, envelope["email"])
	checkAttributes(t, msg.Attributes, account.AWS.AccountID())
}

func checkSubject(t *testing.T, subject, accountID string) {
	t.Helper()
	if len(subject) == 0 || len(subject) >= 100 {
		t.Errorf("subject has %d characters, want 1 to 99: %q", len(subject), subject)
	}
	for _, r := range subject {
		if r < 0x20 || r > 0x7e {
			t.Errorf("subject contains %q, want printable ASCII only: %q", r, subject)
			break
		}
	}
	if want := "OIDC thumbprints " + accountID + ": "; !strings.HasPrefix(subject, want) {
		t.Errorf("subject = %q, want prefix %q", subject, want)
	}
	if !strings.Contains(subject, "3 updated") {
		t.Errorf("subject = %q, want it to count 3 updated", subject)
	}
}

func validateReport(t *testing.T, doc string) {
	t.Helper()
	schema, err := jsonschema.NewCompiler().Compile(filepath.Join("..", "..", "docs", "report.schema.json"))
	if err != nil {
		t.Fatalf("compiling docs/report.schema.json: %v", err)
	}
	value, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("default message is not JSON: %v\n%s", err, doc)
	}
	if err := schema.Validate(value); err != nil {
		t.Errorf("default message does not match docs/report.schema.json: %v", err)
	}
}

func checkEmail(t *testing.T, email string) {
	t.Helper()
	for _, want := range []string{
		"EKS cluster checkout in us-east-2",
		"analytics in eu-west-1",
		"orphaned-provider",
		"sso.legacy.example.test",
	} {
		if !strings.Contains(email, want) {
			t.Errorf("email has no %q:\n%s", want, email)
		}
	}

	critical := strings.Index(email, "\nCritical (")
	advisory := strings.Index(email, "\nAdvisory (")
	if critical < 0 || advisory < 0 || critical > advisory {
		t.Errorf("email sections: Critical at %d, Advisory at %d, want both with Critical first:\n%s", critical, advisory, email)
		return
	}
	if !strings.Contains(email[critical:advisory], "sso.legacy.example.test") {
		t.Errorf("email does not list the refused legacy-sso provider before the advisory section:\n%s", email)
	}
}

func checkAttributes(t *testing.T, attrs map[string]awsdouble.Attribute, accountID string) {
	t.Helper()
	want := map[string]awsdouble.Attribute{
		"highestSeverity": {DataType: "String", StringValue: "critical"},
		"dryRun":          {DataType: "String", StringValue: "false"},
		"changes":         {DataType: "Number", StringValue: "3"},
		"accountId":       {DataType: "String", StringValue: accountID},
	}
	for name, w := range want {
		if got := attrs[name]; got != w {
			t.Errorf("attribute %s = %+v, want %+v", name, got, w)
		}
	}
	critical := attrs["critical"]
	if n, err := strconv.Atoi(critical.StringValue); critical.DataType != "Number" || err != nil || n < 1 {
		t.Errorf("attribute critical = %+v, want a Number of at least 1", critical)
	}
}

func TestDryRunEventsWriteNothing(t *testing.T) {
	tests := []struct {
		file          string
		wantVerdicts  func(account *scenario.Account) map[string]int
		wantPublished bool
	}{
		{"manual-dry-run.json", func(a *scenario.Account) map[string]int { return expectedVerdicts(a, true) }, true},
		// The provider in this file is an example ARN that the sandbox does not have,
		// so every seeded provider is skipped; the event's notify "always" still sends.
		{"manual-provider.json", func(a *scenario.Account) map[string]int {
			return map[string]int{"skipped": len(a.Providers)}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s := startSandbox(t)

			result := s.invokeResult(t, tt.file)

			if got := s.writes(); got != 0 {
				t.Errorf("%s calls = %d, want 0", updateAction, got)
			}
			if after := thumbprintLists(t, s.account); !maps.EqualFunc(after, s.before, slices.Equal[[]string]) {
				t.Errorf("lists = %v, want %v unchanged", after, s.before)
			}
			if !result.DryRun {
				t.Errorf("result dryRun = false, want true")
			}
			for kind, want := range tt.wantVerdicts(s.account) {
				if result.Verdicts[kind] != want {
					t.Errorf("result verdicts[%q] = %d, want %d (all: %v)", kind, result.Verdicts[kind], want, result.Verdicts)
				}
			}
			if result.Published != tt.wantPublished {
				t.Errorf("result published = %v, want %v (%s)", result.Published, tt.wantPublished, result.NotifyReason)
			}
			for _, msg := range s.account.AWS.Published() {
				if !strings.Contains(msg.Subject, "(dry run)") {
					t.Errorf("subject = %q, want it to say dry run", msg.Subject)
				}
			}
		})
	}
}

func TestMalformedEventWritesNothing(t *testing.T) {
	s := startSandbox(t)

	body := s.invoke(t, []byte(`{"dryrun": true}`))

	var doc struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("response is not an error document: %v\n%s", err, body)
	}
	if !strings.Contains(doc.ErrorMessage, "invalid event") || !strings.Contains(doc.ErrorMessage, "dryrun") {
		t.Errorf("errorMessage = %q, want it to name the invalid event and the field dryrun", doc.ErrorMessage)
	}
	if doc.ErrorType == "" {
		t.Errorf("errorType is empty in %s", body)
	}
	if got := s.writes(); got != 0 {
		t.Errorf("%s calls = %d, want 0", updateAction, got)
	}
	if got := s.account.AWS.Calls("iam", "ListOpenIDConnectProviders"); got != 0 {
		t.Errorf("ListOpenIDConnectProviders calls = %d, want 0", got)
	}
	if got := len(s.account.AWS.Published()); got != 0 {
		t.Errorf("SNS messages = %d, want 0", got)
	}
}
