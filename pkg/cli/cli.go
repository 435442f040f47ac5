// Package cli is the command-line face of the remediator: check one issuer without
// AWS, compute a thumbprint from a PEM file or an openssl transcript, or sweep the
// account from a terminal with the standard AWS credential chain.
//
// Exit status: 0 healthy, 1 problems found or changes made, 2 usage or configuration
// error. Run never calls os.Exit; the caller does.
package cli

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/config"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/netguard"
)

// Exit statuses.
const (
	ExitOK      = 0
	ExitProblem = 1
	ExitUsage   = 2
)

// Env holds a command's streams and its sources of settings, trust and names. Nil
// SystemRoots and Resolver fields mean the system root store and resolver.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Lookup reads environment variables (os.LookupEnv).
	Lookup config.LookupFunc
	// IsTerminal reports whether w is an interactive terminal.
	IsTerminal func(w io.Writer) bool
	// SystemRoots overrides the system root store, which approximates the root CAs
	// AWS trusts.
	SystemRoots *x509.CertPool
	// Resolver overrides the system DNS resolver.
	Resolver netguard.Resolver
}

// errUsage marks errors caused by how the command was called.
var errUsage = errors.New("usage error")

const usage = `remediator keeps IAM OIDC provider thumbprints in step with the certificates
their issuers serve.

Usage:
  remediator check <issuer URL> [options]   observe one issuer and judge a thumbprint list; no AWS access
  remediator thumbprint <FILE|->            print the thumbprint IAM needs from a PEM file or
                                            "openssl s_client -showcerts" output ("-" reads standard input)
  remediator sweep [options]                sweep every IAM OIDC provider in the account
  remediator help [command]                 show help for a command

Exit status: 0 healthy, 1 problems found or changes made, 2 usage or configuration error.
Run "remediator help <command>" for the options of each command.
`

// Run runs the command line and returns the exit status.
func Run(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return ExitUsage
	}

	cmd, rest := args[0], args[1:]
	var (
		status int
		err    error
	)
	switch cmd {
	case "check":
		status, err = runCheck(ctx, rest, env)
	case "thumbprint":
		status, err = runThumbprint(rest, env)
	case "sweep":
		status, err = runSweep(ctx, rest, env)
	case "help", "-h", "-help", "--help":
		return runHelp(rest, env)
	default:
		fmt.Fprintf(env.Stderr, "remediator: unknown command %q: want check, thumbprint, sweep or help\n\n%s", cmd, usage)
		return ExitUsage
	}

	switch {
	case errors.Is(err, flag.ErrHelp):
		return runHelp([]string{cmd}, env)
	case errors.Is(err, errUsage):
		fmt.Fprintf(env.Stderr, "remediator %s: %v\nRun \"remediator help %s\" for usage.\n", cmd, unwrapUsage(err), cmd)
		return ExitUsage
	case err != nil:
		fmt.Fprintf(env.Stderr, "remediator %s: %v\n", cmd, err)
		return ExitUsage
	}
	return status
}

func runHelp(args []string, env Env) int {
	if len(args) == 0 {
		fmt.Fprint(env.Stdout, usage)
		return ExitOK
	}
	var fs *flag.FlagSet
	switch args[0] {
	case "help":
		fmt.Fprint(env.Stdout, usage)
		return ExitOK
	case "check":
		fs, _ = checkFlags()
	case "thumbprint":
		fs = thumbprintFlags()
	case "sweep":
		fs, _ = sweepFlags()
	default:
		fmt.Fprintf(env.Stderr, "remediator help: unknown command %q: want check, thumbprint or sweep\n", args[0])
		return ExitUsage
	}
	fs.SetOutput(env.Stdout)
	fs.Usage()
	return ExitOK
}

// parseInterleaved parses flags that may come before or after positional arguments,
// so "check URL --format json" works as people type it. It returns flag.ErrHelp for
// -h, -help and --help, and a usage error for an unknown flag or an invalid value.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %w", errUsage, err)
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func usageError(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

func unwrapUsage(err error) string {
	return strings.TrimPrefix(err.Error(), errUsage.Error()+": ")
}

// newFlagSet returns a flag set that returns errors instead of exiting. Its output is
// discarded, so parsing prints nothing: Run reports a parse error in one line on
// standard error, and prints the help on standard output when it is requested, by
// setting the output and calling Usage.
func newFlagSet(name, synopsis, details, exitStatus string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: remediator %s\n\n%s", synopsis, details)
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprint(out, "\nOptions:\n")
			fs.PrintDefaults()
		}
		fmt.Fprintf(out, "\nExit status: %s\n", exitStatus)
	}
	return fs
}

// judgedExitStatus is the exit status help of the commands that judge providers.
const judgedExitStatus = "0 healthy, 1 problems found or changes made, 2 usage or configuration error."

// formatFlag validates --format.
type formatFlag string

func (f *formatFlag) String() string { return string(*f) }

func (f *formatFlag) Set(s string) error {
	if s != "text" && s != "json" {
		return fmt.Errorf("%q is not a format: want text or json", s)
	}
	*f = formatFlag(s)
	return nil
}
