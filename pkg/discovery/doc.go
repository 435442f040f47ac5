// Package discovery fetches an OpenID Connect provider's discovery document and JWKS
// over HTTPS and reports which hosts serve them.
//
// IssuerURL turns a provider URL, as IAM stores it (without a scheme) or as a person
// types it, into the https issuer URL. Client.Fetch reads
// <issuer>/.well-known/openid-configuration, checks the document's issuer and jwks_uri,
// fetches the JWKS from jwks_uri and returns the discovery and JWKS hosts that package
// tlsprobe then handshakes with. Problems that do not stop the sweep (a wrong content
// type, an issuer value that differs from the provider URL, keys on another host) are
// returned as findings. Problems that leave the jwks_uri unknown are returned as errors.
//
// Every request verifies TLS against Config.RootCAs and never skips verification. All
// connections go through Config.DialContext, so the caller's network guard applies to
// the jwks_uri and to redirect targets too. Requests ignore HTTP proxy settings for the
// same reason. Each request is bounded in time and body size, and at most one redirect
// to the same host and port is followed.
//
// The package reads no certificates from the JWKS. The x5c values in JSON Web Keys are
// never parsed, because the thumbprints IAM needs come only from TLS handshakes. The
// package opens no TLS connections of its own beyond the HTTP requests, and it does not
// log.
package discovery
