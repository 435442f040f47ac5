package metrics

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
)

// metricDefinition names one metric in the EMF metadata.
type metricDefinition struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

// directive is an EMF MetricDirective: which root members are metrics, under which
// namespace and dimension sets.
type directive struct {
	Namespace  string             `json:"Namespace"`
	Dimensions [][]string         `json:"Dimensions"`
	Metrics    []metricDefinition `json:"Metrics"`
}

type metadata struct {
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
}

// EMF returns one EMF log line, ending in a newline, with the counts of r and the
// sweep duration: Providers, OK, Mismatch, Updated, WouldUpdate, Unreachable,
// Refused, Skipped, NotReached, Critical, CriticalUnresolved and Advisory as Count,
// and DurationMs as Milliseconds. The timestamp is the sweep's finish time (its start
// time when the finish is unknown). The metrics have no dimension, so the template's
// alarms match them by name alone. One function runs per account, and AccountId is
// written as a plain property for searching the log.
func EMF(r report.Report, namespace string, duration time.Duration) ([]byte, error) {
	if namespace == "" {
		return nil, errors.New("metrics: namespace is empty")
	}
	at := r.FinishedAt
	if at.IsZero() {
		at = r.StartedAt
	}
	if at.IsZero() {
		return nil, errors.New("metrics: report has neither a finish nor a start time")
	}

	c := report.Count(r)
	values := []struct {
		name  string
		value int64
	}{
		{"Providers", int64(c.Providers)},
		{"OK", int64(c.OK)},
		{"Mismatch", int64(c.Mismatch)},
		{"Updated", int64(c.Updated)},
		{"WouldUpdate", int64(c.WouldUpdate)},
		{"Unreachable", int64(c.Unreachable)},
		{"Refused", int64(c.Refused)},
		{"Skipped", int64(c.Skipped)},
		{"NotReached", int64(c.NotReached)},
		{"Critical", int64(c.Critical)},
		{"CriticalUnresolved", int64(c.CriticalUnresolved)},
		{"Advisory", int64(c.Advisory)},
	}

	line := map[string]any{}
	if r.AccountID != "" {
		line["AccountId"] = r.AccountID
	}
	d := directive{Namespace: namespace, Dimensions: [][]string{{}}}
	for _, v := range values {
		d.Metrics = append(d.Metrics, metricDefinition{Name: v.name, Unit: "Count"})
		line[v.name] = v.value
	}
	d.Metrics = append(d.Metrics, metricDefinition{Name: "DurationMs", Unit: "Milliseconds"})
	line["DurationMs"] = duration.Milliseconds()
	line["_aws"] = metadata{Timestamp: at.UnixMilli(), CloudWatchMetrics: []directive{d}}

	b, err := json.Marshal(line)
	if err != nil {
		return nil, fmt.Errorf("metrics: encoding EMF line: %w", err)
	}
	return append(b, '\n'), nil
}
