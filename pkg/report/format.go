package report

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// width is the column at which Text and CheckText wrap prose. Tokens longer than a
// line (URLs, ARNs) stay whole on a line of their own.
const width = 78

// wrap splits text into lines of at most width columns, breaking only between words.
// The first line starts with first and the others with rest.
func wrap(text, first, rest string) []string {
	var lines []string
	line := first
	empty := true
	for _, word := range strings.Fields(clean(text)) {
		if !empty && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width {
			lines = append(lines, line)
			line, empty = rest, true
		}
		if !empty {
			line += " "
		}
		line += word
		empty = false
	}
	return append(lines, line)
}

// wrapParts joins parts with ", " after label and ends with a period, breaking lines
// only between parts, so that a count such as "1 unreachable" stays on one line.
func wrapParts(label string, parts []string) []string {
	var lines []string
	line := label
	for i, part := range parts {
		part = clean(part)
		if i < len(parts)-1 {
			part += ","
		} else {
			part += "."
		}
		if line != "" && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(part) > width {
			lines = append(lines, line)
			line = part
			continue
		}
		if line != "" {
			line += " "
		}
		line += part
	}
	return append(lines, line)
}

// clean makes s safe to print on a terminal or in an email. Reasons and notes can
// carry text from discovery documents and server errors, so control characters
// (including ANSI escape sequences), bidirectional overrides and invalid UTF-8 are
// replaced instead of printed.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r),
			r == '\u2028', r == '\u2029':
			return ' '
		}
		return r
	}, s)
}

// asciiPrintable replaces every rune outside printable ASCII with '?'. SNS rejects
// subjects with other characters or with line breaks.
func asciiPrintable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}

// plural returns "1 provider" or "3 providers".
func plural(n int, singular, pluralForm string) string {
	if n == 1 {
		return "1 " + singular
	}
	return strconv.Itoa(n) + " " + pluralForm
}

// normalisedThumbprint lowercases s and removes colons, so that a list written in
// upper case with colons compares equal to the lowercase hex the sweep writes.
func normalisedThumbprint(s string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), ":", ""))
}
