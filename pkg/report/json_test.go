package report

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestJSONGolden(t *testing.T) {
	schema := compileSchema(t, "report.schema.json")
	tests := []struct {
		name   string
		report Report
	}{
		{"sweep.json", sampleReport()},
		{"quiet.json", quietReport()},
		{"shortened.json", Shorten(sampleReport(), 5, "CloudWatch log group /aws/lambda/oidc-thumbprint-remediator")},
		{"empty.json", Report{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := JSON(tt.report)
			if err != nil {
				t.Fatalf("JSON() error = %v", err)
			}
			if err := validate(t, schema, got); err != nil {
				t.Errorf("JSON() does not match docs/report.schema.json: %v", err)
			}
			goldenJSON(t, tt.name, got)
		})
	}
}

func TestJSONTopLevel(t *testing.T) {
	b, err := JSON(sampleReport())
	if err != nil {
		t.Fatalf("JSON() error = %v", err)
	}
	var doc struct {
		SchemaVersion   string `json:"schemaVersion"`
		HighestSeverity string `json:"highestSeverity"`
		Counts          Counts `json:"counts"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}

	if doc.SchemaVersion != "1" {
		t.Errorf("schemaVersion = %q, want %q", doc.SchemaVersion, "1")
	}
	if doc.HighestSeverity != "critical" {
		t.Errorf("highestSeverity = %q, want %q", doc.HighestSeverity, "critical")
	}
	want := Count(sampleReport())
	want.criticalBy = doc.Counts.criticalBy
	if doc.Counts != want {
		t.Errorf("counts = %+v, want %+v", doc.Counts, want)
	}
}

func TestReportSchemaRejects(t *testing.T) {
	schema := compileSchema(t, "report.schema.json")
	tests := []struct {
		name   string
		mutate func(doc map[string]any)
	}{
		{"unknown verdict", func(doc map[string]any) { provider(doc, 0)["verdict"] = "fine" }},
		{"unknown severity", func(doc map[string]any) { provider(doc, 0)["severity"] = "major" }},
		{"unknown finding code", func(doc map[string]any) {
			provider(doc, 0)["findings"] = []any{map[string]any{"code": "mystery", "message": "m"}}
		}},
		{"uppercase proposed thumbprint", func(doc map[string]any) {
			provider(doc, 0)["proposed"] = []any{strings.ToUpper(tpTop)}
		}},
		{"missing counts", func(doc map[string]any) { delete(doc, "counts") }},
		{"other schema version", func(doc map[string]any) { doc["schemaVersion"] = "2" }},
		{"undocumented field", func(doc map[string]any) { doc["extra"] = true }},
		{"null providers", func(doc map[string]any) { doc["providers"] = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := JSON(sampleReport())
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			tt.mutate(doc)
			broken, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			if validate(t, schema, broken) == nil {
				t.Errorf("docs/report.schema.json accepted a document with %s", tt.name)
			}
		})
	}
}

func provider(doc map[string]any, i int) map[string]any {
	return doc["providers"].([]any)[i].(map[string]any)
}

// TestSchemaEnumsMatchCode reads the Go constants, so a new verdict or finding code
// cannot ship without its schema entry.
func TestSchemaEnumsMatchCode(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		typeName string
		def      string
	}{
		{"finding codes", "../finding/finding.go", "Code", "finding"},
		{"verdicts", "../verdict/types.go", "Kind", "verdict"},
		{"severities", "../verdict/types.go", "Severity", "severity"},
	}
	for _, schemaFile := range []string{"report.schema.json", "check.schema.json"} {
		defs := schemaDefs(t, schemaFile)
		for _, tt := range tests {
			t.Run(schemaFile+" "+tt.name, func(t *testing.T) {
				want := constants(t, tt.file, tt.typeName)
				def := defs[tt.def].(map[string]any)
				if props, ok := def["properties"].(map[string]any); ok {
					def = props["code"].(map[string]any)
				}
				var got []string
				for _, v := range def["enum"].([]any) {
					got = append(got, v.(string))
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("enum of %s = %q, want %q", tt.def, got, want)
				}
			})
		}
	}
}

// TestSchemasShareDefs keeps the definitions that both schemas carry identical.
func TestSchemasShareDefs(t *testing.T) {
	reportDefs := schemaDefs(t, "report.schema.json")
	checkDefs := schemaDefs(t, "check.schema.json")

	for name, def := range checkDefs {
		if !reflect.DeepEqual(def, reportDefs[name]) {
			t.Errorf("$defs/%s differs between check.schema.json and report.schema.json", name)
		}
	}
}

func schemaDefs(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", name))
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatalf("docs/%s: %v", name, err)
	}
	return schema["$defs"].(map[string]any)
}

// constants returns the sorted string values of the constants of typeName in file.
func constants(t *testing.T, file, typeName string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var values []string
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			ident, ok := vs.Type.(*ast.Ident)
			if !ok || ident.Name != typeName {
				continue
			}
			for _, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				values = append(values, s)
			}
		}
	}
	if len(values) == 0 {
		t.Fatalf("no constants of type %s in %s", typeName, file)
	}
	slices.Sort(values)
	return values
}
