package cli

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/thumbprint"
)

func thumbprintFlags(env Env) *flag.FlagSet {
	return newFlagSet("thumbprint", "thumbprint <FILE|->",
		`Reads certificates from a PEM file or a pasted "openssl s_client -showcerts" transcript,
in any order, finds the top certificate by following issuer-to-subject links, and
prints its SHA-1 thumbprint: the value IAM needs when that is the chain the issuer's
JWKS host sends. "-" reads standard input.
`, env.Stderr)
}

func runThumbprint(args []string, env Env) (int, error) {
	fs := thumbprintFlags(env)
	positional, err := parseInterleaved(fs, args)
	if err != nil {
		return ExitUsage, err
	}
	if len(positional) != 1 {
		return ExitUsage, usageError("want exactly one FILE (or - for standard input), got %d arguments", len(positional))
	}

	data, err := readInput(positional[0], env.Stdin)
	if err != nil {
		return ExitUsage, err
	}
	certs, err := thumbprint.ParsePEM(data)
	if err != nil {
		return ExitUsage, fmt.Errorf("reading %s: %w", positional[0], err)
	}
	top, err := thumbprint.Top(certs)
	if err != nil {
		return ExitUsage, fmt.Errorf("reading %s: %w", positional[0], err)
	}

	desc := chain.Describe(top)
	fmt.Fprintln(env.Stdout, desc.Thumbprint)
	fmt.Fprintf(env.Stderr, "top certificate: %s\n  issued by: %s\n  expires:   %s\n  certificates read: %d\n",
		desc.Subject, desc.Issuer, desc.NotAfter.Format("2006-01-02"), len(certs))
	if !desc.IsCA {
		fmt.Fprintln(env.Stderr, "warning: the top certificate is a leaf (not a CA), so this value breaks at the next certificate renewal; include the CA certificates the server sends")
	}
	return ExitOK, nil
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	const limit = 4 << 20
	var r io.Reader
	if name == "-" {
		r = stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(data) > limit {
		return nil, fmt.Errorf("reading %s: larger than %d bytes; want a PEM file or an openssl transcript", name, limit)
	}
	return data, nil
}
