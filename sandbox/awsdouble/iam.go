package awsdouble

import (
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Provider is the state of one IAM OIDC provider.
type Provider struct {
	ARN         string
	URL         string // as IAM stores it, without "https://"
	ClientIDs   []string
	Thumbprints []string
	Tags        map[string]string
	CreateDate  time.Time
}

func (p *Provider) clone() Provider {
	c := *p
	c.ClientIDs = slices.Clone(p.ClientIDs)
	c.Thumbprints = slices.Clone(p.Thumbprints)
	c.Tags = maps.Clone(p.Tags)
	return c
}

// providerARNPattern matches arn:<partition>:iam::<12 digits>:oidc-provider/<url>.
var providerARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/\S+$`)

// tagValuePattern is the character set IAM accepts in tag keys and values.
var tagValuePattern = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// ProviderARN returns the ARN IAM gives a provider for url in the server's account.
func (s *Server) ProviderARN(url string) string {
	return fmt.Sprintf("arn:aws:iam::%s:oidc-provider/%s", s.opts.AccountID, strings.TrimPrefix(url, "https://"))
}

// AddProvider stores a provider for url (with or without "https://") and returns its
// ARN. Unlike CreateOpenIDConnectProvider it validates nothing, so tests can seed
// states that IAM holds from older writes, such as an empty list or a 64-character
// entry. The client ID list is "sts.amazonaws.com". An existing provider for url is
// replaced.
func (s *Server) AddProvider(url string, thumbprints []string, tags map[string]string) (arn string) {
	arn = s.ProviderARN(url)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.providers[arn] = &Provider{
		ARN:         arn,
		URL:         strings.TrimPrefix(url, "https://"),
		ClientIDs:   []string{"sts.amazonaws.com"},
		Thumbprints: slices.Clone(thumbprints),
		Tags:        maps.Clone(tags),
		CreateDate:  s.opts.Now().UTC().Truncate(time.Millisecond),
	}
	return arn
}

// Provider returns a copy of the provider with arn.
func (s *Server) Provider(arn string) (Provider, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.providers[arn]
	if !ok {
		return Provider{}, false
	}
	return p.clone(), true
}

// SetThumbprints replaces the thumbprint list of the provider with arn without
// validation, as another writer would. It reports whether the provider exists.
func (s *Server) SetThumbprints(arn string, thumbprints []string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.providers[arn]
	if ok {
		p.Thumbprints = slices.Clone(thumbprints)
	}
	return ok
}

// DeleteProvider removes the provider with arn and reports whether it existed.
func (s *Server) DeleteProvider(arn string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.providers[arn]
	delete(s.providers, arn)
	return ok
}

func (s *Server) iamActions() map[string]queryAction {
	return map[string]queryAction{
		"ListOpenIDConnectProviders":            s.listProviders,
		"GetOpenIDConnectProvider":              s.getProvider,
		"UpdateOpenIDConnectProviderThumbprint": s.updateThumbprints,
		"CreateOpenIDConnectProvider":           s.createProvider,
		"TagOpenIDConnectProvider":              s.tagProvider,
	}
}

type arnEntry struct {
	ARN string `xml:"Arn"`
}

type listProvidersResult struct {
	XMLName xml.Name   `xml:"ListOpenIDConnectProvidersResult"`
	List    []arnEntry `xml:"OpenIDConnectProviderList>member"`
}

func (s *Server) listProviders(Call) (any, *Fault) {
	s.mu.Lock()
	arns := slices.Sorted(maps.Keys(s.providers))
	s.mu.Unlock()

	result := listProvidersResult{}
	for _, arn := range arns {
		result.List = append(result.List, arnEntry{ARN: arn})
	}
	return result, nil
}

type tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type getProviderResult struct {
	XMLName     xml.Name `xml:"GetOpenIDConnectProviderResult"`
	ClientIDs   []string `xml:"ClientIDList>member"`
	CreateDate  string   `xml:"CreateDate"`
	Tags        []tag    `xml:"Tags>member"`
	Thumbprints []string `xml:"ThumbprintList>member"`
	URL         string   `xml:"Url"`
}

func (s *Server) getProvider(c Call) (any, *Fault) {
	arn := c.Params.Get("OpenIDConnectProviderArn")
	if f := checkProviderARN(arn); f != nil {
		return nil, f
	}

	p, ok := s.Provider(arn)
	if !ok {
		return nil, providerNotFound(arn)
	}

	result := getProviderResult{
		ClientIDs:   p.ClientIDs,
		CreateDate:  p.CreateDate.UTC().Format("2006-01-02T15:04:05.000Z"),
		Thumbprints: p.Thumbprints,
		URL:         p.URL,
	}
	for _, key := range slices.Sorted(maps.Keys(p.Tags)) {
		result.Tags = append(result.Tags, tag{Key: key, Value: p.Tags[key]})
	}
	return result, nil
}

func (s *Server) updateThumbprints(c Call) (any, *Fault) {
	arn := c.Params.Get("OpenIDConnectProviderArn")
	if f := checkProviderARN(arn); f != nil {
		return nil, f
	}
	list := queryList(c.Params, "ThumbprintList")
	if f := checkThumbprints(list, false); f != nil {
		return nil, f
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.providers[arn]
	if !ok {
		return nil, providerNotFound(arn)
	}
	p.Thumbprints = slices.Clone(list)
	return nil, nil
}

type createProviderResult struct {
	XMLName xml.Name `xml:"CreateOpenIDConnectProviderResult"`
	ARN     string   `xml:"OpenIDConnectProviderArn"`
	Tags    []tag    `xml:"Tags>member"`
}

func (s *Server) createProvider(c Call) (any, *Fault) {
	url := c.Params.Get("Url")
	if !strings.HasPrefix(url, "https://") || len(url) <= len("https://") {
		return nil, invalidInput(fmt.Sprintf("Url %q must begin with https:// and name a host", url))
	}
	clientIDs := queryList(c.Params, "ClientIDList")
	if len(clientIDs) > 100 {
		return nil, invalidInput("ClientIDList has more than 100 entries")
	}
	thumbprints := queryList(c.Params, "ThumbprintList")
	if f := checkThumbprints(thumbprints, true); f != nil {
		return nil, f
	}
	tags, _ := queryTags(c.Params)
	if f := checkTags(tags); f != nil {
		return nil, f
	}

	arn := s.ProviderARN(url)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.providers[arn]; exists {
		return nil, &Fault{Code: "EntityAlreadyExists", Status: http.StatusConflict,
			Message: fmt.Sprintf("Provider with url %s already exists.", url)}
	}

	p := &Provider{
		ARN:         arn,
		URL:         strings.TrimPrefix(url, "https://"),
		ClientIDs:   clientIDs,
		Thumbprints: thumbprints,
		Tags:        map[string]string{},
		CreateDate:  s.opts.Now().UTC().Truncate(time.Millisecond),
	}
	for _, t := range tags {
		p.Tags[t.Key] = t.Value
	}
	s.providers[arn] = p
	return createProviderResult{ARN: arn, Tags: tags}, nil
}

func (s *Server) tagProvider(c Call) (any, *Fault) {
	arn := c.Params.Get("OpenIDConnectProviderArn")
	if f := checkProviderARN(arn); f != nil {
		return nil, f
	}
	tags, _ := queryTags(c.Params)
	if len(tags) == 0 {
		return nil, invalidInput("Tags must contain at least one tag")
	}
	if f := checkTags(tags); f != nil {
		return nil, f
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.providers[arn]
	if !ok {
		return nil, providerNotFound(arn)
	}
	if p.Tags == nil {
		p.Tags = map[string]string{}
	}
	for _, t := range tags {
		p.Tags[t.Key] = t.Value
	}
	if len(p.Tags) > 50 {
		return nil, &Fault{Code: "LimitExceeded", Status: http.StatusConflict,
			Message: "a provider can have at most 50 tags"}
	}
	return nil, nil
}

func checkProviderARN(arn string) *Fault {
	if !providerARNPattern.MatchString(arn) {
		return invalidInput(fmt.Sprintf("ARN %s is not valid.", arn))
	}
	return nil
}

// checkThumbprints applies IAM's rules to a thumbprint list: each entry exactly 40
// characters and at most 5 entries. Update also requires at least one entry, but Create
// accepts none because IAM has retrieved the thumbprint itself since 2024.
func checkThumbprints(list []string, allowEmpty bool) *Fault {
	if len(list) == 0 && !allowEmpty {
		return invalidInput("ThumbprintList must contain at least 1 entry")
	}
	if len(list) > 5 {
		return invalidInput(fmt.Sprintf("ThumbprintList has %d entries; the maximum is 5", len(list)))
	}
	for _, thumbprint := range list {
		if len(thumbprint) != 40 {
			return invalidInput(fmt.Sprintf("Thumbprint %q must be exactly 40 characters", thumbprint))
		}
	}
	return nil
}

func checkTags(tags []tag) *Fault {
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 || !tagValuePattern.MatchString(t.Key) {
			return invalidInput(fmt.Sprintf("tag key %q is invalid", t.Key))
		}
		if len(t.Value) > 256 || !tagValuePattern.MatchString(t.Value) {
			return invalidInput(fmt.Sprintf("tag value %q for key %q is invalid", t.Value, t.Key))
		}
	}
	return nil
}

func invalidInput(message string) *Fault {
	return &Fault{Code: "InvalidInput", Status: http.StatusBadRequest, Message: message}
}

func providerNotFound(arn string) *Fault {
	return &Fault{Code: "NoSuchEntity", Status: http.StatusNotFound,
		Message: fmt.Sprintf("OpenIDConnect Provider not found for arn %s", arn)}
}
