package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
)

// envelope is the SNS message for MessageStructure "json": "default" goes to every
// protocol without its own key, "email" to email subscriptions.
type envelope struct {
	Default string `json:"default"`
	Email   string `json:"email"`
}

// fit returns the smallest-shortened message for r that is at most limit bytes, and
// how many providers it leaves out. Shortening drops whole entries and never cuts a
// string, so the message stays valid UTF-8.
func fit(r report.Report, limit int, logHint string) (string, int, error) {
	entries := report.Entries(r)
	var failure error
	sizeFits := func(n int) bool {
		message, err := render(report.Shorten(r, n, logHint))
		if err != nil {
			failure = err
			return true
		}
		return len(message) <= limit
	}

	n := 0
	if !sizeFits(0) {
		// The size shrinks as n grows, apart from a few bytes for the omission note,
		// so search for the smallest n that fits, then check it and step on if needed.
		n = 1 + sort.Search(entries, func(i int) bool { return sizeFits(i + 1) })
	}
	if failure != nil {
		return "", 0, failure
	}

	for ; n <= entries; n++ {
		short := report.Shorten(r, n, logHint)
		message, err := render(short)
		if err != nil {
			return "", 0, err
		}
		if len(message) <= limit {
			omitted := 0
			if short.Omitted != nil {
				omitted = short.Omitted.Providers
			}
			return message, omitted, nil
		}
	}
	return "", 0, fmt.Errorf("notify: report does not fit in %d bytes even without providers, notes and cluster lists", limit)
}

// render returns the JSON envelope for r.
func render(r report.Report) (string, error) {
	doc, err := report.JSON(r)
	if err != nil {
		return "", fmt.Errorf("notify: %w", err)
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(envelope{Default: string(doc), Email: report.Text(r)}); err != nil {
		return "", fmt.Errorf("notify: encoding message: %w", err)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}
