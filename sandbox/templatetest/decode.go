package templatetest

import (
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// shortForms maps each CloudFormation short-form tag to the key of its long form.
// !GetAtt is handled apart because its scalar form "Resource.Attribute" becomes a list.
var shortForms = map[string]string{
	"!Ref":         "Ref",
	"!Condition":   "Condition",
	"!Sub":         "Fn::Sub",
	"!Join":        "Fn::Join",
	"!If":          "Fn::If",
	"!Equals":      "Fn::Equals",
	"!Not":         "Fn::Not",
	"!And":         "Fn::And",
	"!Or":          "Fn::Or",
	"!Select":      "Fn::Select",
	"!Split":       "Fn::Split",
	"!FindInMap":   "Fn::FindInMap",
	"!Base64":      "Fn::Base64",
	"!Cidr":        "Fn::Cidr",
	"!GetAZs":      "Fn::GetAZs",
	"!ImportValue": "Fn::ImportValue",
	"!Transform":   "Fn::Transform",
}

// Decode parses a CloudFormation YAML template into maps, slices and scalars that
// encoding/json can marshal, with every short-form tag rewritten into its long form:
// "!Ref X" becomes {"Ref": "X"}, "!GetAtt A.B" becomes {"Fn::GetAtt": ["A", "B"]}, and
// "!Sub s" becomes {"Fn::Sub": "s"}.
//
// It returns an error for an unknown tag, a duplicate key, a non-string key, a YAML
// alias or merge key (CloudFormation supports neither), and a file with other than one
// document.
//
// NOTE: go-yaml v1.19.2 misreads a tag with no value: "v: !GetAZs" at the end of a file
// loses the tag, and before another key the tag takes the following mapping as its
// value. Write "!GetAZs ”" instead, as the CloudFormation documentation does.
func Decode(data []byte) (map[string]any, error) {
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, fmt.Errorf("parsing template: %w", err)
	}
	if len(file.Docs) != 1 {
		return nil, fmt.Errorf("parsing template: found %d YAML documents, want 1", len(file.Docs))
	}

	value, err := convert(file.Docs[0].Body)
	if err != nil {
		return nil, err
	}
	doc, ok := value.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("parsing template: top level is %T, want a mapping", value)
	}
	return doc, nil
}

func convert(node ast.Node) (any, error) {
	switch n := node.(type) {
	case nil:
		return nil, nil
	case *ast.DocumentNode:
		return convert(n.Body)
	case *ast.MappingNode:
		return convertMapping(n.Values)
	case *ast.MappingValueNode:
		return convertMapping([]*ast.MappingValueNode{n})
	case *ast.SequenceNode:
		return convertSequence(n)
	case *ast.TagNode:
		return convertTag(n)
	case *ast.AnchorNode:
		return convert(n.Value)
	case *ast.AliasNode:
		return nil, fmt.Errorf("line %d: YAML aliases are not supported by CloudFormation", line(n))
	}

	var value any
	if err := yaml.NodeToValue(node, &value); err != nil {
		return nil, fmt.Errorf("line %d: %w", line(node), err)
	}
	return value, nil
}

func convertMapping(entries []*ast.MappingValueNode) (map[string]any, error) {
	out := make(map[string]any, len(entries))
	for _, entry := range entries {
		if entry.Key.IsMergeKey() {
			return nil, fmt.Errorf("line %d: YAML merge keys are not supported by CloudFormation", line(entry))
		}

		var key any
		if err := yaml.NodeToValue(entry.Key, &key); err != nil {
			return nil, fmt.Errorf("line %d: %w", line(entry), err)
		}
		name, ok := key.(string)
		if !ok {
			return nil, fmt.Errorf("line %d: key %v is %T, want a string", line(entry), key, key)
		}

		value, err := convert(entry.Value)
		if err != nil {
			return nil, err
		}
		out[name] = value
	}
	return out, nil
}

func convertSequence(n *ast.SequenceNode) ([]any, error) {
	out := make([]any, 0, len(n.Values))
	for _, item := range n.Values {
		value, err := convert(item)
		if err != nil {
			return nil, err
		}
		out = append(out, value)
	}
	return out, nil
}

func convertTag(n *ast.TagNode) (any, error) {
	tag := n.Start.Value
	value, err := convert(n.Value)
	if err != nil {
		return nil, err
	}

	if tag == "!GetAtt" {
		return getAtt(n, value)
	}
	key, ok := shortForms[tag]
	if !ok {
		return nil, fmt.Errorf("line %d: unknown tag %s", line(n), tag)
	}
	return map[string]any{key: value}, nil
}

// getAtt converts both forms of !GetAtt. The scalar form splits at the first dot only,
// because attribute names such as Outputs.BucketName contain dots themselves.
func getAtt(n *ast.TagNode, value any) (any, error) {
	switch v := value.(type) {
	case string:
		resource, attribute, found := strings.Cut(v, ".")
		if !found || resource == "" || attribute == "" {
			return nil, fmt.Errorf("line %d: !GetAtt %q: want Resource.Attribute", line(n), v)
		}
		return map[string]any{"Fn::GetAtt": []any{resource, attribute}}, nil
	case []any:
		if len(v) != 2 {
			return nil, fmt.Errorf("line %d: !GetAtt has %d items, want [Resource, Attribute]", line(n), len(v))
		}
		return map[string]any{"Fn::GetAtt": v}, nil
	}
	return nil, fmt.Errorf("line %d: !GetAtt is %T, want Resource.Attribute or [Resource, Attribute]", line(n), value)
}

func line(n ast.Node) int {
	if tok := n.GetToken(); tok != nil && tok.Position != nil {
		return tok.Position.Line
	}
	return 0
}
