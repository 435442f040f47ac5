package metrics

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
)

var finished = time.Date(2026, 12, 4, 20, 1, 12, 345_000_000, time.UTC)

// emfLine is the EMF document as CloudWatch Logs reads it.
type emfLine struct {
	AWS struct {
		Timestamp         int64 `json:"Timestamp"`
		CloudWatchMetrics []struct {
			Namespace  string     `json:"Namespace"`
			Dimensions [][]string `json:"Dimensions"`
			Metrics    []struct {
				Name string `json:"Name"`
				Unit string `json:"Unit"`
			} `json:"Metrics"`
		} `json:"CloudWatchMetrics"`
	} `json:"_aws"`
}

func sweep(accountID string) report.Report {
	return report.Report{
		AccountID:  accountID,
		StartedAt:  finished.Add(-time.Minute),
		FinishedAt: finished,
		Providers: []report.Provider{
			{URL: "a.example.test", Verdict: verdict.OK},
			{URL: "b.example.test", Verdict: verdict.OK},
			{URL: "c.example.test", Verdict: verdict.Mismatch, Severity: verdict.Critical},
			{URL: "d.example.test", Verdict: verdict.Updated, Severity: verdict.Advisory},
			{URL: "e.example.test", Verdict: verdict.WouldUpdate, Severity: verdict.Critical},
			{URL: "f.example.test", Verdict: verdict.Unreachable},
			{URL: "g.example.test", Verdict: verdict.Refused, Severity: verdict.Advisory},
			{URL: "h.example.test", Verdict: verdict.Skipped},
		},
		NotReached: []string{"arn:aws:iam::123456789012:oidc-provider/late.example.test"},
	}
}

func TestEMF(t *testing.T) {
	b, err := EMF(sweep("123456789012"), "OIDCThumbprints", 72345*time.Millisecond)
	if err != nil {
		t.Fatalf("EMF() error = %v", err)
	}
	if !bytes.HasSuffix(b, []byte("\n")) || bytes.Count(b, []byte("\n")) != 1 {
		t.Errorf("EMF() = %q, want one line ending in a newline", b)
	}

	var line emfLine
	if err := json.Unmarshal(b, &line); err != nil {
		t.Fatalf("EMF() is not JSON: %v", err)
	}
	var values map[string]any
	if err := json.Unmarshal(b, &values); err != nil {
		t.Fatal(err)
	}

	if got, want := line.AWS.Timestamp, finished.UnixMilli(); got != want {
		t.Errorf("_aws.Timestamp = %d, want %d", got, want)
	}
	if len(line.AWS.CloudWatchMetrics) != 1 {
		t.Fatalf("CloudWatchMetrics has %d directives, want 1", len(line.AWS.CloudWatchMetrics))
	}
	d := line.AWS.CloudWatchMetrics[0]
	if d.Namespace != "OIDCThumbprints" {
		t.Errorf("Namespace = %q, want %q", d.Namespace, "OIDCThumbprints")
	}
	if len(d.Dimensions) != 1 || len(d.Dimensions[0]) != 0 {
		t.Errorf("Dimensions = %q, want one empty dimension set, which the alarms match", d.Dimensions)
	}
	if values["AccountId"] != "123456789012" {
		t.Errorf("AccountId = %v, want %q", values["AccountId"], "123456789012")
	}

	want := map[string]float64{
		"Providers": 8, "OK": 2, "Mismatch": 1, "Updated": 1, "WouldUpdate": 1,
		"Unreachable": 1, "Refused": 1, "Skipped": 1, "NotReached": 1,
		"Critical": 2, "CriticalUnresolved": 2, "Advisory": 2, "DurationMs": 72345,
	}
	if len(d.Metrics) != len(want) {
		t.Errorf("Metrics has %d entries, want %d", len(d.Metrics), len(want))
	}
	for _, m := range d.Metrics {
		wantUnit := "Count"
		if m.Name == "DurationMs" {
			wantUnit = "Milliseconds"
		}
		if m.Unit != wantUnit {
			t.Errorf("metric %s unit = %q, want %q", m.Name, m.Unit, wantUnit)
		}
		wantValue, ok := want[m.Name]
		if !ok {
			t.Errorf("unexpected metric %s", m.Name)
			continue
		}
		if got := values[m.Name]; got != wantValue {
			t.Errorf("metric %s = %v, want %v", m.Name, got, wantValue)
		}
	}
}

func TestEMFWithoutAccount(t *testing.T) {
	b, err := EMF(sweep(""), "OIDCThumbprints", time.Second)
	if err != nil {
		t.Fatalf("EMF() error = %v", err)
	}
	var line emfLine
	if err := json.Unmarshal(b, &line); err != nil {
		t.Fatal(err)
	}
	var values map[string]any
	if err := json.Unmarshal(b, &values); err != nil {
		t.Fatal(err)
	}

	d := line.AWS.CloudWatchMetrics[0]
	if len(d.Dimensions) != 1 || len(d.Dimensions[0]) != 0 {
		t.Errorf("Dimensions = %q, want one empty dimension set", d.Dimensions)
	}
	if _, ok := values["AccountId"]; ok {
		t.Errorf("EMF() has an AccountId member without an account")
	}
}

func TestEMFRejectsInvalidInput(t *testing.T) {
	tests := []struct {
		name      string
		report    report.Report
		namespace string
	}{
		{"empty namespace", sweep("123456789012"), ""},
		{"no timestamps", report.Report{AccountID: "123456789012"}, "OIDCThumbprints"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := EMF(tt.report, tt.namespace, time.Second); err == nil {
				t.Errorf("EMF() error = nil, want an error")
			}
		})
	}
}

func TestEMFUsesStartWhenUnfinished(t *testing.T) {
	r := sweep("123456789012")
	r.FinishedAt = time.Time{}

	b, err := EMF(r, "OIDCThumbprints", time.Second)
	if err != nil {
		t.Fatalf("EMF() error = %v", err)
	}
	var line emfLine
	if err := json.Unmarshal(b, &line); err != nil {
		t.Fatal(err)
	}
	if got, want := line.AWS.Timestamp, r.StartedAt.UnixMilli(); got != want {
		t.Errorf("_aws.Timestamp = %d, want %d", got, want)
	}
}
