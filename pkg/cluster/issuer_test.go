package cluster

import (
	"slices"
	"testing"
)

const testID = "0123456789ABCDEF0123456789ABCDEF"

func TestParseIssuer(t *testing.T) {
	tests := []struct {
		name       string
		issuerURL  string
		wantRegion string
		wantID     string
		wantOK     bool
	}{
		{"with scheme", "https://oidc.eks.us-east-1.amazonaws.com/id/" + testID, "us-east-1", testID, true},
		{"without scheme", "oidc.eks.eu-west-1.amazonaws.com/id/" + testID, "eu-west-1", testID, true},
		{"gov cloud", "https://oidc.eks.us-gov-west-1.amazonaws.com/id/" + testID, "us-gov-west-1", testID, true},
		{"china", "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/" + testID, "cn-north-1", testID, true},
		{"china without scheme", "oidc.eks.cn-northwest-1.amazonaws.com.cn/id/" + testID, "cn-northwest-1", testID, true},
		{"upper-case host and scheme", "HTTPS://OIDC.EKS.AP-SOUTHEAST-2.AMAZONAWS.COM/id/" + testID, "ap-southeast-2", testID, true},

		{"http scheme", "http://oidc.eks.us-east-1.amazonaws.com/id/" + testID, "", "", false},
		{"no id", "https://oidc.eks.us-east-1.amazonaws.com", "", "", false},
		{"empty id", "https://oidc.eks.us-east-1.amazonaws.com/id/", "", "", false},
		{"trailing slash", "https://oidc.eks.us-east-1.amazonaws.com/id/" + testID + "/", "", "", false},
		{"extra segment", "https://oidc.eks.us-east-1.amazonaws.com/id/" + testID + "/keys", "", "", false},
		{"other path", "https://oidc.eks.us-east-1.amazonaws.com/ids/" + testID, "", "", false},
		{"query", "https://oidc.eks.us-east-1.amazonaws.com/id/" + testID + "?x=1", "", "", false},
		{"port", "https://oidc.eks.us-east-1.amazonaws.com:443/id/" + testID, "us-east-1", testID, true},
		{"port not a number", "https://oidc.eks.us-east-1.amazonaws.com:https/id/" + testID, "", "", false},
		{"empty port", "https://oidc.eks.us-east-1.amazonaws.com:/id/" + testID, "", "", false},
		{"suffix host", "https://oidc.eks.us-east-1.amazonaws.com.evil.test/id/" + testID, "", "", false},
		{"prefix host", "https://evil.oidc.eks.us-east-1.amazonaws.com/id/" + testID, "", "", false},
		{"missing oidc label", "https://eks.us-east-1.amazonaws.com/id/" + testID, "", "", false},
		{"no region", "https://oidc.eks.amazonaws.com/id/" + testID, "", "", false},
		{"bad region", "https://oidc.eks.useast1.amazonaws.com/id/" + testID, "", "", false},
		{"china region on global domain", "https://oidc.eks.cn-north-1.amazonaws.com/id/" + testID, "", "", false},
		{"global region on china domain", "https://oidc.eks.us-east-1.amazonaws.com.cn/id/" + testID, "", "", false},
		{"other issuer", "https://token.actions.githubusercontent.com", "", "", false},
		{"empty", "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			region, id, ok := ParseIssuer(tt.issuerURL)
			if region != tt.wantRegion || id != tt.wantID || ok != tt.wantOK {
				t.Errorf("ParseIssuer(%q) = %q, %q, %t; want %q, %q, %t",
					tt.issuerURL, region, id, ok, tt.wantRegion, tt.wantID, tt.wantOK)
			}
		})
	}
}

func TestNormalizeIssuer(t *testing.T) {
	tests := []struct {
		name      string
		issuerURL string
		want      string
	}{
		{"EKS issuer", "https://oidc.eks.us-east-1.amazonaws.com/id/" + testID, "oidc.eks.us-east-1.amazonaws.com/id/" + testID},
		{"IAM URL unchanged", "oidc.eks.us-east-1.amazonaws.com/id/" + testID, "oidc.eks.us-east-1.amazonaws.com/id/" + testID},
		{"host lowered, path kept", "HTTPS://OIDC.Example.Test/Realm/A", "oidc.example.test/Realm/A"},
		{"trailing slash", "https://id.example.test/", "id.example.test"},
		{"host only", "id.example.test", "id.example.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NormalizeIssuer(tt.issuerURL); got != tt.want {
				t.Errorf("NormalizeIssuer(%q) = %q, want %q", tt.issuerURL, got, tt.want)
			}
		})
	}
}

func TestRegions(t *testing.T) {
	got := Regions([]string{
		"oidc.eks.us-west-2.amazonaws.com/id/" + testID,
		"token.actions.githubusercontent.com",
		"oidc.eks.eu-west-1.amazonaws.com/id/AAAA",
		"oidc.eks.us-west-2.amazonaws.com/id/BBBB",
		"oidc.eks.cn-north-1.amazonaws.com.cn/id/CCCC",
	})
	want := []string{"cn-north-1", "eu-west-1", "us-west-2"}
	if !slices.Equal(got, want) {
		t.Errorf("Regions() = %q, want %q", got, want)
	}
	if got := Regions(nil); got != nil {
		t.Errorf("Regions(nil) = %q, want nil", got)
	}
}
