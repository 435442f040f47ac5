package cli

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/oidc-thumbprint-remediator/remediator/sandbox/awsdouble"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/issuerfarm"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/pki"
)

// sweepAccount is an AWS double with two providers served by farm issuers: healthy,
// whose list holds the intermediate, and stale, whose list holds a retired one.
type sweepAccount struct {
	aws                  *awsdouble.Server
	env                  Env
	healthyARN, staleARN string
	staleBefore          []string
	want                 string // the thumbprint the stale provider needs
	// vars are the product's environment variables, read through Env.Lookup.
	vars map[string]string
}

func newSweepAccount(t *testing.T) *sweepAccount {
	t.Helper()
	p := newTestPKI(t)
	farm := newFarm(t)
	healthy := startIssuer(t, farm, issuerfarm.Options{
		Name:         "healthy.sweep.test",
		Certificates: []tls.Certificate{p.serve(t, p.publicInt, "healthy.sweep.test", p.publicInt.Cert)},
	})
	stale := startIssuer(t, farm, issuerfarm.Options{
		Name:         "stale.sweep.test",
		Certificates: []tls.Certificate{p.serve(t, p.publicInt, "stale.sweep.test", p.publicInt.Cert, p.publicRoot.Cert)},
	})

	aws := awsdouble.StartForTest(t, awsdouble.Options{Region: "eu-west-1"})
	a := &sweepAccount{
		aws:         aws,
		staleBefore: []string{tp(p.publicOld.Cert)},
		want:        tp(p.publicInt.Cert),
		vars: map[string]string{
			"ALLOW_PRIVATE_NETWORKS": "true",
			"HANDSHAKE_TIMEOUT":      "2s",
			"HTTP_TIMEOUT":           "3s",
		},
	}
	a.healthyARN = aws.AddProvider(strings.TrimPrefix(healthy.URL(), "https://"), []string{tp(p.publicInt.Cert)}, nil)
	a.staleARN = aws.AddProvider(strings.TrimPrefix(stale.URL(), "https://"), a.staleBefore, nil)

	// The SDK reads these from the process environment; static credentials and a
	// disabled metadata service keep it away from anything but the double.
	t.Setenv("AWS_ENDPOINT_URL", aws.URL())
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIASANDBOXEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "sandbox-secret-not-real")
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_PROFILE", "")

	a.env = Env{
		Resolver:    farm,
		SystemRoots: pki.Pool(p.publicRoot.Cert),
		IsTerminal:  notTerminal,
		Lookup: func(name string) (string, bool) {
			v, ok := a.vars[name]
			return v, ok
		},
	}
	return a
}

func (a *sweepAccount) thumbprints(t *testing.T, arn string) []string {
	t.Helper()
	p, ok := a.aws.Provider(arn)
	if !ok {
		t.Fatalf("provider %s not in the AWS double", arn)
	}
	return p.Thumbprints
}

func (a *sweepAccount) writes() int {
	return a.aws.Calls("iam", "UpdateOpenIDConnectProviderThumbprint")
}

// reportJSON is the part of the sweep report these tests read.
type reportJSON struct {
	DryRun    bool `json:"dryRun"`
	Providers []struct {
		ARN      string   `json:"arn"`
		Verdict  string   `json:"verdict"`
		Proposed []string `json:"proposed"`
	} `json:"providers"`
}

func TestSweepDryRunWritesNothing(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		setup func(a *sweepAccount)
	}{
		{"dry-run option", []string{"sweep", "--dry-run"}, nil},
		{"DRY_RUN variable", []string{"sweep"}, func(a *sweepAccount) { a.vars["DRY_RUN"] = "true" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newSweepAccount(t)
			if tt.setup != nil {
				tt.setup(a)
			}

			out := run(t, a.env, "", tt.args...)

			if out.status != ExitProblem {
				t.Errorf("sweep exit status = %d, want %d; stderr:\n%s", out.status, ExitProblem, out.stderr)
			}
			if got := a.writes(); got != 0 {
				t.Errorf("UpdateOpenIDConnectProviderThumbprint calls = %d, want 0", got)
			}
			if got := a.thumbprints(t, a.staleARN); !slices.Equal(got, a.staleBefore) {
				t.Errorf("stale provider's list = %q, want %q unchanged", got, a.staleBefore)
			}
			for _, want := range []string{"would-update", a.want} {
				if !strings.Contains(out.stdout, want) {
					t.Errorf("sweep stdout has no %q:\n%s", want, out.stdout)
				}
			}
		})
	}
}

