package provider

import (
	"slices"
	"strings"
	"testing"
)

func TestKeepList(t *testing.T) {
	tests := []struct {
		name    string
		tags    map[string]string
		want    []string
		wantErr string
	}{
		{"no tag", nil, nil, ""},
		{"blank", map[string]string{TagKeep: "  "}, nil, ""},
		{"one", map[string]string{TagKeep: tpA}, []string{tpA}, ""},
		{"spaces", map[string]string{TagKeep: tpA + "  " + tpB}, []string{tpA, tpB}, ""},
		{"commas and spaces", map[string]string{TagKeep: tpB + ", " + tpA + ","}, []string{tpB, tpA}, ""},
		{"upper case with colons", map[string]string{TagKeep: "9E:99:A4:8A:99:60:B1:49:26:BB:7F:3B:02:E2:2D:A2:B0:AB:72:80"}, []string{tpA}, ""},
		{"repeats dropped", map[string]string{TagKeep: tpA + " " + strings.ToUpper(tpA)}, []string{tpA}, ""},
		{"short entry", map[string]string{TagKeep: tpA + " abc"}, nil, `"abc"`},
		{"SHA-256 entry", map[string]string{TagKeep: strings.Repeat("ab", 32)}, nil, strings.Repeat("ab", 32)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Provider{ARN: testARN, Tags: tt.tags}

			got, err := p.KeepList()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), TagKeep) {
					t.Fatalf("KeepList() error = %v, want one naming %s and %s", err, TagKeep, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("KeepList() error = %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("KeepList() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOptedOut(t *testing.T) {
	tests := []struct {
		name string
		tags map[string]string
		key  string
		want bool
	}{
		{"no tags", nil, "", false},
		{"default key empty value", map[string]string{TagOptOut: ""}, "", true},
		{"default key any value", map[string]string{TagOptOut: "false"}, "", true},
		{"custom key", map[string]string{"skip-me": "yes"}, "skip-me", true},
		{"default key ignored for custom", map[string]string{TagOptOut: "yes"}, "skip-me", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Provider{Tags: tt.tags}
			if got := p.OptedOut(tt.key); got != tt.want {
				t.Errorf("OptedOut(%q) = %t, want %t", tt.key, got, tt.want)
			}
		})
	}
}

func TestAllowsLeafPin(t *testing.T) {
	tests := []struct {
		name  string
		value *string
		want  bool
	}{
		{"absent", nil, false},
		{"true", ptr("true"), true},
		{"upper case with spaces", ptr(" TRUE "), true},
		{"yes", ptr("yes"), false},
		{"empty", ptr(""), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Provider{Tags: map[string]string{}}
			if tt.value != nil {
				p.Tags[TagAllowLeafPin] = *tt.value
			}
			if got := p.AllowsLeafPin(); got != tt.want {
				t.Errorf("AllowsLeafPin() = %t, want %t", got, tt.want)
			}
		})
	}
}

func ptr(s string) *string { return &s }
