// Package provider reads and writes IAM OpenID Connect identity providers: it lists
// their ARNs, reads one provider's URL, client IDs, thumbprint list and tags, and
// replaces a thumbprint list safely.
//
// Store.Update re-reads the provider just before writing, lets the caller plan the new
// list from that fresh state, never writes an empty list or more than five entries,
// and retries a bounded number of times when IAM reports ConcurrentModification.
// IAM errors come back wrapped so callers can branch with errors.Is on ErrNotFound,
// ErrAccessDenied and ErrInvalidInput, and still reach the SDK's smithy.APIError with
// errors.As.
//
// Operators steer the remediator with tags on a provider:
//
//   - oidc-thumbprint-remediator:keep lists thumbprints to keep even when no observed
//     certificate matches them, separated by spaces (IAM rejects commas in tag values,
//     but KeepList also accepts them for values written elsewhere).
//   - oidc-thumbprint-remediator:opt-out, with any value, makes the sweep skip the
//     provider. The sweep's opt-out key is configurable, and TagOptOut is the default.
//   - oidc-thumbprint-remediator:allow-leaf-pin set to "true" lets the sweep pin the
//     leaf certificate of a server that sends only its leaf.
//
// The package does not decide which thumbprints a provider needs (package verdict does)
// and does not create or delete providers.
package provider
