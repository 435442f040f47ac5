// Package chain describes what TLS handshakes observed on a host: the certificate
// chains it sent, how many samples saw each one, which protocol versions it accepted and
// whether each chain verified.
//
// The package holds plain values only. It opens no connections and makes no decisions;
// package tlsprobe fills these values in and package verdict judges them.
package chain
