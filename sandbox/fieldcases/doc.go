// Package fieldcases contains end-to-end tests of thumbprint failures that people met
// with IAM OIDC providers. Each test serves the failing certificate chains from loopback
// issuers (package issuerfarm) with certificates generated in the test (package pki).
// It then runs the product's discovery client, TLS prober and verdict. Tests about
// changing the list run a whole sweep against the local AWS double (package awsdouble).
//
// The package has no code outside its tests.
package fieldcases
