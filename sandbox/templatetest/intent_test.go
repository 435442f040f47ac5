package templatetest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

const (
	functionID = "RemediatorFunction"
	topicID    = "Topic"
)

// providerARNs is the only resource the IAM provider actions may name: OIDC providers
// of the deploying account, in its partition.
const providerARNs = "arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/*"

func functionProps(t *testing.T, doc map[string]any) map[string]any {
	t.Helper()
	return mapping(t, doc, "Resources", functionID, "Properties")
}

func TestFunctionRuntime(t *testing.T) {
	doc := template(t)
	props := functionProps(t, doc)

	assertEqual(t, "Type", at(t, doc, "Resources", functionID, "Type"), "AWS::Serverless::Function")
	assertEqual(t, "Runtime", props["Runtime"], "provided.al2023")
	assertEqual(t, "Architectures", props["Architectures"], []any{"arm64"})
	assertEqual(t, "Handler", props["Handler"], "bootstrap")
	assertEqual(t, "CodeUri", props["CodeUri"], ".")
	assertEqual(t, "Metadata.BuildMethod", at(t, doc, "Resources", functionID, "Metadata", "BuildMethod"), "makefile")
	assertEqual(t, "Timeout", props["Timeout"], 300)
	assertEqual(t, "MemorySize", props["MemorySize"], 256)
	assertEqual(t, "ReservedConcurrentExecutions", props["ReservedConcurrentExecutions"], 1)
}

func TestFunctionScheduleAndRetries(t *testing.T) {
	doc := template(t)
	props := functionProps(t, doc)

	events := mapping(t, props, "Events")
	if len(events) != 1 {
		t.Fatalf("Events has %d entries, want 1 schedule", len(events))
	}
	for name := range events {
		assertEqual(t, "event Type", at(t, events, name, "Type"), "ScheduleV2")
		assertEqual(t, "event ScheduleExpression", at(t, events, name, "Properties", "ScheduleExpression"), ref("ScheduleExpression"))
		assertEqual(t, "event OmitName", at(t, events, name, "Properties", "OmitName"), true)
		assertEqual(t, "event RetryPolicy.MaximumRetryAttempts", at(t, events, name, "Properties", "RetryPolicy", "MaximumRetryAttempts"), 0)

		// SAM names the generated schedule <function logical ID><event name>.
		assertEqual(t, "Outputs.ScheduleName.Value", at(t, doc, "Outputs", "ScheduleName", "Value"), ref(functionID+name))
	}

	invoke := mapping(t, props, "EventInvokeConfig")
	assertEqual(t, "EventInvokeConfig.MaximumRetryAttempts", invoke["MaximumRetryAttempts"], 0)
	assertEqual(t, "OnFailure.Type", at(t, invoke, "DestinationConfig", "OnFailure", "Type"), "SNS")
	assertEqual(t, "OnFailure.Destination", at(t, invoke, "DestinationConfig", "OnFailure", "Destination"), ref(topicID))

	// Lambda accepts 60 to 21600 seconds.
	age := number(t, invoke["MaximumEventAgeInSeconds"])
	if age < 60 || age > 21600 {
		t.Errorf("MaximumEventAgeInSeconds = %v, want 60 to 21600", age)
	}
}

