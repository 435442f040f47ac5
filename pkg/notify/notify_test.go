package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
)

const (
	topicARN = "arn:aws:sns:eu-west-1:123456789012:oidc-thumbprints"
	logHint  = "CloudWatch log group /aws/lambda/oidc-thumbprint-remediator"
	tpTop    = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
)

var started = time.Date(2026, 12, 4, 20, 0, 0, 0, time.UTC)

// fakeSNS records every Publish call and returns err when it is set.
type fakeSNS struct {
	calls []*sns.PublishInput
	err   error
}

func (f *fakeSNS) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	f.calls = append(f.calls, in)
	if f.err != nil {
		return nil, f.err
	}
	return &sns.PublishOutput{MessageId: aws.String(fmt.Sprintf("message-%d", len(f.calls)))}, nil
}

func sweep(providers ...report.Provider) report.Report {
	return report.Report{
		SchemaVersion: report.SchemaVersion,
		AccountID:     "123456789012",
		StartedAt:     started,
		FinishedAt:    started.Add(time.Minute),
		Providers:     providers,
	}
}

func provider(url string, k verdict.Kind, s verdict.Severity) report.Provider {
	return report.Provider{
		ARN:      "arn:aws:iam::123456789012:oidc-provider/" + url,
		URL:      url,
		Verdict:  k,
		Severity: s,
		Reason:   "reason for " + string(k),
		Before:   []string{tpTop},
	}
}

func TestParsePolicy(t *testing.T) {
	tests := []struct {
		in      string
		want    Policy
		wantErr bool
	}{
		{"always", Always, false},
		{"changes-and-problems", ChangesAndProblems, false},
		{"problems", Problems, false},
		{"", ChangesAndProblems, false},
		{" problems ", Problems, false},
		{"sometimes", "", true},
		{"Always", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePolicy(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParsePolicy(%q) error = %v, want error %t", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParsePolicy(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err != nil {
				for _, name := range []string{tt.in, "always", "changes-and-problems", "problems"} {
					if !strings.Contains(err.Error(), name) {
						t.Errorf("ParsePolicy(%q) error %q does not name %q", tt.in, err, name)
					}
				}
			}
		})
	}
}

func TestPublishPolicy(t *testing.T) {
	healthy := provider("a.example.test", verdict.OK, "")
	notReached := sweep(healthy)
	notReached.NotReached = []string{"arn:aws:iam::123456789012:oidc-provider/late.example.test"}
	withFinding := func(code finding.Code) report.Provider {
		p := provider("f.example.test", verdict.OK, "")
		p.Findings = []finding.Finding{{Code: code, Message: "test"}}
		return p
	}

	tests := []struct {
		name   string
		report report.Report
		want   map[Policy]bool
	}{
		{"quiet", sweep(healthy), map[Policy]bool{Always: true, ChangesAndProblems: false, Problems: false}},
		{"skipped only", sweep(provider("s.example.test", verdict.Skipped, "")), map[Policy]bool{Always: true, ChangesAndProblems: false, Problems: false}},
		{"updated", sweep(healthy, provider("u.example.test", verdict.Updated, verdict.Critical)), map[Policy]bool{Always: true, ChangesAndProblems: true, Problems: false}},
		{"would update without severity", sweep(provider("w.example.test", verdict.WouldUpdate, "")), map[Policy]bool{Always: true, ChangesAndProblems: true, Problems: false}},
		{"would update critical", sweep(provider("w.example.test", verdict.WouldUpdate, verdict.Critical)), map[Policy]bool{Always: true, ChangesAndProblems: true, Problems: true}},
		{"critical mismatch", sweep(provider("c.example.test", verdict.Mismatch, verdict.Critical)), map[Policy]bool{Always: true, ChangesAndProblems: true, Problems: true}},
		{"advisory mismatch", sweep(provider("m.example.test", verdict.Mismatch, verdict.Advisory)), map[Policy]bool{Always: true, ChangesAndProblems: true, Problems: true}},
		{"refused", sweep(provider("r.example.test", verdict.Refused, "")), map[Policy]bool{Always: true, ChangesAndProblems: true, Problems: true}},
		{"unreachable", sweep(provider("d.example.test", verdict.Unreachable, "")), map[Policy]bool{Always: true, ChangesAndProblems: true, Problems: true}},
		{"not reached", notReached, map[Policy]bool{Always: true, ChangesAndProblems: true, Problems: true}},
		{"healthy with a fault finding", sweep(withFinding(finding.ChainUnverified)), map[Policy]bool{Always: true, ChangesAndProblems: true, Problems: true}},
		{"healthy with an expiry warning", sweep(withFinding(finding.ExpiringSoon)), map[Policy]bool{Always: true, ChangesAndProblems: true, Problems: true}},
		{"healthy with a stale entry", sweep(withFinding(finding.StaleEntry)), map[Policy]bool{Always: true, ChangesAndProblems: false, Problems: false}},
	}
	for _, tt := range tests {
		for policy, wantSent := range tt.want {
			t.Run(tt.name+" "+string(policy), func(t *testing.T) {
				api := &fakeSNS{}
				p := &Publisher{API: api, TopicARN: topicARN, Policy: policy, LogHint: logHint}

				got, err := p.Publish(context.Background(), tt.report)
				if err != nil {
					t.Fatalf("Publish() error = %v", err)
				}
				if got.Sent != wantSent {
					t.Errorf("Publish().Sent = %t, want %t (reason %q)", got.Sent, wantSent, got.Reason)
				}
				if len(api.calls) != map[bool]int{true: 1, false: 0}[wantSent] {
					t.Errorf("Publish called SNS %d times, want sent=%t", len(api.calls), wantSent)
				}
				if got.Reason == "" {
					t.Errorf("Publish().Reason is empty")
				}
				if wantSent && got.MessageID != "message-1" {
					t.Errorf("Publish().MessageID = %q, want %q", got.MessageID, "message-1")
				}
			})
		}
	}
}

