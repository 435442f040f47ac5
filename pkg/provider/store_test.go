package provider

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
)

const (
	testARN = "arn:aws:iam::123456789012:oidc-provider/id.example.test"
	tpA     = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
	tpB     = "1111111111111111111111111111111111111111"
	tpC     = "2222222222222222222222222222222222222222"
)

// fakeAPI is a hand-written API whose methods call the function fields and record
// every input.
type fakeAPI struct {
	list   func() (*iam.ListOpenIDConnectProvidersOutput, error)
	get    func(n int) (*iam.GetOpenIDConnectProviderOutput, error)
	update func(n int, list []string) error

	gets    []string
	updates [][]string
}

func (f *fakeAPI) ListOpenIDConnectProviders(ctx context.Context, in *iam.ListOpenIDConnectProvidersInput, optFns ...func(*iam.Options)) (*iam.ListOpenIDConnectProvidersOutput, error) {
	return f.list()
}

func (f *fakeAPI) GetOpenIDConnectProvider(ctx context.Context, in *iam.GetOpenIDConnectProviderInput, optFns ...func(*iam.Options)) (*iam.GetOpenIDConnectProviderOutput, error) {
	f.gets = append(f.gets, aws.ToString(in.OpenIDConnectProviderArn))
	return f.get(len(f.gets))
}

func (f *fakeAPI) UpdateOpenIDConnectProviderThumbprint(ctx context.Context, in *iam.UpdateOpenIDConnectProviderThumbprintInput, optFns ...func(*iam.Options)) (*iam.UpdateOpenIDConnectProviderThumbprintOutput, error) {
	f.updates = append(f.updates, slices.Clone(in.ThumbprintList))
	if err := f.update(len(f.updates), in.ThumbprintList); err != nil {
		return nil, err
	}
	return &iam.UpdateOpenIDConnectProviderThumbprintOutput{}, nil
}

var _ API = (*iam.Client)(nil)

func getOutput(thumbprints ...string) *iam.GetOpenIDConnectProviderOutput {
	return &iam.GetOpenIDConnectProviderOutput{
		Url:            aws.String("id.example.test"),
		ThumbprintList: thumbprints,
		ClientIDList:   []string{"sts.amazonaws.com"},
		CreateDate:     aws.Time(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)),
		Tags:           []types.Tag{{Key: aws.String(TagKeep), Value: aws.String(tpC)}},
	}
}

func apiErr(code string) error {
	return &smithy.GenericAPIError{Code: code, Message: "injected " + code}
}

func TestStoreList(t *testing.T) {
	fake := &fakeAPI{list: func() (*iam.ListOpenIDConnectProvidersOutput, error) {
		return &iam.ListOpenIDConnectProvidersOutput{OpenIDConnectProviderList: []types.OpenIDConnectProviderListEntry{
			{Arn: aws.String("arn:aws:iam::123456789012:oidc-provider/z.example.test")},
			{Arn: nil},
			{Arn: aws.String("arn:aws:iam::123456789012:oidc-provider/a.example.test")},
		}}, nil
	}}
	s := &Store{API: fake}

	got, err := s.List(context.Background())
	if err != nil {
		t.Fatalf("List() error = %v", err)
	}
	want := []string{"arn:aws:iam::123456789012:oidc-provider/a.example.test", "arn:aws:iam::123456789012:oidc-provider/z.example.test"}
	if !slices.Equal(got, want) {
		t.Errorf("List() = %q, want %q", got, want)
	}
}

func TestStoreListAccessDenied(t *testing.T) {
	fake := &fakeAPI{list: func() (*iam.ListOpenIDConnectProvidersOutput, error) { return nil, apiErr("AccessDenied") }}
	s := &Store{API: fake}

	_, err := s.List(context.Background())
	if !errors.Is(err, ErrAccessDenied) {
		t.Errorf("List() error = %v, want ErrAccessDenied", err)
	}
	var apiError smithy.APIError
	if !errors.As(err, &apiError) || apiError.ErrorCode() != "AccessDenied" {
		t.Errorf("List() error = %v, want a smithy.APIError with code AccessDenied", err)
	}
	if !strings.HasPrefix(err.Error(), "listing OIDC providers: ") {
		t.Errorf("List() error = %q, want the prefix %q", err, "listing OIDC providers: ")
	}
}

