package discovery

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// StatusError reports a response with a status other than 2xx, or a redirect without a
// usable Location header.
type StatusError struct {
	URL        string
	StatusCode int
	// Snippet is the start of the body with markup removed, whitespace collapsed and
	// control characters dropped, at most snippetRunes runes long.
	Snippet string
}

func (e *StatusError) Error() string {
	if e.Snippet == "" {
		return fmt.Sprintf("discovery: GET %s returned HTTP %d with an empty body", e.URL, e.StatusCode)
	}
	return fmt.Sprintf("discovery: GET %s returned HTTP %d: %q", e.URL, e.StatusCode, e.Snippet)
}

// RedirectError reports a redirect that was not followed.
type RedirectError struct {
	// URL is the request whose response was the redirect.
	URL        string
	StatusCode int
	// Location is the resolved redirect target.
	Location string
	// Reason is the cause for not following the redirect.
	Reason string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("discovery: GET %s returned HTTP %d redirecting to %s, not followed: %s",
		e.URL, e.StatusCode, e.Location, e.Reason)
}

// BodyTooLargeError reports a response body longer than Config.MaxBodyBytes.
type BodyTooLargeError struct {
	URL   string
	Limit int64
}

func (e *BodyTooLargeError) Error() string {
	return fmt.Sprintf("discovery: GET %s: response body exceeds the limit of %d bytes", e.URL, e.Limit)
}

// DocumentError reports a discovery document that cannot be used because it is not a
// JSON object or its jwks_uri is missing, empty or not an https URL.
type DocumentError struct {
	URL string
	// Err describes the problem.
	Err error
}

func (e *DocumentError) Error() string {
	return fmt.Sprintf("discovery: invalid discovery document at %s: %v", e.URL, e.Err)
}

func (e *DocumentError) Unwrap() error { return e.Err }

// snippetRunes is the longest body snippet kept in a StatusError.
const snippetRunes = 200

// snippet turns the start of an error body into one line of readable text. Markup tags
// are replaced by spaces, so an S3 XML error such as
// <Error><Code>AccessDenied</Code>... reads as "AccessDenied ...".
func snippet(body []byte) string {
	var b strings.Builder
	inTag := false
	space := false
	runes := 0

	for len(body) > 0 && runes < snippetRunes {
		r, size := utf8.DecodeRune(body)
		body = body[size:]

		switch {
		case r == '<':
			inTag = true
			space = true
			continue
		case r == '>' && inTag:
			inTag = false
			continue
		case inTag:
			continue
		case unicode.IsSpace(r) || r == utf8.RuneError || !unicode.IsPrint(r):
			space = true
			continue
		}

		if space && b.Len() > 0 {
			b.WriteByte(' ')
			runes++
		}
		space = false
		b.WriteRune(r)
		runes++
	}

	text := b.String()
	if runes >= snippetRunes && len(body) > 0 {
		text += "…"
	}
	return text
}
