package templatetest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
)

// repoRoot is the repository root as seen from this package's folder, where go test
// runs the tests.
const repoRoot = "../.."

var loadTemplate = sync.OnceValues(func() (map[string]any, error) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "template.yaml"))
	if err != nil {
		return nil, err
	}
	return Decode(data)
})

// template returns a fresh copy of the decoded template.yaml, so a test may change it.
func template(t *testing.T) map[string]any {
	t.Helper()

	doc, err := loadTemplate()
	if err != nil {
		t.Fatalf("reading template.yaml: %v", err)
	}
	return deepCopy(t, doc)
}

func deepCopy(t *testing.T, doc map[string]any) map[string]any {
	t.Helper()

	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("encoding template: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("decoding template: %v", err)
	}
	return out
}

// at follows keys (for maps) and indexes (for slices) from root and fails the test
// when a step is missing.
func at(t *testing.T, root any, path ...any) any {
	t.Helper()

	current := root
	for i, step := range path {
		switch key := step.(type) {
		case string:
			m, ok := current.(map[string]any)
			if !ok {
				t.Fatalf("%v is %T, want a mapping", path[:i], current)
			}
			next, ok := m[key]
			if !ok {
				t.Fatalf("%v not found", path[:i+1])
			}
			current = next
		case int:
			s, ok := current.([]any)
			if !ok || key >= len(s) {
				t.Fatalf("%v not found", path[:i+1])
			}
			current = s[key]
		default:
			t.Fatalf("path step %v is %T, want string or int", step, step)
		}
	}
	return current
}

// mapping returns the mapping at path.
func mapping(t *testing.T, root any, path ...any) map[string]any {
	t.Helper()

	m, ok := at(t, root, path...).(map[string]any)
	if !ok {
		t.Fatalf("%v is %T, want a mapping", path, at(t, root, path...))
	}
	return m
}

// list returns the value at path as a slice. A single value becomes a one-item slice,
// the way IAM reads a single Action or Resource.
func list(t *testing.T, root any, path ...any) []any {
	t.Helper()

	switch v := at(t, root, path...).(type) {
	case []any:
		return v
	default:
		return []any{v}
	}
}

// number returns v as a float64 whether YAML produced an integer or a float.
func number(t *testing.T, v any) float64 {
	t.Helper()

	switch n := v.(type) {
	case float64:
		return n
	case int64:
		return float64(n)
	case uint64:
		return float64(n)
	case int:
		return float64(n)
	}
	t.Fatalf("%v is %T, want a number", v, v)
	return 0
}

func ref(name string) map[string]any { return map[string]any{"Ref": name} }

func sub(text string) map[string]any { return map[string]any{"Fn::Sub": text} }

// assertEqual compares values after a JSON round trip, so 1 from YAML equals 1.0.
func assertEqual(t *testing.T, name string, got, want any) {
	t.Helper()

	if !reflect.DeepEqual(normalize(t, got), normalize(t, want)) {
		t.Errorf("%s = %s, want %s", name, show(got), show(want))
	}
}

func normalize(t *testing.T, v any) any {
	t.Helper()

	data, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encoding %v: %v", v, err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("decoding %s: %v", data, err)
	}
	return out
}

func show(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return "<unprintable>"
	}
	return string(data)
}
