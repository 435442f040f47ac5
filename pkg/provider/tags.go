package provider

import (
	"fmt"
	"strings"
)

// Tag keys that steer the remediator. The package doc describes each one.
const (
	TagKeep         = "oidc-thumbprint-remediator:keep"
	TagOptOut       = "oidc-thumbprint-remediator:opt-out"
	TagAllowLeafPin = "oidc-thumbprint-remediator:allow-leaf-pin"
)

// KeepList returns the thumbprints in the TagKeep tag, lowercase with colons removed,
// in tag order without repeats. It returns nil when the tag is absent or blank, and an
// error naming the first entry that is not 40 hexadecimal characters, so a typo never
// silently drops an entry the operator meant to keep.
func (p Provider) KeepList() ([]string, error) {
	value, ok := p.Tags[TagKeep]
	if !ok {
		return nil, nil
	}

	fields := strings.FieldsFunc(value, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t'
	})
	var keep []string
	seen := map[string]bool{}
	for _, field := range fields {
		thumbprint := strings.ToLower(strings.ReplaceAll(field, ":", ""))
		if !isThumbprint(thumbprint) {
			return nil, fmt.Errorf("reading tag %s of %s: %q is not a 40-character hexadecimal SHA-1 thumbprint", TagKeep, p.ARN, field)
		}
		if !seen[thumbprint] {
			seen[thumbprint] = true
			keep = append(keep, thumbprint)
		}
	}
	return keep, nil
}

// OptedOut reports whether the provider has the tag key, with any value. An empty key
// means TagOptOut.
func (p Provider) OptedOut(key string) bool {
	if key == "" {
		key = TagOptOut
	}
	_, ok := p.Tags[key]
	return ok
}

// AllowsLeafPin reports whether the TagAllowLeafPin tag is "true", ignoring case and
// surrounding spaces.
func (p Provider) AllowsLeafPin() bool {
	return strings.EqualFold(strings.TrimSpace(p.Tags[TagAllowLeafPin]), "true")
}
