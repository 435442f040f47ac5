package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
)

// maxSubject is one less than the 100 characters SNS allows in a subject.
const maxSubject = 99

// Subject returns a one-line email subject for r: printable ASCII only, under 100
// characters, with the account ID and the counts, for example
// "OIDC thumbprints 123456789012: 1 critical, 2 updated, 1 unreachable, 10 healthy".
// Counts that do not fit are replaced by "...".
func Subject(r Report) string {
	prefix := "OIDC thumbprints"
	if r.AccountID != "" {
		prefix += " " + shortenWord(asciiPrintable(r.AccountID), 32)
	}
	if r.DryRun {
		prefix += " (dry run)"
	}
	prefix += ": "

	c := Count(r)
	var parts []string
	switch {
	case c.Providers == 0 && c.NotReached == 0:
		parts = []string{"no providers"}
	case c.OK == c.Providers && c.NotReached == 0:
		parts = []string{fmt.Sprintf("all %d healthy", c.OK)}
	default:
		parts = headline(c)
	}

	subject := prefix + parts[0]
	for i, part := range parts[1:] {
		next := subject + ", " + part
		last := i == len(parts)-2
		if len(next) > maxSubject || (!last && len(next)+len(", ...") > maxSubject) {
			subject += ", ..."
			break
		}
		subject = next
	}
	return shortenWord(subject, maxSubject)
}

// shortenWord cuts an ASCII string to at most n bytes, marking the cut with "...".
func shortenWord(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// headline returns the counts a person reads first, each provider in one group only:
// critical lists still wrong after the sweep, then changes, refusals, advisory
// mismatches, unreachable, not reached, skipped and healthy providers.
func headline(c Counts) []string {
	groups := []struct {
		n     int
		label string
	}{
		{c.CriticalUnresolved, "critical"},
		{c.Updated, "updated"},
		{c.WouldUpdate - c.criticalBy.wouldUpdate, "would update"},
		{c.Refused - c.criticalBy.refused, "refused"},
		{c.Mismatch - c.criticalBy.mismatch, "advisory"},
		{c.Unreachable, "unreachable"},
		{c.NotReached, "not reached"},
		{c.Skipped, "skipped"},
		{c.OK, "healthy"},
	}
	var parts []string
	for _, g := range groups {
		if g.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", g.n, g.label))
		}
	}
	if len(parts) == 0 {
		return []string{"nothing to report"}
	}
	return parts
}

// section is one group of Text, listed only when it has entries.
type section struct {
	title string
	hint  string
	lines []string
	n     int
}

// Text renders r as the plain-text summary a person reads in an email client or a
// terminal: a header with the account, dry run, time and counts, then sections by
// severity (Critical, Changes, Advisory, Unreachable, Skipped, Not reached before the
// deadline, EKS clusters without an IAM OIDC provider, Notes) and the number of
// healthy providers. Lines stay within about 80 columns, words are never split and
// the output has no terminal escape sequences.
func Text(r Report) string {
	var b strings.Builder
	writeLines(&b, header(r))

	for _, s := range sections(r) {
		if s.n == 0 {
			continue
		}
		title := fmt.Sprintf("%s (%d)", s.title, s.n)
		b.WriteString("\n" + title + "\n" + strings.Repeat("-", len(title)) + "\n")
		if s.hint != "" {
			writeLines(&b, wrap(s.hint, "", ""))
		}
		writeLines(&b, s.lines)
	}

	c := Count(r)
	if c.OK > 0 {
		b.WriteString("\n" + plural(c.OK, "provider", "providers") + " healthy.\n")
	}
	return b.String()
}

