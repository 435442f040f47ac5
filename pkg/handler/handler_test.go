package handler

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/event"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/notify"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/sweep"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
)

const (
	accountID = "123456789012"
	topicARN  = "arn:aws:sns:eu-west-1:123456789012:oidc-thumbprint-remediator"
	tpOK      = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
	tpNew     = "06b25927c42a721631c1efd9431e648fa62e1e39"
	tpStale   = "abababababababababababababababababababab"
)

var started = time.Date(2026, 12, 4, 20, 0, 0, 0, time.UTC)

// fakeSNS records every Publish call and fails with err when it is set.
type fakeSNS struct {
	mu    sync.Mutex
	calls []*sns.PublishInput
	err   error
}

func (f *fakeSNS) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, in)
	if f.err != nil {
		return nil, f.err
	}
	return &sns.PublishOutput{MessageId: aws.String("message-1")}, nil
}

// fakeRunner returns a canned report, calls Progress per provider as a sweep does,
// and records the options of each call.
type fakeRunner struct {
	report report.Report
	err    error
	calls  []sweep.Options
}

func (f *fakeRunner) run(_ context.Context, opts sweep.Options) (report.Report, error) {
	f.calls = append(f.calls, opts)
	if f.err != nil {
		return report.Report{}, f.err
	}
	for _, p := range f.report.Providers {
		if opts.Progress != nil {
			opts.Progress(p)
		}
	}
	rep := f.report
	rep.DryRun = opts.DryRun
	return rep, nil
}

func healthyProvider() report.Provider {
	return report.Provider{
		ARN:     "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/PAYMENTS",
		URL:     "oidc.eks.eu-west-1.amazonaws.com/id/PAYMENTS",
		Verdict: verdict.OK,
		Reason:  "every observed chain contains a configured thumbprint",
		Before:  []string{tpOK},
		Hosts: []chain.Host{{
			Name: "oidc.eks.eu-west-1.amazonaws.com", Role: "discovery+jwks", TLS12: true, TLS13: true,
			Chains: []chain.Chain{{
				Certificates: []chain.Certificate{
					{Subject: "CN=oidc.eks.eu-west-1.amazonaws.com", Thumbprint: "1111111111111111111111111111111111111111"},
					{Subject: "CN=Starfield Services Root Certificate Authority - G2", Thumbprint: tpOK, IsCA: true},
				},
				Samples: 3, Trust: chain.TrustPublic,
			}},
		}},
		Cluster:  &report.Cluster{Name: "payments", Region: "eu-west-1"},
		Duration: 40 * time.Millisecond,
	}
}

func updatedProvider() report.Provider {
	return report.Provider{
		ARN:      "arn:aws:iam::123456789012:oidc-provider/oidc.ci.example.internal",
		URL:      "oidc.ci.example.internal",
		Verdict:  verdict.Updated,
		Severity: verdict.Critical,
		Reason:   "no configured thumbprint matches the chain of oidc.ci.example.internal",
		Before:   []string{tpStale},
		Proposed: []string{tpNew},
		Findings: []finding.Finding{{Code: finding.StaleEntry, Message: "entry matches no certificate"}},
		Duration: 60 * time.Millisecond,
	}
}

func sweepReport(providers ...report.Provider) report.Report {
	return report.Report{
		SchemaVersion:     report.SchemaVersion,
		AccountID:         accountID,
		StartedAt:         started,
		FinishedAt:        started.Add(2 * time.Second),
		Providers:         providers,
		NotReached:        []string{},
		UnmanagedClusters: []report.Cluster{},
		Notes:             []string{},
	}
}

// harness is a Handler on fakes with its log and metric output captured.
type harness struct {
	handler *Handler
	runner  *fakeRunner
	sns     *fakeSNS
	logs    *bytes.Buffer
	metrics *bytes.Buffer
}

func newHarness(rep report.Report) *harness {
	h := &harness{
		runner:  &fakeRunner{report: rep},
		sns:     &fakeSNS{},
		logs:    &bytes.Buffer{},
		metrics: &bytes.Buffer{},
	}
	h.handler = &Handler{
		Run:       h.runner.run,
		Options:   sweep.Options{Concurrency: 16, OptOutTag: "oidc-thumbprint-remediator:opt-out"},
		Policy:    notify.ChangesAndProblems,
		Publisher: &notify.Publisher{API: h.sns, TopicARN: topicARN, LogHint: "log group /aws/lambda/test"},
		Logger:    slog.New(slog.NewJSONHandler(h.logs, nil)),
		Metrics:   h.metrics,
		Namespace: "OIDCThumbprintRemediator",
	}
	return h
}

