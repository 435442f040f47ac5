package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/config"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/handler"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/setup"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/sweep"
)

// scheduledEvent is the classic EventBridge scheduled event that the function's
// schedule sends.
const scheduledEvent = `{"version":"0","id":"89d1a02d-5ec7-412e-82f5-13505f849b41","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-03-02T06:00:00Z","region":"eu-west-1","resources":[],"detail":{}}`

// workerResult is the JSON document a worker prints on standard output.
type workerResult struct {
	// TotalAlloc and Mallocs are the bytes and objects allocated by the invocation.
	TotalAlloc uint64 `json:"totalAlloc"`
	Mallocs    uint64 `json:"mallocs"`
	// Result is the Lambda handler's result (worker "lambda").
	Result *handler.Result `json:"result,omitempty"`
	// ProviderDuration is the one provider's own time (worker "floor").
	ProviderDuration time.Duration `json:"providerDuration,omitempty"`
	Verdict          string        `json:"verdict,omitempty"`
}

// runWorker runs one sweep in this process, configured from the environment exactly
// as the function is, and prints a workerResult. The benchmark starts it as a child
// process so that its allocations and timings contain only the sweep, not the issuers
// and the AWS double that the parent runs.
func runWorker(ctx context.Context, mode, providerARN string, out io.Writer) error {
	cfg, err := config.Load(os.LookupEnv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("loading AWS configuration: %w", err)
	}
	trust, err := setup.LoadTrust(cfg.CABundle)
	if err != nil {
		return err
	}
	sweeper := setup.NewSweeper(cfg, awsCfg, setup.NewObservers(cfg, trust, nil))

	var result workerResult
	switch mode {
	case "lambda":
		err = invokeHandler(ctx, cfg, awsCfg, sweeper, &result)
	case "floor":
		err = sweepOne(ctx, sweeper, providerARN, &result)
	default:
		err = fmt.Errorf("unknown worker %q: want lambda or floor", mode)
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(result)
}

// invokeHandler runs the Lambda handler once, as the function's main does, and
// records the allocations of the invocation alone.
func invokeHandler(ctx context.Context, cfg config.Config, awsCfg aws.Config, sweeper *sweep.Sweeper, result *workerResult) error {
	h, err := setup.NewHandler(cfg, awsCfg, sweeper, setup.HandlerOptions{
		Logger:  slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Metrics: io.Discard,
		LogHint: "benchmark",
	})
	if err != nil {
		return err
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := h.Invoke(ctx, []byte(scheduledEvent))
	runtime.ReadMemStats(&after)
	if err != nil {
		return fmt.Errorf("invoking the handler: %w", err)
	}

	result.TotalAlloc = after.TotalAlloc - before.TotalAlloc
	result.Mallocs = after.Mallocs - before.Mallocs
	result.Result = &res
	return nil
}

// sweepOne sweeps only providerARN as a dry run and records its own duration.
func sweepOne(ctx context.Context, sweeper *sweep.Sweeper, providerARN string, result *workerResult) error {
	if providerARN == "" {
		return fmt.Errorf("worker floor: missing -provider")
	}
	sweeper.Options.DryRun = true
	sweeper.Options.Filter = []string{providerARN}
	sweeper.Options.Concurrency = 1

	var swept []report.Provider
	sweeper.Options.Progress = func(p report.Provider) { swept = append(swept, p) }
	if _, err := sweeper.Run(ctx); err != nil {
		return err
	}
	if len(swept) != 1 {
		return fmt.Errorf("worker floor: swept %d providers, want 1 (%s)", len(swept), providerARN)
	}
	result.ProviderDuration = swept[0].Duration
	result.Verdict = string(swept[0].Verdict)
	return nil
}