func TestFunctionEnvironment(t *testing.T) {
	doc := template(t)
	variables := mapping(t, functionProps(t, doc), "Environment", "Variables")

	want := map[string]any{
		"TOPIC_ARN":              ref(topicID),
		"DRY_RUN":                ref("DryRun"),
		"NOTIFICATION_POLICY":    ref("NotificationPolicy"),
		"CA_BUNDLE":              ref("CABundle"),
		"OPT_OUT_TAG":            ref("OptOutTagKey"),
		"INCLUDE_TAG":            ref("IncludeTagKey"),
		"EXTRA_EKS_REGIONS":      ref("ExtraEKSRegions"),
		"ALLOW_PRIVATE_NETWORKS": ref("AllowPrivateNetworks"),
		"EXPIRY_WARNING_DAYS":    ref("ExpiryWarningDays"),
		"CONCURRENCY":            "16",
		"PROVIDER_TIMEOUT":       "60s",
		"METRICS_NAMESPACE":      at(t, doc, "Resources", "CriticalAlarm", "Properties", "Namespace"),
	}
	for name, value := range want {
		got, ok := variables[name]
		if !ok {
			t.Errorf("environment variable %s is not set", name)
			continue
		}
		assertEqual(t, name, got, value)
	}
	for name := range variables {
		if _, ok := want[name]; !ok {
			t.Errorf("environment variable %s is set but not expected, so add it to this test", name)
		}
	}

	// Lambda takes environment variable values as strings only.
	for name, value := range variables {
		if _, isMap := value.(map[string]any); !isMap {
			if _, isString := value.(string); !isString {
				t.Errorf("environment variable %s = %v (%T), want a string", name, value, value)
			}
		}
	}
}

func TestFunctionLogging(t *testing.T) {
	doc := template(t)
	props := functionProps(t, doc)

	assertEqual(t, "LoggingConfig.LogFormat", at(t, props, "LoggingConfig", "LogFormat"), "JSON")
	assertEqual(t, "LoggingConfig.LogGroup", at(t, props, "LoggingConfig", "LogGroup"), ref("LogGroup"))
	assertEqual(t, "LogGroup.Type", at(t, doc, "Resources", "LogGroup", "Type"), "AWS::Logs::LogGroup")
	assertEqual(t, "LogGroup.RetentionInDays", at(t, doc, "Resources", "LogGroup", "Properties", "RetentionInDays"), ref("LogRetentionDays"))
}

// statement is one IAM policy statement, flattened for assertions.
type statement struct {
	effect    string
	actions   []string
	resources []any
}

func policyStatements(t *testing.T, doc map[string]any) []statement {
	t.Helper()

	var out []statement
	for i, policy := range list(t, functionProps(t, doc), "Policies") {
		document, ok := policy.(map[string]any)
		if !ok {
			// A string here is a managed policy name or ARN, whose actions this
			// test cannot see.
			t.Fatalf("Policies[%d] = %v, want an inline policy document", i, policy)
		}
		for j := range list(t, document, "Statement") {
			raw := mapping(t, document, "Statement", j)
			if _, ok := raw["NotAction"]; ok {
				t.Errorf("Policies[%d].Statement[%d] uses NotAction, which grants every other action", i, j)
			}
			if _, ok := raw["NotResource"]; ok {
				t.Errorf("Policies[%d].Statement[%d] uses NotResource", i, j)
			}

			s := statement{resources: list(t, raw, "Resource")}
			s.effect, _ = raw["Effect"].(string)
			for _, action := range list(t, raw, "Action") {
				name, ok := action.(string)
				if !ok {
					t.Fatalf("Policies[%d].Statement[%d] action %v is %T, want a string", i, j, action, action)
				}
				s.actions = append(s.actions, name)
			}
			out = append(out, s)
		}
	}
	return out
}

func TestFunctionPolicyLeastPrivilege(t *testing.T) {
	doc := template(t)
	statements := policyStatements(t, doc)

	// Each granted action and the resources it may name. "*" is accepted only for
	// actions that support no resource-level permissions.
	allowed := map[string][]any{
		"iam:ListOpenIDConnectProviders":            {"*"},
		"iam:GetOpenIDConnectProvider":              {sub(providerARNs)},
		"iam:UpdateOpenIDConnectProviderThumbprint": {sub(providerARNs)},
		"eks:ListClusters":                          {"*"},
		"eks:DescribeCluster":                       {sub("arn:${AWS::Partition}:eks:*:${AWS::AccountId}:cluster/*")},
		"sns:Publish":                               {ref(topicID)},
	}

	granted := map[string]bool{}
	for _, s := range statements {
		if s.effect != "Allow" {
			t.Errorf("statement for %v has Effect %q, want Allow", s.actions, s.effect)
		}
		for _, action := range s.actions {
			if strings.Contains(action, "*") {
				t.Errorf("action %q contains a wildcard", action)
				continue
			}
			resources, ok := allowed[action]
			if !ok {
				t.Errorf("action %q is granted but not expected", action)
				continue
			}
			granted[action] = true
			assertEqual(t, fmt.Sprintf("Resource of %s", action), s.resources, resources)
		}
	}

	for action := range allowed {
		if !granted[action] {
			t.Errorf("action %q is not granted", action)
		}
	}
}