func TestPublishDefaultPolicy(t *testing.T) {
	api := &fakeSNS{}
	p := &Publisher{API: api, TopicARN: topicARN}

	got, err := p.Publish(context.Background(), sweep(provider("a.example.test", verdict.OK, "")))

	if err != nil {
		t.Fatalf("Publish() error = %v", err)
	}
	if got.Sent {
		t.Errorf("Publish() with the zero policy sent a quiet sweep, want changes-and-problems behaviour")
	}
}

func TestPublishPaddedPolicy(t *testing.T) {
	api := &fakeSNS{}
	p := &Publisher{API: api, TopicARN: topicARN, Policy: " always "}

	got, err := p.Publish(context.Background(), sweep(provider("a.example.test", verdict.OK, "")))

	if err != nil {
		t.Fatalf("Publish() error = %v", err)
	}
	if !got.Sent {
		t.Errorf("Publish() with policy %q did not send a quiet sweep, want always behaviour (reason %q)", p.Policy, got.Reason)
	}
}

func TestPublishRejectsInvalidSetup(t *testing.T) {
	tests := []struct {
		name string
		p    *Publisher
	}{
		{"no client", &Publisher{TopicARN: topicARN}},
		{"no topic", &Publisher{API: &fakeSNS{}}},
		{"unknown policy", &Publisher{API: &fakeSNS{}, TopicARN: topicARN, Policy: "sometimes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.p.Publish(context.Background(), sweep(provider("c.example.test", verdict.Mismatch, verdict.Critical)))
			if err == nil {
				t.Errorf("Publish() error = nil, want an error")
			}
		})
	}
}

