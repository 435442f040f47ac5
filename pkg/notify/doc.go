// Package notify publishes a sweep report to an Amazon SNS topic: the plain-text
// summary for email subscribers, the versioned JSON document for every other protocol,
// and message attributes for subscription filter policies.
//
// A policy decides whether a sweep is worth a message. A report too large for one SNS
// message is shortened, least important providers first, with the counts kept. The
// package does not retry a failed publish or log anything: it returns the error, and
// the caller still holds the complete report.
package notify
