package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// MaxThumbprints is the maximum number of entries IAM accepts in a provider's thumbprint list.
const MaxThumbprints = 5

// DefaultMaxAttempts is the number of attempts Update makes when Store.MaxAttempts is
// zero.
const DefaultMaxAttempts = 3

// API is the part of the IAM client that Store uses. *iam.Client satisfies it.
type API interface {
	ListOpenIDConnectProviders(ctx context.Context, in *iam.ListOpenIDConnectProvidersInput, optFns ...func(*iam.Options)) (*iam.ListOpenIDConnectProvidersOutput, error)
	GetOpenIDConnectProvider(ctx context.Context, in *iam.GetOpenIDConnectProviderInput, optFns ...func(*iam.Options)) (*iam.GetOpenIDConnectProviderOutput, error)
	UpdateOpenIDConnectProviderThumbprint(ctx context.Context, in *iam.UpdateOpenIDConnectProviderThumbprintInput, optFns ...func(*iam.Options)) (*iam.UpdateOpenIDConnectProviderThumbprintOutput, error)
}

// Provider is an IAM OIDC provider as GetOpenIDConnectProvider returned it.
type Provider struct {
	ARN string
	// URL is the issuer URL as IAM stores it, without "https://".
	URL string
	// Thumbprints is the stored list, unchanged: entries may be upper case, malformed
	// or placeholders.
	Thumbprints []string
	ClientIDs   []string
	// Tags holds the provider's tags by key. It is empty, not nil, when there are none.
	Tags       map[string]string
	CreateDate time.Time
}

// Store reads and writes OIDC providers through IAM.
type Store struct {
	API API
	// MaxAttempts bounds the attempts Update makes when IAM reports
	// ConcurrentModification, counting the first. Zero means DefaultMaxAttempts.
	MaxAttempts int
	// RetryDelay is the wait before each re-read after ConcurrentModification. Zero
	// retries at once.
	RetryDelay time.Duration
}

// List returns the ARNs of every OIDC provider in the account, sorted.
func (s *Store) List(ctx context.Context) ([]string, error) {
	out, err := s.API.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	if err != nil {
		return nil, fmt.Errorf("listing OIDC providers: %w", classify(err))
	}

	arns := make([]string, 0, len(out.OpenIDConnectProviderList))
	for _, entry := range out.OpenIDConnectProviderList {
		if arn := aws.ToString(entry.Arn); arn != "" {
			arns = append(arns, arn)
		}
	}
	slices.Sort(arns)
	return arns, nil
}

// Get reads the provider with arn. The error matches ErrNotFound when the provider
// does not exist.
func (s *Store) Get(ctx context.Context, arn string) (Provider, error) {
	p, err := s.get(ctx, arn)
	if err != nil {
		return Provider{}, fmt.Errorf("reading OIDC provider %s: %w", arn, err)
	}
	return p, nil
}

func (s *Store) get(ctx context.Context, arn string) (Provider, error) {
	out, err := s.API.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{
		OpenIDConnectProviderArn: aws.String(arn),
	})
	if err != nil {
		return Provider{}, classify(err)
	}

	p := Provider{
		ARN:         arn,
		URL:         aws.ToString(out.Url),
		Thumbprints: slices.Clone(out.ThumbprintList),
		ClientIDs:   slices.Clone(out.ClientIDList),
		Tags:        make(map[string]string, len(out.Tags)),
		CreateDate:  aws.ToTime(out.CreateDate),
	}
	for _, tag := range out.Tags {
		p.Tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	return p, nil
}

// Update replaces the thumbprint list of the provider with arn. It re-reads the
// provider just before writing, passes the fresh state to plan, and writes the list
// plan returns. When plan returns write=false or an error, nothing is written. IAM
// replaces the whole list, so plan must return every entry to keep.
//
// On ConcurrentModification Update re-reads the provider and calls plan again, making
// at most MaxAttempts attempts in all. It never writes an empty list, more than
// MaxThumbprints entries, an entry that is not 40 hexadecimal characters or a repeated
// entry: such a plan fails with ErrInvalidList before any call to IAM.
//
// written is the list IAM accepted, or nil when nothing was written.
func (s *Store) Update(ctx context.Context, arn string, plan func(current Provider) (list []string, write bool, err error)) (written []string, err error) {
	attempts := s.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}

	for attempt := 1; ; attempt++ {
		current, err := s.get(ctx, arn)
		if err != nil {
			return nil, fmt.Errorf("updating thumbprints of %s: %w", arn, err)
		}

		list, write, err := plan(current)
		if err != nil {
			return nil, fmt.Errorf("updating thumbprints of %s: %w", arn, err)
		}
		if !write {
			return nil, nil
		}
		if err := checkList(list); err != nil {
			return nil, fmt.Errorf("updating thumbprints of %s: %w", arn, err)
		}

		list = slices.Clone(list)
		_, err = s.API.UpdateOpenIDConnectProviderThumbprint(ctx, &iam.UpdateOpenIDConnectProviderThumbprintInput{
			OpenIDConnectProviderArn: aws.String(arn),
			ThumbprintList:           list,
		})
		if err == nil {
			return list, nil
		}

		if errorCode(err) != "ConcurrentModification" {
			return nil, fmt.Errorf("updating thumbprints of %s: %w", arn, classify(err))
		}
		if attempt >= attempts {
			return nil, fmt.Errorf("updating thumbprints of %s: gave up after %d attempts: %w", arn, attempts, classify(err))
		}
		if err := wait(ctx, s.RetryDelay); err != nil {
			return nil, fmt.Errorf("updating thumbprints of %s: %w", arn, err)
		}
	}
}

// checkList rejects a list that IAM would reject or that would leave the provider
// without a usable entry.
func checkList(list []string) error {
	if len(list) == 0 {
		return fmt.Errorf("%w: the list is empty", ErrInvalidList)
	}
	if len(list) > MaxThumbprints {
		return fmt.Errorf("%w: %d entries, IAM accepts at most %d", ErrInvalidList, len(list), MaxThumbprints)
	}

	seen := make(map[string]bool, len(list))
	for _, entry := range list {
		if !isThumbprint(entry) {
			return fmt.Errorf("%w: entry %q is not 40 hexadecimal characters", ErrInvalidList, entry)
		}
		key := strings.ToLower(entry)
		if seen[key] {
			return fmt.Errorf("%w: entry %q appears twice", ErrInvalidList, entry)
		}
		seen[key] = true
	}
	return nil
}

// isThumbprint reports whether s is 40 hexadecimal characters, the form of a SHA-1
// thumbprint in IAM.
func isThumbprint(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
