package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/sandbox/bench"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/lambdarie"
)

// measureColdStarts starts the emulator opts.coldStarts times, each time with a fresh
// bootstrap process, and returns the init durations that the emulator reported, sorted.
// Each invocation is a dry run of one fast provider, so it ends quickly.
func measureColdStarts(ctx context.Context, opts options, issuers *bench.Issuers, progress io.Writer) ([]time.Duration, error) {
	if opts.coldStarts <= 0 {
		return nil, nil
	}
	account, err := bench.NewAccount(issuers, min(2, len(issuers.Servers)), 0)
	if err != nil {
		return nil, err
	}
	defer account.Close()

	event, err := json.Marshal(map[string]any{"dryRun": true, "providers": []string{account.ARNs[len(account.ARNs)-1]}, "notify": "problems"})
	if err != nil {
		return nil, err
	}

	var durations []time.Duration
	for i := range opts.coldStarts {
		fmt.Fprintf(progress, "cold start %d of %d\n", i+1, opts.coldStarts)
		d, err := coldStart(ctx, opts, account.Env(timeouts(opts.slowDelay)), event)
		if err != nil {
			return nil, err
		}
		durations = append(durations, d)
	}
	slices.Sort(durations)
	return durations, nil
}

func coldStart(ctx context.Context, opts options, env []string, event []byte) (time.Duration, error) {
	emulator, err := lambdarie.Start(ctx, lambdarie.Options{Emulator: opts.rie, Bootstrap: opts.bootstrap, Env: env, Timeout: time.Minute})
	if err != nil {
		return 0, err
	}
	defer emulator.Close()

	if _, err := emulator.Invoke(ctx, event); err != nil {
		return 0, err
	}
	d, ok := emulator.InitDuration()
	if !ok {
		return 0, fmt.Errorf("the emulator reported no INIT REPORT line:\n%s", emulator.Logs())
	}
	return d, nil
}

// buildARM64 builds the function as SAM's makefile target does and returns the size
// of the binary in bytes.
func buildARM64(ctx context.Context, opts options, progress io.Writer) (int64, error) {
	if opts.skipARM64 {
		return 0, nil
	}
	dir, err := os.MkdirTemp("", "remediator-bench-arm64-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)

	fmt.Fprintln(progress, "building the linux/arm64 bootstrap")
	output := filepath.Join(dir, "bootstrap")
	cmd := exec.CommandContext(ctx, opts.goTool, "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", output, "./functions/remediator")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("building the arm64 bootstrap: %w\n%s", err, out)
	}
	info, err := os.Stat(output)
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}
