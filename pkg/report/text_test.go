package report

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
)

func TestTextGolden(t *testing.T) {
	dryRun := sampleReport()
	dryRun.DryRun = true
	dryRun.Providers[2].Verdict = verdict.WouldUpdate

	tests := []struct {
		name   string
		report Report
	}{
		{"sweep.txt", sampleReport()},
		{"dry-run.txt", dryRun},
		{"quiet.txt", quietReport()},
		{"shortened.txt", Shorten(sampleReport(), 5, "CloudWatch log group /aws/lambda/oidc-thumbprint-remediator")},
		{"empty.txt", Report{AccountID: "123456789012", StartedAt: started, FinishedAt: started}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			goldenText(t, tt.name, Text(tt.report))
		})
	}
}

func TestTextSectionOrder(t *testing.T) {
	text := Text(sampleReport())

	titles := []string{
		"Critical (2)", "Changes (1)", "Advisory (2)", "Unreachable (1)", "Skipped (1)",
		"Not reached before the deadline (1)", "EKS clusters without an IAM OIDC provider (1)",
		"Notes (1)", "3 providers healthy.",
	}
	last := -1
	for _, title := range titles {
		i := strings.Index(text, "\n"+title+"\n")
		if i < 0 {
			t.Fatalf("Text() has no line %q", title)
		}
		if i < last {
			t.Errorf("Text() puts %q before an earlier section", title)
		}
		last = i
	}
}

func TestTextLayout(t *testing.T) {
	r := sampleReport()
	long := strings.Repeat("the chain changed again ", 12)
	r.Providers[0].Reason = long + "https://very-long.example.test/" + strings.Repeat("x", 90)

	text := Text(r)

	for i, line := range strings.Split(text, "\n") {
		if utf8.RuneCountInString(line) > 80 && strings.Contains(strings.TrimSpace(line), " ") {
			t.Errorf("line %d has %d columns and more than one word: %q", i+1, utf8.RuneCountInString(line), line)
		}
	}
	if !strings.Contains(text, "https://very-long.example.test/"+strings.Repeat("x", 90)) {
		t.Errorf("Text() split a word longer than a line")
	}
	for _, word := range strings.Fields(long) {
		if !strings.Contains(text, word) {
			t.Errorf("Text() lost or split the word %q", word)
		}
	}
}

func TestTextRemovesControlCharacters(t *testing.T) {
	r := sampleReport()
	r.Providers[0].Reason = "server said \x1b[31mred\x1b[0m\r\nnext\u202eline \xff"
	r.Notes = []string{"note with\ttab and \x07bell"}

	text := Text(r)

	for _, bad := range []string{"\x1b", "\r", "\u202e", "\x07", "\t"} {
		if strings.Contains(text, bad) {
			t.Errorf("Text() contains %q", bad)
		}
	}
	if !utf8.ValidString(text) {
		t.Errorf("Text() is not valid UTF-8")
	}
}

func TestTextChangesShowBeforeAndAfter(t *testing.T) {
	text := Text(sampleReport())

	want := []string{
		"  before:     06:B2:59:27:C4:2A:72:16:31:C1:EF:D9:43:1E:64:8F:A6:2E:1E:39\n",
		"  after:      06b25927c42a721631c1efd9431e648fa62e1e39\n",
		"              9e99a48a9960b14926bb7f3b02e22da2b0ab7280 (added)\n",
		"  EKS cluster prod in eu-west-1\n",
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("Text() has no line %q", w)
		}
	}
}

func TestSubject(t *testing.T) {
	many := sampleReport()
	many.AccountID = "123456789012-with-a-very-long-name-that-is-not-an-id"
	many.DryRun = true

	tests := []struct {
		name   string
		report Report
		want   string
	}{
		{"mixed", sampleReport(), "OIDC thumbprints 123456789012: 1 critical, 1 updated, 1 refused, 1 advisory, 1 unreachable, ..."},
		{"quiet", quietReport(), "OIDC thumbprints 123456789012: all 3 healthy"},
		{"empty", Report{AccountID: "123456789012"}, "OIDC thumbprints 123456789012: no providers"},
		{"no account", Report{Providers: []Provider{{Verdict: verdict.Unreachable}}}, "OIDC thumbprints: 1 unreachable"},
		{"non-ASCII account", Report{AccountID: "12345\u00e9\n789012", Providers: []Provider{{Verdict: verdict.OK}}}, "OIDC thumbprints 12345??789012: all 1 healthy"},
		{"long account", many, "OIDC thumbprints 123456789012-with-a-very-long... (dry run): 1 critical, 1 updated, 1 refused, ..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Subject(tt.report)
			if got != tt.want {
				t.Errorf("Subject() = %q, want %q", got, tt.want)
			}
			if len(got) >= 100 {
				t.Errorf("len(Subject()) = %d, want under 100", len(got))
			}
			for _, r := range got {
				if r < 0x20 || r > 0x7e {
					t.Errorf("Subject() contains %q, want printable ASCII only", r)
				}
			}
		})
	}
}

func TestTextPutsBrokenHealthyListUnderCritical(t *testing.T) {
	r := Report{AccountID: "123456789012", StartedAt: started, FinishedAt: started, Providers: []Provider{{
		ARN:      "arn:aws:iam::123456789012:oidc-provider/keys.example.test",
		URL:      "keys.example.test",
		Verdict:  verdict.OK,
		Reason:   "every observed chain contains a configured thumbprint",
		Findings: []finding.Finding{{Code: finding.ChainUnverified, Message: "the chain of keys.example.test has expired"}},
	}}}

	text := Text(r)

	critical := strings.Index(text, "\nCritical (1)\n")
	if critical < 0 {
		t.Fatalf("Text() has no Critical section for an ok list on an unverified chain:\n%s", text)
	}
	if !strings.Contains(text[critical:], "keys.example.test") {
		t.Errorf("Critical section does not list keys.example.test:\n%s", text)
	}
	if strings.Contains(text, "\nAdvisory") {
		t.Errorf("Text() also lists the provider as advisory:\n%s", text)
	}
	if !strings.Contains(text, "no longer verifies") {
		t.Errorf("Critical section lacks the hint for broken ok lists:\n%s", text)
	}
}
