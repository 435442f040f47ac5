// Package issuerfarm starts loopback HTTPS servers that act as OpenID Connect issuers
// for tests: each serves /.well-known/openid-configuration and a JWKS under a host name
// of the test's choosing, with the certificate chain, TLS versions and faults that the
// test sets.
//
// Servers listen only on loopback addresses (127.0.0.1, other 127.x addresses, ::1)
// with a port chosen by the kernel. The Farm maps each host name to those addresses, so
// the code under test resolves names through the Farm instead of DNS. Faults cover
// slow, dropped, reset and stalled connections, trickled and oversized bodies, custom
// responses and redirects. Counters record handshakes per address, requests per path
// and the SNI names that clients sent.
//
// The package is test-only code: tests of packages under pkg/ import it, but no
// non-test file under pkg/ or functions/ does.
// It does not issue certificates (package pki does) and does not sign tokens.
package issuerfarm
