// Command bench measures whole sweeps on loopback: it seeds accounts of several sizes
// with issuers that delay every handshake and response, one of them far slower than
// the rest, and sweeps each account with the built bootstrap as a command-line child
// process. It prints wall time, CPU time and peak resident memory of that process,
// the allocations of the same sweep run through the Lambda handler in a worker
// process, IAM, SNS and TLS handshake counts against what the sweep should cost, the
// ratio to a sequential sweep, the slow provider's own time, the cold start under the
// Lambda Runtime Interface Emulator and the size of the arm64 bootstrap.
//
// The output is Markdown, so docs/benchmarks.md can quote it. Nothing here asserts a
// target; the command reports each one as met or missed.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	var opts options
	flag.StringVar(&opts.bootstrap, "bootstrap", "bin/bootstrap", "path of the built function")
	flag.StringVar(&opts.rie, "rie", "bin/aws-lambda-rie", "path of the Lambda Runtime Interface Emulator")
	flag.StringVar(&opts.goTool, "go", "go", "go command that builds the arm64 bootstrap")
	sizes := flag.String("n", "10,100,500", "comma-separated account `sizes` (providers per sweep)")
	flag.DurationVar(&opts.delay, "delay", 50*time.Millisecond, "handshake delay and response delay of every fast issuer")
	flag.DurationVar(&opts.slowDelay, "slow-delay", 2*time.Second, "handshake delay and response delay of the one slow issuer")
	flag.IntVar(&opts.sequentialMax, "sequential-max", 100, "largest account size also swept with CONCURRENCY=1")
	flag.IntVar(&opts.concurrency, "concurrency", 0, "CONCURRENCY for the concurrent sweeps; 0 keeps the function's default")
	flag.IntVar(&opts.staleEvery, "stale-every", 10, "give every n-th provider a stale list, so the sweep updates it; 0 for none")
	flag.IntVar(&opts.coldStarts, "cold-starts", 5, "cold starts to measure under the emulator; 0 skips them")
	flag.BoolVar(&opts.skipARM64, "skip-arm64", false, "do not build the arm64 bootstrap")
	worker := flag.String("worker", "", "internal: run one in-process sweep (lambda or floor) and print JSON")
	providerARN := flag.String("provider", "", "internal: the provider ARN for -worker floor")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *worker != "" {
		if err := runWorker(ctx, *worker, *providerARN, os.Stdout); err != nil {
			fmt.Fprintf(os.Stderr, "bench worker: %v\n", err)
			os.Exit(1)
		}
		return
	}

	var err error
	if opts.sizes, err = parseSizes(*sizes); err != nil {
		fmt.Fprintf(os.Stderr, "bench: invalid -n: %v\n", err)
		os.Exit(2)
	}
	opts.command = strings.Join(append([]string{"go run ./sandbox/cmd/bench"}, os.Args[1:]...), " ")
	if err := run(ctx, opts, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

func parseSizes(s string) ([]int, error) {
	var sizes []int
	for _, field := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q: want whole numbers of at least 1, such as 10,100,500", field)
		}
		sizes = append(sizes, n)
	}
	slices.Sort(sizes)
	return slices.Compact(sizes), nil
}
