package awsdouble_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/oidc-thumbprint-remediator/remediator/sandbox/awsdouble"
)

var pinnedNow = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

const (
	tpA = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
	tpB = "1111111111111111111111111111111111111111"
)

func startIAM(t *testing.T) (*awsdouble.Server, *iam.Client) {
	t.Helper()
	s := awsdouble.StartForTest(t, awsdouble.Options{Now: func() time.Time { return pinnedNow }})
	return s, iam.NewFromConfig(s.Config("us-east-1"))
}

// apiError returns the smithy.APIError in err and its HTTP status.
func apiError(t *testing.T, err error) (code string, status int) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v is not a smithy.APIError", err)
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
	}
	return apiErr.ErrorCode(), status
}

func TestListOpenIDConnectProviders(t *testing.T) {
	s, client := startIAM(t)
	second := s.AddProvider("token.actions.githubusercontent.com", []string{tpA}, nil)
	first := s.AddProvider("https://oidc.eks.us-east-1.amazonaws.com/id/ABC", []string{tpA}, nil)

	out, err := client.ListOpenIDConnectProviders(context.Background(), &iam.ListOpenIDConnectProvidersInput{})
	if err != nil {
		t.Fatalf("ListOpenIDConnectProviders() error = %v", err)
	}

	var got []string
	for _, entry := range out.OpenIDConnectProviderList {
		got = append(got, aws.ToString(entry.Arn))
	}
	want := []string{first, second}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("ARNs = %q, want %q", got, want)
	}
	if first != "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC" {
		t.Errorf("AddProvider() ARN = %q, want the URL without https:// in account 123456789012", first)
	}
	if n := s.Calls("iam", "ListOpenIDConnectProviders"); n != 1 {
		t.Errorf("Calls() = %d, want 1", n)
	}
}

func TestListOpenIDConnectProvidersEmpty(t *testing.T) {
	_, client := startIAM(t)

	out, err := client.ListOpenIDConnectProviders(context.Background(), &iam.ListOpenIDConnectProvidersInput{})
	if err != nil {
		t.Fatalf("ListOpenIDConnectProviders() error = %v", err)
	}
	if len(out.OpenIDConnectProviderList) != 0 {
		t.Errorf("providers = %d, want 0", len(out.OpenIDConnectProviderList))
	}
}

func TestGetOpenIDConnectProvider(t *testing.T) {
	s, client := startIAM(t)
	arn := s.AddProvider("id.example.test", []string{tpA, tpB}, map[string]string{"team": "platform", "env": "prod"})

	out, err := client.GetOpenIDConnectProvider(context.Background(), &iam.GetOpenIDConnectProviderInput{
		OpenIDConnectProviderArn: aws.String(arn),
	})
	if err != nil {
		t.Fatalf("GetOpenIDConnectProvider() error = %v", err)
	}

	if got := aws.ToString(out.Url); got != "id.example.test" {
		t.Errorf("Url = %q, want %q", got, "id.example.test")
	}
	if !slices.Equal(out.ThumbprintList, []string{tpA, tpB}) {
		t.Errorf("ThumbprintList = %q, want %q", out.ThumbprintList, []string{tpA, tpB})
	}
	if !slices.Equal(out.ClientIDList, []string{"sts.amazonaws.com"}) {
		t.Errorf("ClientIDList = %q, want [sts.amazonaws.com]", out.ClientIDList)
	}
	if out.CreateDate == nil || !out.CreateDate.Equal(pinnedNow) {
		t.Errorf("CreateDate = %v, want %v", out.CreateDate, pinnedNow)
	}
	wantTags := []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}, {Key: aws.String("team"), Value: aws.String("platform")}}
	if len(out.Tags) != len(wantTags) {
		t.Fatalf("Tags = %d entries, want %d", len(out.Tags), len(wantTags))
	}
	for i, tag := range out.Tags {
		if aws.ToString(tag.Key) != aws.ToString(wantTags[i].Key) || aws.ToString(tag.Value) != aws.ToString(wantTags[i].Value) {
			t.Errorf("Tags[%d] = %s=%s, want %s=%s", i, aws.ToString(tag.Key), aws.ToString(tag.Value),
				aws.ToString(wantTags[i].Key), aws.ToString(wantTags[i].Value))
		}
	}
}

