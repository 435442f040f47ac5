package awsdouble_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/oidc-thumbprint-remediator/remediator/sandbox/awsdouble"
)

func TestStandardRetryer(t *testing.T) {
	tests := []struct {
		name      string
		fault     awsdouble.Fault
		wantCalls int
		wantErr   string
	}{
		{"throttling retried then succeeds", awsdouble.Fault{Code: "Throttling"}, 3, ""},
		{"service failure retried then succeeds", awsdouble.Fault{Code: "ServiceFailure"}, 3, ""},
		{"concurrent modification not retried", awsdouble.Fault{Code: "ConcurrentModification"}, 1, "ConcurrentModification"},
		{"access denied not retried", awsdouble.Fault{Code: "AccessDenied"}, 1, "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, client := startIAM(t)
			arn := s.AddProvider("id.example.test", []string{tpA}, nil)
			s.FailNext("iam", "UpdateOpenIDConnectProviderThumbprint", 2, tt.fault)

			_, err := client.UpdateOpenIDConnectProviderThumbprint(context.Background(), &iam.UpdateOpenIDConnectProviderThumbprintInput{
				OpenIDConnectProviderArn: aws.String(arn),
				ThumbprintList:           []string{tpB},
			})

			if n := s.Calls("iam", "UpdateOpenIDConnectProviderThumbprint"); n != tt.wantCalls {
				t.Errorf("Calls() = %d, want %d", n, tt.wantCalls)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("UpdateOpenIDConnectProviderThumbprint() error = %v, want success after retries", err)
				}
				p, _ := s.Provider(arn)
				if !slices.Equal(p.Thumbprints, []string{tpB}) {
					t.Errorf("Thumbprints = %q, want %q", p.Thumbprints, []string{tpB})
				}
				return
			}
			if err == nil {
				t.Fatalf("UpdateOpenIDConnectProviderThumbprint() error = nil, want %s", tt.wantErr)
			}
			if code, _ := apiError(t, err); code != tt.wantErr {
				t.Errorf("error code = %q, want %q", code, tt.wantErr)
			}
		})
	}
}

func TestFaultStatus(t *testing.T) {
	tests := []struct {
		name       string
		fault      awsdouble.Fault
		wantStatus int
	}{
		{"default for NoSuchEntity", awsdouble.Fault{Code: "NoSuchEntity"}, http.StatusNotFound},
		{"default for ConcurrentModification", awsdouble.Fault{Code: "ConcurrentModification"}, http.StatusConflict},
		{"default for unknown code", awsdouble.Fault{Code: "Odd"}, http.StatusBadRequest},
		{"explicit status wins", awsdouble.Fault{Code: "InvalidInput", Status: http.StatusTeapot}, http.StatusTeapot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, client := startIAM(t)
			s.FailNext("iam", "ListOpenIDConnectProviders", 1, tt.fault)

			_, err := client.ListOpenIDConnectProviders(context.Background(), &iam.ListOpenIDConnectProvidersInput{})
			if err == nil {
				t.Fatal("ListOpenIDConnectProviders() error = nil, want the injected fault")
			}
			code, status := apiError(t, err)
			if code != tt.fault.Code || status != tt.wantStatus {
				t.Errorf("error = %s (HTTP %d), want %s (HTTP %d)", code, status, tt.fault.Code, tt.wantStatus)
			}
		})
	}
}