// logLines returns the decoded JSON log lines with the given message.
func (h *harness) logLines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(h.logs.String()), "\n") {
		if line == "" {
			continue
		}
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, line)
		}
		if entry["msg"] == msg {
			lines = append(lines, entry)
		}
	}
	return lines
}

func readEvent(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestInvokeEventFiles(t *testing.T) {
	tests := []struct {
		file          string
		wantDryRun    bool
		wantFilter    []string
		wantPublished bool
	}{
		{"scheduled.json", false, nil, false},
		{"scheduler.json", false, nil, false},
		{"manual-dry-run.json", true, nil, false},
		{"manual-provider.json", true, []string{"arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			h := newHarness(sweepReport(healthyProvider()))

			result, err := h.handler.Invoke(context.Background(), readEvent(t, tt.file))

			if err != nil {
				t.Fatalf("Invoke() error = %v", err)
			}
			if len(h.runner.calls) != 1 {
				t.Fatalf("sweeps run = %d, want 1", len(h.runner.calls))
			}
			opts := h.runner.calls[0]
			if opts.DryRun != tt.wantDryRun {
				t.Errorf("sweep DryRun = %v, want %v", opts.DryRun, tt.wantDryRun)
			}
			if !slices.Equal(opts.Filter, tt.wantFilter) {
				t.Errorf("sweep Filter = %q, want %q", opts.Filter, tt.wantFilter)
			}
			if result.DryRun != tt.wantDryRun {
				t.Errorf("Result.DryRun = %v, want %v", result.DryRun, tt.wantDryRun)
			}
			// A healthy sweep is sent only under the policy "always", which
			// manual-provider.json requests.
			if result.Published != tt.wantPublished || len(h.sns.calls) != boolToInt(tt.wantPublished) {
				t.Errorf("Result.Published = %v with %d SNS calls, want %v", result.Published, len(h.sns.calls), tt.wantPublished)
			}
			if result.NotifyReason == "" {
				t.Errorf("Result.NotifyReason is empty, want the policy's reason")
			}
		})
	}
}

func TestInvokeOverridesOptions(t *testing.T) {
	tests := []struct {
		name        string
		configured  bool
		payload     string
		wantDryRun  bool
		wantFilter  []string
		wantPublish bool
	}{
		{"configured dry run kept", true, `{}`, true, nil, false},
		{"event turns dry run off", true, `{"dryRun": false}`, false, nil, false},
		{"event turns dry run on", false, `{"dryRun": true}`, true, nil, false},
		{"provider filter", false, `{"providers": ["https://oidc.example.test", "arn:aws:iam::123456789012:oidc-provider/b.example.test"]}`,
			false, []string{"https://oidc.example.test", "arn:aws:iam::123456789012:oidc-provider/b.example.test"}, false},
		{"notify always", false, `{"notify": "always"}`, false, nil, true},
		{"notify problems", false, `{"notify": "problems"}`, false, nil, false},
		{"null payload", false, `null`, false, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(sweepReport(healthyProvider()))
			h.handler.Options.DryRun = tt.configured

			result, err := h.handler.Invoke(context.Background(), json.RawMessage(tt.payload))

			if err != nil {
				t.Fatalf("Invoke() error = %v", err)
			}
			opts := h.runner.calls[0]
			if opts.DryRun != tt.wantDryRun {
				t.Errorf("sweep DryRun = %v, want %v", opts.DryRun, tt.wantDryRun)
			}
			if !slices.Equal(opts.Filter, tt.wantFilter) {
				t.Errorf("sweep Filter = %q, want %q", opts.Filter, tt.wantFilter)
			}
			if opts.Concurrency != 16 || opts.OptOutTag != "oidc-thumbprint-remediator:opt-out" {
				t.Errorf("sweep options = %+v, want the configured Concurrency and OptOutTag kept", opts)
			}
			if result.Published != tt.wantPublish {
				t.Errorf("Result.Published = %v, want %v (reason %q)", result.Published, tt.wantPublish, result.NotifyReason)
			}
			if h.handler.Publisher.Policy != "" {
				t.Errorf("Handler.Publisher.Policy = %q after Invoke, want the shared publisher unchanged", h.handler.Publisher.Policy)
			}
		})
	}
}

