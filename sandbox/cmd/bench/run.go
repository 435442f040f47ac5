package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/config"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/bench"
)

type options struct {
	bootstrap, rie, goTool string
	sizes                  []int
	delay, slowDelay       time.Duration
	sequentialMax          int
	concurrency            int
	staleEvery             int
	coldStarts             int
	skipARM64              bool
	command                string
}

// sizeResult holds every figure measured for one account size.
type sizeResult struct {
	n          int
	concurrent sweepRun
	sequential *sweepRun // nil when the size is above -sequential-max
	lambda     lambdaRun
	floor      time.Duration // the slow provider swept alone
	expected   bench.Counters
}

// sweepRun is one command-line sweep in a child process.
type sweepRun struct {
	usage    bench.Usage
	counters bench.Counters
	verdicts map[string]int
	missed   int // providers not reached before the deadline
}

// lambdaRun is one handler invocation in a worker process.
type lambdaRun struct {
	usage    bench.Usage
	counters bench.Counters
	worker   workerResult
}

func run(ctx context.Context, opts options, out, progress io.Writer) error {
	for _, path := range []string{opts.bootstrap, opts.rie} {
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("%w (run \"make bench\", which builds it)", err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the bench executable for its workers: %w", err)
	}
	if _, err := bench.RaiseOpenFileLimit(); err != nil {
		return err
	}
	started := time.Now()

	largest := opts.sizes[len(opts.sizes)-1]
	fmt.Fprintf(progress, "starting %d issuers\n", largest)
	issuers, err := bench.StartIssuers(bench.IssuerOptions{
		Count:     largest,
		Delay:     opts.delay,
		SlowDelay: opts.slowDelay,
		Now:       time.Now(),
	})
	if err != nil {
		return err
	}
	defer issuers.Close()

	var results []sizeResult
	for _, n := range opts.sizes {
		result, err := measureSize(ctx, opts, self, issuers, n, progress)
		if err != nil {
			return fmt.Errorf("account of %d providers: %w", n, err)
		}
		results = append(results, result)
	}

	cold, err := measureColdStarts(ctx, opts, issuers, progress)
	if err != nil {
		return err
	}
	// A failed arm64 build, for example of a tree in the middle of an edit, costs only
	// its own figure, not the sweeps measured before it.
	arm64Size, arm64Err := buildARM64(ctx, opts, progress)

	printReport(out, opts, results, cold, arm64Size, time.Since(started))
	if arm64Err != nil {
		fmt.Fprintf(out, "The arm64 bootstrap was not measured: %v\n", arm64Err)
	}
	return nil
}

func measureSize(ctx context.Context, opts options, self string, issuers *bench.Issuers, n int, progress io.Writer) (sizeResult, error) {
	account, err := bench.NewAccount(issuers, n, opts.staleEvery)
	if err != nil {
		return sizeResult{}, err
	}
	defer account.Close()

	env := account.Env(timeouts(opts.slowDelay))
	concurrentEnv := env
	if opts.concurrency > 0 {
		concurrentEnv = append(concurrentEnv, "CONCURRENCY="+strconv.Itoa(opts.concurrency))
	}
	result := sizeResult{n: n, expected: expectedCounters(n, len(account.Stale))}

	fmt.Fprintf(progress, "N=%d: concurrent sweep\n", n)
	if result.concurrent, err = cliSweep(ctx, opts.bootstrap, account, concurrentEnv); err != nil {
		return result, err
	}

	fmt.Fprintf(progress, "N=%d: the slow provider alone\n", n)
	floor, err := runWorkerChild(ctx, self, append(env, "CONCURRENCY=1"), "-worker", "floor", "-provider", account.ARNs[0])
	if err != nil {
		return result, err
	}
	result.floor = floor.worker.ProviderDuration

	if n <= opts.sequentialMax {
		fmt.Fprintf(progress, "N=%d: sequential sweep (CONCURRENCY=1)\n", n)
		sequential, err := cliSweep(ctx, opts.bootstrap, account, append(env, "CONCURRENCY=1"))
		if err != nil {
			return result, err
		}
		result.sequential = &sequential
	}

	fmt.Fprintf(progress, "N=%d: Lambda handler in a worker process\n", n)
	account.Reset()
	before := account.Counters()
	if result.lambda, err = runWorkerChild(ctx, self, concurrentEnv, "-worker", "lambda"); err != nil {
		return result, err
	}
	result.lambda.counters = account.Counters().Sub(before)
	return result, nil
}

// timeouts returns handshake and HTTP timeouts that the slow issuer's delays fit in:
// the function's defaults, or more for a slower issuer.
func timeouts(slowDelay time.Duration) (handshake, http time.Duration) {
	return max(config.DefaultHandshakeTimeout, 2*slowDelay), max(config.DefaultHTTPTimeout, 4*slowDelay)
}

// expectedCounters returns the cost a sweep of n providers, stale of them with a stale
// list, should have.
// IAM gets one list call, one read per provider, one more read before each write and
// one write per stale list. SNS gets one publish when a list changed, as the default
// notification policy sends. Each provider costs tlsprobe's plan of handshakes (one
// TLS 1.3-only and one TLS 1.2-only per address, then the samples) plus one for the
// discovery and JWKS requests, which share a connection.
func expectedCounters(n, stale int) bench.Counters {
	const addresses = 1
	perProvider := 2*addresses + config.DefaultSamples + 1
	return bench.Counters{
		List:       1,
		Get:        n + stale,
		Update:     stale,
		Publish:    min(stale, 1),
		Handshakes: n * perProvider,
	}
}

func cliSweep(ctx context.Context, bootstrap string, account *bench.Account, env []string) (sweepRun, error) {
	account.Reset()
	before := account.Counters()
	usage, err := bench.Run(ctx, bootstrap, []string{"sweep", "--format", "json"}, env)
	if err != nil {
		return sweepRun{}, err
	}
	run := sweepRun{usage: usage, counters: account.Counters().Sub(before)}

	var rep report.Report
	if err := json.Unmarshal(usage.Stdout, &rep); err != nil {
		return run, fmt.Errorf("reading the sweep report (exit %d): %w\n%s", usage.ExitCode, err, usage.Stderr)
	}
	run.verdicts = map[string]int{}
	for _, p := range rep.Providers {
		label := string(p.Verdict)
		if p.Severity != "" {
			label += "/" + string(p.Severity)
		}
		run.verdicts[label]++
	}
	run.missed = len(rep.NotReached)
	return run, nil
}

func runWorkerChild(ctx context.Context, self string, env []string, args ...string) (lambdaRun, error) {
	usage, err := bench.Run(ctx, self, args, env)
	if err != nil {
		return lambdaRun{}, err
	}
	if usage.ExitCode != 0 {
		return lambdaRun{}, fmt.Errorf("worker %v exited with %d: %s", args, usage.ExitCode, usage.Stderr)
	}
	run := lambdaRun{usage: usage}
	if err := json.Unmarshal(usage.Stdout, &run.worker); err != nil {
		return run, fmt.Errorf("reading the worker's result: %w", err)
	}
	return run, nil
}
