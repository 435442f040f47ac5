// Package report renders the outcome of a sweep or of one check: a plain-text summary
// for terminals and email, a versioned JSON document for machines, and an SNS subject.
//
// Rendering is pure; the package does not publish or log anything.
package report
