package thumbprint

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Length is the number of hexadecimal characters in a SHA-1 thumbprint.
const Length = 2 * sha1.Size

// sha256Length is the number of hexadecimal characters in a SHA-256 fingerprint, the
// value people most often store by mistake.
const sha256Length = 64

// ErrMalformed is matched by every *MalformedError with errors.Is.
var ErrMalformed = errors.New("malformed thumbprint")

// MalformedError reports a value that is not a SHA-1 thumbprint after normalisation.
type MalformedError struct {
	// Value is the value as given, before normalisation.
	Value string
	// Reason is the fault found in Value and the form expected instead.
	Reason string
	// SHA256 is the normalised value when it has 64 hexadecimal characters, so it
	// looks like a SHA-256 fingerprint; it is empty otherwise.
	SHA256 string
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("thumbprint: invalid thumbprint %q: %s", e.Value, e.Reason)
}

// Is makes errors.Is(err, ErrMalformed) true for a *MalformedError.
func (e *MalformedError) Is(target error) bool {
	return target == ErrMalformed
}

// Of returns the thumbprint of cert: the lowercase hexadecimal SHA-1 digest of its DER
// bytes, the form IAM stores.
func Of(cert *x509.Certificate) string {
	sum := sha1.Sum(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// Normalize returns s as a lowercase 40-character thumbprint. It trims surrounding
// white space and removes the colons and spaces that fingerprint tools put between
// byte pairs, so "9E:99:A4 ..." and "9e 99 a4 ..." normalise to the same value.
//
// A value that is not 40 hexadecimal characters afterwards returns a *MalformedError,
// which matches ErrMalformed. A 64-character hexadecimal value gets a reason saying it
// looks like a SHA-256 fingerprint, because IAM needs the SHA-1 thumbprint.
func Normalize(s string) (string, error) {
	trimmed := strings.TrimSpace(s)
	if trimmed == "" {
		return "", &MalformedError{Value: s, Reason: "the value is empty; expected 40 hexadecimal characters (a SHA-1 thumbprint)"}
	}

	// Lowercase by hand rather than with strings.ToLower so that no non-ASCII
	// character can turn into a hexadecimal digit.
	var b strings.Builder
	b.Grow(len(trimmed))
	for i, r := range trimmed {
		switch {
		case r == ':' || r == ' ':
			continue
		case '0' <= r && r <= '9', 'a' <= r && r <= 'f':
			b.WriteRune(r)
		case 'A' <= r && r <= 'F':
			b.WriteRune(r + ('a' - 'A'))
		default:
			if r == utf8.RuneError {
				return "", &MalformedError{Value: s, Reason: fmt.Sprintf("invalid UTF-8 at byte %d; expected 40 hexadecimal characters (a SHA-1 thumbprint)", i)}
			}
			return "", &MalformedError{Value: s, Reason: fmt.Sprintf("character %q at byte %d is not hexadecimal; expected 40 hexadecimal characters (a SHA-1 thumbprint)", r, i)}
		}
	}
	normalized := b.String()

	switch len(normalized) {
	case Length:
		return normalized, nil
	case sha256Length:
		return "", &MalformedError{
			Value:  s,
			Reason: "it has 64 hexadecimal characters, so it looks like a SHA-256 fingerprint, but IAM needs the SHA-1 thumbprint (40 hexadecimal characters)",
			SHA256: normalized,
		}
	default:
		return "", &MalformedError{Value: s, Reason: fmt.Sprintf("it has %d hexadecimal characters; expected 40 (a SHA-1 thumbprint)", len(normalized))}
	}
}

// IsPlaceholder reports whether a normalised thumbprint is a placeholder rather than a
// digest: all zeros or one character repeated. Tools and templates store such values
// when they could not compute the real one. An empty string is not a placeholder.
func IsPlaceholder(normalized string) bool {
	if normalized == "" {
		return false
	}
	return strings.Count(normalized, normalized[:1]) == len(normalized)
}

// ParseList splits the command line's comma-separated thumbprint list, such as
// "a, b,c", and returns each entry trimmed of white space but otherwise as given:
// package verdict normalises and classifies the entries so that it can report each
// malformed one. An empty or blank s is an empty list, which is how a provider with no
// thumbprints is described. An empty entry, as in "a,,b" or "a,", is an error that
// names its 1-based position.
func ParseList(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return []string{}, nil
	}

	parts := strings.Split(s, ",")
	entries := make([]string, 0, len(parts))
	for i, part := range parts {
		entry := strings.TrimSpace(part)
		if entry == "" {
			return nil, fmt.Errorf("thumbprint: entry %d of the list %q is empty; expected thumbprints separated by single commas", i+1, s)
		}
		entries = append(entries, entry)
	}
	return entries, nil
}