func TestStoreGet(t *testing.T) {
	fake := &fakeAPI{get: func(int) (*iam.GetOpenIDConnectProviderOutput, error) { return getOutput(tpA, "AB"), nil }}
	s := &Store{API: fake}

	p, err := s.Get(context.Background(), testARN)
	if err != nil {
		t.Fatalf("Get() error = %v", err)
	}
	if p.ARN != testARN || p.URL != "id.example.test" {
		t.Errorf("Get() ARN, URL = %q, %q; want %q, %q", p.ARN, p.URL, testARN, "id.example.test")
	}
	if !slices.Equal(p.Thumbprints, []string{tpA, "AB"}) {
		t.Errorf("Thumbprints = %q, want the stored list unchanged", p.Thumbprints)
	}
	if !slices.Equal(p.ClientIDs, []string{"sts.amazonaws.com"}) {
		t.Errorf("ClientIDs = %q, want [sts.amazonaws.com]", p.ClientIDs)
	}
	if p.Tags[TagKeep] != tpC {
		t.Errorf("Tags[%s] = %q, want %q", TagKeep, p.Tags[TagKeep], tpC)
	}
	if want := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC); !p.CreateDate.Equal(want) {
		t.Errorf("CreateDate = %v, want %v", p.CreateDate, want)
	}
	if !slices.Equal(fake.gets, []string{testARN}) {
		t.Errorf("GetOpenIDConnectProvider ARNs = %q, want [%s]", fake.gets, testARN)
	}
}

func TestStoreGetErrors(t *testing.T) {
	tests := []struct {
		name string
		code string
		want error
	}{
		{"no such entity", "NoSuchEntity", ErrNotFound},
		{"access denied", "AccessDenied", ErrAccessDenied},
		{"invalid input", "InvalidInput", ErrInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeAPI{get: func(int) (*iam.GetOpenIDConnectProviderOutput, error) { return nil, apiErr(tt.code) }}
			s := &Store{API: fake}

			_, err := s.Get(context.Background(), testARN)
			if !errors.Is(err, tt.want) {
				t.Errorf("Get() error = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), testARN) {
				t.Errorf("Get() error = %q, want it to name %s", err, testARN)
			}
		})
	}

	t.Run("service failure has no sentinel", func(t *testing.T) {
		fake := &fakeAPI{get: func(int) (*iam.GetOpenIDConnectProviderOutput, error) { return nil, apiErr("ServiceFailure") }}
		s := &Store{API: fake}

		_, err := s.Get(context.Background(), testARN)
		for _, sentinel := range []error{ErrNotFound, ErrAccessDenied, ErrInvalidInput, ErrConcurrentModification} {
			if errors.Is(err, sentinel) {
				t.Errorf("Get() error = %v, want no match for %v", err, sentinel)
			}
		}
		var apiError smithy.APIError
		if !errors.As(err, &apiError) || apiError.ErrorCode() != "ServiceFailure" {
			t.Errorf("Get() error = %v, want a smithy.APIError with code ServiceFailure", err)
		}
	})
}

func TestStoreUpdate(t *testing.T) {
	fake := &fakeAPI{
		get:    func(int) (*iam.GetOpenIDConnectProviderOutput, error) { return getOutput(tpA), nil },
		update: func(int, []string) error { return nil },
	}
	s := &Store{API: fake}

	var seen []Provider
	written, err := s.Update(context.Background(), testARN, func(current Provider) ([]string, bool, error) {
		seen = append(seen, current)
		return append(slices.Clone(current.Thumbprints), tpB), true, nil
	})
	if err != nil {
		t.Fatalf("Update() error = %v", err)
	}

	if !slices.Equal(written, []string{tpA, tpB}) {
		t.Errorf("Update() written = %q, want %q", written, []string{tpA, tpB})
	}
	if len(fake.updates) != 1 || !slices.Equal(fake.updates[0], []string{tpA, tpB}) {
		t.Errorf("UpdateOpenIDConnectProviderThumbprint lists = %q, want one call with %q", fake.updates, []string{tpA, tpB})
	}
	if len(seen) != 1 || !slices.Equal(seen[0].Thumbprints, []string{tpA}) {
		t.Errorf("plan saw %d providers, want 1 with the fresh list [%s]", len(seen), tpA)
	}
}

