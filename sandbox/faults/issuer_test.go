package faults

import (
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/finding"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/verdict"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/issuerfarm"
)

const faultyName = "faulty.example.test"

// unreachable is the outcome of a fault that stops discovery: nothing is known about
// the list and nothing is written.
func unreachable(detail string) want {
	return want{verdict: verdict.Unreachable, codes: []finding.Code{finding.DiscoveryFailed}, detail: detail}
}

// unverified is the outcome of an issuer whose chain fails verification: the chain is
// reported, and nothing is computed or written.
func unverified(detail string) want {
	return want{verdict: verdict.Refused, codes: []finding.Code{finding.DiscoveryFailed, finding.ChainUnverified}, detail: detail}
}

// faultyIssuer seeds the healthy provider and a provider on a public issuer changed by
// edit. Its list holds the public value, which a healthy issuer serves, and a stale
// entry, so a sweep that wrongly trusted the fault would have something to change.
func faultyIssuer(edit func(w *world, opts *issuerfarm.Options)) func(*testing.T, *world) {
	return func(t *testing.T, w *world) {
		w.seedHealthy()
		srv := w.publicIssuer(faultyName, func(opts *issuerfarm.Options) {
			if edit != nil {
				edit(w, opts)
			}
		})
		w.seedFaulty(srv.URL(), []string{w.publicTP(), stale})
	}
}

// respond makes the issuer return r for the discovery request.
func respond(r issuerfarm.Response) func(*world, *issuerfarm.Options) {
	return func(_ *world, opts *issuerfarm.Options) {
		opts.Responses = map[string]issuerfarm.Response{issuerfarm.DiscoveryPath: r}
	}
}

// serveCertificate replaces the issuer's chain with one the trust stores reject.
func serveCertificate(t *testing.T, w *world, cert tls.Certificate) {
	t.Helper()
	w.seedHealthy()
	srv := w.issuer(issuerfarm.Options{Name: faultyName, Certificates: []tls.Certificate{cert}}, false)
	w.seedFaulty(srv.URL(), []string{w.publicTP(), stale})
}