func TestPublishMessage(t *testing.T) {
	r := sweep(
		provider("c.example.test", verdict.Mismatch, verdict.Critical),
		provider("u.example.test", verdict.Updated, verdict.Advisory),
		provider("a.example.test", verdict.OK, ""),
	)
	api := &fakeSNS{}
	p := &Publisher{API: api, TopicARN: topicARN, LogHint: logHint}

	out, err := p.Publish(context.Background(), r)
	if err != nil {
		t.Fatalf("Publish() error = %v", err)
	}
	if len(api.calls) != 1 {
		t.Fatalf("Publish called SNS %d times, want 1", len(api.calls))
	}
	in := api.calls[0]

	if got := aws.ToString(in.TopicArn); got != topicARN {
		t.Errorf("TopicArn = %q, want %q", got, topicARN)
	}
	if got := aws.ToString(in.MessageStructure); got != "json" {
		t.Errorf("MessageStructure = %q, want %q", got, "json")
	}
	if got, want := aws.ToString(in.Subject), report.Subject(r); got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
	if out.Omitted != 0 {
		t.Errorf("Omitted = %d, want 0", out.Omitted)
	}

	env := decodeEnvelope(t, aws.ToString(in.Message))
	if env.Email != report.Text(r) {
		t.Errorf("email = %q, want report.Text()", env.Email)
	}
	want, err := report.JSON(r)
	if err != nil {
		t.Fatal(err)
	}
	if env.Default != string(want) {
		t.Errorf("default = %s, want report.JSON()", env.Default)
	}
	validateReport(t, env.Default)

	wantAttributes := map[string][2]string{
		"highestSeverity": {"String", "critical"},
		"accountId":       {"String", "123456789012"},
		"dryRun":          {"String", "false"},
		"changes":         {"Number", "1"},
		"critical":        {"Number", "1"},
	}
	if len(in.MessageAttributes) != len(wantAttributes) {
		t.Errorf("MessageAttributes has %d entries, want %d", len(in.MessageAttributes), len(wantAttributes))
	}
	for name, want := range wantAttributes {
		got := in.MessageAttributes[name]
		if aws.ToString(got.DataType) != want[0] || aws.ToString(got.StringValue) != want[1] {
			t.Errorf("attribute %s = %s %q, want %s %q", name, aws.ToString(got.DataType), aws.ToString(got.StringValue), want[0], want[1])
		}
	}
}

func TestPublishShortensLargeReport(t *testing.T) {
	r := largeReport(5000)
	api := &fakeSNS{}
	p := &Publisher{API: api, TopicARN: topicARN, Policy: Always, LogHint: logHint}

	out, err := p.Publish(context.Background(), r)
	if err != nil {
		t.Fatalf("Publish() error = %v", err)
	}
	in := api.calls[0]
	message := aws.ToString(in.Message)

	if size := len(message) + attributeBytes(in.MessageAttributes); size > MaxMessageBytes {
		t.Errorf("message and attributes are %d bytes, want at most %d", size, MaxMessageBytes)
	}
	if size := len(message); size < MaxMessageBytes*9/10 {
		t.Errorf("message is %d bytes, want close to the %d-byte limit (shortened too much)", size, MaxMessageBytes)
	}
	if !utf8.ValidString(message) {
		t.Errorf("message is not valid UTF-8")
	}
	if out.Omitted == 0 || out.Omitted >= 5000 {
		t.Errorf("Omitted = %d, want between 1 and 4999", out.Omitted)
	}

	env := decodeEnvelope(t, message)
	validateReport(t, env.Default)
	var doc struct {
		Providers []report.Provider `json:"providers"`
		Counts    report.Counts     `json:"counts"`
		Omitted   report.Omission   `json:"omitted"`
	}
	if err := json.Unmarshal([]byte(env.Default), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Counts.Providers != 5000 {
		t.Errorf("counts.providers = %d, want 5000", doc.Counts.Providers)
	}
	if doc.Omitted.Providers != out.Omitted {
		t.Errorf("omitted.providers = %d, want Outcome.Omitted %d", doc.Omitted.Providers, out.Omitted)
	}
	if doc.Omitted.FullReport != logHint {
		t.Errorf("omitted.fullReport = %q, want %q", doc.Omitted.FullReport, logHint)
	}
	if len(doc.Providers)+out.Omitted != 5000 {
		t.Errorf("%d providers listed and %d omitted, want 5000 in all", len(doc.Providers), out.Omitted)
	}
	for _, p := range doc.Providers[:50] {
		if p.Severity != verdict.Critical {
			t.Errorf("provider %s listed with severity %q, want critical providers kept first", p.URL, p.Severity)
			break
		}
	}
	email := strings.Join(strings.Fields(env.Email), " ")
	if want := fmt.Sprintf("%d providers left out", out.Omitted); !strings.Contains(email, want) {
		t.Errorf("email does not contain %q", want)
	}
	if want := "The full report is in " + logHint; !strings.Contains(email, want) {
		t.Errorf("email does not contain %q", want)
	}

	again := &fakeSNS{}
	p.API = again
	if _, err := p.Publish(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if aws.ToString(again.calls[0].Message) != message {
		t.Errorf("second Publish() of the same report sent a different message")
	}
}

func TestPublishFitsEveryLimit(t *testing.T) {
	r := largeReport(60)
	for limit := 3000; limit <= 40000; limit += 1111 {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			api := &fakeSNS{}
			p := &Publisher{API: api, TopicARN: topicARN, Policy: Always, LogHint: logHint, MaxMessageBytes: limit}

			if _, err := p.Publish(context.Background(), r); err != nil {
				t.Fatalf("Publish() error = %v", err)
			}
			in := api.calls[0]
			if size := len(aws.ToString(in.Message)) + attributeBytes(in.MessageAttributes); size > limit {
				t.Errorf("message and attributes are %d bytes, want at most %d", size, limit)
			}
		})
	}
}

