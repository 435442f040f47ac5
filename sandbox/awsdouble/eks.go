package awsdouble

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Cluster is an EKS cluster in one region.
type Cluster struct {
	Name   string
	Region string
	ARN    string
	// Issuer is identity.oidc.issuer, such as
	// "https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF". An empty Issuer
	// leaves the identity field out of DescribeCluster.
	Issuer string
}

// AddCluster stores a cluster in region and returns it with its ARN filled in. The ARN
// is in the aws-cn partition for a region whose name starts with "cn-".
func (s *Server) AddCluster(region, name, issuer string) Cluster {
	partition := "aws"
	if strings.HasPrefix(region, "cn-") {
		partition = "aws-cn"
	}
	c := Cluster{
		Name:   name,
		Region: region,
		ARN:    fmt.Sprintf("arn:%s:eks:%s:%s:cluster/%s", partition, region, s.opts.AccountID, name),
		Issuer: issuer,
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.clusters[region] == nil {
		s.clusters[region] = map[string]Cluster{}
	}
	s.clusters[region][name] = c
	return c
}

// DeleteCluster removes a cluster and reports whether it existed.
func (s *Server) DeleteCluster(region, name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.clusters[region][name]
	delete(s.clusters[region], name)
	return ok
}

// serveEKS handles the EKS REST/JSON routes GET /clusters and GET /clusters/{name}.
func (s *Server) serveEKS(w http.ResponseWriter, r *http.Request, region string) {
	path := r.URL.EscapedPath()
	c := Call{Service: "eks", Region: region, Params: r.URL.Query()}

	switch {
	case r.Method == http.MethodGet && path == "/clusters":
		c.Action = "ListClusters"
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/clusters/") && !strings.Contains(path[len("/clusters/"):], "/"):
		name, err := url.PathUnescape(path[len("/clusters/"):])
		if err != nil {
			writeJSONError(w, Fault{Code: "InvalidParameterException", Status: http.StatusBadRequest,
				Message: fmt.Sprintf("invalid cluster name in path %q", path)})
			return
		}
		c.Action = "DescribeCluster"
		c.Name = name
	default:
		writeJSONError(w, Fault{Code: "UnknownOperationException", Status: http.StatusNotFound,
			Message: fmt.Sprintf("%s %s is not an operation the AWS double serves", r.Method, path)})
		return
	}

	if f := s.begin(c); f != nil {
		writeJSONError(w, *f)
		return
	}

	var (
		body any
		f    *Fault
	)
	if c.Action == "ListClusters" {
		body, f = s.listClusters(c)
	} else {
		body, f = s.describeCluster(c)
	}
	if f != nil {
		writeJSONError(w, *f)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

type listClustersOutput struct {
	Clusters  []string `json:"clusters"`
	NextToken string   `json:"nextToken,omitempty"`
}

// listClusters returns one page of cluster names in name order. The next token is the
// offset of the next page, which is opaque to clients as it is in EKS.
func (s *Server) listClusters(c Call) (any, *Fault) {
	limit := 100
	if raw := c.Params.Get("maxResults"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 100 {
			return nil, &Fault{Code: "InvalidParameterException", Status: http.StatusBadRequest,
				Message: fmt.Sprintf("maxResults %q must be between 1 and 100", raw)}
		}
		limit = n
	}
	limit = min(limit, s.opts.MaxClustersPerPage)

	offset := 0
	if token := c.Params.Get("nextToken"); token != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(token, "page-"))
		if err != nil || n < 0 || !strings.HasPrefix(token, "page-") {
			return nil, &Fault{Code: "InvalidParameterException", Status: http.StatusBadRequest,
				Message: fmt.Sprintf("nextToken %q is invalid", token)}
		}
		offset = n
	}

	s.mu.Lock()
	names := slices.Sorted(maps.Keys(s.clusters[c.Region]))
	s.mu.Unlock()

	out := listClustersOutput{Clusters: []string{}}
	if offset < len(names) {
		end := min(offset+limit, len(names))
		out.Clusters = names[offset:end]
		if end < len(names) {
			out.NextToken = "page-" + strconv.Itoa(end)
		}
	}
	return out, nil
}

type describeClusterOutput struct {
	Cluster clusterJSON `json:"cluster"`
}

type clusterJSON struct {
	Name     string        `json:"name"`
	ARN      string        `json:"arn"`
	Status   string        `json:"status"`
	Version  string        `json:"version"`
	Identity *identityJSON `json:"identity,omitempty"`
}

type identityJSON struct {
	OIDC struct {
		Issuer string `json:"issuer"`
	} `json:"oidc"`
}

func (s *Server) describeCluster(c Call) (any, *Fault) {
	s.mu.Lock()
	cluster, ok := s.clusters[c.Region][c.Name]
	s.mu.Unlock()
	if !ok {
		return nil, &Fault{Code: "ResourceNotFoundException", Status: http.StatusNotFound,
			Message: fmt.Sprintf("No cluster found for name: %s.", c.Name)}
	}

	out := describeClusterOutput{Cluster: clusterJSON{
		Name:    cluster.Name,
		ARN:     cluster.ARN,
		Status:  "ACTIVE",
		Version: "1.31",
	}}
	if cluster.Issuer != "" {
		out.Cluster.Identity = &identityJSON{}
		out.Cluster.Identity.OIDC.Issuer = cluster.Issuer
	}
	return out, nil
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	data, err := json.Marshal(body)
	if err != nil {
		http.Error(w, "marshalling response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-RequestId", newRequestID())
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// writeJSONError writes an error as EKS sends it: the code in x-amzn-ErrorType and the
// message in the body.
func writeJSONError(w http.ResponseWriter, f Fault) {
	w.Header().Set("x-amzn-ErrorType", f.Code)
	writeJSON(w, f.status(), map[string]string{"message": f.message()})
}
