package event

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestParse(t *testing.T) {
	yes := true
	tests := []struct {
		name    string
		payload string
		want    Request
	}{
		{"empty payload", ``, Request{Source: SourceManual}},
		{"json null", `null`, Request{Source: SourceManual}},
		{"empty object", `{}`, Request{Source: SourceManual}},
		{
			name:    "classic scheduled event",
			payload: `{"version":"0","id":"1","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-12-04T00:00:00Z","region":"eu-west-1","resources":["arn:aws:events:eu-west-1:123456789012:rule/r"],"detail":{}}`,
			want:    Request{Source: SourceSchedule},
		},
		{
			name:    "scheduler default event with string detail",
			payload: `{"version":"0","id":"1","detail-type":"Scheduled Event","source":"aws.scheduler","account":"123456789012","time":"2026-12-04T00:00:00Z","region":"eu-west-1","resources":["arn:aws:scheduler:eu-west-1:123456789012:schedule/default/s"],"detail":"{}"}`,
			want:    Request{Source: SourceScheduler},
		},
		{
			name:    "scheduled event carrying options in detail",
			payload: `{"detail-type":"Scheduled Event","source":"aws.events","detail":{"dryRun":true}}`,
			want:    Request{Source: SourceSchedule, DryRun: &yes},
		},
		{
			name:    "manual dry run with filter and notify",
			payload: `{"dryRun":true,"providers":["arn:aws:iam::123456789012:oidc-provider/example.com"],"notify":"always"}`,
			want:    Request{Source: SourceManual, DryRun: &yes, Providers: []string{"arn:aws:iam::123456789012:oidc-provider/example.com"}, Notify: "always"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.payload))
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			if got.Source != tt.want.Source {
				t.Errorf("Source = %q, want %q", got.Source, tt.want.Source)
			}
			if (got.DryRun == nil) != (tt.want.DryRun == nil) || (got.DryRun != nil && *got.DryRun != *tt.want.DryRun) {
				t.Errorf("DryRun = %v, want %v", got.DryRun, tt.want.DryRun)
			}
			if !slices.Equal(got.Providers, tt.want.Providers) {
				t.Errorf("Providers = %q, want %q", got.Providers, tt.want.Providers)
			}
			if got.Notify != tt.want.Notify {
				t.Errorf("Notify = %q, want %q", got.Notify, tt.want.Notify)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name    string
		payload string
	}{
		{"not json", `dry run please`},
		{"json array", `[1,2]`},
		{"json string", `"sweep"`},
		{"unknown field", `{"dryrun":true}`},
		{"dry run wrong type", `{"dryRun":"yes"}`},
		{"providers wrong type", `{"providers":"arn:aws:iam::1:oidc-provider/x"}`},
		{"empty provider entry", `{"providers":[" "]}`},
		{"unknown notify policy", `{"notify":"sometimes"}`},
		{"wrong detail type", `{"detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{}}`},
		{"wrong source", `{"detail-type":"Scheduled Event","source":"custom.app","detail":{}}`},
		{"detail not an object", `{"detail-type":"Scheduled Event","source":"aws.events","detail":[1]}`},
		{"detail string not json", `{"detail-type":"Scheduled Event","source":"aws.scheduler","detail":"nope"}`},
		{"unknown field in detail", `{"detail-type":"Scheduled Event","source":"aws.events","detail":{"dry":true}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.payload))
			if err == nil {
				t.Fatalf("Parse(%s) error = nil, want an error", tt.payload)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Parse(%s) error = %v, want it to wrap ErrInvalid", tt.payload, err)
			}
		})
	}
}

// TestParseSampleEvents reads every sample event shipped in events/, so the files
// and the parser cannot drift apart.
func TestParseSampleEvents(t *testing.T) {
	files, err := filepath.Glob("../../events/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("found %d sample events in events/, want at least 3", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Parse(data); err != nil {
				t.Errorf("Parse(%s) error = %v", file, err)
			}
		})
	}
}
