// Package tlsprobe observes the certificate chains that a host sends. A Prober
// handshakes with every address the host name resolves to, offering TLS 1.2 and TLS 1.3
// separately to learn which versions the host accepts, and takes a few more samples.
// The handshakes of one host run in parallel, at most MaxParallelHandshakes at a time.
// It records each distinct chain exactly as sent (leaf first), how often and from which
// addresses it was seen, and whether it verifies against the system roots (public), an
// operator CA bundle (private) or neither.
//
// Handshakes skip the TLS library's verification so that chains which fail it can
// still be observed, and the Prober verifies each chain itself. No application data is
// ever sent on a probe connection, so the missing library check exposes nothing.
//
// The package does not decide which addresses are allowed (Config.Resolve does, usually
// netguard), fetch missing intermediates, check revocation or judge thumbprints.
package tlsprobe
