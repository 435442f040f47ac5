package thumbprint

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

const starfieldG2 = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"

func TestOfStarfieldG2(t *testing.T) {
	data, err := os.ReadFile("testdata/starfield-services-root-g2-cross-signed.pem")
	if err != nil {
		t.Fatalf("reading fixture: %v", err)
	}
	certs, err := ParsePEM(data)
	if err != nil {
		t.Fatalf("ParsePEM() error = %v", err)
	}
	if len(certs) != 1 {
		t.Fatalf("ParsePEM() returned %d certificates, want 1", len(certs))
	}

	if got := Of(certs[0]); got != starfieldG2 {
		t.Errorf("Of() = %q, want %q", got, starfieldG2)
	}
	if got, want := certs[0].Subject.CommonName, "Starfield Services Root Certificate Authority - G2"; got != want {
		t.Errorf("Subject.CommonName = %q, want %q", got, want)
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "lowercase", in: starfieldG2, want: starfieldG2},
		{name: "uppercase", in: strings.ToUpper(starfieldG2), want: starfieldG2},
		{name: "colons", in: "9E:99:A4:8A:99:60:B1:49:26:BB:7F:3B:02:E2:2D:A2:B0:AB:72:80", want: starfieldG2},
		{name: "spaces between pairs", in: "9e 99 a4 8a 99 60 b1 49 26 bb 7f 3b 02 e2 2d a2 b0 ab 72 80", want: starfieldG2},
		{name: "surrounding white space", in: "\t " + starfieldG2 + "\r\n", want: starfieldG2},
		{name: "placeholder is valid hex", in: strings.Repeat("0", 40), want: strings.Repeat("0", 40)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(tt.in)
			if err != nil {
				t.Fatalf("Normalize(%q) error = %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeMalformed(t *testing.T) {
	sha256Hex := strings.Repeat("ab", 32)
	tests := []struct {
		name       string
		in         string
		wantReason string
		wantSHA256 string
	}{
		{name: "empty", in: "", wantReason: "empty"},
		{name: "blank", in: "  ", wantReason: "empty"},
		{name: "too short", in: "9e99a48a", wantReason: "it has 8 hexadecimal characters; expected 40"},
		{name: "one character too many", in: starfieldG2 + "0", wantReason: "it has 41 hexadecimal characters; expected 40"},
		{name: "not hexadecimal", in: "9e99a48a9960b14926bb7f3b02e22da2b0ab728g", wantReason: `character 'g' at byte 39 is not hexadecimal`},
		{name: "hyphens", in: "9e-99-a4-8a-99-60-b1-49-26-bb-7f-3b-02-e2-2d-a2-b0-ab-72-80", wantReason: `character '-' at byte 2`},
		{name: "non-ASCII", in: "９e99a48a9960b14926bb7f3b02e22da2b0ab7280", wantReason: `character '９' at byte 0`},
		{name: "SHA-256 fingerprint", in: sha256Hex, wantReason: "looks like a SHA-256 fingerprint, but IAM needs the SHA-1 thumbprint", wantSHA256: sha256Hex},
		{name: "SHA-256 fingerprint with colons", in: strings.ToUpper(strings.Repeat("ab:", 31) + "ab"), wantReason: "SHA-256", wantSHA256: sha256Hex},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(tt.in)
			if err == nil {
				t.Fatalf("Normalize(%q) = %q, want an error", tt.in, got)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("errors.Is(%v, ErrMalformed) = false, want true", err)
			}

			var malformed *MalformedError
			if !errors.As(err, &malformed) {
				t.Fatalf("Normalize(%q) error type = %T, want *MalformedError", tt.in, err)
			}
			if malformed.Value != tt.in {
				t.Errorf("MalformedError.Value = %q, want %q", malformed.Value, tt.in)
			}
			if !strings.Contains(malformed.Reason, tt.wantReason) {
				t.Errorf("MalformedError.Reason = %q, want it to contain %q", malformed.Reason, tt.wantReason)
			}
			if malformed.SHA256 != tt.wantSHA256 {
				t.Errorf("MalformedError.SHA256 = %q, want %q", malformed.SHA256, tt.wantSHA256)
			}
			if !strings.Contains(err.Error(), tt.in) {
				t.Errorf("Error() = %q, want it to name the value %q", err.Error(), tt.in)
			}
		})
	}
}

func TestIsPlaceholder(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{name: "all zeros", in: strings.Repeat("0", 40), want: true},
		{name: "all f", in: strings.Repeat("f", 40), want: true},
		{name: "all a", in: strings.Repeat("a", 40), want: true},
		{name: "real thumbprint", in: starfieldG2, want: false},
		{name: "zeros but last", in: strings.Repeat("0", 39) + "1", want: false},
		{name: "empty", in: "", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsPlaceholder(tt.in); got != tt.want {
				t.Errorf("IsPlaceholder(%q) = %t, want %t", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseList(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{name: "one entry", in: "aa", want: []string{"aa"}},
		{name: "commas", in: "aa,bb,cc", want: []string{"aa", "bb", "cc"}},
		{name: "optional spaces", in: " aa, bb ,cc ", want: []string{"aa", "bb", "cc"}},
		{name: "entries kept as given", in: "9E:99, 0000, sha", want: []string{"9E:99", "0000", "sha"}},
		{name: "duplicates kept", in: "aa,aa", want: []string{"aa", "aa"}},
		{name: "empty string", in: "", want: []string{}},
		{name: "blank string", in: "  ", want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseList(tt.in)
			if err != nil {
				t.Fatalf("ParseList(%q) error = %v", tt.in, err)
			}
			if got == nil || !slices.Equal(got, tt.want) {
				t.Errorf("ParseList(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseListEmptyEntry(t *testing.T) {
	tests := []struct {
		name         string
		in           string
		wantPosition string
	}{
		{name: "leading comma", in: ",aa", wantPosition: "entry 1 "},
		{name: "double comma", in: "aa,,bb", wantPosition: "entry 2 "},
		{name: "trailing comma", in: "aa,bb,", wantPosition: "entry 3 "},
		{name: "blank entry", in: "aa, ,bb", wantPosition: "entry 2 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseList(tt.in)
			if err == nil {
				t.Fatalf("ParseList(%q) = %#v, want an error", tt.in, got)
			}
			if !strings.Contains(err.Error(), tt.wantPosition) {
				t.Errorf("ParseList(%q) error = %q, want it to contain %q", tt.in, err, tt.wantPosition)
			}
		})
	}
}
