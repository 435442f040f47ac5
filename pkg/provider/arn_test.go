package provider

import "testing"

func TestParseARN(t *testing.T) {
	tests := []struct {
		name    string
		arn     string
		want    ARN
		wantErr bool
	}{
		{"aws", "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
			ARN{Partition: "aws", AccountID: "123456789012", URL: "token.actions.githubusercontent.com"}, false},
		{"china with path", "arn:aws-cn:iam::210987654321:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC",
			ARN{Partition: "aws-cn", AccountID: "210987654321", URL: "oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC"}, false},
		{"gov cloud", "arn:aws-us-gov:iam::123456789012:oidc-provider/id.example.test",
			ARN{Partition: "aws-us-gov", AccountID: "123456789012", URL: "id.example.test"}, false},
		{"not an ARN", "id.example.test", ARN{}, true},
		{"role", "arn:aws:iam::123456789012:role/admin", ARN{}, true},
		{"SAML provider", "arn:aws:iam::123456789012:saml-provider/okta", ARN{}, true},
		{"other service", "arn:aws:sts::123456789012:oidc-provider/id.example.test", ARN{}, true},
		{"with region", "arn:aws:iam:us-east-1:123456789012:oidc-provider/id.example.test", ARN{}, true},
		{"short account", "arn:aws:iam::12345:oidc-provider/id.example.test", ARN{}, true},
		{"letters in account", "arn:aws:iam::12345678901x:oidc-provider/id.example.test", ARN{}, true},
		{"empty URL", "arn:aws:iam::123456789012:oidc-provider/", ARN{}, true},
		{"unknown partition", "arn:gcp:iam::123456789012:oidc-provider/id.example.test", ARN{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseARN(tt.arn)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseARN(%q) error = %v, want error %t", tt.arn, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseARN(%q) = %+v, want %+v", tt.arn, got, tt.want)
			}
			if err == nil && got.String() != tt.arn {
				t.Errorf("ParseARN(%q).String() = %q, want the input back", tt.arn, got.String())
			}
		})
	}
}
