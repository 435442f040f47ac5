// Package cluster maps EKS OIDC issuer URLs to the EKS clusters that own them.
//
// ParseIssuer reads the region and ID from an EKS issuer URL, so only the regions that
// appear in IAM's provider URLs need EKS calls. Finder lists and describes the clusters
// in those regions and indexes them by normalised issuer URL. A region that cannot be
// listed (access denied, a region not enabled in the account) is reported next to the
// index instead of failing it.
//
// The package does not decide whether a provider is orphaned: a missing issuer proves
// nothing for a region that returned an error, and the caller makes that call. It makes
// no calls other than ListClusters and DescribeCluster.
package cluster