func TestTopicAndEmail(t *testing.T) {
	doc := template(t)

	assertEqual(t, "Topic.Type", at(t, doc, "Resources", topicID, "Type"), "AWS::SNS::Topic")

	assertEqual(t, "NotificationEmail.Default", at(t, doc, "Parameters", "NotificationEmail", "Default"), "")
	assertEqual(t, "Conditions.HasEmail", at(t, doc, "Conditions", "HasEmail"),
		map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{ref("NotificationEmail"), ""}}}})

	subscription := mapping(t, doc, "Resources", "EmailSubscription")
	assertEqual(t, "EmailSubscription.Type", subscription["Type"], "AWS::SNS::Subscription")
	assertEqual(t, "EmailSubscription.Condition", subscription["Condition"], "HasEmail")
	assertEqual(t, "EmailSubscription.Protocol", at(t, subscription, "Properties", "Protocol"), "email")
	assertEqual(t, "EmailSubscription.Endpoint", at(t, subscription, "Properties", "Endpoint"), ref("NotificationEmail"))
	assertEqual(t, "EmailSubscription.TopicArn", at(t, subscription, "Properties", "TopicArn"), ref(topicID))

	policy := mapping(t, doc, "Resources", "TopicPolicy", "Properties")
	assertEqual(t, "TopicPolicy.Topics", policy["Topics"], []any{ref(topicID)})
	statement := mapping(t, policy, "PolicyDocument", "Statement", 0)
	assertEqual(t, "TopicPolicy principal", at(t, statement, "Principal", "Service"), "cloudwatch.amazonaws.com")
	assertEqual(t, "TopicPolicy action", statement["Action"], "sns:Publish")
	assertEqual(t, "TopicPolicy resource", statement["Resource"], ref(topicID))
	assertEqual(t, "TopicPolicy source account", at(t, statement, "Condition", "StringEquals", "aws:SourceAccount"), ref("AWS::AccountId"))
}

func TestAlarmsNotifyTopic(t *testing.T) {
	doc := template(t)

	tests := []struct {
		id         string
		namespace  string
		metricName string
	}{
		{"ErrorsAlarm", "AWS/Lambda", "Errors"},
		{"CriticalAlarm", "OIDCThumbprintRemediator", "CriticalUnresolved"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			alarm := mapping(t, doc, "Resources", tt.id)
			props := mapping(t, alarm, "Properties")

			assertEqual(t, "Type", alarm["Type"], "AWS::CloudWatch::Alarm")
			assertEqual(t, "Namespace", props["Namespace"], tt.namespace)
			assertEqual(t, "MetricName", props["MetricName"], tt.metricName)
			assertEqual(t, "Statistic", props["Statistic"], "Sum")
			assertEqual(t, "Threshold", props["Threshold"], 1)
			assertEqual(t, "ComparisonOperator", props["ComparisonOperator"], "GreaterThanOrEqualToThreshold")
			assertEqual(t, "EvaluationPeriods", props["EvaluationPeriods"], 1)
			assertEqual(t, "TreatMissingData", props["TreatMissingData"], "notBreaching")
			assertEqual(t, "AlarmActions", props["AlarmActions"], []any{ref(topicID)})
		})
	}

	dimensions := list(t, doc, "Resources", "ErrorsAlarm", "Properties", "Dimensions")
	assertEqual(t, "ErrorsAlarm.Dimensions", dimensions, []any{map[string]any{"Name": "FunctionName", "Value": ref(functionID)}})
}

