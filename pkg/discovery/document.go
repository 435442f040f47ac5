package discovery

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"
)

// document contains the discovery fields the sweep uses.
type document struct {
	Issuer  string
	JWKSURI *url.URL
}

// parseDocument reads a discovery document. Keys are matched exactly, unlike
// encoding/json's struct decoding, which would also accept "JWKS_URI". It fails when the
// body is not a JSON object or jwks_uri is missing, empty, not a string or not an https
// URL with a host. A missing or non-string issuer is left empty for the issuer check.
func parseDocument(body []byte) (document, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return document{}, fmt.Errorf("invalid JSON: %w", err)
	}
	if fields == nil {
		return document{}, errors.New("not a JSON object")
	}

	var doc document
	if raw, ok := fields["issuer"]; ok {
		// A non-string issuer stays empty and is reported by the issuer check.
		_ = json.Unmarshal(raw, &doc.Issuer)
	}

	raw, ok := fields["jwks_uri"]
	if !ok {
		return document{}, errors.New("jwks_uri is missing")
	}
	var jwksURI string
	if err := json.Unmarshal(raw, &jwksURI); err != nil {
		return document{}, fmt.Errorf("jwks_uri is not a string: %w", err)
	}
	if jwksURI == "" {
		return document{}, errors.New("jwks_uri is empty")
	}

	u, err := parseJWKSURI(jwksURI)
	if err != nil {
		return document{}, err
	}
	doc.JWKSURI = u
	return doc, nil
}

// parseJWKSURI accepts only an absolute https URL with a host and no user info, because
// IAM fetches the keys over HTTPS and the thumbprint belongs to that host.
func parseJWKSURI(value string) (*url.URL, error) {
	u, err := url.Parse(value)
	if err != nil {
		return nil, fmt.Errorf("jwks_uri %q is not a URL: %w", value, err)
	}
	if u.Scheme != "https" {
		return nil, fmt.Errorf("jwks_uri %q is not an https URL", value)
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("jwks_uri %q has no host", value)
	}
	if u.User != nil {
		return nil, fmt.Errorf("jwks_uri %q contains user info", value)
	}
	if _, err := normaliseHost(u.Hostname(), u.Port()); err != nil {
		return nil, fmt.Errorf("jwks_uri %q: %w", value, err)
	}
	return u, nil
}

// isJSONMediaType reports whether a Content-Type header names application/json or a
// +json type such as application/jwk-set+json.
func isJSONMediaType(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
}

// jwkSetProblem returns a description of why body is not a usable JSON Web Key Set, or
// "" when it is one, and whether the body is not JSON at all. It counts the keys but
// never decodes them, so x5c values are never read.
func jwkSetProblem(body []byte) (invalidJSON bool, problem string) {
	var set struct {
		Keys *[]json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return false, "is not a JSON Web Key Set (keys must be an array inside an object)"
		}
		return true, fmt.Sprintf("is not valid JSON (%v)", err)
	}
	if set.Keys == nil {
		return false, "has no keys member"
	}
	if len(*set.Keys) == 0 {
		return false, "has an empty keys array"
	}
	return false, ""
}
