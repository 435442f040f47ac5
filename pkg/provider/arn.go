package provider

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// ARN is a parsed OIDC provider ARN,
// arn:<partition>:iam::<account>:oidc-provider/<url>.
type ARN struct {
	Partition string // "aws", "aws-cn", "aws-us-gov", ...
	AccountID string
	URL       string // the provider URL without "https://"
}

// ParseARN parses an OIDC provider ARN. It rejects ARNs of other IAM resources, a
// region (IAM is global), an account ID that is not 12 digits and an empty URL.
func ParseARN(s string) (ARN, error) {
	parsed, err := arn.Parse(s)
	if err != nil {
		return ARN{}, fmt.Errorf("parsing OIDC provider ARN %q: %w", s, err)
	}

	url, found := strings.CutPrefix(parsed.Resource, "oidc-provider/")
	switch {
	case !strings.HasPrefix(parsed.Partition, "aws"):
		return ARN{}, fmt.Errorf("parsing OIDC provider ARN %q: unknown partition %q", s, parsed.Partition)
	case parsed.Service != "iam":
		return ARN{}, fmt.Errorf("parsing OIDC provider ARN %q: service is %q, want iam", s, parsed.Service)
	case parsed.Region != "":
		return ARN{}, fmt.Errorf("parsing OIDC provider ARN %q: IAM ARNs have no region, got %q", s, parsed.Region)
	case !isAccountID(parsed.AccountID):
		return ARN{}, fmt.Errorf("parsing OIDC provider ARN %q: account ID %q is not 12 digits", s, parsed.AccountID)
	case !found || url == "":
		return ARN{}, fmt.Errorf("parsing OIDC provider ARN %q: resource is not oidc-provider/<url>", s)
	}

	return ARN{Partition: parsed.Partition, AccountID: parsed.AccountID, URL: url}, nil
}

// String returns the ARN in its canonical form.
func (a ARN) String() string {
	return fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", a.Partition, a.AccountID, a.URL)
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
