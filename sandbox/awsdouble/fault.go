package awsdouble

import (
	"fmt"
	"net/http"
	"net/url"
)

// Fault is an AWS error response: the error code the SDK reports as
// smithy.APIError.ErrorCode, the HTTP status and the message.
type Fault struct {
	Code    string
	Status  int
	Message string
}

// Error returns the code and message, so a Fault can also be used as a Go error.
func (f Fault) Error() string {
	return fmt.Sprintf("%s (HTTP %d): %s", f.Code, f.status(), f.Message)
}

// defaultStatus lists the HTTP status AWS documents for common error codes. A Fault
// with a zero Status and a code not listed here is sent with 400.
var defaultStatus = map[string]int{
	"Throttling":                     http.StatusBadRequest,
	"ThrottlingException":            http.StatusBadRequest,
	"ServiceFailure":                 http.StatusInternalServerError,
	"InternalError":                  http.StatusInternalServerError,
	"InternalFailure":                http.StatusInternalServerError,
	"ServerException":                http.StatusInternalServerError,
	"ServiceUnavailable":             http.StatusServiceUnavailable,
	"ConcurrentModification":         http.StatusConflict,
	"LimitExceeded":                  http.StatusConflict,
	"EntityAlreadyExists":            http.StatusConflict,
	"InvalidInput":                   http.StatusBadRequest,
	"InvalidParameter":               http.StatusBadRequest,
	"InvalidParameterException":      http.StatusBadRequest,
	"AccessDenied":                   http.StatusForbidden,
	"AccessDeniedException":          http.StatusForbidden,
	"AuthorizationError":             http.StatusForbidden,
	"UnrecognizedClientException":    http.StatusForbidden,
	"NoSuchEntity":                   http.StatusNotFound,
	"NotFound":                       http.StatusNotFound,
	"ResourceNotFoundException":      http.StatusNotFound,
	"MissingAuthenticationToken":     http.StatusForbidden,
	"InvalidClientTokenId":           http.StatusForbidden,
	"ExpiredToken":                   http.StatusForbidden,
	"RequestExpired":                 http.StatusBadRequest,
	"InvalidAction":                  http.StatusBadRequest,
	"UnknownOperationException":      http.StatusNotFound,
	"ServiceUnavailableException":    http.StatusServiceUnavailable,
	"ClientException":                http.StatusBadRequest,
	"ResourceInUseException":         http.StatusConflict,
	"ResourceLimitExceededException": http.StatusBadRequest,
}

func (f Fault) status() int {
	if f.Status != 0 {
		return f.Status
	}
	if status, ok := defaultStatus[f.Code]; ok {
		return status
	}
	return http.StatusBadRequest
}

func (f Fault) message() string {
	if f.Message != "" {
		return f.Message
	}
	return "injected fault " + f.Code
}

// Call describes one request as the server routed it, for hooks.
type Call struct {
	Service string // "iam", "sns" or "eks"
	Action  string // operation name, such as "UpdateOpenIDConnectProviderThumbprint"
	Region  string // region of the SigV4 credential scope
	// N numbers the calls of this service and action, starting at 1.
	N int
	// Params holds the form parameters of a query-protocol call, or the query
	// string of an EKS call.
	Params url.Values
	// Name is the cluster name of an EKS DescribeCluster call.
	Name string
}

type hook struct {
	fn func(Call) *Fault
}

// FailNext makes the next n calls of service and action fail with f before the server
// looks at them. Faults queue: a second FailNext applies after the first is used up.
func (s *Server) FailNext(service, action string, n int, f Fault) {
	f.Status = f.status()
	f.Message = f.message()

	s.mu.Lock()
	defer s.mu.Unlock()
	key := service + "/" + action
	for range n {
		s.faults[key] = append(s.faults[key], f)
	}
}

// Before runs fn before every later call of service and action, after the call is
// counted and before queued faults and the operation itself. fn runs without the
// server's lock, so it may seed or delete state (for example, delete a provider between
// a read and a write). A non-nil Fault from fn is returned instead of handling the call.
// The returned function removes the hook.
func (s *Server) Before(service, action string, fn func(Call) *Fault) (remove func()) {
	h := &hook{fn: fn}
	key := service + "/" + action

	s.mu.Lock()
	s.hooks[key] = append(s.hooks[key], h)
	s.mu.Unlock()

	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		hooks := s.hooks[key]
		for i, candidate := range hooks {
			if candidate == h {
				s.hooks[key] = append(hooks[:i:i], hooks[i+1:]...)
				return
			}
		}
	}
}

// DenyRegion makes every EKS call signed for region fail with f, as for a region that
// is not enabled in the account (UnrecognizedClientException, 403) or one the
// function's role may not read (AccessDeniedException, 403).
func (s *Server) DenyRegion(region string, f Fault) {
	f.Status = f.status()
	f.Message = f.message()

	s.mu.Lock()
	defer s.mu.Unlock()
	s.denied[region] = f
}
