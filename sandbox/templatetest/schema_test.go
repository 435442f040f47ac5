package templatetest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

const schemaFile = "testdata/sam.schema.json"

// ecmaRegexp adapts regexp2 to jsonschema.Regexp. The SAM schema needs it because its
// catch-all resource pattern "^(?!AWS::Serverless::).+$" uses a negative lookahead,
// which Go's regexp package does not support. JSON Schema patterns are ECMA 262.
type ecmaRegexp regexp2.Regexp

func (re *ecmaRegexp) MatchString(s string) bool {
	matched, err := (*regexp2.Regexp)(re).MatchString(s)
	return err == nil && matched
}

func (re *ecmaRegexp) String() string { return (*regexp2.Regexp)(re).String() }

func compileECMA(pattern string) (jsonschema.Regexp, error) {
	re, err := regexp2.Compile(pattern, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	return (*ecmaRegexp)(re), nil
}

// loadSchema compiles the SAM schema (about 750 KB) once for all tests.
var loadSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	f, err := os.Open(schemaFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()

	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, err
	}

	c := jsonschema.NewCompiler()
	c.UseRegexpEngine(compileECMA)
	// The default draft applies only to a schema without $schema. This one declares draft-04.
	c.DefaultDraft(jsonschema.Draft4)
	if err := c.AddResource(schemaFile, doc); err != nil {
		return nil, err
	}
	return c.Compile(schemaFile)
})

func samSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()

	schema, err := loadSchema()
	if err != nil {
		t.Fatalf("compiling %s: %v", schemaFile, err)
	}
	return schema
}

// validate checks doc against the SAM schema the way a JSON reader would see it:
// numbers as json.Number, keys as strings.
func validate(t *testing.T, doc map[string]any) error {
	t.Helper()

	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("encoding template: %v", err)
	}
	instance, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decoding template: %v", err)
	}
	return samSchema(t).Validate(instance)
}

func TestTemplateMatchesSAMSchema(t *testing.T) {
	if err := validate(t, template(t)); err != nil {
		t.Fatalf("template.yaml does not match the SAM schema:\n%v", err)
	}
}

// TestSchemaRejectsBrokenTemplate proves the validation above can fail. Each row
// breaks one part of the template on a path where the SAM schema is strict: function
// Properties, EventInvokeConfig and ScheduleV2 Properties all set
// additionalProperties to false and give some properties a type. Environment,
// Runtime, Timeout and most other function properties are "PassThroughProp" ({}),
// so the schema accepts any value there and a wrong type in them is not a useful row.
func TestSchemaRejectsBrokenTemplate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(t *testing.T, doc map[string]any)
		// inError is a fragment the validation error must contain, so the row fails
		// for the reason it was written, not for another one.
		inError string
	}{
		{
			name: "misspelt function property",
			mutate: func(t *testing.T, doc map[string]any) {
				props := mapping(t, doc, "Resources", "RemediatorFunction", "Properties")
				props["Runtme"] = props["Runtime"]
				delete(props, "Runtime")
			},
			inError: "'Runtme'",
		},
		{
			name: "misspelt EventInvokeConfig property",
			mutate: func(t *testing.T, doc map[string]any) {
				config := mapping(t, doc, "Resources", "RemediatorFunction", "Properties", "EventInvokeConfig")
				config["MaximumRetries"] = 0
			},
			inError: "'MaximumRetries'",
		},
		{
			name: "retry attempts as text",
			mutate: func(t *testing.T, doc map[string]any) {
				config := mapping(t, doc, "Resources", "RemediatorFunction", "Properties", "EventInvokeConfig")
				config["MaximumRetryAttempts"] = "zero"
			},
			inError: "/EventInvokeConfig/MaximumRetryAttempts'",
		},
		{
			name: "OmitName as text",
			mutate: func(t *testing.T, doc map[string]any) {
				props := mapping(t, doc, "Resources", "RemediatorFunction", "Properties", "Events", "SweepSchedule", "Properties")
				props["OmitName"] = "yes"
			},
			inError: "/SweepSchedule/Properties/OmitName'",
		},
		{
			name: "unknown event type",
			mutate: func(t *testing.T, doc map[string]any) {
				event := mapping(t, doc, "Resources", "RemediatorFunction", "Properties", "Events", "SweepSchedule")
				event["Type"] = "ScheduleV3"
			},
			inError: "/SweepSchedule/Type'",
		},
		{
			name: "resources missing",
			mutate: func(t *testing.T, doc map[string]any) {
				delete(doc, "Resources")
			},
			inError: "missing property 'Resources'",
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := template(t)
			tt.mutate(t, doc)

			err := validate(t, doc)
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			if !strings.Contains(err.Error(), tt.inError) {
				t.Errorf("Validate() error does not mention %q:\n%v", tt.inError, err)
			}
		})
	}
}

func TestSchemaCopyHasSource(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "SOURCE.txt"))
	if err != nil {
		t.Fatalf("reading SOURCE.txt: %v", err)
	}
	for _, want := range []string{"aws/serverless-application-model", "schema_source/sam.schema.json", "Apache License 2.0", "Commit: "} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("SOURCE.txt does not contain %q", want)
		}
	}
}
