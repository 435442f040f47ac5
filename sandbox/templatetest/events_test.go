package templatetest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/BurntSushi/toml"
)

var eventsDir = filepath.Join(repoRoot, "events")

func readEvent(t *testing.T, name string) map[string]any {
	t.Helper()

	data, err := os.ReadFile(filepath.Join(eventsDir, name))
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	var event map[string]any
	if err := json.Unmarshal(data, &event); err != nil {
		t.Fatalf("%s is not a JSON object: %v", name, err)
	}
	return event
}

func TestEventFilesAreJSON(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(eventsDir, "*.json"))
	if err != nil {
		t.Fatalf("listing events: %v", err)
	}
	if len(files) < 4 {
		t.Fatalf("found %d event files in %s, want at least 4", len(files), eventsDir)
	}

	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("reading: %v", err)
			}
			if !json.Valid(data) {
				t.Fatal("file is not valid JSON")
			}
			var value any
			if err := json.Unmarshal(data, &value); err != nil {
				t.Fatalf("decoding: %v", err)
			}
			if _, ok := value.(map[string]any); !ok {
				t.Errorf("top level is %T, want a JSON object", value)
			}
		})
	}
}

func TestScheduledEvents(t *testing.T) {
	tests := []struct {
		file   string
		source string
		// detail is the JSON text of the detail field: an object from an EventBridge
		// rule, a string from EventBridge Scheduler.
		detail string
	}{
		{"scheduled.json", "aws.events", `{}`},
		{"scheduler.json", "aws.scheduler", `"{}"`},
	}

	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			event := readEvent(t, tt.file)

			for _, field := range []string{"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"} {
				if _, ok := event[field]; !ok {
					t.Errorf("field %q is missing", field)
				}
			}
			assertEqual(t, "version", event["version"], "0")
			assertEqual(t, "detail-type", event["detail-type"], "Scheduled Event")
			assertEqual(t, "source", event["source"], tt.source)

			detail, err := json.Marshal(event["detail"])
			if err != nil {
				t.Fatalf("encoding detail: %v", err)
			}
			if !bytes.Equal(detail, []byte(tt.detail)) {
				t.Errorf("detail = %s, want %s", detail, tt.detail)
			}

			resources, ok := event["resources"].([]any)
			if !ok || len(resources) != 1 {
				t.Errorf("resources = %v, want one ARN", event["resources"])
			}
		})
	}
}

func TestManualEvents(t *testing.T) {
	tests := []struct {
		file string
		want map[string]any
	}{
		{"manual-dry-run.json", map[string]any{"dryRun": true}},
		{"manual-provider.json", map[string]any{
			"dryRun":    true,
			"providers": []any{"arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"},
			"notify":    "always",
		}},
	}

	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			event := readEvent(t, tt.file)
			assertEqual(t, tt.file, event, tt.want)

			if notify, ok := event["notify"]; ok {
				policies := []any{"always", "changes-and-problems", "problems"}
				if !slices.Contains(policies, notify) {
					t.Errorf("notify = %v, want one of %v", notify, policies)
				}
			}
		})
	}
}

func TestSAMConfig(t *testing.T) {
	var config map[string]any
	if _, err := toml.DecodeFile(filepath.Join(repoRoot, "samconfig.toml"), &config); err != nil {
		t.Fatalf("reading samconfig.toml: %v", err)
	}

	assertEqual(t, "version", config["version"], 0.1)
	assertEqual(t, "stack_name", at(t, config, "default", "global", "parameters", "stack_name"), "oidc-thumbprint-remediator")
	assertEqual(t, "build cached", at(t, config, "default", "build", "parameters", "cached"), false)
	assertEqual(t, "build parallel", at(t, config, "default", "build", "parameters", "parallel"), true)
	assertEqual(t, "deploy capabilities", at(t, config, "default", "deploy", "parameters", "capabilities"), "CAPABILITY_IAM")
	assertEqual(t, "deploy confirm_changeset", at(t, config, "default", "deploy", "parameters", "confirm_changeset"), true)
	assertEqual(t, "deploy resolve_s3", at(t, config, "default", "deploy", "parameters", "resolve_s3"), true)
	assertEqual(t, "validate lint", at(t, config, "default", "validate", "parameters", "lint"), true)

	event, ok := at(t, config, "default", "local_invoke", "parameters", "event").(string)
	if !ok {
		t.Fatal("local_invoke event is not a string")
	}
	if _, err := os.Stat(filepath.Join(repoRoot, event)); err != nil {
		t.Errorf("local_invoke event %q: %v", event, err)
	}
}
