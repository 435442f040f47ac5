package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/config"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/setup"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
)

type sweepOptions struct {
	dryRun    bool
	providers stringList
	format    formatFlag
}

// stringList collects a repeatable flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(s string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("empty value: want a provider ARN or URL")
	}
	*l = append(*l, s)
	return nil
}

func sweepFlags() (*flag.FlagSet, *sweepOptions) {
	o := &sweepOptions{format: "text"}
	fs := newFlagSet("sweep", "sweep [options]",
		`Sweeps every IAM OIDC provider in the account, as the scheduled function does, and
prints the report. AWS credentials and region come from the standard chain (environment,
profiles with AWS_PROFILE, SSO, instance roles). Settings come from the same environment
variables as the function (DRY_RUN, CONCURRENCY, CA_BUNDLE_FILE, ...; see the README);
the options below override them. Nothing is published to SNS from the command line.
On a terminal, one progress line per provider goes to standard error.
`, judgedExitStatus)
	fs.BoolVar(&o.dryRun, "dry-run", false, "compute and report everything and write nothing to IAM (overrides DRY_RUN)")
	fs.Var(&o.providers, "provider", "sweep only this provider, given as its `ARN` or issuer URL (repeatable)")
	fs.Var(&o.format, "format", "output `format`: text or json")
	return fs, o
}

func runSweep(ctx context.Context, args []string, env Env) (int, error) {
	fs, o := sweepFlags()
	positional, err := parseInterleaved(fs, args)
	if err != nil {
		return ExitUsage, err
	}
	if len(positional) > 0 {
		return ExitUsage, usageError("unexpected argument %q: name providers with -provider", positional[0])
	}

	cfg, err := config.Load(env.Lookup)
	if err != nil {
		return ExitUsage, fmt.Errorf("configuration: %w", err)
	}
	if o.dryRun {
		cfg.DryRun = true
	}

	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return ExitUsage, fmt.Errorf("loading AWS configuration: %w", err)
	}
	trust, err := loadTrust(env, cfg)
	if err != nil {
		return ExitUsage, err
	}

	sweeper := setup.NewSweeper(cfg, awsCfg, setup.NewObservers(cfg, trust, env.Resolver))
	sweeper.Options.Filter = o.providers
	// Progress goes to standard error, so that is the stream that must be a terminal.
	// A report piped to a file or jq then still shows progress on the screen.
	if env.IsTerminal != nil && env.IsTerminal(env.Stderr) {
		sweeper.Options.Progress = func(p report.Provider) {
			fmt.Fprintf(env.Stderr, "%-12s %s\n", progressLabel(p), p.URL)
		}
	}

	rep, err := sweeper.Run(ctx)
	if err != nil {
		fmt.Fprintf(env.Stderr, "remediator sweep: %v\n", err)
		return ExitProblem, nil
	}
	if err := writeReport(env, o.format, rep); err != nil {
		return ExitUsage, err
	}
	return sweepStatus(rep), nil
}

func progressLabel(p report.Provider) string {
	if p.Severity != "" {
		return fmt.Sprintf("%s/%s", p.Verdict, p.Severity)
	}
	return string(p.Verdict)
}

func writeReport(env Env, format formatFlag, rep report.Report) error {
	if format == "json" {
		data, err := report.JSON(rep)
		if err != nil {
			return err
		}
		_, err = env.Stdout.Write(append(data, '\n'))
		return err
	}
	_, err := fmt.Fprint(env.Stdout, report.Text(rep))
	return err
}

// sweepStatus is 0 when every provider is healthy or skipped and nothing changed.
func sweepStatus(rep report.Report) int {
	if len(rep.NotReached) > 0 {
		return ExitProblem
	}
	for _, p := range rep.Providers {
		if p.Verdict != verdict.Skipped && !healthy(p) {
			return ExitProblem
		}
	}
	return ExitOK
}

// healthy reports whether a provider needs nothing: its verdict is ok, no change is
// proposed and no finding is a fault. An ok list on a host whose chain no longer
// verifies is not healthy, because token exchanges fail there whatever the list holds.
func healthy(p report.Provider) bool {
	if p.Verdict != verdict.OK || len(p.Proposed) > 0 {
		return false
	}
	for _, f := range p.Findings {
		if f.Code.Fault() {
			return false
		}
	}
	return true
}
