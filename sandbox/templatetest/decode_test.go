package templatetest

import (
	"strings"
	"testing"
)

func TestDecodeShortForms(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want any
	}{
		{"Ref", "v: !Ref Topic", ref("Topic")},
		{"Condition", "v: !Condition HasEmail", map[string]any{"Condition": "HasEmail"}},
		{"Sub scalar", "v: !Sub arn:${AWS::Partition}:sns", sub("arn:${AWS::Partition}:sns")},
		{"Sub with variables", "v: !Sub ['${A}-x', {A: !Ref B}]", map[string]any{"Fn::Sub": []any{"${A}-x", map[string]any{"A": ref("B")}}}},
		{"GetAtt scalar", "v: !GetAtt Fn.Arn", map[string]any{"Fn::GetAtt": []any{"Fn", "Arn"}}},
		{"GetAtt scalar with dotted attribute", "v: !GetAtt Stack.Outputs.Name", map[string]any{"Fn::GetAtt": []any{"Stack", "Outputs.Name"}}},
		{"GetAtt list", "v: !GetAtt [Fn, Arn]", map[string]any{"Fn::GetAtt": []any{"Fn", "Arn"}}},
		{"Join", "v: !Join [',', [a, b]]", map[string]any{"Fn::Join": []any{",", []any{"a", "b"}}}},
		{"If", "v: !If [C, 1, !Ref AWS::NoValue]", map[string]any{"Fn::If": []any{"C", 1, ref("AWS::NoValue")}}},
		{"Equals", "v: !Equals [!Ref P, '']", map[string]any{"Fn::Equals": []any{ref("P"), ""}}},
		{"Not", "v: !Not [!Equals [a, b]]", map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{"a", "b"}}}}},
		{"And", "v: !And [!Condition A, !Condition B]", map[string]any{"Fn::And": []any{map[string]any{"Condition": "A"}, map[string]any{"Condition": "B"}}}},
		{"Or", "v: !Or [!Condition A, !Condition B]", map[string]any{"Fn::Or": []any{map[string]any{"Condition": "A"}, map[string]any{"Condition": "B"}}}},
		{"Select", "v: !Select [0, !GetAZs '']", map[string]any{"Fn::Select": []any{0, map[string]any{"Fn::GetAZs": ""}}}},
		{"Split", "v: !Split [',', 'a,b']", map[string]any{"Fn::Split": []any{",", "a,b"}}},
		{"FindInMap", "v: !FindInMap [M, K, V]", map[string]any{"Fn::FindInMap": []any{"M", "K", "V"}}},
		{"Base64", "v: !Base64 text", map[string]any{"Fn::Base64": "text"}},
		{"Cidr", "v: !Cidr [10.0.0.0/16, 6, 5]", map[string]any{"Fn::Cidr": []any{"10.0.0.0/16", 6, 5}}},
		{"ImportValue", "v: !ImportValue shared-topic", map[string]any{"Fn::ImportValue": "shared-topic"}},
		{"Transform", "v: !Transform {Name: AWS::Include, Parameters: {Location: s3://b/k}}", map[string]any{"Fn::Transform": map[string]any{"Name": "AWS::Include", "Parameters": map[string]any{"Location": "s3://b/k"}}}},
		{"nested in block mapping", "v:\n  Arn: !GetAtt Fn.Arn\n  Name: !Ref Fn", map[string]any{"Arn": map[string]any{"Fn::GetAtt": []any{"Fn", "Arn"}}, "Name": ref("Fn")}},
		{"plain scalars unchanged", "v: [1, 'true', true, 60s, '']", []any{1, "true", true, "60s", ""}},
		{"anchor keeps value", "v: &a text", "text"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Decode([]byte(tt.yaml))
			if err != nil {
				t.Fatalf("Decode(%q) error: %v", tt.yaml, err)
			}
			assertEqual(t, "Decode(...)[v]", doc["v"], tt.want)
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		inError string
	}{
		{"unknown tag", "v: !Reff Topic", "unknown tag !Reff"},
		{"GetAtt without attribute", "v: !GetAtt Fn", "want Resource.Attribute"},
		{"GetAtt list of three", "v: !GetAtt [a, b, c]", "has 3 items"},
		{"alias", "a: &x 1\nb: *x", "aliases are not supported"},
		{"merge key", "a: &x {k: 1}\nb:\n  <<: *x", "not supported"},
		{"duplicate key", "a: 1\na: 2", "already defined"},
		{"two documents", "a: 1\n---\nb: 2", "found 2 YAML documents"},
		{"sequence at top", "- a\n- b", "want a mapping"},
		{"numeric key", "1: a", "want a string"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.yaml))
			if err == nil {
				t.Fatalf("Decode(%q) = nil error, want one containing %q", tt.yaml, tt.inError)
			}
			if !strings.Contains(err.Error(), tt.inError) {
				t.Errorf("Decode(%q) error = %q, want it to contain %q", tt.yaml, err, tt.inError)
			}
		})
	}
}
