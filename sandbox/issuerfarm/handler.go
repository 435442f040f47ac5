package issuerfarm

import (
	"encoding/json"
	"maps"
	"net/http"
	"strings"
)

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests[r.URL.Path]++
	s.mu.Unlock()

	if !s.wait(s.opts.Faults.ResponseDelay, r.Context().Done()) {
		return
	}

	// Responses and the default paths are relative to the issuer path.
	path, found := strings.CutPrefix(r.URL.Path, s.opts.Path)
	if !found {
		path = "/not-under-the-issuer-path" + r.URL.Path
	}
	response, ok := s.opts.Responses[path]
	if !ok {
		response = s.defaultResponse(path)
	}
	s.write(w, r, response)
}

func (s *Server) defaultResponse(path string) Response {
	var doc map[string]any
	switch path {
	case DiscoveryPath:
		doc = s.discoveryDocument()
	case JWKSPath:
		doc = maps.Clone(s.jwks)
	default:
		return Response{Status: http.StatusNotFound, ContentType: "text/plain; charset=utf-8", Body: []byte("404 page not found\n")}
	}

	if s.opts.Faults.BodyPadding > 0 {
		doc["x-padding"] = strings.Repeat("a", s.opts.Faults.BodyPadding)
	}

	body, err := json.Marshal(doc)
	if err != nil {
		return Response{Status: http.StatusInternalServerError, ContentType: "text/plain; charset=utf-8", Body: []byte(err.Error())}
	}
	return Response{Status: http.StatusOK, ContentType: "application/json", Body: body}
}

func (s *Server) discoveryDocument() map[string]any {
	issuer := s.URL()
	doc := map[string]any{
		"issuer":                                issuer,
		"jwks_uri":                              issuer + JWKSPath,
		"authorization_endpoint":                issuer + "/authorize",
		"token_endpoint":                        issuer + "/token",
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"ES256"},
	}
	if s.opts.Discovery != nil {
		s.opts.Discovery(doc)
	}
	return doc
}

func (s *Server) write(w http.ResponseWriter, r *http.Request, response Response) {
	if response.ContentType != "" {
		w.Header().Set("Content-Type", response.ContentType)
	}
	if response.Location != "" {
		w.Header().Set("Location", response.Location)
	}
	status := response.Status
	if status == 0 {
		status = http.StatusOK
	}

	if s.opts.Faults.TrickleInterval <= 0 {
		w.WriteHeader(status)
		w.Write(response.Body)
		return
	}

	// Without a Content-Length the body goes out chunked, piece by piece.
	w.WriteHeader(status)
	controller := http.NewResponseController(w)
	for body := response.Body; len(body) > 0; {
		if !s.wait(s.opts.Faults.TrickleInterval, r.Context().Done()) {
			return
		}
		piece := min(len(body), s.opts.Faults.TrickleBytes)
		if _, err := w.Write(body[:piece]); err != nil {
			return
		}
		if err := controller.Flush(); err != nil {
			return
		}
		body = body[piece:]
	}
}
