// Package thumbprint computes, parses and checks the SHA-1 certificate thumbprints that
// IAM stores for an OpenID Connect identity provider.
//
// It computes a thumbprint from a certificate and validates thumbprints that people type
// or paste, with colons, spaces, upper case or a SHA-256 fingerprint by mistake. It also
// splits a comma-separated list, reads certificates from PEM text such as the output of
// `openssl s_client -showcerts`, and finds the top certificate of a chain given in any
// order.
//
// It does not verify certificates against a root store, open connections or decide
// which thumbprints a provider needs; package verdict makes that decision.
package thumbprint
