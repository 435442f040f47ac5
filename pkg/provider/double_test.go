package provider_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/provider"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/awsdouble"
)

const (
	tpA = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
	tpB = "1111111111111111111111111111111111111111"
)

func startStore(t *testing.T) (*awsdouble.Server, *provider.Store) {
	t.Helper()
	s := awsdouble.StartForTest(t, awsdouble.Options{})
	return s, &provider.Store{API: iam.NewFromConfig(s.Config("us-east-1"))}
}

func appendB(current provider.Provider) ([]string, bool, error) {
	return append(slices.Clone(current.Thumbprints), tpB), true, nil
}

func TestStoreAgainstDouble(t *testing.T) {
	s, store := startStore(t)
	ctx := context.Background()
	arnB := s.AddProvider("b.example.test", []string{tpA}, map[string]string{provider.TagKeep: tpB})
	arnA := s.AddProvider("a.example.test", []string{}, nil)

	arns, err := store.List(ctx)
	if err != nil {
		t.Fatalf("List() error = %v", err)
	}
	if !slices.Equal(arns, []string{arnA, arnB}) {
		t.Errorf("List() = %q, want %q", arns, []string{arnA, arnB})
	}

	p, err := store.Get(ctx, arnB)
	if err != nil {
		t.Fatalf("Get() error = %v", err)
	}
	keep, err := p.KeepList()
	if err != nil || !slices.Equal(keep, []string{tpB}) {
		t.Errorf("KeepList() = %q, %v; want [%s], nil", keep, err, tpB)
	}

	empty, err := store.Get(ctx, arnA)
	if err != nil {
		t.Fatalf("Get() error = %v", err)
	}
	if len(empty.Thumbprints) != 0 {
		t.Errorf("Thumbprints = %q, want an empty list", empty.Thumbprints)
	}

	written, err := store.Update(ctx, arnB, appendB)
	if err != nil {
		t.Fatalf("Update() error = %v", err)
	}
	stored, _ := s.Provider(arnB)
	if !slices.Equal(written, []string{tpA, tpB}) || !slices.Equal(stored.Thumbprints, written) {
		t.Errorf("Update() wrote %q, IAM stores %q; want %q", written, stored.Thumbprints, []string{tpA, tpB})
	}
}

func TestStoreUpdateRetriesConcurrentModification(t *testing.T) {
	s, store := startStore(t)
	arn := s.AddProvider("id.example.test", []string{tpA}, nil)
	s.FailNext("iam", "UpdateOpenIDConnectProviderThumbprint", 1, awsdouble.Fault{Code: "ConcurrentModification"})

	written, err := store.Update(context.Background(), arn, appendB)
	if err != nil {
		t.Fatalf("Update() error = %v", err)
	}

	if !slices.Equal(written, []string{tpA, tpB}) {
		t.Errorf("Update() written = %q, want %q", written, []string{tpA, tpB})
	}
	if n := s.Calls("iam", "UpdateOpenIDConnectProviderThumbprint"); n != 2 {
		t.Errorf("update calls = %d, want 2 (the SDK does not retry ConcurrentModification, Store does once)", n)
	}
	if n := s.Calls("iam", "GetOpenIDConnectProvider"); n != 2 {
		t.Errorf("get calls = %d, want 2 (one re-read per attempt)", n)
	}
}

func TestStoreUpdateSeesConcurrentWrite(t *testing.T) {
	s, store := startStore(t)
	arn := s.AddProvider("id.example.test", []string{tpA}, nil)
	const other = "3333333333333333333333333333333333333333"

	// Another writer changes the list after the first read and IAM reports the
	// conflict, so the second plan must start from the other writer's list.
	s.Before("iam", "UpdateOpenIDConnectProviderThumbprint", func(c awsdouble.Call) *awsdouble.Fault {
		if c.N == 1 {
			s.SetThumbprints(arn, []string{other})
			return &awsdouble.Fault{Code: "ConcurrentModification"}
		}
		return nil
	})

	written, err := store.Update(context.Background(), arn, appendB)
	if err != nil {
		t.Fatalf("Update() error = %v", err)
	}
	if !slices.Equal(written, []string{other, tpB}) {
		t.Errorf("Update() written = %q, want %q planned from the re-read", written, []string{other, tpB})
	}
}

func TestStoreUpdateGivesUp(t *testing.T) {
	s, store := startStore(t)
	arn := s.AddProvider("id.example.test", []string{tpA}, nil)
	s.FailNext("iam", "UpdateOpenIDConnectProviderThumbprint", 10, awsdouble.Fault{Code: "ConcurrentModification"})

	written, err := store.Update(context.Background(), arn, appendB)
	if !errors.Is(err, provider.ErrConcurrentModification) {
		t.Errorf("Update() error = %v, want ErrConcurrentModification", err)
	}
	if written != nil {
		t.Errorf("Update() written = %q, want nil", written)
	}
	if n := s.Calls("iam", "UpdateOpenIDConnectProviderThumbprint"); n != provider.DefaultMaxAttempts {
		t.Errorf("update calls = %d, want %d", n, provider.DefaultMaxAttempts)
	}
	stored, _ := s.Provider(arn)
	if !slices.Equal(stored.Thumbprints, []string{tpA}) {
		t.Errorf("stored list = %q, want it unchanged", stored.Thumbprints)
	}
}

func TestStoreUpdateProviderDeletedBeforeWrite(t *testing.T) {
	s, store := startStore(t)
	arn := s.AddProvider("id.example.test", []string{tpA}, nil)
	s.Before("iam", "UpdateOpenIDConnectProviderThumbprint", func(awsdouble.Call) *awsdouble.Fault {
		s.DeleteProvider(arn)
		return nil
	})

	_, err := store.Update(context.Background(), arn, appendB)
	if !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("Update() error = %v, want ErrNotFound", err)
	}
}

func TestStoreErrorsAgainstDouble(t *testing.T) {
	tests := []struct {
		name  string
		setup func(s *awsdouble.Server)
		arn   string
		want  error
	}{
		{"unknown provider", func(*awsdouble.Server) {}, "arn:aws:iam::123456789012:oidc-provider/gone.example.test", provider.ErrNotFound},
		{"malformed ARN", func(*awsdouble.Server) {}, "arn:aws:iam::1:oidc-provider/x", provider.ErrInvalidInput},
		{"access denied", func(s *awsdouble.Server) {
			s.FailNext("iam", "GetOpenIDConnectProvider", 1, awsdouble.Fault{Code: "AccessDenied"})
		}, "arn:aws:iam::123456789012:oidc-provider/id.example.test", provider.ErrAccessDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, store := startStore(t)
			s.AddProvider("id.example.test", []string{tpA}, nil)
			tt.setup(s)

			_, err := store.Get(context.Background(), tt.arn)
			if !errors.Is(err, tt.want) {
				t.Errorf("Get() error = %v, want %v", err, tt.want)
			}
		})
	}
}
