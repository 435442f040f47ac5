// Package faults is a test suite that injects one fault per row into the sandbox and
// runs the real product stack against it. The stack is setup.NewObservers and
// setup.NewSweeper with real SDK clients pointed at the AWS double, real discovery, TLS
// probing and the private-network guard resolving through the issuer farm, and
// handler.Handler for the Lambda edge.
//
// Every row seeds a healthy provider beside the faulty one and passes the same checks:
// the sweep completes, every provider is reported once, the text and JSON summaries
// name the verdict and finding codes, nothing is written from unverified data, no entry
// that matches a served certificate is removed, and the invocation result is right.
// docs/reliability.md records each row's expected and observed outcome; a test compares
// that table with the rows, and "go test ./sandbox/faults -run TestFaults -update"
// rewrites it after every row has passed.
//
// The package holds tests only. Everything it starts listens on loopback and stops
// when its test ends.
package faults
