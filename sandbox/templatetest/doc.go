// Package templatetest checks the AWS SAM template, samconfig.toml and the sample events
// at the repository root. It validates template.yaml against the published SAM JSON
// schema, asserts the template's intent (runtime, schedule, retries, least-privilege
// policy, alarms and the environment variables the function reads) and checks that
// every file in events/ is the JSON its consumers expect.
//
// Decode turns CloudFormation's YAML short-form tags (!Ref, !Sub, !GetAtt and the
// other intrinsic functions) into their long JSON form, so the schema and the tests
// check the same document that CloudFormation receives.
//
// The package runs no SAM CLI, no cfn-lint and no AWS API, so it cannot find errors
// that only the SAM transform or a deployment reports, such as a wrong attribute name
// in !GetAtt or a missing IAM permission. Product code never imports it.
package templatetest
