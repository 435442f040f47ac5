// Package handler is the Lambda edge of the sweep. It reads the invocation event and
// runs a sweep with the event's options. Then it publishes the summary, writes one
// structured log line per provider, one per sweep and one Embedded Metric Format line,
// and returns the invocation result.
//
// It returns an error only when the sweep as a whole could not run, because Lambda
// retries failed asynchronous invocations and a retry of a finished sweep would send a
// duplicate email.
package handler

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/event"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/metrics"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/notify"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/sweep"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
)

// Runner runs one sweep with the given options.
type Runner func(ctx context.Context, opts sweep.Options) (report.Report, error)

// Handler serves Lambda invocations.
type Handler struct {
	// Run runs the sweep.
	Run Runner
	// Options are the configured sweep options; the event may override some.
	Options sweep.Options
	// Policy is the configured notification policy.
	Policy notify.Policy
	// Publisher is nil when no topic is configured. Its Policy is replaced by the
	// configured or requested one on each invocation.
	Publisher *notify.Publisher
	// Logger receives one line per provider and one per sweep.
	Logger *slog.Logger
	// Metrics receives the Embedded Metric Format line (standard output in Lambda).
	Metrics io.Writer
	// Namespace is the CloudWatch namespace of the metric line.
	Namespace string
}

// Result is the invocation's response.
type Result struct {
	AccountID       string         `json:"accountId"`
	DryRun          bool           `json:"dryRun"`
	Providers       int            `json:"providers"`
	Verdicts        map[string]int `json:"verdicts"`
	HighestSeverity string         `json:"highestSeverity"`
	NotReached      int            `json:"notReached"`
	// Notes repeats the sweep-level problems that did not stop it, such as a provider
	// filter entry that matches no provider.
	Notes        []string `json:"notes,omitempty"`
	Published    bool     `json:"published"`
	MessageID    string   `json:"messageId,omitempty"`
	PublishError string   `json:"publishError,omitempty"`
	NotifyReason string   `json:"notifyReason,omitempty"`
	DurationMs   int64    `json:"durationMs"`
}

// Invoke handles one invocation.
func (h *Handler) Invoke(ctx context.Context, payload json.RawMessage) (Result, error) {
	started := time.Now()

	req, err := event.Parse(payload)
	if err != nil {
		h.Logger.ErrorContext(ctx, "invalid event", "error", err)
		return Result{}, err
	}
	opts, policy, err := h.apply(req)
	if err != nil {
		h.Logger.ErrorContext(ctx, "invalid event", "error", err)
		return Result{}, err
	}

	opts.Progress = func(p report.Provider) { h.logProvider(ctx, p) }
	rep, err := h.Run(ctx, opts)
	if err != nil {
		h.Logger.ErrorContext(ctx, "sweep failed", "error", err)
		return Result{}, fmt.Errorf("sweep did not run: %w", err)
	}
	if rep.AccountID == "" {
		rep.AccountID = accountFromContext(ctx)
	}
	for _, note := range rep.Notes {
		h.Logger.WarnContext(ctx, "sweep note", "note", note)
	}
	for _, arn := range rep.NotReached {
		h.Logger.WarnContext(ctx, "provider not reached before deadline", "provider", arn)
	}

	result := summarize(rep, time.Since(started))
	h.publish(ctx, rep, policy, &result)
	h.writeMetrics(ctx, rep, time.Since(started))

	h.Logger.InfoContext(ctx, "sweep finished",
		"account", rep.AccountID,
		"dryRun", rep.DryRun,
		"providers", result.Providers,
		"verdicts", result.Verdicts,
		"highestSeverity", result.HighestSeverity,
		"notReached", result.NotReached,
		"published", result.Published,
		"durationMs", result.DurationMs,
	)
	return result, nil
}