func TestSweepWritesStaleList(t *testing.T) {
	a := newSweepAccount(t)

	out := run(t, a.env, "", "sweep")

	if out.status != ExitProblem {
		t.Errorf("sweep exit status = %d, want %d (changes made); stderr:\n%s", out.status, ExitProblem, out.stderr)
	}
	if got := a.thumbprints(t, a.staleARN); !slices.Equal(got, []string{a.want}) {
		t.Errorf("stale provider's list = %q, want [%s]", got, a.want)
	}
	if got := a.thumbprints(t, a.healthyARN); !slices.Equal(got, []string{a.want}) {
		t.Errorf("healthy provider's list = %q, want [%s] unchanged", got, a.want)
	}
	if got := a.aws.Published(); len(got) != 0 {
		t.Errorf("sweep published %d SNS messages, want none from the command line", len(got))
	}

	again := run(t, a.env, "", "sweep")
	if again.status != ExitOK {
		t.Errorf("second sweep exit status = %d, want %d; stdout:\n%s", again.status, ExitOK, again.stdout)
	}
}

func TestSweepProviderFilter(t *testing.T) {
	tests := []struct {
		name       string
		provider   func(a *sweepAccount) string
		wantStatus int
		wantSwept  func(a *sweepAccount) (arn, verdict string)
	}{
		{
			name:       "healthy by ARN",
			provider:   func(a *sweepAccount) string { return a.healthyARN },
			wantStatus: ExitOK,
			wantSwept:  func(a *sweepAccount) (string, string) { return a.healthyARN, "ok" },
		},
		{
			name:       "stale by URL",
			provider:   func(a *sweepAccount) string { return "https://" + strings.SplitN(a.staleARN, "oidc-provider/", 2)[1] },
			wantStatus: ExitProblem,
			wantSwept:  func(a *sweepAccount) (string, string) { return a.staleARN, "would-update" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newSweepAccount(t)

			out := run(t, a.env, "", "sweep", "--dry-run", "--format", "json", "--provider", tt.provider(a))

			if out.status != tt.wantStatus {
				t.Errorf("sweep exit status = %d, want %d; stderr:\n%s", out.status, tt.wantStatus, out.stderr)
			}
			validate(t, "report.schema.json", []byte(out.stdout))
			var rep reportJSON
			if err := json.Unmarshal([]byte(out.stdout), &rep); err != nil {
				t.Fatalf("sweep stdout is not JSON: %v\n%s", err, out.stdout)
			}
			if !rep.DryRun {
				t.Errorf("report dryRun = false, want true")
			}
			wantARN, wantVerdict := tt.wantSwept(a)
			verdicts := map[string]string{}
			for _, p := range rep.Providers {
				verdicts[p.ARN] = p.Verdict
			}
			for _, arn := range []string{a.healthyARN, a.staleARN} {
				want := "skipped"
				if arn == wantARN {
					want = wantVerdict
				}
				if verdicts[arn] != want {
					t.Errorf("verdict of %s = %q, want %q", arn, verdicts[arn], want)
				}
			}
			if got := a.writes(); got != 0 {
				t.Errorf("UpdateOpenIDConnectProviderThumbprint calls = %d, want 0", got)
			}
		})
	}
}

func TestSweepProgressOnTerminal(t *testing.T) {
	tests := []struct {
		name      string
		terminal  func(w io.Writer) bool
		wantLines int
	}{
		{"terminal", func(io.Writer) bool { return true }, 2},
		{"piped", notTerminal, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newSweepAccount(t)
			a.env.IsTerminal = tt.terminal

			out := run(t, a.env, "", "sweep", "--dry-run")

			var lines []string
			if out.stderr != "" {
				lines = strings.Split(strings.TrimSuffix(out.stderr, "\n"), "\n")
			}
			if len(lines) != tt.wantLines {
				t.Fatalf("sweep wrote %d progress lines, want %d:\n%s", len(lines), tt.wantLines, out.stderr)
			}
			if tt.wantLines == 0 {
				return
			}
			joined := strings.Join(lines, "\n")
			for _, want := range []string{"ok ", "would-update/advisory", "healthy.sweep.test", "stale.sweep.test"} {
				if !strings.Contains(joined, want) {
					t.Errorf("progress lines have no %q:\n%s", want, joined)
				}
			}
		})
	}
}

func TestSweepRejectsBadSetting(t *testing.T) {
	tests := []struct {
		name  string
		vars  map[string]string
		names string
	}{
		{"concurrency not a number", map[string]string{"CONCURRENCY": "many"}, "CONCURRENCY"},
		{"duration without unit", map[string]string{"HANDSHAKE_TIMEOUT": "5"}, "HANDSHAKE_TIMEOUT"},
		{"dry run not a boolean", map[string]string{"DRY_RUN": "perhaps"}, "DRY_RUN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newSweepAccount(t)
			for k, v := range tt.vars {
				a.vars[k] = v
			}

			out := run(t, a.env, "", "sweep", "--dry-run")

			if out.status != ExitUsage {
				t.Errorf("sweep exit status = %d, want %d", out.status, ExitUsage)
			}
			if !strings.Contains(out.stderr, tt.names) {
				t.Errorf("sweep stderr does not name %s:\n%s", tt.names, out.stderr)
			}
			if got := a.aws.Calls("iam", "ListOpenIDConnectProviders"); got != 0 {
				t.Errorf("ListOpenIDConnectProviders calls = %d, want 0 after a configuration error", got)
			}
		})
	}
}