func header(r Report) []string {
	lines := []string{"OIDC thumbprint sweep"}
	if r.AccountID != "" {
		lines[0] += " for account " + clean(r.AccountID)
	}
	if r.DryRun {
		lines = append(lines, "Dry run: changes were computed but nothing was written to IAM.")
	}
	if !r.StartedAt.IsZero() {
		when := "Started " + r.StartedAt.UTC().Format("2006-01-02 15:04:05 MST")
		if !r.FinishedAt.IsZero() {
			when += ", took " + r.FinishedAt.Sub(r.StartedAt).Round(time.Second).String()
		}
		lines = append(lines, when+".")
	}

	c := Count(r)
	switch {
	case c.Providers == 0 && c.NotReached == 0:
		lines = append(lines, "No IAM OIDC providers found.")
	case c.OK == c.Providers && c.NotReached == 0:
		lines = append(lines, plural(c.Providers, "provider", "providers")+": all healthy.")
	default:
		lines = append(lines, wrapParts(plural(c.Providers, "provider", "providers")+":", headline(c))...)
	}

	if o := r.Omitted; o != nil {
		lines = append(lines, "")
		lines = append(lines, wrap(omissionText(*o), "", "")...)
	}
	return lines
}

func omissionText(o Omission) string {
	var left []string
	if o.Providers > 0 {
		left = append(left, plural(o.Providers, "provider", "providers"))
	}
	if o.NotReached > 0 {
		left = append(left, plural(o.NotReached, "not-reached ARN", "not-reached ARNs"))
	}
	if o.UnmanagedClusters > 0 {
		left = append(left, plural(o.UnmanagedClusters, "EKS cluster", "EKS clusters"))
	}
	if o.Notes > 0 {
		left = append(left, plural(o.Notes, "note", "notes"))
	}
	text := "Shortened to fit the message size limit: " + strings.Join(left, ", ") +
		" left out; the counts above include them."
	if o.FullReport != "" {
		text += " The full report is in " + o.FullReport + "."
	}
	return text
}

func sections(r Report) []section {
	critical := section{title: "Critical"}
	changes := section{title: "Changes"}
	if r.DryRun {
		changes.hint = "Dry run: these lists would be written. Run without dry run to apply them."
	} else {
		changes.hint = "These lists were written to IAM. Nothing else is needed unless a " +
			"finding below says otherwise."
	}
	advisory := section{
		title: "Advisory",
		hint: "AWS validates these chains against its trusted root CAs first, so tokens " +
			"work today, but the thumbprint is what AWS falls back to. Review the findings.",
	}
	unreachable := section{
		title: "Unreachable",
		hint: "Nothing is known about these lists and nothing was written. Check that the " +
			"issuer answers over HTTPS from the function's network.",
	}
	skipped := section{title: "Skipped"}
	notReached := section{
		title: "Not reached before the deadline",
		hint:  "The next sweep checks these; raise the function timeout if this repeats.",
	}
	clusters := section{
		title: "EKS clusters without an IAM OIDC provider",
		hint: "Pods in these clusters cannot assume IAM roles through IRSA until an IAM " +
			"OIDC provider exists for the cluster's issuer.",
	}
	notes := section{title: "Notes"}

	for _, p := range r.Providers {
		var s *section
		switch {
		case p.Verdict == verdict.Refused || (p.Verdict == verdict.Mismatch && p.Severity == verdict.Critical):
			s = &critical
		case p.Verdict == verdict.OK && hasFault(p.Findings):
			s = &critical
		case p.Verdict == verdict.Updated || p.Verdict == verdict.WouldUpdate:
			s = &changes
		case p.Verdict == verdict.Mismatch || (p.Verdict == verdict.OK && len(p.Findings) > 0):
			s = &advisory
		case p.Verdict == verdict.Unreachable:
			s = &unreachable
		case p.Verdict == verdict.Skipped:
			s = &skipped
			s.lines = append(s.lines, wrap(p.URL+": "+p.Reason, "* ", "  ")...)
			s.n++
			continue
		default:
			continue
		}
		s.lines = append(s.lines, "")
		s.lines = append(s.lines, providerLines(p)...)
		s.n++
	}

	critical.hint = criticalHint(r.Providers)

	for _, arn := range r.NotReached {
		notReached.lines = append(notReached.lines, wrap(arn, "* ", "  ")...)
		notReached.n++
	}
	for _, c := range r.UnmanagedClusters {
		line := fmt.Sprintf("%s in %s", c.Name, c.Region)
		if c.Issuer != "" {
			line += ": " + c.Issuer
		}
		clusters.lines = append(clusters.lines, wrap(line, "* ", "  ")...)
		clusters.n++
	}
	for _, note := range r.Notes {
		notes.lines = append(notes.lines, wrap(note, "* ", "  ")...)
		notes.n++
	}

	return []section{critical, changes, advisory, unreachable, skipped, notReached, clusters, notes}
}