// apply merges the event's options into the configured ones.
func (h *Handler) apply(req event.Request) (sweep.Options, notify.Policy, error) {
	opts := h.Options
	if req.DryRun != nil {
		opts.DryRun = *req.DryRun
	}
	if len(req.Providers) > 0 {
		opts.Filter = req.Providers
	}

	policy := h.Policy
	if req.Notify != "" {
		p, err := notify.ParsePolicy(req.Notify)
		if err != nil {
			return opts, policy, fmt.Errorf("%w: %w", event.ErrInvalid, err)
		}
		policy = p
	}
	return opts, policy, nil
}

func (h *Handler) publish(ctx context.Context, rep report.Report, policy notify.Policy, result *Result) {
	if h.Publisher == nil {
		result.NotifyReason = "no topic configured"
		return
	}

	pub := *h.Publisher
	pub.Policy = policy
	outcome, err := pub.Publish(ctx, rep)
	if err != nil {
		// The sweep's work is done and logged per provider. A failed publish is
		// reported in the result instead of failing the invocation, so Lambda does not
		// rerun a finished sweep.
		h.Logger.ErrorContext(ctx, "publish failed", "error", err)
		result.PublishError = err.Error()
		return
	}
	result.Published = outcome.Sent
	result.MessageID = outcome.MessageID
	result.NotifyReason = outcome.Reason
	if outcome.Omitted > 0 {
		h.Logger.WarnContext(ctx, "summary shortened", "omittedProviders", outcome.Omitted)
	}
}

func (h *Handler) writeMetrics(ctx context.Context, rep report.Report, d time.Duration) {
	if h.Metrics == nil {
		return
	}
	// EMF ends the line with a newline already; another one would write an empty
	// log event after it.
	line, err := metrics.EMF(rep, h.Namespace, d)
	if err == nil {
		_, err = h.Metrics.Write(line)
	}
	if err != nil {
		h.Logger.ErrorContext(ctx, "writing metrics failed", "error", err)
	}
}

// logProvider writes one line per provider outcome: thumbprints and subjects only,
// never certificate bodies.
func (h *Handler) logProvider(ctx context.Context, p report.Provider) {
	codes := make([]string, len(p.Findings))
	for i, f := range p.Findings {
		codes[i] = string(f.Code)
	}
	attrs := []any{
		"provider", p.ARN,
		"url", p.URL,
		"verdict", p.Verdict,
		"severity", p.Severity,
		"reason", p.Reason,
		"before", p.Before,
		"proposed", p.Proposed,
		"findings", codes,
		"durationMs", p.Duration.Milliseconds(),
	}
	if p.Cluster != nil {
		attrs = append(attrs, "cluster", p.Cluster.Name, "region", p.Cluster.Region)
	}
	level := slog.LevelInfo
	if p.Severity != "" || p.Verdict == verdict.Unreachable || p.Verdict == verdict.Refused {
		level = slog.LevelWarn
	}
	h.Logger.Log(ctx, level, "provider swept", attrs...)
}

func summarize(rep report.Report, d time.Duration) Result {
	c := report.Count(rep)
	verdicts := map[string]int{
		"ok": c.OK, "mismatch": c.Mismatch, "updated": c.Updated, "would-update": c.WouldUpdate,
		"unreachable": c.Unreachable, "refused": c.Refused, "skipped": c.Skipped,
	}
	return Result{
		AccountID:       rep.AccountID,
		DryRun:          rep.DryRun,
		Providers:       c.Providers,
		Verdicts:        verdicts,
		HighestSeverity: report.SeverityLabel(report.Highest(rep)),
		NotReached:      len(rep.NotReached),
		Notes:           rep.Notes,
		DurationMs:      d.Milliseconds(),
	}
}

// accountFromContext reads the account ID from the invoked function's ARN, for
// sweeps that found no provider to take it from.
func accountFromContext(ctx context.Context) string {
	lc, ok := lambdacontext.FromContext(ctx)
	if !ok {
		return ""
	}
	parts := strings.SplitN(lc.InvokedFunctionArn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}