func TestPublishLimitTooSmall(t *testing.T) {
	api := &fakeSNS{}
	p := &Publisher{API: api, TopicARN: topicARN, Policy: Always, MaxMessageBytes: 200}

	_, err := p.Publish(context.Background(), largeReport(3))

	if err == nil {
		t.Errorf("Publish() error = nil, want an error for a limit below the smallest message")
	}
	if len(api.calls) != 0 {
		t.Errorf("Publish called SNS %d times, want 0", len(api.calls))
	}
}

func TestPublishFailureIsWrapped(t *testing.T) {
	cause := errors.New("AuthorizationError: not allowed to publish")
	api := &fakeSNS{err: cause}
	p := &Publisher{API: api, TopicARN: topicARN, LogHint: logHint}
	r := sweep(provider("c.example.test", verdict.Mismatch, verdict.Critical))

	out, err := p.Publish(context.Background(), r)

	if !errors.Is(err, cause) {
		t.Errorf("Publish() error = %v, want it to wrap %v", err, cause)
	}
	if err != nil && !strings.Contains(err.Error(), topicARN) {
		t.Errorf("Publish() error = %q, want it to name the topic", err)
	}
	if out.Sent {
		t.Errorf("Publish().Sent = true after a failed publish")
	}
	if len(r.Providers) != 1 || r.Providers[0].Verdict != verdict.Mismatch {
		t.Errorf("Publish changed the caller's report")
	}
}

// largeReport returns a sweep with n providers: every tenth critical, the rest
// healthy with findings. Reasons carry multi-byte characters.
func largeReport(n int) report.Report {
	r := sweep()
	for i := range n {
		url := fmt.Sprintf("issuer-%05d.example.test/id/%032d", i, i)
		p := provider(url, verdict.OK, "")
		if i%10 == 0 {
			p = provider(url, verdict.Mismatch, verdict.Critical)
			p.Proposed = []string{tpTop}
		}
		p.Reason = "chaîne de certificats modifiée ✓ " + strings.Repeat("détail ", 5)
		p.Findings = []finding.Finding{{Code: finding.ExpiringSoon, Message: "the top certificate expires on 2027-03-01"}}
		r.Providers = append(r.Providers, p)
	}
	return r
}

func decodeEnvelope(t *testing.T, message string) envelope {
	t.Helper()
	var env envelope
	dec := json.NewDecoder(strings.NewReader(message))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		t.Fatalf("message is not the JSON envelope: %v", err)
	}
	if env.Default == "" || env.Email == "" {
		t.Fatalf("message lacks default or email: %q", message)
	}
	return env
}

func validateReport(t *testing.T, doc string) {
	t.Helper()
	schema, err := jsonschema.NewCompiler().Compile(filepath.Join("..", "..", "docs", "report.schema.json"))
	if err != nil {
		t.Fatalf("compiling docs/report.schema.json: %v", err)
	}
	value, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(doc)))
	if err != nil {
		t.Fatalf("default message is not JSON: %v", err)
	}
	if err := schema.Validate(value); err != nil {
		t.Errorf("default message does not match docs/report.schema.json: %v", err)
	}
}
