package faults

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/event"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
)

// fault is one row: a fault injected into the sandbox and the outcome it must have.
type fault struct {
	// name is the row's name in docs/reliability.md and in "go test -run".
	name string
	// side is where the fault sits: "issuer", "AWS" or "Lambda".
	side string
	// expect describes what a correct function does, for the record.
	expect string
	// inject seeds the providers and injects the fault.
	inject func(t *testing.T, w *world)
	want   want
	// extra holds assertions only this row makes.
	extra func(t *testing.T, w *world, o outcome)
}

// want is the asserted outcome of a row.
type want struct {
	// verdict and severity are the faulty provider's.
	verdict  verdict.Kind
	severity verdict.Severity
	// codes are finding codes the faulty provider must carry; none means it carries
	// no finding at all.
	codes []finding.Code
	// detail is a regular expression that matches the faulty provider's reason or
	// one of its findings.
	detail string
	// written means the faulty provider's list must change; otherwise it must not.
	written bool
	// note appears in one of the report's notes.
	note string
	// publishError appears in Result.PublishError; empty means the summary is
	// published.
	publishError string
	// invalidEvent means the invocation fails with event.ErrInvalid before any sweep.
	invalidEvent bool
	// sweepFailed means the invocation fails because the sweep as a whole could not
	// run.
	sweepFailed bool
}

// observed renders what the row asserts, for the reliability record. It is built from
// want alone, so the record cannot claim more than the checks enforce.
func (w want) observed() string {
	switch {
	case w.invalidEvent:
		return "invocation error wrapping `invalid event`; no IAM call; nothing written or published"
	case w.sweepFailed:
		return "invocation error `sweep did not run`; nothing written or published"
	}

	parts := []string{"`" + string(w.verdict) + "`"}
	if w.severity != "" {
		parts[0] = "`" + string(w.verdict) + "/" + string(w.severity) + "`"
	}
	for _, code := range w.codes {
		parts = append(parts, "`"+string(code)+"`")
	}
	text := strings.Join(parts, " + ")
	if w.detail != "" {
		text += "; message matches `" + w.detail + "`"
	}
	if w.written {
		text += "; list written"
	} else {
		text += "; nothing written"
	}
	if w.note != "" {
		text += "; sweep note"
	}
	if w.publishError != "" {
		text += "; publish error in the result, no invocation error"
	} else {
		text += "; summary published"
	}
	return text
}

// runFault runs one row and applies every shared check.
func runFault(t *testing.T, f fault) {
	t.Helper()
	w := newWorld(t)
	f.inject(t, w)
	o := w.invoke()

	switch {
	case f.want.invalidEvent:
		checkInvalidEvent(t, w, o)
	case f.want.sweepFailed:
		checkSweepFailed(t, w, o)
	default:
		checkCompleted(t, w, o)
		checkEveryProviderReported(t, w, o)
		checkFaultyProvider(t, w, o, f.want)
		checkCollateral(t, w, o)
		checkSummary(t, w, o)
		checkResult(t, o, f.want)
	}
	checkWrites(t, w, o, f.want)
	checkServedEntriesKept(t, w, o)

	if f.extra != nil && !t.Failed() {
		f.extra(t, w, o)
	}
	if t.Failed() {
		t.Logf("outcome:\n%s", o.describe())
	}
}

func checkCompleted(t *testing.T, w *world, o outcome) {
	t.Helper()
	if o.err != nil {
		t.Fatalf("Invoke() error = %v, want nil: only a sweep that cannot run at all fails the invocation", o.err)
	}
	if !o.ran {
		t.Fatal("Invoke() returned without running a sweep")
	}
}