func TestInvokeRejectsInvalidEvent(t *testing.T) {
	tests := []struct {
		name    string
		payload string
	}{
		{"not JSON", `{"dryRun": tru`},
		{"array", `[1, 2]`},
		{"misspelt option", `{"dryrun": true}`},
		{"unknown policy", `{"notify": "sometimes"}`},
		{"dry run as string", `{"dryRun": "yes"}`},
		{"other detail type", `{"detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2", "detail": {}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(sweepReport(updatedProvider()))

			_, err := h.handler.Invoke(context.Background(), json.RawMessage(tt.payload))

			if !errors.Is(err, event.ErrInvalid) {
				t.Errorf("Invoke() error = %v, want one wrapping event.ErrInvalid", err)
			}
			if len(h.runner.calls) != 0 {
				t.Errorf("sweeps run = %d, want 0", len(h.runner.calls))
			}
			if len(h.sns.calls) != 0 {
				t.Errorf("SNS calls = %d, want 0", len(h.sns.calls))
			}
			if h.metrics.Len() != 0 {
				t.Errorf("metric output = %q, want nothing", h.metrics.String())
			}
			if lines := h.logLines(t, "invalid event"); len(lines) != 1 {
				t.Errorf("%d \"invalid event\" log lines, want 1", len(lines))
			}
		})
	}
}

func TestInvokeSweepError(t *testing.T) {
	h := newHarness(sweepReport())
	cause := errors.New("listing OIDC providers: AccessDenied")
	h.runner.err = cause

	_, err := h.handler.Invoke(context.Background(), readEvent(t, "scheduled.json"))

	if !errors.Is(err, cause) {
		t.Errorf("Invoke() error = %v, want one wrapping %v", err, cause)
	}
	if len(h.sns.calls) != 0 {
		t.Errorf("SNS calls = %d, want 0", len(h.sns.calls))
	}
	if lines := h.logLines(t, "sweep failed"); len(lines) != 1 {
		t.Errorf("%d \"sweep failed\" log lines, want 1", len(lines))
	}
}

func TestInvokePublishFailure(t *testing.T) {
	h := newHarness(sweepReport(updatedProvider()))
	h.sns.err = errors.New("AuthorizationError: not allowed to publish")

	result, err := h.handler.Invoke(context.Background(), readEvent(t, "scheduled.json"))

	if err != nil {
		t.Fatalf("Invoke() error = %v, want nil so that Lambda does not retry a finished sweep", err)
	}
	if !strings.Contains(result.PublishError, "not allowed to publish") {
		t.Errorf("Result.PublishError = %q, want the SNS error", result.PublishError)
	}
	if result.Published {
		t.Errorf("Result.Published = true, want false")
	}
	if len(h.sns.calls) != 1 {
		t.Errorf("SNS calls = %d, want 1 (no retry)", len(h.sns.calls))
	}
	if len(h.runner.calls) != 1 {
		t.Errorf("sweeps run = %d, want 1", len(h.runner.calls))
	}
	if lines := h.logLines(t, "publish failed"); len(lines) != 1 {
		t.Errorf("%d \"publish failed\" log lines, want 1", len(lines))
	}
}

func TestInvokeResult(t *testing.T) {
	h := newHarness(sweepReport(healthyProvider(), updatedProvider()))

	result, err := h.handler.Invoke(context.Background(), readEvent(t, "scheduled.json"))

	if err != nil {
		t.Fatalf("Invoke() error = %v", err)
	}
	if result.AccountID != accountID || result.Providers != 2 {
		t.Errorf("Result = %+v, want account %s and 2 providers", result, accountID)
	}
	if result.Verdicts["ok"] != 1 || result.Verdicts["updated"] != 1 {
		t.Errorf("Result.Verdicts = %v, want ok 1 and updated 1", result.Verdicts)
	}
	if result.HighestSeverity != "critical" {
		t.Errorf("Result.HighestSeverity = %q, want critical", result.HighestSeverity)
	}
	if !result.Published || result.MessageID != "message-1" {
		t.Errorf("Result.Published = %v, MessageID = %q, want true and message-1", result.Published, result.MessageID)
	}
	if got := aws.ToString(h.sns.calls[0].TopicArn); got != topicARN {
		t.Errorf("published to %q, want %q", got, topicARN)
	}
}

func TestInvokeResultCarriesNotes(t *testing.T) {
	rep := sweepReport(healthyProvider())
	rep.Notes = []string{`provider filter entry "arn:aws:iam::123456789012:oidc-provider/gone.example" matches no provider in the account`}
	h := newHarness(rep)

	result, err := h.handler.Invoke(context.Background(), readEvent(t, "scheduled.json"))

	if err != nil {
		t.Fatalf("Invoke() error = %v", err)
	}
	if len(result.Notes) != 1 || !strings.Contains(result.Notes[0], "matches no provider") {
		t.Errorf("Result.Notes = %q, want the sweep's note", result.Notes)
	}
}

func TestInvokeWithoutTopic(t *testing.T) {
	h := newHarness(sweepReport(updatedProvider()))
	h.handler.Publisher = nil

	result, err := h.handler.Invoke(context.Background(), readEvent(t, "scheduled.json"))

	if err != nil {
		t.Fatalf("Invoke() error = %v", err)
	}
	if result.Published || result.NotifyReason != "no topic configured" {
		t.Errorf("Result.Published = %v, NotifyReason = %q, want false and %q", result.Published, result.NotifyReason, "no topic configured")
	}
}

func TestInvokeAccountFromContext(t *testing.T) {
	rep := sweepReport()
	rep.AccountID = ""
	h := newHarness(rep)
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
		InvokedFunctionArn: "arn:aws:lambda:eu-west-1:210987654321:function:oidc-thumbprint-remediator",
	})

	result, err := h.handler.Invoke(ctx, readEvent(t, "scheduled.json"))

	if err != nil {
		t.Fatalf("Invoke() error = %v", err)
	}
	if result.AccountID != "210987654321" {
		t.Errorf("Result.AccountID = %q, want the account of the function ARN", result.AccountID)
	}
}

func TestInvokeLogLines(t *testing.T) {
	h := newHarness(sweepReport(healthyProvider(), updatedProvider()))

	if _, err := h.handler.Invoke(context.Background(), readEvent(t, "scheduled.json")); err != nil {
		t.Fatalf("Invoke() error = %v", err)
	}

	providers := h.logLines(t, "provider swept")
	if len(providers) != 2 {
		t.Fatalf("%d \"provider swept\" log lines, want 2:\n%s", len(providers), h.logs)
	}
	tests := []struct {
		name  string
		line  map[string]any
		level string
		want  map[string]any
	}{
		{"healthy", providers[0], "INFO", map[string]any{
			"provider": healthyProvider().ARN, "url": healthyProvider().URL, "verdict": "ok", "severity": "",
			"cluster": "payments", "region": "eu-west-1", "durationMs": float64(40),
		}},
		{"updated", providers[1], "WARN", map[string]any{
			"provider": updatedProvider().ARN, "verdict": "updated", "severity": "critical", "durationMs": float64(60),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.line["level"] != tt.level {
				t.Errorf("level = %v, want %s", tt.line["level"], tt.level)
			}
			for key, want := range tt.want {
				if tt.line[key] != want {
					t.Errorf("%s = %#v, want %#v", key, tt.line[key], want)
				}
			}
		})
	}
	if got := providers[1]["findings"]; !equalJSON(got, []any{"stale-entry"}) {
		t.Errorf("findings = %#v, want [stale-entry]", got)
	}
	if got := providers[1]["proposed"]; !equalJSON(got, []any{tpNew}) {
		t.Errorf("proposed = %#v, want [%s]", got, tpNew)
	}

	finished := h.logLines(t, "sweep finished")
	if len(finished) != 1 {
		t.Fatalf("%d \"sweep finished\" log lines, want 1", len(finished))
	}
	for key, want := range map[string]any{"account": accountID, "providers": float64(2), "highestSeverity": "critical", "published": true, "dryRun": false} {
		if finished[0][key] != want {
			t.Errorf("sweep finished %s = %#v, want %#v", key, finished[0][key], want)
		}
	}
	if strings.Contains(h.logs.String(), "BEGIN CERTIFICATE") {
		t.Errorf("logs contain a PEM block:\n%s", h.logs)
	}
}

func TestInvokeMetricLine(t *testing.T) {
	h := newHarness(sweepReport(healthyProvider(), updatedProvider()))

	if _, err := h.handler.Invoke(context.Background(), readEvent(t, "scheduled.json")); err != nil {
		t.Fatalf("Invoke() error = %v", err)
	}

	lines := strings.Split(strings.TrimSuffix(h.metrics.String(), "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("metric output has %d lines, want 1:\n%s", len(lines), h.metrics)
	}
	var doc struct {
		AWS struct {
			CloudWatchMetrics []struct {
				Namespace string `json:"Namespace"`
			} `json:"CloudWatchMetrics"`
		} `json:"_aws"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &doc); err != nil {
		t.Fatalf("metric line is not JSON: %v\n%s", err, lines[0])
	}
	if len(doc.AWS.CloudWatchMetrics) == 0 || doc.AWS.CloudWatchMetrics[0].Namespace != "OIDCThumbprintRemediator" {
		t.Errorf("metric line _aws = %+v, want namespace OIDCThumbprintRemediator", doc.AWS)
	}
}

func equalJSON(got any, want []any) bool {
	list, ok := got.([]any)
	return ok && slices.Equal(list, want)
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
