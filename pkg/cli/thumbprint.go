package cli

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/chain"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/thumbprint"
)

func thumbprintFlags() *flag.FlagSet {
	return newFlagSet("thumbprint", "thumbprint <FILE|->",
		`Reads certificates from a PEM file or a pasted "openssl s_client -showcerts" transcript,
in any order, orders them from the leaf by following issuer-to-subject links, and
prints the SHA-1 thumbprint IAM needs when that is the chain the issuer's JWKS host
sends. This is the value a sweep proposes: the top intermediate CA, the last CA
certificate that is not self-signed. When every CA certificate is self-signed it is
the last CA certificate, and when the input has no CA certificate it is the leaf.
Standard output gets the thumbprint alone; standard error says which certificate was
chosen and why. "-" reads standard input. There are no options.
`, "0 thumbprint printed, 2 unreadable input or no single certificate chain.")
}

func runThumbprint(args []string, env Env) (int, error) {
	fs := thumbprintFlags()
	positional, err := parseInterleaved(fs, args)
	if err != nil {
		return ExitUsage, err
	}
	if len(positional) != 1 {
		return ExitUsage, usageError("want exactly one FILE (or - for standard input), got %d arguments", len(positional))
	}
	name := positional[0]

	data, err := readInput(name, env.Stdin)
	if err != nil {
		return ExitUsage, err
	}
	certs, err := thumbprint.ParsePEM(data)
	if err != nil {
		return ExitUsage, fmt.Errorf("reading %s: %w", name, err)
	}
	ordered, err := thumbprint.Order(certs)
	if err != nil {
		return ExitUsage, fmt.Errorf("reading %s: %w", name, err)
	}

	c := chain.Chain{Certificates: make([]chain.Certificate, len(ordered))}
	for i, cert := range ordered {
		c.Certificates[i] = chain.Describe(cert)
	}
	chosen, reason := choosePin(c)

	fmt.Fprintln(env.Stdout, c.Certificates[chosen].Thumbprint)
	writeChoice(env.Stderr, c, chosen, reason, len(certs))
	return ExitOK, nil
}

// choosePin returns the position in c of the certificate whose thumbprint IAM needs,
// by the rule a sweep uses, and the reason for the choice. A chain without a CA
// certificate falls back to its leaf.
func choosePin(c chain.Chain) (int, string) {
	pin := c.Pin()
	last := len(c.Certificates) - 1
	if pin.Thumbprint == "" {
		return last, "the input has no CA certificate, so the only candidate is the leaf"
	}

	index := last
	for index > 0 && c.Certificates[index].Thumbprint != pin.Thumbprint {
		index--
	}
	switch {
	case pin.SelfSigned:
		return index, "every CA certificate in the chain is self-signed, so the last one is the value to pin"
	case index < last:
		return index, fmt.Sprintf("it is the top intermediate CA, the last CA certificate that is not self-signed; "+
			"the self-signed root %s after it is left out because servers may stop sending it", c.Certificates[last].Subject)
	}
	return index, "it is the top certificate of the chain and a CA that is not self-signed (the top intermediate CA)"
}

// writeChoice explains the choice on w: the chosen certificate, the reason, and the
// ordered chain with the chosen certificate marked.
func writeChoice(w io.Writer, c chain.Chain, chosen int, reason string, read int) {
	desc := c.Certificates[chosen]
	fmt.Fprintf(w, "chosen certificate: %s\n  issued by: %s\n  expires:   %s\n  reason: %s\n",
		desc.Subject, desc.Issuer, desc.NotAfter.Format("2006-01-02"), reason)
	fmt.Fprintf(w, "chain from the leaf (%d of %d certificates read):\n", len(c.Certificates), read)
	for i, cert := range c.Certificates {
		kind := "leaf"
		switch {
		case cert.IsCA && cert.SelfSigned:
			kind = "CA, self-signed"
		case cert.IsCA:
			kind = "CA"
		}
		mark := ""
		if i == chosen {
			mark = "  <= chosen"
		}
		fmt.Fprintf(w, "  %d %s %s: %s%s\n", i, cert.Thumbprint, kind, cert.Subject, mark)
	}
	if !desc.IsCA {
		fmt.Fprintln(w, "warning: the chosen certificate is a leaf (not a CA), so this value breaks at the next certificate renewal; include the CA certificates the server sends")
	}
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
