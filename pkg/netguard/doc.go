// Package netguard keeps the remediator from connecting to internal networks. A Guard
// resolves a host name, checks every address it resolves to and dials only a checked
// address, so a second DNS answer cannot switch the connection to another address.
//
// The function connects to URLs stored in IAM and to jwks_uri values taken from
// documents on the internet, and a Lambda function attached to a VPC could otherwise be
// pointed at internal services. A host is blocked when any of its addresses falls in one
// of these ranges (IPv4-mapped IPv6 addresses are unmapped first, and NAT64 addresses in
// 64:ff9b::/96 are judged by the IPv4 address they embed). AllowPrivate lifts the block
// for every range except cloud metadata, which hands out credentials and is never an
// OIDC issuer:
//
//	cloud metadata     169.254.169.254, fd00:ec2::254, 100.100.100.200
//	unspecified        0.0.0.0, ::
//	this network       0.0.0.0/8
//	loopback           127.0.0.0/8, ::1
//	private            10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7
//	link-local         169.254.0.0/16, fe80::/10
//	carrier-grade NAT  100.64.0.0/10
//	multicast          224.0.0.0/4, ff00::/8
//	reserved           240.0.0.0/4, including 255.255.255.255
//
// The package does not decide which URLs to fetch, does not follow redirects and does
// not verify TLS; it only guards the addresses that a connection reaches.
package netguard
