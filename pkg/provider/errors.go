package provider

import (
	"errors"

	"github.com/aws/smithy-go"
)

// Sentinel errors for the IAM failures a caller branches on. Errors returned by Store
// wrap one of these together with the SDK error, so errors.Is matches the sentinel and
// errors.As still finds smithy.APIError.
var (
	// ErrNotFound: IAM returned NoSuchEntity, so the provider does not exist (for
	// example, it was deleted during the sweep).
	ErrNotFound = errors.New("provider: OIDC provider not found")
	// ErrAccessDenied: the caller's role may not perform the operation.
	ErrAccessDenied = errors.New("provider: access denied")
	// ErrInvalidInput: IAM rejected a parameter, such as a malformed ARN.
	ErrInvalidInput = errors.New("provider: invalid input")
	// ErrConcurrentModification: IAM still reported ConcurrentModification after
	// Store.MaxAttempts attempts.
	ErrConcurrentModification = errors.New("provider: concurrent modification")
	// ErrInvalidList: the planned thumbprint list is empty, longer than five entries,
	// has an entry that is not 40 hexadecimal characters or repeats an entry. Update
	// returns it without calling IAM.
	ErrInvalidList = errors.New("provider: invalid thumbprint list")
)

// classifiedError pairs an SDK error with the sentinel for its code. Its message is
// the SDK error's message, so the sentinel adds no text.
type classifiedError struct {
	sentinel error
	err      error
}

func (e *classifiedError) Error() string   { return e.err.Error() }
func (e *classifiedError) Unwrap() []error { return []error{e.sentinel, e.err} }

// classify wraps err with the sentinel matching its AWS error code, or returns err
// unchanged when no sentinel applies.
func classify(err error) error {
	sentinel := sentinelFor(errorCode(err))
	if sentinel == nil {
		return err
	}
	return &classifiedError{sentinel: sentinel, err: err}
}

func sentinelFor(code string) error {
	switch code {
	case "NoSuchEntity":
		return ErrNotFound
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation":
		return ErrAccessDenied
	case "InvalidInput", "ValidationError":
		return ErrInvalidInput
	case "ConcurrentModification":
		return ErrConcurrentModification
	}
	return nil
}

// errorCode returns the AWS error code in err, or "" when err carries none.
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}