func TestBeforeHookDeletesBetweenGetAndUpdate(t *testing.T) {
	s, client := startIAM(t)
	ctx := context.Background()
	arn := s.AddProvider("id.example.test", []string{tpA}, nil)
	remove := s.Before("iam", "UpdateOpenIDConnectProviderThumbprint", func(c awsdouble.Call) *awsdouble.Fault {
		if got := c.Params.Get("OpenIDConnectProviderArn"); got != arn {
			t.Errorf("hook Params ARN = %q, want %q", got, arn)
		}
		s.DeleteProvider(arn)
		return nil
	})

	if _, err := client.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)}); err != nil {
		t.Fatalf("GetOpenIDConnectProvider() error = %v", err)
	}
	_, err := client.UpdateOpenIDConnectProviderThumbprint(ctx, &iam.UpdateOpenIDConnectProviderThumbprintInput{
		OpenIDConnectProviderArn: aws.String(arn),
		ThumbprintList:           []string{tpB},
	})
	if code, _ := apiError(t, err); code != "NoSuchEntity" {
		t.Errorf("UpdateOpenIDConnectProviderThumbprint() code = %q, want NoSuchEntity", code)
	}

	remove()
	s.AddProvider("id.example.test", []string{tpA}, nil)
	_, err = client.UpdateOpenIDConnectProviderThumbprint(ctx, &iam.UpdateOpenIDConnectProviderThumbprintInput{
		OpenIDConnectProviderArn: aws.String(arn),
		ThumbprintList:           []string{tpB},
	})
	if err != nil {
		t.Errorf("UpdateOpenIDConnectProviderThumbprint() after removing the hook: error = %v", err)
	}
}

func TestBeforeHookReturnsFault(t *testing.T) {
	s, client := startIAM(t)
	s.Before("iam", "ListOpenIDConnectProviders", func(c awsdouble.Call) *awsdouble.Fault {
		if c.N == 1 {
			return &awsdouble.Fault{Code: "AccessDenied", Message: "not authorized to perform iam:ListOpenIDConnectProviders"}
		}
		return nil
	})

	_, err := client.ListOpenIDConnectProviders(context.Background(), &iam.ListOpenIDConnectProvidersInput{})
	code, status := apiError(t, err)
	if code != "AccessDenied" || status != http.StatusForbidden {
		t.Errorf("first call error = %s (HTTP %d), want AccessDenied (HTTP 403)", code, status)
	}
	if _, err := client.ListOpenIDConnectProviders(context.Background(), &iam.ListOpenIDConnectProvidersInput{}); err != nil {
		t.Errorf("second call error = %v, want nil", err)
	}
}

func TestConcurrentCalls(t *testing.T) {
	s, client := startIAM(t)
	var arns []string
	for _, host := range []string{"a.example.test", "b.example.test", "c.example.test", "d.example.test"} {
		arns = append(arns, s.AddProvider(host, []string{tpA}, nil))
	}

	var wg sync.WaitGroup
	errs := make(chan error, len(arns)*10)
	for i := range 10 {
		for _, arn := range arns {
			wg.Go(func() {
				list := []string{tpA, tpB}
				if i%2 == 0 {
					list = []string{tpB}
				}
				_, err := client.UpdateOpenIDConnectProviderThumbprint(context.Background(), &iam.UpdateOpenIDConnectProviderThumbprintInput{
					OpenIDConnectProviderArn: aws.String(arn),
					ThumbprintList:           list,
				})
				errs <- err
			})
		}
	}
	wg.Wait()
	close(errs)

	for err := range errs {
		if err != nil {
			t.Errorf("concurrent UpdateOpenIDConnectProviderThumbprint() error = %v", err)
		}
	}
	if n := s.Calls("iam", "UpdateOpenIDConnectProviderThumbprint"); n != 40 {
		t.Errorf("Calls() = %d, want 40", n)
	}
}

func TestUnsignedRequestRejected(t *testing.T) {
	s := awsdouble.StartForTest(t, awsdouble.Options{})

	resp, err := http.Post(s.URL(), "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatalf("POST error = %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status = %d, want 403", resp.StatusCode)
	}
}

func TestLifetimeClosesServer(t *testing.T) {
	s := awsdouble.New(awsdouble.Options{Lifetime: 1})
	if err := s.Start(); err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	t.Cleanup(s.Close)

	url := s.URL()
	// The server closes itself after 1ns, so poll until a request fails.
	for range 1000 {
		resp, err := http.Get(url)
		if err != nil {
			return
		}
		resp.Body.Close()
	}
	t.Errorf("server at %s still answers after its lifetime", url)
}
