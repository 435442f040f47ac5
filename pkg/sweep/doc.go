// Package sweep runs one pass over every IAM OIDC provider in an account. For each
// provider it fetches the discovery document and observes the TLS chains of the
// discovery and JWKS hosts. Then it gets a decision from package verdict, writes the
// proposed list unless the sweep is a dry run, and collects the outcome into a report.
//
// A failure on one provider becomes that provider's verdict and never stops the sweep.
// Run returns an error only when the sweep as a whole could not run (the provider list
// could not be read). The package does not log or publish; its caller does both.
package sweep
