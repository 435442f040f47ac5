package awsdouble_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/oidc-thumbprint-remediator/remediator/sandbox/awsdouble"
)

func startSNS(t *testing.T) (*awsdouble.Server, *sns.Client, string) {
	t.Helper()
	s := awsdouble.StartForTest(t, awsdouble.Options{})
	topic := s.AddTopic("remediator")
	return s, sns.NewFromConfig(s.Config("us-east-1")), topic
}

func TestPublish(t *testing.T) {
	s, client, topic := startSNS(t)
	message := `{"default":"2 providers updated","email":"Provider id.example.test: updated"}`

	out, err := client.Publish(context.Background(), &sns.PublishInput{
		TopicArn:         aws.String(topic),
		Subject:          aws.String("OIDC thumbprints: 2 updated"),
		Message:          aws.String(message),
		MessageStructure: aws.String("json"),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"verdict": {DataType: aws.String("String"), StringValue: aws.String("updated")},
			"count":   {DataType: aws.String("Number"), StringValue: aws.String("2")},
		},
	})
	if err != nil {
		t.Fatalf("Publish() error = %v", err)
	}

	published := s.Published()
	if len(published) != 1 {
		t.Fatalf("Published() = %d messages, want 1", len(published))
	}
	got := published[0]
	if got.ID != aws.ToString(out.MessageId) || got.ID == "" {
		t.Errorf("ID = %q, want the MessageId %q", got.ID, aws.ToString(out.MessageId))
	}
	if got.TopicARN != topic {
		t.Errorf("TopicARN = %q, want %q", got.TopicARN, topic)
	}
	if topic != "arn:aws:sns:us-east-1:123456789012:remediator" {
		t.Errorf("AddTopic() = %q, want arn:aws:sns:us-east-1:123456789012:remediator", topic)
	}
	if got.Subject != "OIDC thumbprints: 2 updated" {
		t.Errorf("Subject = %q, want %q", got.Subject, "OIDC thumbprints: 2 updated")
	}
	if got.Message != message {
		t.Errorf("Message = %q, want %q", got.Message, message)
	}
	if got.Structure != "json" {
		t.Errorf("Structure = %q, want json", got.Structure)
	}
	if a := got.Attributes["verdict"]; a.DataType != "String" || a.StringValue != "updated" {
		t.Errorf("Attributes[verdict] = %+v, want String updated", a)
	}
	if a := got.Attributes["count"]; a.DataType != "Number" || a.StringValue != "2" {
		t.Errorf("Attributes[count] = %+v, want Number 2", a)
	}
}

func TestPublishInvalid(t *testing.T) {
	tests := []struct {
		name       string
		in         func(topic string) *sns.PublishInput
		wantCode   string
		wantStatus int
	}{
		{
			name: "unknown topic",
			in: func(string) *sns.PublishInput {
				return &sns.PublishInput{TopicArn: aws.String("arn:aws:sns:us-east-1:123456789012:gone"), Message: aws.String("m")}
			},
			wantCode: "NotFound", wantStatus: http.StatusNotFound,
		},
		{
			name: "subject of 100 characters",
			in: func(topic string) *sns.PublishInput {
				return &sns.PublishInput{TopicArn: aws.String(topic), Subject: aws.String(strings.Repeat("s", 100)), Message: aws.String("m")}
			},
			wantCode: "InvalidParameter", wantStatus: http.StatusBadRequest,
		},
		{
			name: "subject with line break",
			in: func(topic string) *sns.PublishInput {
				return &sns.PublishInput{TopicArn: aws.String(topic), Subject: aws.String("two\nlines"), Message: aws.String("m")}
			},
			wantCode: "InvalidParameter", wantStatus: http.StatusBadRequest,
		},
		{
			name: "subject not ASCII",
			in: func(topic string) *sns.PublishInput {
				return &sns.PublishInput{TopicArn: aws.String(topic), Subject: aws.String("thumbprints — 2 updated"), Message: aws.String("m")}
			},
			wantCode: "InvalidParameter", wantStatus: http.StatusBadRequest,
		},
		{
			name: "message over 256 KiB",
			in: func(topic string) *sns.PublishInput {
				return &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(strings.Repeat("m", 262145))}
			},
			wantCode: "InvalidParameter", wantStatus: http.StatusBadRequest,
		},
		{
			name: "json structure without default",
			in: func(topic string) *sns.PublishInput {
				return &sns.PublishInput{TopicArn: aws.String(topic), MessageStructure: aws.String("json"), Message: aws.String(`{"email":"m"}`)}
			},
			wantCode: "InvalidParameter", wantStatus: http.StatusBadRequest,
		},
		{
			name: "json structure with non-string default",
			in: func(topic string) *sns.PublishInput {
				return &sns.PublishInput{TopicArn: aws.String(topic), MessageStructure: aws.String("json"), Message: aws.String(`{"default":{"a":1}}`)}
			},
			wantCode: "InvalidParameter", wantStatus: http.StatusBadRequest,
		},
		{
			name: "json structure not an object",
			in: func(topic string) *sns.PublishInput {
				return &sns.PublishInput{TopicArn: aws.String(topic), MessageStructure: aws.String("json"), Message: aws.String(`plain text`)}
			},
			wantCode: "InvalidParameter", wantStatus: http.StatusBadRequest,
		},
		{
			name: "attribute with invalid data type",
			in: func(topic string) *sns.PublishInput {
				return &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("m"),
					MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("Date"), StringValue: aws.String("x")}}}
			},
			wantCode: "InvalidParameter", wantStatus: http.StatusBadRequest,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, client, topic := startSNS(t)

			_, err := client.Publish(context.Background(), tt.in(topic))
			if err == nil {
				t.Fatal("Publish() error = nil, want an API error")
			}
			code, status := apiError(t, err)
			if code != tt.wantCode || status != tt.wantStatus {
				t.Errorf("error = %s (HTTP %d), want %s (HTTP %d)", code, status, tt.wantCode, tt.wantStatus)
			}
			if n := len(s.Published()); n != 0 {
				t.Errorf("Published() = %d messages, want 0", n)
			}
		})
	}
}

func TestPublishLimits(t *testing.T) {
	tests := []struct {
		name string
		in   func(topic string) *sns.PublishInput
	}{
		{"subject of 99 characters", func(topic string) *sns.PublishInput {
			return &sns.PublishInput{TopicArn: aws.String(topic), Subject: aws.String(strings.Repeat("s", 99)), Message: aws.String("m")}
		}},
		{"message of exactly 256 KiB", func(topic string) *sns.PublishInput {
			return &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(strings.Repeat("m", 262144))}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, client, topic := startSNS(t)

			if _, err := client.Publish(context.Background(), tt.in(topic)); err != nil {
				t.Fatalf("Publish() error = %v, want nil", err)
			}
			if n := len(s.Published()); n != 1 {
				t.Errorf("Published() = %d messages, want 1", n)
			}
		})
	}
}
