package issuerfarm

import (
	"crypto/tls"
	"time"
)

// Options describes one issuer.
type Options struct {
	// Name is the host name in the issuer URL and the name clients resolve through
	// the farm. Default "localhost".
	Name string
	// Path is the issuer URL's path, such as "/id/EXAMPLE" for an EKS-style issuer.
	// The discovery document and the JWKS are served under it. Default "" (the root).
	Path string
	// Addrs lists the loopback addresses to listen on, all with the same port.
	// Default {"127.0.0.1"}. Use LoopbackAvailable to skip a test when "::1" or
	// another 127.x address cannot be bound.
	Addrs []string
	// Certificates are the chains the server sends, one per handshake in round-robin
	// order across all addresses, so sequential clients see a deterministic sequence.
	Certificates []tls.Certificate
	// SelectCertificate, when set, chooses the chain for each handshake instead of
	// Certificates. hello.Conn.LocalAddr() returns the address the client reached,
	// and ByAddress builds a selector from it.
	SelectCertificate func(hello *tls.ClientHelloInfo) tls.Certificate
	// MinVersion and MaxVersion bound the TLS versions the server accepts. Defaults
	// tls.VersionTLS12 and tls.VersionTLS13. tls.VersionTLS10 for both makes a server
	// that modern clients cannot reach.
	MinVersion uint16
	MaxVersion uint16
	// Discovery edits the default discovery document before each response, for example
	// to delete "jwks_uri" or point it at another farm server. The document starts
	// with issuer, jwks_uri and the usual metadata fields.
	Discovery func(doc map[string]any)
	// Responses replaces the response for a path relative to Path
	// ("/.well-known/openid-configuration", "/jwks" or any other), for error pages,
	// wrong content types and redirects.
	Responses map[string]Response
	Faults    Faults
}

// Response is a canned HTTP response.
type Response struct {
	// Status is the HTTP status code. Default 200.
	Status int
	// ContentType is sent as the Content-Type header when not empty.
	ContentType string
	// Location is sent as the Location header when not empty, for redirects.
	Location string
	Body     []byte
}

// Faults are deliberate misbehaviours of a server. The zero value has none.
type Faults struct {
	// HandshakeDelay holds each accepted connection this long before the TLS
	// handshake starts.
	HandshakeDelay time.Duration
	// ResponseDelay holds each HTTP response this long before its headers are sent.
	ResponseDelay time.Duration
	// DropFirst closes the first DropFirst connections right after accepting them.
	DropFirst int
	// DropEvery closes every DropEvery-th connection (the DropEvery-th, then twice
	// that, and so on) right after accepting it. 3 drops a third of the connections
	// and 1 drops them all. Connections are counted across all addresses from 1.
	DropEvery int
	// Reset makes dropped connections end with a TCP reset instead of a normal close.
	Reset bool
	// StallHandshake accepts connections and never responds, until Close.
	StallHandshake bool
	// TrickleInterval sends each response body in pieces of TrickleBytes bytes, with
	// this pause before each piece.
	TrickleInterval time.Duration
	// TrickleBytes is the size of each trickled piece. Default 16.
	TrickleBytes int
	// BodyPadding adds a string field of this many bytes to the discovery document and
	// the JWKS, so their bodies stay valid JSON but exceed a size limit.
	BodyPadding int
}

func (o Options) withDefaults() Options {
	if o.Name == "" {
		o.Name = "localhost"
	}
	if len(o.Addrs) == 0 {
		o.Addrs = []string{"127.0.0.1"}
	}
	if o.MinVersion == 0 {
		o.MinVersion = tls.VersionTLS12
	}
	if o.MaxVersion == 0 {
		o.MaxVersion = tls.VersionTLS13
	}
	if o.Faults.TrickleBytes <= 0 {
		o.Faults.TrickleBytes = 16
	}
	return o
}

// dropped reports whether the n-th accepted connection, counted from 1, is dropped.
func (f Faults) dropped(n int) bool {
	if n <= f.DropFirst {
		return true
	}
	return f.DropEvery > 0 && n%f.DropEvery == 0
}
