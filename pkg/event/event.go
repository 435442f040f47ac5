// Package event reads the events that start a sweep: the classic EventBridge
// "Scheduled Event", EventBridge Scheduler's default event (whose detail is the JSON
// string "{}"), and a manual event that carries options.
//
// The package only parses; it does not decide what a sweep does with the options.
package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Source names where an event came from.
type Source string

const (
	SourceSchedule  Source = "schedule"  // EventBridge rule (source aws.events)
	SourceScheduler Source = "scheduler" // EventBridge Scheduler (source aws.scheduler)
	SourceManual    Source = "manual"    // any other invocation with options
)

// Request holds the sweep options an event sets. Nil or empty fields leave the
// function's configuration in force.
type Request struct {
	Source Source `json:"source"`
	// DryRun overrides the configured dry-run setting when set.
	DryRun *bool `json:"dryRun,omitempty"`
	// Providers limits the sweep to these provider ARNs or URLs.
	Providers []string `json:"providers,omitempty"`
	// Notify overrides the notification policy: always, changes-and-problems or
	// problems.
	Notify string `json:"notify,omitempty"`
}

// manual is the manual event's shape. Unknown fields are rejected so a misspelt
// option such as "dryrun" fails loudly instead of running a real sweep.
type manual struct {
	DryRun    *bool    `json:"dryRun"`
	Providers []string `json:"providers"`
	Notify    string   `json:"notify"`
}

var manualFields = []string{"dryRun", "providers", "notify"}

// envelope is the part of an EventBridge event this package reads.
type envelope struct {
	Version    string          `json:"version"`
	Source     string          `json:"source"`
	DetailType string          `json:"detail-type"`
	Detail     json.RawMessage `json:"detail"`
}

// ErrInvalid is wrapped by every error for an event that cannot be read.
var ErrInvalid = errors.New("invalid event")

const manualForm = `want an EventBridge scheduled event, or a manual event such as {"dryRun": true, "providers": ["arn:aws:iam::123456789012:oidc-provider/example.com"], "notify": "always"}`

// Parse reads a raw invocation payload. An empty payload or JSON null is a manual event
// with no options.
func Parse(payload []byte) (Request, error) {
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return Request{Source: SourceManual}, nil
	}

	var fields map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &fields); err != nil {
		return Request{}, fmt.Errorf("%w: not a JSON object (%w): %s", ErrInvalid, err, manualForm)
	}
	if _, ok := fields["detail-type"]; ok {
		return parseScheduled(trimmed)
	}
	return parseManual(trimmed)
}

func parseScheduled(payload []byte) (Request, error) {
	var env envelope
	if err := json.Unmarshal(payload, &env); err != nil {
		return Request{}, fmt.Errorf("%w: reading EventBridge event: %w", ErrInvalid, err)
	}
	if env.DetailType != "Scheduled Event" {
		return Request{}, fmt.Errorf("%w: detail-type %q: want \"Scheduled Event\"", ErrInvalid, env.DetailType)
	}

	var source Source
	switch env.Source {
	case "aws.events":
		source = SourceSchedule
	case "aws.scheduler":
		source = SourceScheduler
	default:
		return Request{}, fmt.Errorf("%w: source %q: want aws.events or aws.scheduler", ErrInvalid, env.Source)
	}

	detail, err := detailObject(env.Detail)
	if err != nil {
		return Request{}, err
	}
	req, err := parseManual(detail)
	if err != nil {
		return Request{}, fmt.Errorf("reading detail of scheduled event: %w", err)
	}
	req.Source = source
	return req, nil
}

// detailObject returns the detail as a JSON object. EventBridge sends an object;
// Scheduler's default event sends the object encoded as a JSON string, "{}".
func detailObject(raw json.RawMessage) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return []byte("{}"), nil
	}
	if raw[0] == '"' {
		var inner string
		if err := json.Unmarshal(raw, &inner); err != nil {
			return nil, fmt.Errorf("%w: detail: %w", ErrInvalid, err)
		}
		if strings.TrimSpace(inner) == "" {
			return []byte("{}"), nil
		}
		raw = json.RawMessage(inner)
	}
	if !json.Valid(raw) || bytes.TrimSpace(raw)[0] != '{' {
		return nil, fmt.Errorf("%w: detail %s: want a JSON object or a string holding one", ErrInvalid, truncate(raw))
	}
	return raw, nil
}

func parseManual(payload []byte) (Request, error) {
	// encoding/json matches field names without regard to case, so "dryrun" would
	// silently set DryRun; the keys are checked exactly first.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(payload, &fields); err != nil {
		return Request{}, fmt.Errorf("%w: %w: %s", ErrInvalid, err, manualForm)
	}
	for key := range fields {
		if !slices.Contains(manualFields, key) {
			return Request{}, fmt.Errorf("%w: unknown field %q: want only %s", ErrInvalid, key, strings.Join(manualFields, ", "))
		}
	}

	var m manual
	if err := json.Unmarshal(payload, &m); err != nil {
		return Request{}, fmt.Errorf("%w: %w: %s", ErrInvalid, err, manualForm)
	}

	switch m.Notify {
	case "", "always", "changes-and-problems", "problems":
	default:
		return Request{}, fmt.Errorf("%w: notify %q: want always, changes-and-problems or problems", ErrInvalid, m.Notify)
	}
	for i, p := range m.Providers {
		if strings.TrimSpace(p) == "" {
			return Request{}, fmt.Errorf("%w: providers[%d] is empty: want a provider ARN or URL", ErrInvalid, i)
		}
	}

	return Request{Source: SourceManual, DryRun: m.DryRun, Providers: m.Providers, Notify: m.Notify}, nil
}

func truncate(b []byte) string {
	const max = 80
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
