package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/report"
)

// API is the part of the SNS client that Publisher uses; *sns.Client satisfies it.
type API interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// MaxMessageBytes is the default SNS limit on the message body plus its attributes
// (names, data types and values), 256 KiB.
const MaxMessageBytes = 262144

// Publisher sends sweep reports to one topic.
type Publisher struct {
	API      API
	TopicARN string
	// Policy decides which sweeps are sent. The zero value means ChangesAndProblems.
	Policy Policy
	// LogHint names where the complete report is, for example the function's log
	// group. A shortened message points readers there.
	LogHint string
	// MaxMessageBytes is the topic's MaximumMessageSize. Zero means MaxMessageBytes,
	// the SNS default.
	MaxMessageBytes int
}

// Outcome is the result of one Publish call.
type Outcome struct {
	Sent      bool
	MessageID string
	// Omitted counts the providers left out of the message to fit the size limit.
	Omitted int
	// Reason explains why the report was or was not sent.
	Reason string
}

// Publish sends r to the topic when the policy finds something to say. The message
// uses MessageStructure "json": "default" is the JSON document and "email" the text
// summary. Publish returns an Outcome with Sent false and a nil error when the policy
// holds the message back.
func (p *Publisher) Publish(ctx context.Context, r report.Report) (Outcome, error) {
	if p.API == nil || p.TopicARN == "" {
		return Outcome{}, errors.New("notify: publisher needs an SNS client and a topic ARN")
	}

	policy, err := ParsePolicy(string(p.Policy))
	if err != nil {
		return Outcome{}, err
	}
	send, reason := policy.decide(r)
	if !send {
		return Outcome{Reason: reason}, nil
	}

	attributes := attributesOf(r)
	limit := p.MaxMessageBytes
	if limit <= 0 {
		limit = MaxMessageBytes
	}
	message, omitted, err := fit(r, limit-attributeBytes(attributes), p.LogHint)
	if err != nil {
		return Outcome{Reason: reason}, err
	}

	out, err := p.API.Publish(ctx, &sns.PublishInput{
		TopicArn:          aws.String(p.TopicARN),
		Subject:           aws.String(report.Subject(r)),
		Message:           aws.String(message),
		MessageStructure:  aws.String("json"),
		MessageAttributes: attributes,
	})
	if err != nil {
		return Outcome{Omitted: omitted, Reason: reason}, fmt.Errorf("notify: publishing to %s: %w", p.TopicARN, err)
	}
	return Outcome{Sent: true, MessageID: aws.ToString(out.MessageId), Omitted: omitted, Reason: reason}, nil
}

// attributesOf returns the message attributes that subscription filter policies can
// match. SNS rejects empty values, so accountId is left out when unknown.
func attributesOf(r report.Report) map[string]types.MessageAttributeValue {
	c := report.Count(r)
	attributes := map[string]types.MessageAttributeValue{
		"highestSeverity": stringAttribute(report.SeverityLabel(report.Highest(r))),
		"dryRun":          stringAttribute(strconv.FormatBool(r.DryRun)),
		"changes":         numberAttribute(c.Changes()),
		"critical":        numberAttribute(c.Critical),
	}
	if r.AccountID != "" {
		attributes["accountId"] = stringAttribute(r.AccountID)
	}
	return attributes
}

func stringAttribute(s string) types.MessageAttributeValue {
	return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(s)}
}

func numberAttribute(n int) types.MessageAttributeValue {
	return types.MessageAttributeValue{DataType: aws.String("Number"), StringValue: aws.String(strconv.Itoa(n))}
}

// attributeBytes returns the bytes SNS counts for attributes toward the message size
// limit: every name, data type and value.
func attributeBytes(attributes map[string]types.MessageAttributeValue) int {
	n := 0
	for name, v := range attributes {
		n += len(name) + len(aws.ToString(v.DataType)) + len(aws.ToString(v.StringValue)) + len(v.BinaryValue)
	}
	return n
}
