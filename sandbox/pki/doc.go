// Package pki is a small in-memory certificate authority for tests: roots,
// intermediates, cross-signed certificates and server leaves, all with ECDSA P-256
// keys.
//
// Every constructor takes explicit NotBefore and NotAfter times so that tests pin
// their clock and certificates never expire in CI. The package writes nothing to disk,
// keeps no revocation state and issues no client certificates. It is test-only code:
// tests of packages under pkg/ import it, but no non-test file under pkg/ or
// functions/ does.
package pki