func issuerFaults() []fault {
	return []fault{
		{
			name:   "connection refused",
			side:   "issuer",
			expect: "unreachable with the connection error; list untouched",
			inject: func(t *testing.T, w *world) {
				w.seedHealthy()
				srv := w.publicIssuer(faultyName, nil)
				// The farm keeps the name's address after the server closes, so
				// connections reach a port where nothing listens.
				srv.Close()
				w.seedFaulty(srv.URL(), []string{w.publicTP(), stale})
			},
			want: unreachable("connection refused"),
		},
		{
			name:   "connection reset during the handshake",
			side:   "issuer",
			expect: "unreachable; a reset never becomes an empty or partial value",
			inject: faultyIssuer(func(_ *world, opts *issuerfarm.Options) {
				opts.Faults = issuerfarm.Faults{DropEvery: 1, Reset: true}
			}),
			want: unreachable("connection reset by peer|broken pipe"),
		},
		{
			name:   "handshake stalls",
			side:   "issuer",
			expect: "unreachable after the HTTP timeout; the sweep goes on",
			inject: faultyIssuer(func(_ *world, opts *issuerfarm.Options) {
				opts.Faults = issuerfarm.Faults{StallHandshake: true}
			}),
			want: unreachable("timed out after 2s|TLS handshake timeout"),
		},
		{
			name:   "body trickles one byte a second",
			side:   "issuer",
			expect: "unreachable when the request's time limit ends",
			inject: faultyIssuer(func(_ *world, opts *issuerfarm.Options) {
				opts.Faults = issuerfarm.Faults{TrickleInterval: time.Second, TrickleBytes: 1}
			}),
			want: unreachable("timed out after 2s"),
		},
		{
			name:   "10 MB discovery document",
			side:   "issuer",
			expect: "unreachable: the body limit stops reading at 1 MiB",
			inject: faultyIssuer(func(_ *world, opts *issuerfarm.Options) {
				opts.Faults = issuerfarm.Faults{BodyPadding: 10 << 20}
			}),
			want: unreachable("exceeds the limit of 1048576 bytes"),
		},
		{
			name:   "HTML answer",
			side:   "issuer",
			expect: "unreachable: a login or captive portal page is not a discovery document",
			inject: faultyIssuer(respond(issuerfarm.Response{
				ContentType: "text/html; charset=utf-8",
				Body:        []byte("<!doctype html><html><body><h1>Sign in</h1></body></html>"),
			})),
			want: unreachable("invalid JSON"),
		},
		{
			name:   "XML error answer",
			side:   "issuer",
			expect: "unreachable, the error code from the XML body quoted",
			inject: faultyIssuer(respond(issuerfarm.Response{
				Status:      http.StatusForbidden,
				ContentType: "application/xml",
				Body:        []byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`),
			})),
			want: unreachable("returned HTTP 403: \"AccessDenied Access Denied\""),
		},
		{
			name:   "404 answer",
			side:   "issuer",
			expect: "unreachable with the status",
			inject: faultyIssuer(respond(issuerfarm.Response{
				Status: http.StatusNotFound, ContentType: "text/plain", Body: []byte("not found"),
			})),
			want: unreachable("returned HTTP 404"),
		},
		{
			name:   "500 answer",
			side:   "issuer",
			expect: "unreachable with the status",
			inject: faultyIssuer(respond(issuerfarm.Response{
				Status: http.StatusInternalServerError, ContentType: "text/plain", Body: []byte("internal error"),
			})),
			want: unreachable("returned HTTP 500"),
		},
		{
			name:   "invalid JSON",
			side:   "issuer",
			expect: "unreachable: a truncated document is not read",
			inject: faultyIssuer(respond(issuerfarm.Response{
				ContentType: "application/json", Body: []byte(`{"issuer": "https://faulty.example.test", "jwks_uri": `),
			})),
			want: unreachable("invalid JSON"),
		},
		{
			name:   "missing jwks_uri",
			side:   "issuer",
			expect: "unreachable: without jwks_uri the host that needs a thumbprint is unknown",
			inject: faultyIssuer(func(_ *world, opts *issuerfarm.Options) {
				opts.Discovery = func(doc map[string]any) { delete(doc, "jwks_uri") }
			}),
			want: unreachable("jwks_uri is missing"),
		},
		{
			name:   "http jwks_uri",
			side:   "issuer",
			expect: "unreachable: IAM fetches keys over HTTPS only",
			inject: faultyIssuer(func(_ *world, opts *issuerfarm.Options) {
				opts.Discovery = func(doc map[string]any) {
					doc["jwks_uri"] = strings.Replace(doc["jwks_uri"].(string), "https://", "http://", 1)
				}
			}),
			want: unreachable("is not an https URL"),
		},
		redirectLoop(),
		redirectToAnotherHost(),
		{
			name:   "expired certificate",
			side:   "issuer",
			expect: "refused: the expired chain is reported, nothing is computed from it",
			inject: func(t *testing.T, w *world) {
				serveCertificate(t, w, w.leafValid(w.ca.publicCA, faultyName, epoch.AddDate(-2, 0, 0), epoch.AddDate(-1, 0, 0)))
			},
			want: unverified("expired"),
		},
		{
			name:   "not-yet-valid certificate",
			side:   "issuer",
			expect: "refused: the chain is reported, nothing is computed from it",
			inject: func(t *testing.T, w *world) {
				serveCertificate(t, w, w.leafValid(w.ca.publicCA, faultyName, epoch.AddDate(1, 0, 0), epoch.AddDate(2, 0, 0)))
			},
			want: unverified("is before"),
		},
		{
			name:   "wrong-host certificate",
			side:   "issuer",
			expect: "refused: a certificate for another name is never trusted",
			inject: func(t *testing.T, w *world) {
				serveCertificate(t, w, w.leaf(w.ca.publicCA, "someone-else.example.test"))
			},
			want: unverified("not faulty.example.test"),
		},
		{
			name:   "self-signed certificate",
			side:   "issuer",
			expect: "refused: a chain from no known CA is never trusted",
			inject: func(t *testing.T, w *world) {
				serveCertificate(t, w, w.selfSigned(faultyName))
			},
			want: unverified("unknown authority"),
		},
		{
			name:   "TLS 1.0 only",
			side:   "issuer",
			expect: "unreachable: TLS 1.2 is the minimum",
			inject: faultyIssuer(func(_ *world, opts *issuerfarm.Options) {
				opts.MinVersion, opts.MaxVersion = tls.VersionTLS10, tls.VersionTLS10
			}),
			want: unreachable("protocol version"),
		},
		{
			name:   "IPv6-only host",
			side:   "issuer",
			expect: "judged over IPv6 like any host; the stale list gains the issuer's value",
			inject: func(t *testing.T, w *world) {
				if !issuerfarm.LoopbackAvailable("::1") {
					t.Skip("::1 cannot be bound on this machine")
				}
				w.seedHealthy()
				srv := w.publicIssuer("v6only.example.test", func(opts *issuerfarm.Options) {
					opts.Addrs = []string{"::1"}
				})
				w.seedFaulty(srv.URL(), []string{stale})
			},
			want: want{verdict: verdict.Updated, severity: verdict.Advisory, codes: []finding.Code{finding.StaleEntry}, written: true},
			extra: func(t *testing.T, w *world, o outcome) {
				p, _ := o.provider(w.faulty)
				for _, h := range p.Hosts {
					if len(h.Addresses) != 1 || h.Addresses[0] != "::1" {
						t.Errorf("host %s addresses = %q, want [::1]", h.Name, h.Addresses)
					}
				}
			},
		},
		{
			name:   "name does not resolve",
			side:   "issuer",
			expect: "unreachable with the resolver's error",
			inject: func(t *testing.T, w *world) {
				w.seedHealthy()
				w.seedFaulty("nowhere.example.test/id/ABC", []string{w.publicTP(), stale})
			},
			want: unreachable("no such host"),
		},
		{
			name:   "drops a third of connections",
			side:   "issuer",
			expect: "handshakes are retried; the provider is judged from the samples that completed",
			inject: func(t *testing.T, w *world) {
				w.seedHealthy()
				srv := w.publicIssuer("flaky.example.test", func(opts *issuerfarm.Options) {
					opts.Faults = issuerfarm.Faults{DropEvery: 3}
				})
				w.seedFaulty(srv.URL(), []string{stale})
			},
			want: want{verdict: verdict.Updated, severity: verdict.Advisory, codes: []finding.Code{finding.StaleEntry}, written: true},
		},
		{
			name:   "JWKS answers 404",
			side:   "issuer",
			expect: "judged from the TLS chain, with a finding that STS cannot verify tokens",
			inject: faultyIssuer(func(_ *world, opts *issuerfarm.Options) {
				opts.Responses = map[string]issuerfarm.Response{
					issuerfarm.JWKSPath: {Status: http.StatusNotFound, ContentType: "text/plain", Body: []byte("no keys here")},
				}
			}),
			want: want{verdict: verdict.OK, codes: []finding.Code{finding.JWKSUnavailable, finding.StaleEntry}, detail: "HTTP 404"},
		},
	}
}

// redirectToAnotherHost points the discovery request at a second issuer that serves a
// valid document, and requires the sweep never to connect to it.
func redirectToAnotherHost() fault {
	var elsewhere *issuerfarm.Server
	return fault{
		name:   "redirect to another host",
		side:   "issuer",
		expect: "unreachable; the other host is never contacted",
		inject: func(t *testing.T, w *world) {
			elsewhere = w.publicIssuer("elsewhere.example.test", nil)
			faultyIssuer(func(_ *world, opts *issuerfarm.Options) {
				opts.Responses = map[string]issuerfarm.Response{
					issuerfarm.DiscoveryPath: {Status: http.StatusFound, Location: elsewhere.URL() + issuerfarm.DiscoveryPath},
				}
			})(t, w)
		},
		want: unreachable("not https on the same host and port"),
		extra: func(t *testing.T, w *world, o outcome) {
			for _, addr := range elsewhere.Addrs() {
				if n := elsewhere.Connections(addr); n != 0 {
					t.Errorf("connections to the redirect target on %s = %d, want 0", addr, n)
				}
			}
		},
	}
}

// redirectLoop makes the discovery path redirect to itself and requires the client to
// stop after following one redirect.
func redirectLoop() fault {
	var srv *issuerfarm.Server
	return fault{
		name:   "redirect loop",
		side:   "issuer",
		expect: "unreachable after one same-host redirect",
		inject: func(t *testing.T, w *world) {
			w.seedHealthy()
			srv = w.publicIssuer(faultyName, func(opts *issuerfarm.Options) {
				opts.Responses = map[string]issuerfarm.Response{
					issuerfarm.DiscoveryPath: {Status: http.StatusFound, Location: issuerfarm.DiscoveryPath},
				}
			})
			w.seedFaulty(srv.URL(), []string{w.publicTP(), stale})
		},
		want: unreachable("only one redirect is followed"),
		extra: func(t *testing.T, w *world, o outcome) {
			if n := srv.Requests(issuerfarm.DiscoveryPath); n != 2 {
				t.Errorf("discovery requests = %d, want 2 (the first and one redirect)", n)
			}
		},
	}
}
