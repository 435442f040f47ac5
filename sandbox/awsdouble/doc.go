// Package awsdouble is a local stand-in for the parts of IAM, SNS and EKS that the
// remediator calls. It is an HTTP server on a loopback port that speaks the real wire
// protocols, so the real aws-sdk-go-v2 clients, serialisers, deserialisers and retryers
// run against it when BaseEndpoint (or AWS_ENDPOINT_URL) points at Server.URL.
//
// Requests are routed by the service in the SigV4 credential scope of the Authorization
// header (".../<region>/<service>/aws4_request"). IAM and SNS speak the AWS query protocol
// (form-encoded POST, XML responses and XML error envelopes). EKS speaks REST/JSON with
// the error code in the x-amzn-ErrorType header.
//
// Supported operations:
//
//   - IAM: ListOpenIDConnectProviders, GetOpenIDConnectProvider,
//     UpdateOpenIDConnectProviderThumbprint, CreateOpenIDConnectProvider,
//     TagOpenIDConnectProvider.
//   - SNS: Publish to a topic ARN.
//   - EKS: ListClusters and DescribeCluster, per region.
//
// Tests seed and inspect state from Go (AddProvider, AddTopic, AddCluster, Published,
// Calls) and inject faults (FailNext, Before, DenyRegion). All methods are safe for
// concurrent use.
//
// The double deliberately does not check SigV4 signatures, enforce IAM policies, model
// eventual consistency or implement any operation not listed above. An unknown action
// gets the error AWS returns for one. It is test-only code: tests of packages under
// pkg/ import it, but no non-test file under pkg/ or functions/ does.
package awsdouble
