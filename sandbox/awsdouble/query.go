package awsdouble

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const (
	iamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	iamVersion   = "2010-05-08"
	snsNamespace = "http://sns.amazonaws.com/doc/2010-03-31/"
	snsVersion   = "2010-03-31"
)

// queryAction handles one query-protocol action. It returns a value that marshals to
// the <Action>Result element, nil for an action without a result, or a Fault.
type queryAction func(c Call) (result any, fault *Fault)

// serveQuery handles an AWS query-protocol request: a form-encoded POST with Action and
// Version parameters, and writes an XML document in the service's namespace.
func (s *Server) serveQuery(w http.ResponseWriter, r *http.Request, region, service, namespace, version string, actions map[string]queryAction) {
	if r.Method != http.MethodPost {
		writeQueryError(w, namespace, Fault{Code: "InvalidAction", Status: http.StatusBadRequest,
			Message: "query protocol requests must use POST"})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeQueryError(w, namespace, Fault{Code: "MalformedQueryString", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("invalid form body: %v", err)})
		return
	}

	action := r.PostForm.Get("Action")
	c := Call{Service: service, Action: action, Region: region, Params: r.PostForm}
	if f := s.begin(c); f != nil {
		writeQueryError(w, namespace, *f)
		return
	}

	if got := r.PostForm.Get("Version"); got != version {
		writeQueryError(w, namespace, Fault{Code: "InvalidParameterValue", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Version %q is not supported; use %s", got, version)})
		return
	}
	handle, ok := actions[action]
	if !ok {
		writeQueryError(w, namespace, Fault{Code: "InvalidAction", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Could not find operation %s for version %s", action, version)})
		return
	}

	result, f := handle(c)
	if f != nil {
		writeQueryError(w, namespace, *f)
		return
	}
	writeQueryResult(w, namespace, action, result)
}

// queryResponse is the <Action>Response envelope. Inner holds the marshalled
// <Action>Result element, if any.
type queryResponse struct {
	XMLName   xml.Name
	Namespace string `xml:"xmlns,attr"`
	Inner     []byte `xml:",innerxml"`
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

func writeQueryResult(w http.ResponseWriter, namespace, action string, result any) {
	requestID := newRequestID()
	response := queryResponse{
		XMLName:   xml.Name{Local: action + "Response"},
		Namespace: namespace,
		RequestID: requestID,
	}
	if result != nil {
		inner, err := xml.Marshal(result)
		if err != nil {
			writeQueryError(w, namespace, Fault{Code: "InternalFailure", Status: http.StatusInternalServerError,
				Message: fmt.Sprintf("marshalling %s result: %v", action, err)})
			return
		}
		response.Inner = inner
	}
	writeXML(w, http.StatusOK, requestID, response)
}

type queryErrorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Namespace string   `xml:"xmlns,attr,omitempty"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// writeQueryError writes the query-protocol error envelope. Type is "Sender" for
// client errors and "Receiver" for server errors, as AWS sends it.
func writeQueryError(w http.ResponseWriter, namespace string, f Fault) {
	errorType := "Sender"
	if f.status() >= 500 {
		errorType = "Receiver"
	}
	requestID := newRequestID()
	writeXML(w, f.status(), requestID, queryErrorResponse{
		Namespace: namespace,
		Type:      errorType,
		Code:      f.Code,
		Message:   f.message(),
		RequestID: requestID,
	})
}

func writeXML(w http.ResponseWriter, status int, requestID string, v any) {
	var body bytes.Buffer
	body.WriteString(xml.Header)
	if err := xml.NewEncoder(&body).Encode(v); err != nil {
		http.Error(w, "marshalling response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(status)
	_, _ = w.Write(body.Bytes())
}

// queryList reads a query-protocol list such as ThumbprintList.member.1,
// ThumbprintList.member.2. It returns nil when the parameter is absent and an empty,
// non-nil slice when the client sent the bare name (the SDK's encoding of an empty
// list).
func queryList(params url.Values, name string) []string {
	var list []string
	for i := 1; ; i++ {
		key := name + ".member." + strconv.Itoa(i)
		if _, ok := params[key]; !ok {
			break
		}
		list = append(list, params.Get(key))
	}
	if list == nil {
		if _, ok := params[name]; ok {
			return []string{}
		}
	}
	return list
}

// queryTags reads Tags.member.N.Key and Tags.member.N.Value pairs.
func queryTags(params url.Values) ([]tag, bool) {
	var tags []tag
	for i := 1; ; i++ {
		prefix := "Tags.member." + strconv.Itoa(i)
		key, ok := params[prefix+".Key"]
		if !ok {
			break
		}
		tags = append(tags, tag{Key: key[0], Value: params.Get(prefix + ".Value")})
	}
	_, bare := params["Tags"]
	return tags, tags != nil || bare
}

// isASCIIPrintable reports whether s has only printable ASCII characters, with no
// control characters or line breaks.
func isASCIIPrintable(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r > 0x7e }) < 0
}
