// Package pki is a small in-memory certificate authority for tests: roots,
// intermediates, cross-signed certificates and server leaves, all with ECDSA P-256
// keys.
//
// Every constructor takes explicit NotBefore and NotAfter times so that tests pin
// their clock and certificates never expire in CI. The package writes nothing to disk,
// keeps no revocation state and issues no client certificates. It is test-only code:
// packages under pkg/ and functions/ never import it.
package pki
