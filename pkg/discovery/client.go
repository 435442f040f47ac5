package discovery

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"
)

// UserAgent is sent with every request so issuer operators can recognise the sweep.
const UserAgent = "oidc-thumbprint-remediator (OIDC discovery)"

// Defaults for the zero values in Config.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMaxBodyBytes = 1 << 20
	DefaultAttempts     = 3
	DefaultBackoff      = 200 * time.Millisecond
)

// maxIdleConns bounds the idle connections kept across all hosts, as
// http.DefaultTransport does.
const maxIdleConns = 100

// errorBodyBytes is how much of a non-2xx body is read for the error snippet.
const errorBodyBytes = 4 << 10

// Config sets how a Client connects.
type Config struct {
	// DialContext dials every HTTP connection, including those to the jwks_uri host and
	// to redirect targets. The sweep passes the private-network guard's DialContext
	// here. nil means a plain net.Dialer.
	DialContext func(ctx context.Context, network, address string) (net.Conn, error)
	// RootCAs is the pool that verifies every server, normally the system roots plus the
	// operator's bundle. nil means the system roots.
	RootCAs *x509.CertPool
	// Timeout bounds each HTTP request, from dialling to reading the whole body.
	// Zero means DefaultTimeout.
	Timeout time.Duration
	// MaxBodyBytes is the largest response body read. Zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Now returns the time at which server certificates are verified, so that HTTPS
	// requests judge expiry at the same time as the TLS prober. Nil means time.Now.
	Now func() time.Time
	// Attempts bounds the tries of one request whose connection is reset, refused or
	// closed before a response arrives. Timeouts, TLS and HTTP errors are not retried.
	// Zero means DefaultAttempts.
	Attempts int
	// Backoff is the pause before the first retry, doubled before each later one.
	// Zero means DefaultBackoff.
	Backoff time.Duration
}

// Client fetches discovery documents. It is safe for concurrent use.
type Client struct {
	http         *http.Client
	timeout      time.Duration
	maxBodyBytes int64
	attempts     int
	backoff      time.Duration
}

// New returns a Client for cfg.
func New(cfg Config) *Client {
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	maxBodyBytes := cfg.MaxBodyBytes
	if maxBodyBytes <= 0 {
		maxBodyBytes = DefaultMaxBodyBytes
	}
	dial := cfg.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: timeout}).DialContext
	}

	transport := &http.Transport{
		// Proxy stays nil because with a proxy DialContext would see only the
		// proxy's address, which bypasses the caller's network guard.
		Proxy:       nil,
		DialContext: dial,
		TLSClientConfig: &tls.Config{
			RootCAs:    cfg.RootCAs,
			MinVersion: tls.VersionTLS12,
			Time:       cfg.Now,
		},
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    timeout,
		ResponseHeaderTimeout:  timeout,
		MaxResponseHeaderBytes: 64 << 10,
		IdleConnTimeout:        90 * time.Second,
		// A sweep visits each issuer once, so idle connections are rarely reused
		// after a provider is done. Without a bound a sweep of 500 providers held
		// about 500 of them open, and Lambda allows 1,024 file descriptors.
		MaxIdleConns: maxIdleConns,
	}

	return &Client{
		http: &http.Client{
			Transport: transport,
			// get follows redirects itself, so that each request gets its own
			// timeout and a rejected redirect returns a *RedirectError.
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		timeout:      timeout,
		maxBodyBytes: maxBodyBytes,
		attempts:     cmp.Or(max(cfg.Attempts, 0), DefaultAttempts),
		backoff:      cmp.Or(max(cfg.Backoff, 0), DefaultBackoff),
	}
}

// response is a fully read 2xx response.
type response struct {
	URL         *url.URL // after any redirect
	ContentType string
	Body        []byte
}