// checkEveryProviderReported requires each seeded provider exactly once, either with a
// verdict or in the not-reached list, in the report and in its JSON document.
func checkEveryProviderReported(t *testing.T, w *world, o outcome) {
	t.Helper()
	var reported []string
	for _, p := range o.rep.Providers {
		if p.Verdict == "" {
			t.Errorf("provider %s has no verdict", p.ARN)
		}
		reported = append(reported, p.ARN)
	}
	reported = append(reported, o.rep.NotReached...)
	slices.Sort(reported)
	if want := w.seeded(); !slices.Equal(reported, want) {
		t.Errorf("reported providers = %q, want each of %q exactly once", reported, want)
	}

	if got, want := len(o.doc.Providers), len(o.rep.Providers); got != want {
		t.Errorf("JSON document has %d providers, want %d", got, want)
	}
	if !slices.Equal(o.doc.NotReached, o.rep.NotReached) {
		t.Errorf("JSON notReached = %q, want %q", o.doc.NotReached, o.rep.NotReached)
	}
	if got, want := sortedCopy(o.rep.NotReached), sortedCopy(w.notReached); !slices.Equal(got, want) {
		t.Errorf("not reached = %q, want %q", got, want)
	}
	if got := strings.Count(o.logs, `"msg":"provider swept"`); got != len(o.rep.Providers) {
		t.Errorf("log has %d provider lines, want one per swept provider (%d)", got, len(o.rep.Providers))
	}
}

func checkFaultyProvider(t *testing.T, w *world, o outcome, want want) {
	t.Helper()
	if w.faulty == "" {
		return
	}
	p, ok := o.provider(w.faulty)
	if !ok {
		t.Fatalf("faulty provider %s is missing from the report", w.faulty)
	}
	if p.Verdict != want.verdict {
		t.Errorf("faulty provider verdict = %q, want %q (reason: %s)", p.Verdict, want.verdict, p.Reason)
	}
	if p.Severity != want.severity {
		t.Errorf("faulty provider severity = %q, want %q", p.Severity, want.severity)
	}

	codes := codesOf(p)
	if len(want.codes) == 0 && len(codes) > 0 {
		t.Errorf("faulty provider findings = %q, want none", codes)
	}
	for _, code := range want.codes {
		if !slices.Contains(codes, code) {
			t.Errorf("faulty provider findings = %q, want %q among them", codes, code)
		}
	}

	if want.detail != "" {
		texts := []string{p.Reason}
		for _, f := range p.Findings {
			texts = append(texts, f.Message)
		}
		if !regexp.MustCompile(want.detail).MatchString(strings.Join(texts, "\n")) {
			t.Errorf("faulty provider reason and findings = %q, want a match for %q", texts, want.detail)
		}
	}
	if want.note != "" && !slices.ContainsFunc(o.rep.Notes, func(n string) bool { return strings.Contains(n, want.note) }) {
		t.Errorf("report notes = %q, want one containing %q", o.rep.Notes, want.note)
	}

	for _, jp := range o.doc.Providers {
		if jp.ARN != w.faulty {
			continue
		}
		if jp.Verdict != string(want.verdict) {
			t.Errorf("JSON verdict of the faulty provider = %q, want %q", jp.Verdict, want.verdict)
		}
		var jsonCodes []string
		for _, f := range jp.Findings {
			jsonCodes = append(jsonCodes, f.Code)
		}
		for _, code := range want.codes {
			if !slices.Contains(jsonCodes, string(code)) {
				t.Errorf("JSON findings of the faulty provider = %q, want %q among them", jsonCodes, code)
			}
		}
	}
}

// checkCollateral requires every healthy provider to come out "ok" with no finding,
// unless the row expects the deadline to leave it out.
func checkCollateral(t *testing.T, w *world, o outcome) {
	t.Helper()
	for _, arn := range w.healthy {
		if slices.Contains(w.notReached, arn) {
			continue
		}
		p, ok := o.provider(arn)
		if !ok {
			t.Errorf("healthy provider %s is missing from the report", arn)
			continue
		}
		if p.Verdict != verdict.OK || len(p.Findings) > 0 {
			t.Errorf("healthy provider %s = %q with findings %q, want %q and none", p.URL, p.Verdict, codesOf(p), verdict.OK)
		}
	}
}

