// Package metrics renders a sweep's counts as one CloudWatch Embedded Metric Format
// (EMF) log line, which CloudWatch Logs turns into metrics without a PutMetricData
// call.
//
// The package only builds the line: the caller writes it to standard output, where
// Lambda sends it to CloudWatch Logs. Metrics carry no dimension, never a provider
// or host, which keeps one series per metric and lets alarms match them by name.
package metrics
