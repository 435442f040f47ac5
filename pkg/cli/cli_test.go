package cli

import (
	"flag"
	"strings"
	"testing"
)

func TestRunTopLevelUsage(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantStatus int
		wantStdout string
		wantStderr string
	}{
		{"no arguments", nil, ExitUsage, "", "remediator help <command>"},
		{"help", []string{"help"}, ExitOK, "remediator help <command>", ""},
		{"-h", []string{"-h"}, ExitOK, "remediator help <command>", ""},
		{"--help", []string{"--help"}, ExitOK, "remediator help <command>", ""},
		{"unknown command", []string{"frobnicate"}, ExitUsage, "", `unknown command "frobnicate": want check, thumbprint, sweep or help`},
		{"help for unknown command", []string{"help", "frobnicate"}, ExitUsage, "", `unknown command "frobnicate"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := run(t, Env{}, "", tt.args...)

			if out.status != tt.wantStatus {
				t.Errorf("Run(%q) = %d, want %d", tt.args, out.status, tt.wantStatus)
			}
			if tt.wantStdout == "" && out.stdout != "" {
				t.Errorf("Run(%q) stdout = %q, want nothing", tt.args, out.stdout)
			}
			if !strings.Contains(out.stdout, tt.wantStdout) {
				t.Errorf("Run(%q) stdout has no %q:\n%s", tt.args, tt.wantStdout, out.stdout)
			}
			if tt.wantStderr == "" && out.stderr != "" {
				t.Errorf("Run(%q) stderr = %q, want nothing", tt.args, out.stderr)
			}
			if !strings.Contains(out.stderr, tt.wantStderr) {
				t.Errorf("Run(%q) stderr has no %q:\n%s", tt.args, tt.wantStderr, out.stderr)
			}
		})
	}
}

func TestRunHelpForEveryCommand(t *testing.T) {
	commands := []struct {
		name  string
		flags *flag.FlagSet
		// exit is the exit status line the help must print.
		exit string
		// want lists the units and accepted values the help must state.
		want []string
	}{
		{"check", first(checkFlags()), "Exit status: " + judgedExitStatus, []string{
			"check <issuer URL>", "-format format", "text or json", "-ca-bundle FILE",
			"-handshake-timeout duration", "5s", "-expiry-warning-days days", "0 to 32",
			"-thumbprints list", "40 hex characters",
		}},
		{"thumbprint", thumbprintFlags(), "Exit status: 0 thumbprint printed, 2 unreadable input", []string{"thumbprint <FILE|->", `"-" reads standard input`, "top intermediate CA"}},
		{"sweep", first(sweepFlags()), "Exit status: " + judgedExitStatus, []string{"-provider ARN", "repeatable", "-dry-run", "DRY_RUN", "text or json", "AWS_PROFILE"}},
	}
	for _, cmd := range commands {
		forms := [][]string{
			{cmd.name, "-h"},
			{cmd.name, "-help"},
			{cmd.name, "--help"},
			{"help", cmd.name},
			{cmd.name, "positional", "--help"},
		}
		for _, args := range forms {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				out := run(t, Env{}, "", args...)

				if out.status != ExitOK {
					t.Errorf("Run(%q) = %d, want %d", args, out.status, ExitOK)
				}
				if out.stderr != "" {
					t.Errorf("Run(%q) stderr = %q, want nothing", args, out.stderr)
				}
				if !strings.HasPrefix(out.stdout, "Usage: remediator "+cmd.name) {
					t.Errorf("Run(%q) stdout does not start with the usage line:\n%s", args, out.stdout)
				}
				if !strings.Contains(out.stdout, cmd.exit) {
					t.Errorf("Run(%q) stdout does not explain the exit status:\n%s", args, out.stdout)
				}
				for _, want := range cmd.want {
					if !strings.Contains(out.stdout, want) {
						t.Errorf("Run(%q) stdout has no %q:\n%s", args, want, out.stdout)
					}
				}
				cmd.flags.VisitAll(func(f *flag.Flag) {
					_, usage := flag.UnquoteUsage(f)
					if !strings.Contains(out.stdout, "-"+f.Name) || !strings.Contains(out.stdout, usage) {
						t.Errorf("Run(%q) stdout does not describe -%s as %q:\n%s", args, f.Name, usage, out.stdout)
					}
				})
			})
		}
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"check unknown flag", []string{"check", "--bogus", "example.com"}, "flag provided but not defined: -bogus"},
		{"thumbprint unknown flag", []string{"thumbprint", "--bogus", "-"}, "flag provided but not defined: -bogus"},
		{"sweep unknown flag", []string{"sweep", "--bogus"}, "flag provided but not defined: -bogus"},
		{"check unknown format", []string{"check", "example.com", "--format", "xml"}, `"xml" is not a format: want text or json`},
		{"sweep unknown format", []string{"sweep", "--format=yaml"}, `"yaml" is not a format: want text or json`},
		{"check bad duration", []string{"check", "example.com", "--handshake-timeout", "5"}, "-handshake-timeout"},
		{"check samples out of range", []string{"check", "example.com", "--samples", "33"}, "-samples 33: want 0 to 32"},
		{"check zero handshake timeout", []string{"check", "example.com", "--handshake-timeout", "0"}, "-handshake-timeout 0s: want a duration above 0"},
		{"check negative http timeout", []string{"check", "example.com", "--http-timeout", "-5s"}, "-http-timeout -5s: want a duration above 0"},
		{"check http timeout too long", []string{"check", "example.com", "--http-timeout", "20m"}, "at most 15m"},
		{"check negative expiry days", []string{"check", "example.com", "--expiry-warning-days", "-1"}, "-expiry-warning-days -1: want 0 to 3650"},
		{"check without issuer", []string{"check"}, "want exactly one issuer URL, got 0 arguments"},
		{"check two issuers", []string{"check", "a.example.com", "b.example.com"}, "got 2 arguments"},
		{"check plain http issuer", []string{"check", "http://example.com"}, "http://example.com"},
		{"check missing CA bundle", []string{"check", "example.com", "--ca-bundle", "/nonexistent/ca.pem"}, "-ca-bundle"},
		{"sweep positional argument", []string{"sweep", "arn:aws:iam::123456789012:oidc-provider/example.com"}, "name providers with -provider"},
		{"sweep empty provider", []string{"sweep", "--provider", " "}, "empty value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := run(t, Env{}, "", tt.args...)

			if out.status != ExitUsage {
				t.Errorf("Run(%q) = %d, want %d", tt.args, out.status, ExitUsage)
			}
			if out.stdout != "" {
				t.Errorf("Run(%q) stdout = %q, want nothing", tt.args, out.stdout)
			}
			if !strings.Contains(out.stderr, tt.want) {
				t.Errorf("Run(%q) stderr has no %q:\n%s", tt.args, tt.want, out.stderr)
			}
			if !strings.Contains(out.stderr, `Run "remediator help `+tt.args[0]+`" for usage.`) {
				t.Errorf("Run(%q) stderr does not point at the help:\n%s", tt.args, out.stderr)
			}
			if strings.Contains(out.stderr, "Options:") {
				t.Errorf("Run(%q) stderr repeats the whole help:\n%s", tt.args, out.stderr)
			}
		})
	}
}

func first[T, U any](a T, _ U) T { return a }

func TestRunHelpHelp(t *testing.T) {
	out := run(t, Env{}, "", "help", "help")

	if out.status != ExitOK {
		t.Errorf("Run(help help) = %d, want %d", out.status, ExitOK)
	}
	if !strings.Contains(out.stdout, "remediator help [command]") {
		t.Errorf("Run(help help) stdout lacks the command list:\n%s", out.stdout)
	}
}
