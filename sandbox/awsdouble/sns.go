package awsdouble

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// maxMessageBytes is the largest message SNS accepts: 256 KiB.
const maxMessageBytes = 262144

// Message is one publish that SNS accepted.
type Message struct {
	ID         string
	TopicARN   string
	Subject    string
	Message    string
	Structure  string // "json" or empty
	Attributes map[string]Attribute
}

// Attribute is an SNS message attribute.
type Attribute struct {
	DataType    string
	StringValue string
}

// AddTopic creates a topic called name in the server's region and returns its ARN.
func (s *Server) AddTopic(name string) (arn string) {
	arn = fmt.Sprintf("arn:aws:sns:%s:%s:%s", s.opts.Region, s.opts.AccountID, name)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.topics[arn] = true
	return arn
}

// Published returns every accepted publish, oldest first.
func (s *Server) Published() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	messages := make([]Message, len(s.published))
	for i, m := range s.published {
		m.Attributes = maps.Clone(m.Attributes)
		messages[i] = m
	}
	return messages
}

func (s *Server) snsActions() map[string]queryAction {
	return map[string]queryAction{
		"Publish": s.publish,
	}
}

type publishResult struct {
	XMLName   xml.Name `xml:"PublishResult"`
	MessageID string   `xml:"MessageId"`
}

func (s *Server) publish(c Call) (any, *Fault) {
	m := Message{
		TopicARN:  c.Params.Get("TopicArn"),
		Subject:   c.Params.Get("Subject"),
		Message:   c.Params.Get("Message"),
		Structure: c.Params.Get("MessageStructure"),
	}
	if m.TopicARN == "" {
		return nil, invalidParameter("TopicArn or TargetArn Reason: no value for required parameter")
	}
	if f := checkPublish(m); f != nil {
		return nil, f
	}
	attributes, f := messageAttributes(c)
	if f != nil {
		return nil, f
	}
	m.Attributes = attributes
	m.ID = newRequestID()

	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.topics[m.TopicARN] {
		return nil, &Fault{Code: "NotFound", Status: http.StatusNotFound, Message: "Topic does not exist"}
	}
	s.published = append(s.published, m)
	return publishResult{MessageID: m.ID}, nil
}

// checkPublish applies SNS's rules for Subject, Message and MessageStructure.
//
// NOTE: the SNS API reference describes Subject as UTF-8 text, but the double rejects
// non-ASCII subjects because the remediator promises ASCII subjects for email.
func checkPublish(m Message) *Fault {
	if len(m.Subject) >= 100 {
		return invalidParameter(fmt.Sprintf("Subject Reason: must be less than 100 characters long, got %d", len(m.Subject)))
	}
	if !isASCIIPrintable(m.Subject) {
		return invalidParameter("Subject Reason: must be ASCII text without line breaks or control characters")
	}
	if m.Message == "" {
		return invalidParameter("Empty message")
	}
	if len(m.Message) > maxMessageBytes {
		return invalidParameter(fmt.Sprintf("Message too long: %d bytes, the maximum is %d", len(m.Message), maxMessageBytes))
	}

	switch m.Structure {
	case "":
	case "json":
		var body map[string]json.RawMessage
		if err := json.Unmarshal([]byte(m.Message), &body); err != nil {
			return invalidParameter("Message Structure - JSON message body failed to parse")
		}
		var defaultMessage string
		if err := json.Unmarshal(body["default"], &defaultMessage); err != nil {
			return invalidParameter("Message Structure - No default entry in JSON message body")
		}
	default:
		return invalidParameter(fmt.Sprintf("MessageStructure %q is not supported; use json", m.Structure))
	}
	return nil
}

// messageAttributes reads MessageAttributes.entry.N.Name, .Value.DataType and
// .Value.StringValue.
func messageAttributes(c Call) (map[string]Attribute, *Fault) {
	var attributes map[string]Attribute
	for i := 1; ; i++ {
		prefix := "MessageAttributes.entry." + strconv.Itoa(i)
		names, ok := c.Params[prefix+".Name"]
		if !ok {
			break
		}
		name := names[0]
		a := Attribute{
			DataType:    c.Params.Get(prefix + ".Value.DataType"),
			StringValue: c.Params.Get(prefix + ".Value.StringValue"),
		}
		if name == "" || len(name) > 256 {
			return nil, invalidParameter(fmt.Sprintf("message attribute name %q is invalid", name))
		}
		if !validDataType(a.DataType) {
			return nil, invalidParameter(fmt.Sprintf("The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name))
		}
		if attributes == nil {
			attributes = map[string]Attribute{}
		}
		attributes[name] = a
	}
	return attributes, nil
}

func validDataType(dataType string) bool {
	base, _, _ := strings.Cut(dataType, ".")
	if dataType == "String.Array" {
		return true
	}
	return slices.Contains([]string{"String", "Number", "Binary"}, base)
}

func invalidParameter(reason string) *Fault {
	return &Fault{Code: "InvalidParameter", Status: http.StatusBadRequest, Message: "Invalid parameter: " + reason}
}