// checkSummary requires the text summary to show each provider under its verdict with
// its finding codes, and each not-reached provider in its own section.
func checkSummary(t *testing.T, w *world, o outcome) {
	t.Helper()
	for _, p := range o.rep.Providers {
		if p.Verdict == verdict.OK && len(p.Findings) == 0 {
			continue // healthy providers are only counted
		}
		block, ok := providerBlock(o.text, p.URL)
		if !ok {
			t.Errorf("report.Text() has no entry for %s", p.URL)
			continue
		}
		if p.Verdict == verdict.Skipped {
			if !strings.Contains(o.text, "\nSkipped (") {
				t.Errorf("report.Text() lists skipped %s outside a Skipped section", p.URL)
			}
			continue
		}
		status := "  " + string(p.Verdict)
		if !strings.HasPrefix(block[1], status+":") && !strings.HasPrefix(block[1], status+",") {
			t.Errorf("report.Text() status line for %s = %q, want it to start with %q", p.URL, block[1], status)
		}
		for _, code := range codesOf(p) {
			if !slices.ContainsFunc(block, func(line string) bool { return strings.HasPrefix(line, "  - "+string(code)+":") }) {
				t.Errorf("report.Text() entry for %s lacks finding %q:\n%s", p.URL, code, strings.Join(block, "\n"))
			}
		}
	}
	if len(o.rep.NotReached) > 0 && !strings.Contains(o.text, "\nNot reached before the deadline (") {
		t.Errorf("report.Text() has no not-reached section:\n%s", o.text)
	}
	for _, arn := range o.rep.NotReached {
		if !strings.Contains(o.text, "* "+arn) {
			t.Errorf("report.Text() does not list not-reached %s", arn)
		}
	}
}

// checkResult compares the handler's result with the report and the published message.
func checkResult(t *testing.T, o outcome, want want) {
	t.Helper()
	r := o.result
	c := report.Count(o.rep)
	if r.Providers != len(o.rep.Providers) {
		t.Errorf("Result.Providers = %d, want %d", r.Providers, len(o.rep.Providers))
	}
	if r.NotReached != len(o.rep.NotReached) {
		t.Errorf("Result.NotReached = %d, want %d", r.NotReached, len(o.rep.NotReached))
	}
	counts := map[verdict.Kind]int{
		verdict.OK: c.OK, verdict.Mismatch: c.Mismatch, verdict.Updated: c.Updated, verdict.WouldUpdate: c.WouldUpdate,
		verdict.Unreachable: c.Unreachable, verdict.Refused: c.Refused, verdict.Skipped: c.Skipped,
	}
	for kind, n := range counts {
		if r.Verdicts[string(kind)] != n {
			t.Errorf("Result.Verdicts[%q] = %d, want %d", kind, r.Verdicts[string(kind)], n)
		}
		if o.doc.Counts[string(kind)] != n {
			t.Errorf("JSON counts[%q] = %d, want %d", kind, o.doc.Counts[string(kind)], n)
		}
	}
	if got, want := r.HighestSeverity, report.SeverityLabel(report.Highest(o.rep)); got != want {
		t.Errorf("Result.HighestSeverity = %q, want %q", got, want)
	}

	if want.publishError != "" {
		if !strings.Contains(r.PublishError, want.publishError) {
			t.Errorf("Result.PublishError = %q, want it to contain %q", r.PublishError, want.publishError)
		}
		if r.Published || len(o.published) != 0 {
			t.Errorf("Result.Published = %t with %d messages accepted, want false and none", r.Published, len(o.published))
		}
		return
	}
	if r.PublishError != "" || !r.Published || r.MessageID == "" {
		t.Errorf("Result publish fields = published %t, message ID %q, error %q; want a published summary", r.Published, r.MessageID, r.PublishError)
	}
	if len(o.published) != 1 {
		t.Fatalf("SNS accepted %d messages, want 1", len(o.published))
	}
	if m := o.published[0]; m.ID != r.MessageID || m.Subject != report.Subject(o.rep) {
		t.Errorf("published message = ID %q subject %q, want ID %q subject %q", m.ID, m.Subject, r.MessageID, report.Subject(o.rep))
	}
}

func checkInvalidEvent(t *testing.T, w *world, o outcome) {
	t.Helper()
	if !errors.Is(o.err, event.ErrInvalid) {
		t.Errorf("Invoke() error = %v, want one wrapping %v", o.err, event.ErrInvalid)
	}
	if n := w.aws.Calls("iam", "ListOpenIDConnectProviders"); n != 0 {
		t.Errorf("ListOpenIDConnectProviders calls = %d, want 0", n)
	}
	checkNothingRan(t, w, o)
}