func TestGetOpenIDConnectProviderErrors(t *testing.T) {
	s, client := startIAM(t)
	s.AddProvider("id.example.test", []string{tpA}, nil)

	tests := []struct {
		name       string
		arn        string
		wantCode   string
		wantStatus int
	}{
		{"unknown ARN", "arn:aws:iam::123456789012:oidc-provider/other.example.test", "NoSuchEntity", http.StatusNotFound},
		{"malformed ARN", "arn:aws:iam::12345:oidc-provider/id.example.test", "InvalidInput", http.StatusBadRequest},
		{"role ARN", "arn:aws:iam::123456789012:role/admin", "InvalidInput", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.GetOpenIDConnectProvider(context.Background(), &iam.GetOpenIDConnectProviderInput{
				OpenIDConnectProviderArn: aws.String(tt.arn),
			})
			if err == nil {
				t.Fatal("GetOpenIDConnectProvider() error = nil, want an API error")
			}
			code, status := apiError(t, err)
			if code != tt.wantCode {
				t.Errorf("error code = %q, want %q", code, tt.wantCode)
			}
			if status != tt.wantStatus {
				t.Errorf("HTTP status = %d, want %d", status, tt.wantStatus)
			}
			if tt.wantCode == "NoSuchEntity" {
				var notFound *types.NoSuchEntityException
				if !errors.As(err, &notFound) {
					t.Errorf("error %v is not a *types.NoSuchEntityException", err)
				}
			}
		})
	}
}

func TestUpdateOpenIDConnectProviderThumbprint(t *testing.T) {
	s, client := startIAM(t)
	arn := s.AddProvider("id.example.test", []string{tpA}, nil)

	_, err := client.UpdateOpenIDConnectProviderThumbprint(context.Background(), &iam.UpdateOpenIDConnectProviderThumbprintInput{
		OpenIDConnectProviderArn: aws.String(arn),
		ThumbprintList:           []string{tpA, tpB},
	})
	if err != nil {
		t.Fatalf("UpdateOpenIDConnectProviderThumbprint() error = %v", err)
	}

	p, ok := s.Provider(arn)
	if !ok {
		t.Fatalf("Provider(%q) not found", arn)
	}
	if !slices.Equal(p.Thumbprints, []string{tpA, tpB}) {
		t.Errorf("Thumbprints = %q, want %q", p.Thumbprints, []string{tpA, tpB})
	}
}

func TestUpdateOpenIDConnectProviderThumbprintInvalid(t *testing.T) {
	s, client := startIAM(t)
	arn := s.AddProvider("id.example.test", []string{tpA}, nil)

	tests := []struct {
		name       string
		arn        string
		list       []string
		wantCode   string
		wantStatus int
	}{
		{"empty list", arn, []string{}, "InvalidInput", http.StatusBadRequest},
		{"six entries", arn, []string{tpA, tpB, tpA, tpB, tpA, tpB}, "InvalidInput", http.StatusBadRequest},
		{"39 characters", arn, []string{tpA[:39]}, "InvalidInput", http.StatusBadRequest},
		{"SHA-256 length", arn, []string{strings.Repeat("ab", 32)}, "InvalidInput", http.StatusBadRequest},
		{"malformed ARN", "not-an-arn", []string{tpA}, "InvalidInput", http.StatusBadRequest},
		{"unknown ARN", "arn:aws:iam::123456789012:oidc-provider/gone.example.test", []string{tpA}, "NoSuchEntity", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.UpdateOpenIDConnectProviderThumbprint(context.Background(), &iam.UpdateOpenIDConnectProviderThumbprintInput{
				OpenIDConnectProviderArn: aws.String(tt.arn),
				ThumbprintList:           tt.list,
			})
			if err == nil {
				t.Fatal("UpdateOpenIDConnectProviderThumbprint() error = nil, want an API error")
			}
			code, status := apiError(t, err)
			if code != tt.wantCode || status != tt.wantStatus {
				t.Errorf("error = %s (HTTP %d), want %s (HTTP %d)", code, status, tt.wantCode, tt.wantStatus)
			}
		})
	}

	p, _ := s.Provider(arn)
	if !slices.Equal(p.Thumbprints, []string{tpA}) {
		t.Errorf("Thumbprints after rejected updates = %q, want %q", p.Thumbprints, []string{tpA})
	}
}