func TestStoreUpdateNoWrite(t *testing.T) {
	fake := &fakeAPI{
		get:    func(int) (*iam.GetOpenIDConnectProviderOutput, error) { return getOutput(tpA), nil },
		update: func(int, []string) error { return nil },
	}
	s := &Store{API: fake}

	written, err := s.Update(context.Background(), testARN, func(Provider) ([]string, bool, error) {
		return []string{tpB}, false, nil
	})
	if err != nil || written != nil {
		t.Errorf("Update() = %q, %v; want nil, nil", written, err)
	}
	if len(fake.updates) != 0 {
		t.Errorf("UpdateOpenIDConnectProviderThumbprint calls = %d, want 0", len(fake.updates))
	}
}

func TestStoreUpdatePlanError(t *testing.T) {
	fake := &fakeAPI{
		get:    func(int) (*iam.GetOpenIDConnectProviderOutput, error) { return getOutput(tpA), nil },
		update: func(int, []string) error { return nil },
	}
	s := &Store{API: fake}
	planErr := errors.New("chain failed verification")

	written, err := s.Update(context.Background(), testARN, func(Provider) ([]string, bool, error) {
		return []string{tpB}, true, planErr
	})
	if !errors.Is(err, planErr) || written != nil {
		t.Errorf("Update() = %q, %v; want nil and the plan's error", written, err)
	}
	if len(fake.updates) != 0 {
		t.Errorf("UpdateOpenIDConnectProviderThumbprint calls = %d, want 0", len(fake.updates))
	}
}

func TestStoreUpdateRejectsUnsafeList(t *testing.T) {
	tests := []struct {
		name string
		list []string
	}{
		{"nil list", nil},
		{"empty list", []string{}},
		{"six entries", []string{tpA, tpB, tpC, strings.Repeat("3", 40), strings.Repeat("4", 40), strings.Repeat("5", 40)}},
		{"short entry", []string{tpA[:39]}},
		{"SHA-256 entry", []string{strings.Repeat("ab", 32)}},
		{"entry with colons", []string{"9E:99:A4:8A:99:60:B1:49:26:BB:7F:3B:02:E2:2D:A2:B0:AB:72:80"}},
		{"non-hex entry", []string{strings.Repeat("g", 40)}},
		{"repeated entry", []string{tpA, strings.ToUpper(tpA)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeAPI{
				get:    func(int) (*iam.GetOpenIDConnectProviderOutput, error) { return getOutput(tpA), nil },
				update: func(int, []string) error { return nil },
			}
			s := &Store{API: fake}

			written, err := s.Update(context.Background(), testARN, func(Provider) ([]string, bool, error) {
				return tt.list, true, nil
			})
			if !errors.Is(err, ErrInvalidList) {
				t.Errorf("Update() error = %v, want ErrInvalidList", err)
			}
			if written != nil {
				t.Errorf("Update() written = %q, want nil", written)
			}
			if len(fake.updates) != 0 {
				t.Errorf("UpdateOpenIDConnectProviderThumbprint calls = %d, want 0", len(fake.updates))
			}
		})
	}
}