func checkSweepFailed(t *testing.T, w *world, o outcome) {
	t.Helper()
	if o.err == nil || !strings.Contains(o.err.Error(), "sweep did not run") {
		t.Errorf("Invoke() error = %v, want one saying the sweep did not run", o.err)
	}
	checkNothingRan(t, w, o)
}

// checkNothingRan requires a failed invocation to have read no provider, published
// nothing and returned a zero result.
func checkNothingRan(t *testing.T, w *world, o outcome) {
	t.Helper()
	if o.result.Providers != 0 || o.result.Published || o.result.Verdicts != nil {
		t.Errorf("Invoke() result = %+v, want the zero Result", o.result)
	}
	for _, arn := range w.seeded() {
		if n := w.getCalls(arn); n != 0 {
			t.Errorf("GetOpenIDConnectProvider calls for %s = %d, want 0", arn, n)
		}
	}
	if len(o.published) != 0 {
		t.Errorf("SNS accepted %d messages, want none", len(o.published))
	}
}

// checkWrites requires that only providers with the verdict "updated" changed, that
// the faulty provider changed exactly when the row expects it, and that every added
// entry is the thumbprint of a certificate from a chain that verifies.
func checkWrites(t *testing.T, w *world, o outcome, want want) {
	t.Helper()
	for arn, before := range o.before {
		after, exists := o.after[arn]
		if !exists {
			if !w.deleted[arn] {
				t.Errorf("provider %s disappeared from IAM", arn)
			}
			continue
		}
		changed := !slices.Equal(before.Thumbprints, after.Thumbprints)

		if arn == w.faulty && changed != want.written {
			t.Errorf("faulty provider list %q -> %q: changed = %t, want %t", before.Thumbprints, after.Thumbprints, changed, want.written)
		}
		if !changed {
			continue
		}
		if p, ok := o.provider(arn); !ok || p.Verdict != verdict.Updated {
			t.Errorf("list of %s changed %q -> %q, but its verdict is %q, not %q", arn, before.Thumbprints, after.Thumbprints, p.Verdict, verdict.Updated)
		}
		for _, entry := range after.Thumbprints {
			if slices.Contains(before.Thumbprints, entry) {
				continue
			}
			w.mu.Lock()
			trusted := w.served[strings.ToLower(entry)]
			w.mu.Unlock()
			if !trusted {
				t.Errorf("entry %s written to %s is not from a served chain that verifies", entry, arn)
			}
		}
	}

	// A provider judged from data that failed or was never verified must not even
	// reach IAM's update call.
	for _, p := range o.rep.Providers {
		if p.Verdict != verdict.Unreachable && p.Verdict != verdict.Refused {
			continue
		}
		if n := w.updateCalls(p.ARN); n != 0 {
			t.Errorf("UpdateOpenIDConnectProviderThumbprint calls for %s (%s) = %d, want 0", p.URL, p.Verdict, n)
		}
	}
}

// checkServedEntriesKept requires every entry that matches a certificate an issuer
// served in this row to survive the invocation.
func checkServedEntriesKept(t *testing.T, w *world, o outcome) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for arn, before := range o.before {
		after, exists := o.after[arn]
		if !exists {
			continue // checkWrites judges deleted providers
		}
		for _, entry := range before.Thumbprints {
			if _, served := w.served[strings.ToLower(entry)]; !served {
				continue
			}
			if !slices.ContainsFunc(after.Thumbprints, func(e string) bool { return strings.EqualFold(e, entry) }) {
				t.Errorf("entry %s of %s matches a served certificate but was removed: %q -> %q", entry, arn, before.Thumbprints, after.Thumbprints)
			}
		}
	}
}

// providerBlock returns the lines report.Text writes for the provider with url: the
// "* url" line and the indented lines under it.
func providerBlock(text, url string) ([]string, bool) {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if line != "* "+url && !strings.HasPrefix(line, "* "+url+":") {
			continue
		}
		block := []string{line}
		for _, next := range lines[i+1:] {
			if !strings.HasPrefix(next, "  ") {
				break
			}
			block = append(block, next)
		}
		return block, len(block) > 1 || strings.HasPrefix(line, "* "+url+":")
	}
	return nil, false
}

func codesOf(p report.Provider) []finding.Code {
	codes := make([]finding.Code, len(p.Findings))
	for i, f := range p.Findings {
		codes[i] = f.Code
	}
	return codes
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