func TestCreateAndTagOpenIDConnectProvider(t *testing.T) {
	s, client := startIAM(t)
	ctx := context.Background()

	out, err := client.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url:            aws.String("https://id.example.test"),
		ClientIDList:   []string{"sts.amazonaws.com", "app"},
		ThumbprintList: []string{tpA},
		Tags:           []types.Tag{{Key: aws.String("team"), Value: aws.String("platform")}},
	})
	if err != nil {
		t.Fatalf("CreateOpenIDConnectProvider() error = %v", err)
	}
	arn := aws.ToString(out.OpenIDConnectProviderArn)
	if want := "arn:aws:iam::123456789012:oidc-provider/id.example.test"; arn != want {
		t.Errorf("OpenIDConnectProviderArn = %q, want %q", arn, want)
	}

	_, err = client.TagOpenIDConnectProvider(ctx, &iam.TagOpenIDConnectProviderInput{
		OpenIDConnectProviderArn: aws.String(arn),
		Tags:                     []types.Tag{{Key: aws.String("oidc-thumbprint-remediator:keep"), Value: aws.String(tpB)}},
	})
	if err != nil {
		t.Fatalf("TagOpenIDConnectProvider() error = %v", err)
	}

	p, ok := s.Provider(arn)
	if !ok {
		t.Fatalf("Provider(%q) not found", arn)
	}
	if !slices.Equal(p.ClientIDs, []string{"sts.amazonaws.com", "app"}) {
		t.Errorf("ClientIDs = %q, want [sts.amazonaws.com app]", p.ClientIDs)
	}
	if p.Tags["team"] != "platform" || p.Tags["oidc-thumbprint-remediator:keep"] != tpB {
		t.Errorf("Tags = %v, want team=platform and the keep tag", p.Tags)
	}

	_, err = client.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url:          aws.String("https://id.example.test"),
		ClientIDList: []string{"sts.amazonaws.com"},
	})
	if code, _ := apiError(t, err); code != "EntityAlreadyExists" {
		t.Errorf("second CreateOpenIDConnectProvider() code = %q, want EntityAlreadyExists", code)
	}

	_, err = client.TagOpenIDConnectProvider(ctx, &iam.TagOpenIDConnectProviderInput{
		OpenIDConnectProviderArn: aws.String(arn),
		Tags:                     []types.Tag{{Key: aws.String("keep"), Value: aws.String(tpA + "," + tpB)}},
	})
	if code, _ := apiError(t, err); code != "InvalidInput" {
		t.Errorf("TagOpenIDConnectProvider() with a comma in the value: code = %q, want InvalidInput", code)
	}
}

func TestSeedingHelpers(t *testing.T) {
	s, _ := startIAM(t)
	arn := s.AddProvider("id.example.test", nil, nil)

	if !s.SetThumbprints(arn, []string{"0000"}) {
		t.Fatalf("SetThumbprints(%q) = false, want true", arn)
	}
	p, _ := s.Provider(arn)
	if !slices.Equal(p.Thumbprints, []string{"0000"}) {
		t.Errorf("Thumbprints = %q, want the unvalidated seed [0000]", p.Thumbprints)
	}

	if !s.DeleteProvider(arn) {
		t.Errorf("DeleteProvider(%q) = false, want true", arn)
	}
	if _, ok := s.Provider(arn); ok {
		t.Errorf("Provider(%q) found after DeleteProvider", arn)
	}
	if s.SetThumbprints(arn, []string{tpA}) {
		t.Errorf("SetThumbprints on a deleted provider = true, want false")
	}
}

func TestEndpointFromEnvironment(t *testing.T) {
	s := awsdouble.StartForTest(t, awsdouble.Options{})
	arn := s.AddProvider("id.example.test", []string{tpA}, nil)
	dir := t.TempDir()
	t.Setenv("AWS_ENDPOINT_URL", s.URL())
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", dir+"/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", dir+"/credentials")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatalf("LoadDefaultConfig() error = %v", err)
	}
	out, err := iam.NewFromConfig(cfg).GetOpenIDConnectProvider(context.Background(), &iam.GetOpenIDConnectProviderInput{
		OpenIDConnectProviderArn: aws.String(arn),
	})
	if err != nil {
		t.Fatalf("GetOpenIDConnectProvider() through AWS_ENDPOINT_URL error = %v", err)
	}
	if got := aws.ToString(out.Url); got != "id.example.test" {
		t.Errorf("Url = %q, want id.example.test", got)
	}
}
