// Command demo runs the remediator end to end on loopback. It seeds the sandbox
// account and runs the built bootstrap under the Lambda Runtime Interface Emulator.
// Then it invokes the function with an event and prints the result, each provider's
// thumbprint list before and after, and the email that SNS would deliver. It stops
// everything it started when it ends or on Ctrl-C.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/sandbox/lambdarie"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/scenario"
)

func main() {
	bootstrap := flag.String("bootstrap", "bin/bootstrap", "path of the built function")
	rie := flag.String("rie", "bin/aws-lambda-rie", "path of the Lambda Runtime Interface Emulator")
	eventFile := flag.String("event", "events/scheduled.json", "event `FILE` to invoke the function with")
	invokeOnly := flag.Bool("invoke-only", false, "print only the function's result (or the emulator's error document), as JSON")
	verbose := flag.Bool("v", false, "also print the function's log lines")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, *bootstrap, *rie, *eventFile, *invokeOnly, *verbose, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "demo: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, bootstrap, rie, eventFile string, invokeOnly, verbose bool, out io.Writer) error {
	for _, path := range []string{bootstrap, rie} {
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("%w (run \"make demo\", which builds it)", err)
		}
	}
	payload, err := os.ReadFile(eventFile)
	if err != nil {
		return err
	}

	account, err := scenario.StartDemo(time.Now())
	if err != nil {
		return fmt.Errorf("seeding the sandbox: %w", err)
	}
	defer account.Close()

	before := lists(account)
	if !invokeOnly {
		printSeed(out, account)
	}

	var logs io.Writer
	if verbose {
		logs = os.Stderr
	}
	emu, err := lambdarie.Start(ctx, lambdarie.Options{Emulator: rie, Bootstrap: bootstrap, Env: account.Env(), Logs: logs})
	if err != nil {
		return err
	}
	defer emu.Close()

	result, err := emu.Invoke(ctx, payload)
	if err != nil {
		return err
	}
	if invokeOnly {
		// Only the result goes to standard output, so it can be piped to jq.
		fmt.Fprintln(out, indentJSON(result))
		return nil
	}
	section(out, fmt.Sprintf("Function result for %s", eventFile))
	fmt.Fprintln(out, indentJSON(result))
	if d, ok := emu.InitDuration(); ok {
		fmt.Fprintf(out, "(cold start reported by the emulator: Init Duration %.1f ms)\n", float64(d.Microseconds())/1000)
	}

	printLists(out, account, before)
	printEmail(out, account)
	return idempotency(ctx, out, account, emu, payload)
}

func printSeed(out io.Writer, a *scenario.Account) {
	section(out, "Sandbox account "+a.AWS.AccountID()+": IAM OIDC providers as seeded")
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "PROVIDER\tURL\tEXPECTED")
	for _, p := range a.Providers {
		fmt.Fprintf(w, "%s\t%s\t%s\n", p.Label, p.URL, p.Expect)
	}
	w.Flush()
}

func lists(a *scenario.Account) map[string][]string {
	m := map[string][]string{}
	for _, p := range a.Providers {
		if stored, ok := a.AWS.Provider(p.ARN); ok {
			m[p.ARN] = stored.Thumbprints
		}
	}
	return m
}

func printLists(out io.Writer, a *scenario.Account, before map[string][]string) {
	section(out, "Thumbprint lists in IAM, before and after")
	after := lists(a)
	for _, p := range a.Providers {
		change := "unchanged"
		if strings.Join(before[p.ARN], ",") != strings.Join(after[p.ARN], ",") {
			change = "CHANGED"
		}
		fmt.Fprintf(out, "%-12s %s\n  before: %s\n  after:  %s\n", p.Label, change, show(before[p.ARN]), show(after[p.ARN]))
	}
}

func show(list []string) string {
	if len(list) == 0 {
		return "(empty)"
	}
	return strings.Join(list, " ")
}

func printEmail(out io.Writer, a *scenario.Account) {
	section(out, "Email that SNS would deliver")
	published := a.AWS.Published()
	if len(published) == 0 {
		fmt.Fprintln(out, "(nothing was published)")
		return
	}
	msg := published[len(published)-1]
	fmt.Fprintf(out, "Subject: %s\n\n", msg.Subject)
	var envelope map[string]string
	if err := json.Unmarshal([]byte(msg.Message), &envelope); err != nil {
		fmt.Fprintln(out, msg.Message)
		return
	}
	fmt.Fprintln(out, envelope["email"])
}

// idempotency invokes the function again and shows that a repeated sweep writes
// nothing more.
func idempotency(ctx context.Context, out io.Writer, a *scenario.Account, emu *lambdarie.Emulator, payload []byte) error {
	writes := a.AWS.Calls("iam", "UpdateOpenIDConnectProviderThumbprint")
	if _, err := emu.Invoke(ctx, payload); err != nil {
		return err
	}
	again := a.AWS.Calls("iam", "UpdateOpenIDConnectProviderThumbprint") - writes
	section(out, "Second invocation")
	fmt.Fprintf(out, "IAM thumbprint updates on the second run: %d (a repeated sweep changes nothing more)\n", again)
	if again != 0 {
		return errors.New("the second sweep wrote to IAM again")
	}
	return nil
}

func section(out io.Writer, title string) {
	fmt.Fprintf(out, "\n== %s ==\n", title)
}

func indentJSON(data []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, "", "  "); err != nil {
		return string(data)
	}
	return buf.String()
}