// criticalHint explains what the Critical section means for the kinds of provider
// it lists.
func criticalHint(providers []Provider) string {
	var critical, refused, broken bool
	for _, p := range providers {
		switch {
		case p.Verdict == verdict.Refused:
			refused = true
		case p.Verdict == verdict.Mismatch && p.Severity == verdict.Critical:
			critical = true
		case p.Verdict == verdict.OK && hasFault(p.Findings):
			broken = true
		}
	}
	var hints []string
	if critical {
		hints = append(hints, "Workloads that use a critical provider cannot get credentials "+
			"until its thumbprint list is fixed.")
	}
	if refused {
		hints = append(hints, "A refused change was needed but was unsafe to write; read "+
			"the findings before fixing the list by hand.")
	}
	if broken {
		hints = append(hints, "An ok list can still fail when the issuer's chain no longer "+
			"verifies or its keys cannot be fetched; the findings say which.")
	}
	return strings.Join(hints, " ")
}

// hasFault reports whether any finding makes token exchanges fail regardless of the
// thumbprint list.
func hasFault(findings []finding.Finding) bool {
	for _, f := range findings {
		if f.Code.Fault() {
			return true
		}
	}
	return false
}

// providerLines renders one provider: URL, cluster, verdict with severity and reason,
// one line per finding, and the thumbprint lists.
func providerLines(p Provider) []string {
	lines := wrap(p.URL, "* ", "  ")
	if p.Cluster != nil {
		lines = append(lines, wrap(fmt.Sprintf("EKS cluster %s in %s", p.Cluster.Name, p.Cluster.Region), "  ", "  ")...)
	}

	status := string(p.Verdict)
	if p.Severity != "" {
		status += ", " + string(p.Severity)
	}
	lines = append(lines, wrap(status+": "+p.Reason, "  ", "    ")...)

	for _, f := range p.Findings {
		lines = append(lines, wrap(string(f.Code)+": "+f.Message, "  - ", "    ")...)
	}

	if p.Verdict == verdict.Skipped {
		return lines
	}
	beforeLabel, afterLabel := "configured:", "proposed:"
	if p.Verdict == verdict.Updated || p.Verdict == verdict.WouldUpdate {
		beforeLabel, afterLabel = "before:", "after:"
	}
	lines = append(lines, thumbprintLines(beforeLabel, p.Before, p.Proposed, "removed")...)
	if len(p.Proposed) > 0 {
		lines = append(lines, thumbprintLines(afterLabel, p.Proposed, p.Before, "added")...)
	}
	return lines
}

// thumbprintLines renders list one entry a line under label, marking with mark the
// entries missing from other. Nothing is marked when other is empty.
func thumbprintLines(label string, list, other []string, mark string) []string {
	const pad = "  "
	indent := pad + strings.Repeat(" ", len("configured: "))
	first := pad + label + strings.Repeat(" ", len(indent)-len(pad)-len(label))
	if len(list) == 0 {
		return []string{first + "(empty)"}
	}

	in := make(map[string]bool, len(other))
	for _, t := range other {
		in[normalisedThumbprint(t)] = true
	}
	lines := make([]string, len(list))
	for i, t := range list {
		line := indent
		if i == 0 {
			line = first
		}
		line += clean(t)
		if len(other) > 0 && !in[normalisedThumbprint(t)] {
			line += " (" + mark + ")"
		}
		lines[i] = line
	}
	return lines
}

func writeLines(b *strings.Builder, lines []string) {
	for _, l := range lines {
		b.WriteString(strings.TrimRight(l, " ") + "\n")
	}
}
