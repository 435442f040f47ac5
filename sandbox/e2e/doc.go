// Package e2e runs the built function end to end: the bootstrap under the Lambda
// Runtime Interface Emulator, against the sandbox account of package scenario, with
// every connection on loopback. Its tests build the bootstrap and the emulator into a
// temporary folder first, so "go test ./..." needs nothing built beforehand.
//
// It is test code only; the package has no exported API.
package e2e