func TestStoreUpdateConcurrentModification(t *testing.T) {
	tests := []struct {
		name        string
		maxAttempts int
		failures    int
		wantUpdates int
		wantErr     error
	}{
		{"succeeds on second attempt", 0, 1, 2, nil},
		{"succeeds on last attempt", 3, 2, 3, nil},
		{"gives up after default attempts", 0, 5, 3, ErrConcurrentModification},
		{"gives up after one attempt", 1, 5, 1, ErrConcurrentModification},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Every read returns a list another writer just changed, so each plan
			// must see the latest state.
			fake := &fakeAPI{
				get: func(n int) (*iam.GetOpenIDConnectProviderOutput, error) {
					return getOutput(tpA, strings.Repeat(string(rune('2'+n)), 40)), nil
				},
				update: func(n int, _ []string) error {
					if n <= tt.failures {
						return apiErr("ConcurrentModification")
					}
					return nil
				},
			}
			s := &Store{API: fake, MaxAttempts: tt.maxAttempts}

			var plans [][]string
			written, err := s.Update(context.Background(), testARN, func(current Provider) ([]string, bool, error) {
				plans = append(plans, current.Thumbprints)
				return []string{current.Thumbprints[1], tpB}, true, nil
			})

			if len(fake.updates) != tt.wantUpdates {
				t.Errorf("UpdateOpenIDConnectProviderThumbprint calls = %d, want %d", len(fake.updates), tt.wantUpdates)
			}
			if len(fake.gets) != tt.wantUpdates || len(plans) != tt.wantUpdates {
				t.Errorf("reads, plans = %d, %d; want %d each (one re-read per attempt)", len(fake.gets), len(plans), tt.wantUpdates)
			}
			for i, list := range fake.updates {
				if want := strings.Repeat(string(rune('2'+i+1)), 40); list[0] != want {
					t.Errorf("attempt %d wrote %q, want a list planned from read %d (%s first)", i+1, list, i+1, want)
				}
			}

			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("Update() error = %v, want %v", err, tt.wantErr)
				}
				if written != nil {
					t.Errorf("Update() written = %q, want nil", written)
				}
				return
			}
			if err != nil {
				t.Fatalf("Update() error = %v", err)
			}
			if !slices.Equal(written, fake.updates[len(fake.updates)-1]) {
				t.Errorf("Update() written = %q, want the last list sent %q", written, fake.updates[len(fake.updates)-1])
			}
		})
	}
}

func TestStoreUpdateOtherErrorsNotRetried(t *testing.T) {
	tests := []struct {
		name     string
		getErr   error
		writeErr error
		want     error
		gets     int
		updates  int
	}{
		{"deleted before read", apiErr("NoSuchEntity"), nil, ErrNotFound, 1, 0},
		{"deleted before write", nil, apiErr("NoSuchEntity"), ErrNotFound, 1, 1},
		{"write denied", nil, apiErr("AccessDenied"), ErrAccessDenied, 1, 1},
		{"write rejected", nil, apiErr("InvalidInput"), ErrInvalidInput, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeAPI{
				get: func(int) (*iam.GetOpenIDConnectProviderOutput, error) {
					if tt.getErr != nil {
						return nil, tt.getErr
					}
					return getOutput(tpA), nil
				},
				update: func(int, []string) error { return tt.writeErr },
			}
			s := &Store{API: fake}

			_, err := s.Update(context.Background(), testARN, func(Provider) ([]string, bool, error) {
				return []string{tpB}, true, nil
			})
			if !errors.Is(err, tt.want) {
				t.Errorf("Update() error = %v, want %v", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "updating thumbprints of "+testARN) {
				t.Errorf("Update() error = %q, want the prefix %q", err, "updating thumbprints of "+testARN)
			}
			if len(fake.gets) != tt.gets || len(fake.updates) != tt.updates {
				t.Errorf("reads, writes = %d, %d; want %d, %d", len(fake.gets), len(fake.updates), tt.gets, tt.updates)
			}
		})
	}
}

func TestStoreUpdateContextCanceledDuringRetryDelay(t *testing.T) {
	fake := &fakeAPI{
		get:    func(int) (*iam.GetOpenIDConnectProviderOutput, error) { return getOutput(tpA), nil },
		update: func(int, []string) error { return apiErr("ConcurrentModification") },
	}
	s := &Store{API: fake, RetryDelay: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())

	done := make(chan error, 1)
	go func() {
		_, err := s.Update(ctx, testARN, func(Provider) ([]string, bool, error) { return []string{tpB}, true, nil })
		done <- err
	}()
	cancel()

	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Update() error = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Update() did not return after the context was canceled")
	}
}