func TestOutputs(t *testing.T) {
	doc := template(t)

	want := map[string]any{
		"FunctionArn":  map[string]any{"Fn::GetAtt": []any{functionID, "Arn"}},
		"FunctionName": ref(functionID),
		"TopicArn":     ref(topicID),
		"LogGroupName": ref("LogGroup"),
	}
	for name, value := range want {
		assertEqual(t, "Outputs."+name+".Value", at(t, doc, "Outputs", name, "Value"), value)
	}
	for name := range mapping(t, doc, "Outputs") {
		if at(t, doc, "Outputs", name, "Description") == "" {
			t.Errorf("Outputs.%s has an empty Description", name)
		}
	}
}

// TestParameters checks that every parameter is documented, used, and that its
// default passes its own constraints, so a deployment with defaults is not rejected.
// CloudFormation evaluates AllowedPattern as a Java regular expression. The patterns
// here use only syntax that Go's regexp reads the same way.
func TestParameters(t *testing.T) {
	doc := template(t)
	parameters := mapping(t, doc, "Parameters")

	want := []string{
		"AllowPrivateNetworks", "CABundle", "DryRun", "ExpiryWarningDays", "ExtraEKSRegions",
		"IncludeTagKey", "LogRetentionDays", "NotificationEmail", "NotificationPolicy",
		"OptOutTagKey", "ScheduleExpression",
	}
	var got []string
	for name := range parameters {
		got = append(got, name)
	}
	sort.Strings(got)
	assertEqual(t, "parameter names", got, want)

	refs := collectRefs(doc["Resources"], doc["Conditions"], doc["Outputs"])

	for _, name := range got {
		t.Run(name, func(t *testing.T) {
			p := mapping(t, parameters, name)

			if d, _ := p["Description"].(string); strings.TrimSpace(d) == "" {
				t.Error("Description is missing")
			}
			if !refs[name] {
				t.Error("parameter is not referenced by any resource, condition or output")
			}

			def, ok := p["Default"]
			if !ok {
				t.Fatal("Default is missing")
			}
			checkDefault(t, p, def)
		})
	}
}

func checkDefault(t *testing.T, p map[string]any, def any) {
	t.Helper()

	text := fmt.Sprint(def)
	if values, ok := p["AllowedValues"].([]any); ok {
		var allowed []string
		for _, v := range values {
			allowed = append(allowed, fmt.Sprint(v))
		}
		if !slices.Contains(allowed, text) {
			t.Errorf("Default %q is not in AllowedValues %v", text, allowed)
		}
	}
	if pattern, ok := p["AllowedPattern"].(string); ok {
		re, err := regexp.Compile(pattern)
		if err != nil {
			t.Fatalf("AllowedPattern %q: %v", pattern, err)
		}
		if !re.MatchString(text) {
			t.Errorf("Default %q does not match AllowedPattern %q", text, pattern)
		}
	}
	if lo, ok := p["MinValue"]; ok && number(t, def) < number(t, lo) {
		t.Errorf("Default %v is below MinValue %v", def, lo)
	}
	if hi, ok := p["MaxValue"]; ok && number(t, def) > number(t, hi) {
		t.Errorf("Default %v is above MaxValue %v", def, hi)
	}
}

