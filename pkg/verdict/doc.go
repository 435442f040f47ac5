// Package verdict decides, from what TLS handshakes observed and the thumbprint list
// stored in IAM, whether a provider is healthy, how serious a mismatch is, which findings
// to report and which complete thumbprint list to write.
//
// Decide is pure: it takes values, returns values and performs no I/O, so the same
// observations always give the same decision. It never writes to IAM; package sweep
// does that with the proposed list.
package verdict