// get fetches target with at most one redirect to the same host and port, and reads the
// whole body within the limit. Each request, the redirect included, gets its own timeout.
func (c *Client) get(ctx context.Context, target *url.URL) (response, error) {
	resp, err := c.getRetrying(ctx, target)
	if err != nil {
		return response{}, err
	}
	if resp.location == nil {
		return resp.response, nil
	}

	if !sameOrigin(target, resp.location) {
		return response{}, &RedirectError{
			URL:        target.String(),
			StatusCode: resp.status,
			Location:   resp.location.String(),
			Reason:     "the target is not https on the same host and port",
		}
	}

	next, err := c.getRetrying(ctx, resp.location)
	if err != nil {
		return response{}, err
	}
	if next.location != nil {
		return response{}, &RedirectError{
			URL:        resp.location.String(),
			StatusCode: next.status,
			Location:   next.location.String(),
			Reason:     "only one redirect is followed",
		}
	}
	return next.response, nil
}

// getRetrying calls getOnce and tries again after a pause, up to c.attempts times in
// all, while the connection fails before any response arrives. An issuer behind a
// flaky load balancer then still gets judged instead of reported unreachable.
func (c *Client) getRetrying(ctx context.Context, target *url.URL) (hop, error) {
	pause := c.backoff
	for attempt := 1; ; attempt++ {
		h, err := c.getOnce(ctx, target)
		if err == nil || attempt >= c.attempts || !transient(err) {
			return h, err
		}
		select {
		case <-ctx.Done():
			return h, err
		case <-time.After(pause):
		}
		pause *= 2
	}
}

// transient reports whether err is a connection that was reset, refused or closed
// before a response, which a new connection may not meet again.
func transient(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF)
}

// hop is the outcome of one request, either a read response or a redirect target.
type hop struct {
	response
	status   int
	location *url.URL
}

func (c *Client) getOnce(ctx context.Context, target *url.URL) (hop, error) {
	requestCtx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	timedOut := func() bool {
		return ctx.Err() == nil && errors.Is(requestCtx.Err(), context.DeadlineExceeded)
	}

	req, err := http.NewRequestWithContext(requestCtx, http.MethodGet, target.String(), nil)
	if err != nil {
		return hop{}, fmt.Errorf("discovery: building request for %s: %w", target, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", UserAgent)

	resp, err := c.http.Do(req)
	if err != nil {
		return hop{}, c.requestError(target, err, timedOut())
	}
	defer resp.Body.Close()

	if isRedirect(resp.StatusCode) {
		location, err := resp.Location()
		if err == nil {
			return hop{status: resp.StatusCode, location: location}, nil
		}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyBytes))
		return hop{}, &StatusError{URL: target.String(), StatusCode: resp.StatusCode, Snippet: snippet(body)}
	}

	body, err := c.readBody(target, resp)
	if err == nil && requestCtx.Err() != nil {
		// When the context ends during the read, net/http sometimes returns the
		// bytes read so far with a nil error (seen with Go 1.26 and a chunked body),
		// so a body that ends as the context ends may be cut short.
		err = requestCtx.Err()
	}
	if err != nil {
		return hop{}, c.requestError(target, err, timedOut())
	}
	return hop{response: response{URL: target, ContentType: resp.Header.Get("Content-Type"), Body: body}}, nil
}

func (c *Client) readBody(target *url.URL, resp *http.Response) ([]byte, error) {
	if resp.ContentLength > c.maxBodyBytes {
		return nil, &BodyTooLargeError{URL: target.String(), Limit: c.maxBodyBytes}
	}

	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBodyBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > c.maxBodyBytes {
		return nil, &BodyTooLargeError{URL: target.String(), Limit: c.maxBodyBytes}
	}
	return body, nil
}

// requestError wraps a transport error, naming the timeout when this request's own
// deadline expired rather than the caller's. Typed errors from this package pass
// through unchanged.
func (c *Client) requestError(target *url.URL, err error, timedOut bool) error {
	var tooLarge *BodyTooLargeError
	if errors.As(err, &tooLarge) {
		return err
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	if timedOut {
		return fmt.Errorf("discovery: GET %s timed out after %s: %w", target, c.timeout, err)
	}
	return fmt.Errorf("discovery: GET %s: %w", target, err)
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}
