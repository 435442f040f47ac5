package cli

import (
	"crypto/tls"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oidc-thumbprint-remediator/remediator/sandbox/issuerfarm"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/pki"
)

// checkJSON is the part of the check document these tests read.
type checkJSON struct {
	Verdict  string   `json:"verdict"`
	Severity string   `json:"severity"`
	Proposed []string `json:"proposed"`
	Hosts    []struct {
		Host   string `json:"host"`
		Chains []struct {
			Trust string `json:"trust"`
		} `json:"chains"`
	} `json:"hosts"`
}

func TestCheckPublicIssuer(t *testing.T) {
	p := newTestPKI(t)
	farm := newFarm(t)
	withRoot := startIssuer(t, farm, issuerfarm.Options{
		Name:         "with-root.check.test",
		Certificates: []tls.Certificate{p.serve(t, p.publicInt, "with-root.check.test", p.publicInt.Cert, p.publicRoot.Cert)},
	})
	env := Env{Resolver: farm, SystemRoots: pki.Pool(p.publicRoot.Cert), IsTerminal: notTerminal}

	tests := []struct {
		name         string
		thumbprints  string
		wantStatus   int
		wantVerdict  string
		wantProposed []string
		wantText     []string
		absentText   []string
	}{
		{
			name:        "intermediate configured",
			thumbprints: tp(p.publicInt.Cert),
			wantStatus:  ExitOK,
			wantVerdict: "ok",
			wantText:    []string{"Verdict: ok", "configured: " + tp(p.publicInt.Cert)},
			absentText:  []string{"update-open-id-connect-provider-thumbprint", "proposed:"},
		},
		{
			name:         "stale entry",
			thumbprints:  tp(p.publicOld.Cert),
			wantStatus:   ExitProblem,
			wantVerdict:  "mismatch",
			wantProposed: []string{tp(p.publicInt.Cert)},
			wantText: []string{
				"Verdict: mismatch, advisory",
				"stale-entry",
				"configured: " + tp(p.publicOld.Cert) + " (removed)",
				"proposed:   " + tp(p.publicInt.Cert) + " (added)",
				"aws iam update-open-id-connect-provider-thumbprint \\\n" +
					"    --open-id-connect-provider-arn arn:aws:iam::ACCOUNT_ID:oidc-provider/" + withRoot.Host() + " \\\n" +
					"    --thumbprint-list \\\n" +
					"      " + tp(p.publicInt.Cert) + "\n",
			},
		},
		{
			name:         "empty list",
			thumbprints:  "",
			wantStatus:   ExitProblem,
			wantVerdict:  "mismatch",
			wantProposed: []string{tp(p.publicInt.Cert)},
			wantText:     []string{"configured: (empty)", "proposed:   " + tp(p.publicInt.Cert) + "\n"},
		},
		{
			name:         "root configured in upper case with colons",
			thumbprints:  colons(strings.ToUpper(tp(p.publicRoot.Cert))),
			wantStatus:   ExitOK,
			wantVerdict:  "ok",
			wantProposed: nil,
			wantText:     []string{"Verdict: ok"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name+" text", func(t *testing.T) {
			out := run(t, env, "", "check", withRoot.URL(), "--allow-private-networks", "--thumbprints", tt.thumbprints)

			if out.status != tt.wantStatus {
				t.Errorf("check exit status = %d, want %d; stderr:\n%s", out.status, tt.wantStatus, out.stderr)
			}
			for _, want := range tt.wantText {
				if !strings.Contains(out.stdout, want) {
					t.Errorf("check stdout has no %q:\n%s", want, out.stdout)
				}
			}
			for _, absent := range tt.absentText {
				if strings.Contains(out.stdout, absent) {
					t.Errorf("check stdout contains %q:\n%s", absent, out.stdout)
				}
			}
		})
		t.Run(tt.name+" json", func(t *testing.T) {
			out := run(t, env, "", "check", withRoot.URL(), "--allow-private-networks", "--format", "json", "--thumbprints", tt.thumbprints)

			if out.status != tt.wantStatus {
				t.Errorf("check exit status = %d, want %d; stderr:\n%s", out.status, tt.wantStatus, out.stderr)
			}
			validate(t, "check.schema.json", []byte(out.stdout))
			var doc checkJSON
			if err := json.Unmarshal([]byte(out.stdout), &doc); err != nil {
				t.Fatalf("check stdout is not JSON: %v\n%s", err, out.stdout)
			}
			if doc.Verdict != tt.wantVerdict {
				t.Errorf("check verdict = %q, want %q", doc.Verdict, tt.wantVerdict)
			}
			if !slices.Equal(doc.Proposed, tt.wantProposed) {
				t.Errorf("check proposed = %q, want %q", doc.Proposed, tt.wantProposed)
			}
		})
	}
}

// TestCheckMarksTopIntermediate checks that the text names the certificate the
// proposed list holds, not the self-signed root sent after it.
func TestCheckMarksTopIntermediate(t *testing.T) {
	p := newTestPKI(t)
	farm := newFarm(t)
	srv := startIssuer(t, farm, issuerfarm.Options{
		Name:         "oidc.check.test",
		Certificates: []tls.Certificate{p.serve(t, p.publicInt, "oidc.check.test", p.publicInt.Cert, p.publicRoot.Cert)},
	})
	env := Env{Resolver: farm, SystemRoots: pki.Pool(p.publicRoot.Cert)}

	out := run(t, env, "", "check", srv.URL(), "--allow-private-networks")

	intermediate := "1 " + tp(p.publicInt.Cert) + " CA"
	at := strings.Index(out.stdout, intermediate)
	if at < 0 {
		t.Fatalf("check stdout has no line %q:\n%s", intermediate, out.stdout)
	}
	block := out.stdout[at:]
	if end := strings.Index(block, "\n    2 "); end >= 0 {
		block = block[:end]
	}
	if !strings.Contains(block, "=> IAM needs this thumbprint (top intermediate CA") {
		t.Errorf("check stdout does not mark the intermediate as needed:\n%s", out.stdout)
	}
	if strings.Count(out.stdout, "IAM needs this thumbprint") != 1 {
		t.Errorf("check stdout marks %d certificates as needed, want 1:\n%s", strings.Count(out.stdout, "IAM needs this thumbprint"), out.stdout)
	}
}

func TestCheckPrivateIssuer(t *testing.T) {
	p := newTestPKI(t)
	farm := newFarm(t)
	srv := startIssuer(t, farm, issuerfarm.Options{
		Name:         "oidc.ci.check.test",
		Certificates: []tls.Certificate{p.serve(t, p.privateInt, "oidc.ci.check.test", p.privateInt.Cert)},
	})
	env := Env{Resolver: farm, SystemRoots: pki.Pool(p.publicRoot.Cert)}
	bundle := filepath.Join(t.TempDir(), "private-ca.pem")
	if err := os.WriteFile(bundle, pki.PEM(p.privateRoot.Cert), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("with CA bundle", func(t *testing.T) {
		out := run(t, env, "", "check", srv.URL(), "--allow-private-networks", "--format", "json",
			"--ca-bundle", bundle, "--thumbprints", tp(p.privateInt.Cert))

		if out.status != ExitOK {
			t.Errorf("check exit status = %d, want %d; stderr:\n%s", out.status, ExitOK, out.stderr)
		}
		var doc checkJSON
		if err := json.Unmarshal([]byte(out.stdout), &doc); err != nil {
			t.Fatalf("check stdout is not JSON: %v\n%s", err, out.stdout)
		}
		if doc.Verdict != "ok" {
			t.Errorf("check verdict = %q, want ok", doc.Verdict)
		}
		if len(doc.Hosts) != 1 || len(doc.Hosts[0].Chains) != 1 || doc.Hosts[0].Chains[0].Trust != "private" {
			t.Errorf("check hosts = %+v, want one chain with trust private", doc.Hosts)
		}
	})

	t.Run("stale entry with CA bundle", func(t *testing.T) {
		out := run(t, env, "", "check", srv.URL(), "--allow-private-networks", "--ca-bundle", bundle,
			"--thumbprints", strings.Repeat("ab", 20))

		if out.status != ExitProblem {
			t.Errorf("check exit status = %d, want %d; stderr:\n%s", out.status, ExitProblem, out.stderr)
		}
		for _, want := range []string{"Verdict: mismatch, critical", "proposed:   " + tp(p.privateInt.Cert) + " (added)"} {
			if !strings.Contains(out.stdout, want) {
				t.Errorf("check stdout has no %q:\n%s", want, out.stdout)
			}
		}
	})

	t.Run("without CA bundle", func(t *testing.T) {
		out := run(t, env, "", "check", srv.URL(), "--allow-private-networks", "--thumbprints", tp(p.privateInt.Cert))

		if out.status != ExitProblem {
			t.Errorf("check exit status = %d, want %d; stderr:\n%s", out.status, ExitProblem, out.stderr)
		}
		for _, want := range []string{"Verdict: refused", "chain-unverified", "add that CA to the CA bundle"} {
			if !strings.Contains(out.stdout, want) {
				t.Errorf("check stdout has no %q:\n%s", want, out.stdout)
			}
		}
		if strings.Contains(out.stdout, "proposed:") {
			t.Errorf("check stdout proposes a list from an unverified chain:\n%s", out.stdout)
		}
	})
}

func TestCheckGuardRejectsLoopback(t *testing.T) {
	p := newTestPKI(t)
	farm := newFarm(t)
	srv := startIssuer(t, farm, issuerfarm.Options{
		Name:         "oidc.check.test",
		Certificates: []tls.Certificate{p.serve(t, p.publicInt, "oidc.check.test", p.publicInt.Cert)},
	})
	env := Env{Resolver: farm, SystemRoots: pki.Pool(p.publicRoot.Cert)}

	out := run(t, env, "", "check", srv.URL(), "--thumbprints", tp(p.publicInt.Cert))

	if out.status != ExitUsage {
		t.Errorf("check exit status = %d, want %d", out.status, ExitUsage)
	}
	if out.stdout != "" {
		t.Errorf("check stdout = %q, want nothing", out.stdout)
	}
	for _, want := range []string{`issuer host "oidc.check.test" resolves to 127.0.0.1, a loopback address`, "--allow-private-networks"} {
		if !strings.Contains(out.stderr, want) {
			t.Errorf("check stderr has no %q:\n%s", want, out.stderr)
		}
	}
	loopback := netip.MustParseAddr("127.0.0.1")
	if got := srv.Connections(loopback); got != 0 {
		t.Errorf("issuer accepted %d connections, want 0", got)
	}
	if got := srv.TotalHandshakes(); got != 0 {
		t.Errorf("issuer completed %d handshakes, want 0", got)
	}
}

// colons writes a thumbprint the way some consoles show it, "AB:CD:...".
func colons(hex string) string {
	var pairs []string
	for i := 0; i+2 <= len(hex); i += 2 {
		pairs = append(pairs, hex[i:i+2])
	}
	return strings.Join(pairs, ":")
}

func TestCheckResolvePinsHostName(t *testing.T) {
	p := newTestPKI(t)
	farm := newFarm(t)
	srv := startIssuer(t, farm, issuerfarm.Options{
		Name:         "oidc.pinned.test",
		Certificates: []tls.Certificate{p.serve(t, p.publicInt, "oidc.pinned.test", p.publicInt.Cert)},
	})
	// The default resolver in these tests fails every lookup, so only the pinned
	// address can reach the issuer.
	env := Env{SystemRoots: pki.Pool(p.publicRoot.Cert)}

	out := run(t, env, "", "check", srv.URL(), "--thumbprints", tp(p.publicInt.Cert),
		"--allow-private-networks", "--resolve", "oidc.pinned.test=127.0.0.1")

	if out.status != ExitOK {
		t.Errorf("check exit status = %d, want %d\nstderr: %s\nstdout: %s", out.status, ExitOK, out.stderr, out.stdout)
	}
	if got := srv.TotalHandshakes(); got == 0 {
		t.Error("issuer completed no handshake through the pinned address")
	}
}

func TestCheckResolveKeepsMetadataBlocked(t *testing.T) {
	out := run(t, Env{}, "", "check", "https://meta.test/", "--allow-private-networks",
		"--resolve", "meta.test=169.254.169.254")

	if out.status != ExitUsage {
		t.Errorf("check exit status = %d, want %d", out.status, ExitUsage)
	}
	if !strings.Contains(out.stderr, "cloud metadata address") || !strings.Contains(out.stderr, "always blocked") {
		t.Errorf("check stderr = %q, want the metadata block explained", out.stderr)
	}
}

func TestCheckResolveRejectsBadEntry(t *testing.T) {
	out := run(t, Env{}, "", "check", "https://id.test/", "--resolve", "id.test=not-an-address")

	if out.status != ExitUsage {
		t.Errorf("check exit status = %d, want %d", out.status, ExitUsage)
	}
	if !strings.Contains(out.stderr, "-resolve") || !strings.Contains(out.stderr, "not-an-address") {
		t.Errorf("check stderr = %q, want it to name -resolve and the bad value", out.stderr)
	}
}
