package main

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/config"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/bench"
)

// Targets recorded for the benchmark; the report marks each as met or missed.
const (
	targetSize           = 100 // the account size the wall-time targets apply to
	targetFloorFactor    = 1.5 // wall time at most this times the slow provider's own time
	targetSpeedup        = 20  // at least this many times faster than the sequential sweep
	targetRSSSize        = 500
	targetRSS            = 64 << 20
	targetInit           = 50 * time.Millisecond
	targetBootstrapBytes = 12 << 20
)

func printReport(out io.Writer, opts options, results []sizeResult, cold []time.Duration, arm64Size int64, elapsed time.Duration) {
	concurrency := fmt.Sprintf("%d (the function's default)", config.DefaultConcurrency)
	if opts.concurrency > 0 {
		concurrency = fmt.Sprint(opts.concurrency)
	}

	fmt.Fprintf(out, "## Run of %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(out, "- command: `%s`\n", opts.command)
	fmt.Fprintf(out, "- machine: %d CPUs (%s), %s memory, %s, %s/%s\n", runtime.NumCPU(), cpuModel(), memTotal(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(out, "- issuers: every fast issuer delays each handshake and each response by %s; one slow issuer delays both by %s and its provider is listed last\n", opts.delay, opts.slowDelay)
	fmt.Fprintf(out, "- concurrency: %s; every %d-th provider has a stale list, so the sweep updates it\n", concurrency, opts.staleEvery)
	fmt.Fprintf(out, "- the whole benchmark took %s\n\n", elapsed.Round(time.Second))

	for _, r := range results {
		printSize(out, r)
	}
	printOnce(out, cold, arm64Size)
	printTargets(out, results, cold, arm64Size)
}

func printSize(out io.Writer, r sizeResult) {
	c, l := r.concurrent, r.lambda
	fmt.Fprintf(out, "### N = %d providers\n\n", r.n)
	fmt.Fprintln(out, "| figure | measured | expected or bound |")
	fmt.Fprintln(out, "|---|---|---|")
	row(out, "verdicts (command-line sweep)", verdictList(c.verdicts, c.missed), "")
	row(out, "wall time, command-line sweep", seconds(c.usage.Wall), fmt.Sprintf("slow provider alone: %s", seconds(r.floor)))
	row(out, "wall time / slow provider alone", ratio(c.usage.Wall, r.floor), fmt.Sprintf("<= %.1fx", targetFloorFactor))
	row(out, "CPU time (user + system)", seconds(c.usage.CPU), "")
	row(out, "peak resident memory", mebibytes(c.usage.MaxRSS), "")
	row(out, "IAM calls: list, get, update", counts(c.counters), counts(r.expected))
	row(out, "TLS handshakes at the issuers", fmt.Sprint(c.counters.Handshakes), fmt.Sprint(r.expected.Handshakes))
	if s := r.sequential; s != nil {
		row(out, "wall time, sequential (CONCURRENCY=1)", seconds(s.usage.Wall), "")
		row(out, "speed-up over sequential", ratio(s.usage.Wall, c.usage.Wall), fmt.Sprintf("at most %s (sequential / slow provider alone)", ratio(s.usage.Wall, r.floor)))
		row(out, "sequential: CPU, peak memory", seconds(s.usage.CPU)+", "+mebibytes(s.usage.MaxRSS), "")
	} else {
		row(out, "wall time, sequential (CONCURRENCY=1)", "not run", "above -sequential-max")
	}
	row(out, "Lambda handler: wall, CPU, peak memory", fmt.Sprintf("%s, %s, %s", seconds(l.usage.Wall), seconds(l.usage.CPU), mebibytes(l.usage.MaxRSS)), "")
	row(out, "Lambda handler: allocations", fmt.Sprintf("%s in %d objects", mebibytes(int64(l.worker.TotalAlloc)), l.worker.Mallocs), "")
	row(out, "Lambda handler: IAM calls; SNS publishes", fmt.Sprintf("%s; %d", counts(l.counters), l.counters.Publish), fmt.Sprintf("%s; %d", counts(r.expected), r.expected.Publish))
	fmt.Fprintln(out)
}

func printOnce(out io.Writer, cold []time.Duration, arm64Size int64) {
	fmt.Fprintln(out, "### Cold start and binary")
	fmt.Fprintln(out)
	if len(cold) > 0 {
		fmt.Fprintf(out, "- init duration under the emulator (INIT REPORT, bootstrap exec to its first /next call), %d cold starts: median %s, min %s, max %s\n",
			len(cold), millis(cold[len(cold)/2]), millis(cold[0]), millis(cold[len(cold)-1]))
	}
	if arm64Size > 0 {
		fmt.Fprintf(out, "- linux/arm64 bootstrap (CGO_ENABLED=0, -tags lambda.norpc -trimpath -ldflags \"-s -w\"): %s (%d bytes)\n", mebibytes(arm64Size), arm64Size)
	}
	fmt.Fprintln(out)
}

func printTargets(out io.Writer, results []sizeResult, cold []time.Duration, arm64Size int64) {
	fmt.Fprintln(out, "### Targets")
	fmt.Fprintln(out)
	for _, r := range results {
		if r.n == targetSize {
			target(out, fmt.Sprintf("N=%d wall time <= %.1fx the slow provider alone", r.n, targetFloorFactor),
				float64(r.concurrent.usage.Wall) <= targetFloorFactor*float64(r.floor), ratio(r.concurrent.usage.Wall, r.floor))
			if r.sequential != nil {
				target(out, fmt.Sprintf("N=%d at least %dx faster than sequential", r.n, targetSpeedup),
					r.sequential.usage.Wall >= targetSpeedup*r.concurrent.usage.Wall, ratio(r.sequential.usage.Wall, r.concurrent.usage.Wall))
			}
		}
		if r.n == targetRSSSize {
			target(out, fmt.Sprintf("N=%d peak resident memory <= %s", r.n, mebibytes(targetRSS)), r.concurrent.usage.MaxRSS <= targetRSS, mebibytes(r.concurrent.usage.MaxRSS))
		}
		target(out, fmt.Sprintf("N=%d IAM calls and handshakes as expected", r.n), costAsExpected(r), counts(r.concurrent.counters)+fmt.Sprintf(", %d handshakes", r.concurrent.counters.Handshakes))
	}
	if len(cold) > 0 {
		median := cold[len(cold)/2]
		target(out, "init duration <= "+millis(targetInit), median <= targetInit, "median "+millis(median))
	}
	if arm64Size > 0 {
		target(out, "arm64 bootstrap <= "+mebibytes(targetBootstrapBytes), arm64Size <= targetBootstrapBytes, mebibytes(arm64Size))
	}
	fmt.Fprintln(out)
}

func costAsExpected(r sizeResult) bool {
	runs := []bench.Counters{r.concurrent.counters, r.lambda.counters}
	if r.sequential != nil {
		runs = append(runs, r.sequential.counters)
	}
	for _, c := range runs {
		if c.List != r.expected.List || c.Get != r.expected.Get || c.Update != r.expected.Update || c.Handshakes != r.expected.Handshakes {
			return false
		}
	}
	return r.lambda.counters.Publish == r.expected.Publish
}

func target(out io.Writer, name string, met bool, measured string) {
	verdict := "met"
	if !met {
		verdict = "MISSED"
	}
	fmt.Fprintf(out, "- %s: %s (%s)\n", name, verdict, measured)
}

func row(out io.Writer, name, measured, expected string) {
	fmt.Fprintf(out, "| %s | %s | %s |\n", name, measured, expected)
}

func verdictList(verdicts map[string]int, missed int) string {
	var parts []string
	for _, v := range slices.Sorted(maps.Keys(verdicts)) {
		parts = append(parts, fmt.Sprintf("%d %s", verdicts[v], v))
	}
	if missed > 0 {
		parts = append(parts, fmt.Sprintf("%d not reached", missed))
	}
	return strings.Join(parts, ", ")
}

func counts(c bench.Counters) string {
	return fmt.Sprintf("%d, %d, %d", c.List, c.Get, c.Update)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func millis(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

func mebibytes(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func ratio(a, b time.Duration) string {
	if b <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1fx", float64(a)/float64(b))
}

// cpuModel returns the first "model name" in /proc/cpuinfo, or "unknown CPU".
func cpuModel() string {
	return procField("/proc/cpuinfo", "model name", "unknown CPU")
}

// memTotal returns MemTotal from /proc/meminfo, or "unknown".
func memTotal() string {
	return procField("/proc/meminfo", "MemTotal", "unknown")
}

func procField(path, key, fallback string) string {
	f, err := os.Open(path)
	if err != nil {
		return fallback
	}
	defer f.Close()

	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		name, value, ok := strings.Cut(scanner.Text(), ":")
		if ok && strings.TrimSpace(name) == key {
			return strings.TrimSpace(value)
		}
	}
	return fallback
}