// TestAllowedPatterns checks the hand-written patterns against values the function
// accepts and rejects, so CloudFormation rejects a bad value before the function does.
func TestAllowedPatterns(t *testing.T) {
	doc := template(t)

	tests := []struct {
		parameter string
		value     string
		match     bool
	}{
		{"ScheduleExpression", "rate(1 day)", true},
		{"ScheduleExpression", "cron(0 6 * * ? *)", true},
		{"ScheduleExpression", "every day", false},
		{"NotificationEmail", "", true},
		{"NotificationEmail", "platform-team@example.com", true},
		{"NotificationEmail", "a@b.example, c@d.example", false},
		{"NotificationEmail", "not-an-address", false},
		{"OptOutTagKey", "oidc-thumbprint-remediator:opt-out", true},
		{"OptOutTagKey", "", false},
		{"OptOutTagKey", "key with spaces/and=signs+@", true},
		{"OptOutTagKey", "semi;colon", false},
		{"IncludeTagKey", "", true},
		{"IncludeTagKey", "team:platform", true},
		{"IncludeTagKey", strings.Repeat("k", 129), false},
		{"ExtraEKSRegions", "", true},
		{"ExtraEKSRegions", "eu-west-1", true},
		{"ExtraEKSRegions", "eu-west-1,us-east-2,ap-southeast-1", true},
		{"ExtraEKSRegions", "us-gov-west-1", true},
		{"ExtraEKSRegions", "eu-west-1,", false},
		{"ExtraEKSRegions", "EU-WEST-1", false},
	}
	for _, tt := range tests {
		t.Run(tt.parameter+"/"+tt.value, func(t *testing.T) {
			pattern, ok := at(t, doc, "Parameters", tt.parameter, "AllowedPattern").(string)
			if !ok {
				t.Fatalf("Parameters.%s.AllowedPattern is not a string", tt.parameter)
			}
			got := regexp.MustCompile(pattern).MatchString(tt.value)
			if got != tt.match {
				t.Errorf("AllowedPattern %q matches %q = %v, want %v", pattern, tt.value, got, tt.match)
			}
		})
	}
}

// TestReferencesResolve checks that every Ref and Fn::GetAtt names a parameter, a
// resource, a pseudo parameter or a resource that SAM generates from the function's
// events, so a renamed resource cannot leave a dangling reference.
func TestReferencesResolve(t *testing.T) {
	doc := template(t)

	known := map[string]bool{}
	for name := range mapping(t, doc, "Parameters") {
		known[name] = true
	}
	for name := range mapping(t, doc, "Resources") {
		known[name] = true
	}
	for name := range mapping(t, functionProps(t, doc), "Events") {
		known[functionID+name] = true
	}

	for name := range collectRefs(doc["Resources"], doc["Conditions"], doc["Outputs"]) {
		if strings.HasPrefix(name, "AWS::") {
			continue
		}
		if !known[name] {
			t.Errorf("reference to %q, which is neither a parameter nor a resource", name)
		}
	}
}

// collectRefs returns the names used in Ref and as the resource of Fn::GetAtt.
func collectRefs(values ...any) map[string]bool {
	names := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if name, ok := x["Ref"].(string); ok && len(x) == 1 {
				names[name] = true
			}
			if args, ok := x["Fn::GetAtt"].([]any); ok && len(args) > 0 {
				if name, ok := args[0].(string); ok {
					names[name] = true
				}
			}
			for _, child := range x {
				walk(child)
			}
		case []any:
			for _, child := range x {
				walk(child)
			}
		}
	}
	for _, v := range values {
		walk(v)
	}
	return names
}

// TestMakefileBuildTarget checks the contract of BuildMethod makefile: SAM runs the
// target build-<function logical ID>, which must write bootstrap into ARTIFACTS_DIR.
func TestMakefileBuildTarget(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "Makefile"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("no Makefile at the repository root yet")
	}
	if err != nil {
		t.Fatalf("reading Makefile: %v", err)
	}

	target := regexp.MustCompile(`(?m)^build-` + functionID + `:.*\n((?:\t.*\n)+)`)
	match := target.FindSubmatch(data)
	if match == nil {
		t.Fatalf("Makefile has no target build-%s", functionID)
	}
	if !strings.Contains(string(match[1]), "$(ARTIFACTS_DIR)/bootstrap") {
		t.Errorf("target build-%s does not write $(ARTIFACTS_DIR)/bootstrap:\n%s", functionID, match[1])
	}
}
