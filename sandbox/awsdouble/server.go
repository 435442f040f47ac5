package awsdouble

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// DefaultAccountID is the account that owns every resource when Options.AccountID is
// empty.
const DefaultAccountID = "123456789012"

// maxRequestBytes bounds a request body. An SNS message of 256 KiB can triple in size
// when form-encoded, so the bound leaves room for that.
const maxRequestBytes = 4 << 20

// Options configures a Server. The zero value is usable.
type Options struct {
	// AccountID owns the providers, topics and clusters. Default DefaultAccountID.
	AccountID string
	// Region is the region of topics created by AddTopic. Default "us-east-1".
	Region string
	// MaxClustersPerPage caps the page size of ListClusters below the client's
	// maxResults, so a client that does not set a limit still receives several pages.
	// Zero means the EKS default of 100.
	MaxClustersPerPage int
	// Lifetime, when positive, closes the server that long after Start, so a server
	// started outside a test cannot outlive its run.
	Lifetime time.Duration
	// Now returns the time used for creation dates. Default time.Now.
	Now func() time.Time
}

// Server is the local AWS API double. Create it with New, then call Start.
type Server struct {
	opts Options

	mu        sync.Mutex
	providers map[string]*Provider // by ARN
	topics    map[string]bool      // by ARN
	published []Message
	clusters  map[string]map[string]Cluster // region -> name -> cluster
	denied    map[string]Fault              // EKS region -> fault
	calls     map[string]int                // "service/action" -> count
	faults    map[string][]Fault            // "service/action" -> pending faults
	hooks     map[string][]*hook            // "service/action" -> hooks

	// lifecycle guards http and timer, which Start sets and Close reads, possibly
	// from the Lifetime timer's goroutine.
	lifecycle sync.Mutex
	listener  net.Listener
	http      *http.Server
	timer     *time.Timer
	closeOnce sync.Once
}

// New returns a server with empty state. It does not listen until Start.
func New(opts Options) *Server {
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.MaxClustersPerPage <= 0 || opts.MaxClustersPerPage > 100 {
		opts.MaxClustersPerPage = 100
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Server{
		opts:      opts,
		providers: map[string]*Provider{},
		topics:    map[string]bool{},
		clusters:  map[string]map[string]Cluster{},
		denied:    map[string]Fault{},
		calls:     map[string]int{},
		faults:    map[string][]Fault{},
		hooks:     map[string][]*hook{},
	}
}

// Start listens on 127.0.0.1 with a port chosen by the kernel and serves in the
// background until Close.
func (s *Server) Start() error {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("awsdouble: listening on loopback: %w", err)
	}

	s.lifecycle.Lock()
	defer s.lifecycle.Unlock()
	s.listener = listener
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.http.Serve(listener) }()

	if s.opts.Lifetime > 0 {
		s.timer = time.AfterFunc(s.opts.Lifetime, s.Close)
	}
	return nil
}

// StartForTest returns a started server that closes when tb's test ends. It fails the
// test if the server cannot listen.
func StartForTest(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s := New(opts)
	if err := s.Start(); err != nil {
		tb.Fatalf("starting AWS double: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// URL returns the base URL to use as BaseEndpoint or AWS_ENDPOINT_URL, such as
// "http://127.0.0.1:40123". It is empty before Start.
func (s *Server) URL() string {
	if s.listener == nil {
		return ""
	}
	return "http://" + s.listener.Addr().String()
}

// Close stops the server and drops open connections. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.lifecycle.Lock()
		defer s.lifecycle.Unlock()
		if s.timer != nil {
			s.timer.Stop()
		}
		if s.http != nil {
			_ = s.http.Close()
		}
	})
}

// AccountID returns the account that owns the double's resources.
func (s *Server) AccountID() string {
	return s.opts.AccountID
}

// Config returns an aws.Config for region that sends every request to the server with
// static credentials. Its retryer is the SDK's standard retryer with the backoff delay
// and the retry token bucket disabled, so fault tests run without waiting. The set of
// errors it retries is unchanged.
func (s *Server) Config(region string) aws.Config {
	return aws.Config{
		Region:       region,
		BaseEndpoint: aws.String(s.URL()),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret", Source: "awsdouble"}, nil
		}),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
				o.RateLimiter = ratelimit.None
			})
		},
	}
}

// Calls returns how many requests for service ("iam", "sns", "eks") and action (such
// as "GetOpenIDConnectProvider" or "ListClusters") the server received, including
// those that failed.
func (s *Server) Calls(service, action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[service+"/"+action]
}

// ServeHTTP routes a request by the service in its SigV4 credential scope.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBytes)

	region, service, err := credentialScope(r.Header.Get("Authorization"))
	if err != nil {
		writeQueryError(w, "", Fault{Code: "MissingAuthenticationToken", Status: http.StatusForbidden, Message: err.Error()})
		return
	}

	switch service {
	case "iam":
		s.serveQuery(w, r, region, service, iamNamespace, iamVersion, s.iamActions())
	case "sns":
		s.serveQuery(w, r, region, service, snsNamespace, snsVersion, s.snsActions())
	case "eks":
		s.serveEKS(w, r, region)
	default:
		writeQueryError(w, "", Fault{Code: "UnknownService", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("service %q is not served by the AWS double", service)})
	}
}

// credentialScope reads region and service from an Authorization header such as
// "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/iam/aws4_request, ...".
func credentialScope(authorization string) (region, service string, err error) {
	_, rest, found := strings.Cut(authorization, "Credential=")
	if !found {
		return "", "", errors.New("missing SigV4 Authorization header with a Credential")
	}

	credential, _, _ := strings.Cut(rest, ",")
	parts := strings.Split(strings.TrimSpace(credential), "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || parts[2] == "" || parts[3] == "" {
		return "", "", fmt.Errorf("invalid SigV4 credential scope %q", credential)
	}
	return parts[2], parts[3], nil
}

// begin counts a call, runs the hooks registered for it and consumes a pending fault.
// A non-nil result is the fault to return instead of handling the call.
func (s *Server) begin(c Call) *Fault {
	key := c.Service + "/" + c.Action

	s.mu.Lock()
	s.calls[key]++
	c.N = s.calls[key]
	hooks := append([]*hook(nil), s.hooks[key]...)
	s.mu.Unlock()

	// Hooks run without the lock so they can change state through the public methods.
	for _, h := range hooks {
		if f := h.fn(c); f != nil {
			return f
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if pending := s.faults[key]; len(pending) > 0 {
		f := pending[0]
		s.faults[key] = pending[1:]
		return &f
	}
	if c.Service == "eks" {
		if f, ok := s.denied[c.Region]; ok {
			return &f
		}
	}
	return nil
}

// newRequestID returns a random identifier in the UUID layout AWS uses for request and
// message IDs.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
