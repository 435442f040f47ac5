package thumbprint

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// maxOrdered bounds the certificates Order accepts. The path search tries every issuer
// path, which grows factorially when many certificates share a subject and key, and a
// server's chain rarely has more than five certificates.
const maxOrdered = 10

// Top returns the top certificate of the chain in certs, which may be given leaf first,
// root first or in any other order. It starts from the leaf, the one certificate that
// issued no other certificate in the set, follows issuers present in the set and
// returns the last certificate reached. List position never matters.
//
// Top returns an error for an empty set and for a set that is not one chain, such as
// two unrelated leaves, naming their subjects.
func Top(certs []*x509.Certificate) (*x509.Certificate, error) {
	path, err := Order(certs)
	if err != nil {
		return nil, err
	}
	return path[len(path)-1], nil
}

// Order returns the chain in certs from the leaf to the top certificate, following
// issuer-to-subject links as Top does. Duplicate certificates count once, and a
// certificate that is not on the path from the leaf, such as a second issuer with the
// same subject and key, is left out.
//
// When the leaf has several issuer paths in the set, Order takes the longest one, so a
// cross-signed certificate beyond a self-signed root with the same key is included. It
// returns an error when two longest paths end at different certificates.
func Order(certs []*x509.Certificate) ([]*x509.Certificate, error) {
	set := unique(certs)
	if len(set) == 0 {
		return nil, errors.New("thumbprint: no certificates to order")
	}
	if len(set) > maxOrdered {
		return nil, fmt.Errorf("thumbprint: %d distinct certificates exceeds the maximum of %d for one TLS chain", len(set), maxOrdered)
	}

	issuers := make([][]int, len(set))
	issuedOther := make([]bool, len(set))
	for child := range set {
		for parent := range set {
			if parent != child && issues(set[parent], set[child]) {
				issuers[child] = append(issuers[child], parent)
				issuedOther[parent] = true
			}
		}
	}

	var leaves []int
	for i := range set {
		if !issuedOther[i] {
			leaves = append(leaves, i)
		}
	}
	switch {
	case len(leaves) == 0:
		return nil, fmt.Errorf("thumbprint: no leaf certificate among %s: every certificate issued another one in the set", subjects(set, allIndexes(len(set))))
	case len(leaves) > 1:
		return nil, fmt.Errorf("thumbprint: the certificates are not one chain: none of %s issued another certificate in the set, so they have no common path; a certificate that links them (often an intermediate CA) is missing", subjects(set, leaves))
	}

	path, tied := longestPath(leaves[0], issuers, make([]bool, len(set)))
	if tied >= 0 {
		return nil, fmt.Errorf("thumbprint: the chain has two possible tops, %s, reached by issuer paths of equal length", subjects(set, []int{path[len(path)-1], tied}))
	}

	ordered := make([]*x509.Certificate, len(path))
	for i, index := range path {
		ordered[i] = set[index]
	}
	return ordered, nil
}

// issues reports whether parent issued child: the names link and child's signature
// checks with parent's key. CheckSignatureFrom also requires parent to be a CA.
func issues(parent, child *x509.Certificate) bool {
	if !bytes.Equal(parent.RawSubject, child.RawIssuer) {
		return false
	}
	err := child.CheckSignatureFrom(parent)
	if err == nil {
		return true
	}

	// Go rejects SHA-1 and MD5 signatures, which older cross-signs still use. Order
	// only arranges certificates and verifies nothing, so it accepts the name link
	// when the only problem is the signature algorithm.
	var insecure x509.InsecureAlgorithmError
	return errors.As(err, &insecure)
}

// longestPath returns the longest issuer path that starts at from and visits no
// certificate twice. When another path of that length ends at a different
// certificate, tied is that certificate's index; otherwise tied is -1.
func longestPath(from int, issuers [][]int, visited []bool) (path []int, tied int) {
	visited[from] = true
	defer func() { visited[from] = false }()

	best := []int{from}
	tied = -1
	for _, parent := range issuers[from] {
		if visited[parent] {
			continue
		}
		sub, subTied := longestPath(parent, issuers, visited)
		candidate := append([]int{from}, sub...)
		switch {
		case len(candidate) > len(best):
			best, tied = candidate, subTied
		case len(candidate) == len(best) && candidate[len(candidate)-1] != best[len(best)-1]:
			tied = candidate[len(candidate)-1]
		case len(candidate) == len(best) && tied < 0:
			tied = subTied
		}
	}
	return best, tied
}

// unique returns certs without nil entries and without repeated DER encodings, in
// their first order.
func unique(certs []*x509.Certificate) []*x509.Certificate {
	var set []*x509.Certificate
	for _, cert := range certs {
		if cert == nil {
			continue
		}
		if slices.ContainsFunc(set, func(seen *x509.Certificate) bool { return bytes.Equal(seen.Raw, cert.Raw) }) {
			continue
		}
		set = append(set, cert)
	}
	return set
}

func allIndexes(n int) []int {
	indexes := make([]int, n)
	for i := range indexes {
		indexes[i] = i
	}
	return indexes
}

func subjects(set []*x509.Certificate, indexes []int) string {
	names := make([]string, len(indexes))
	for i, index := range indexes {
		names[i] = fmt.Sprintf("%q", set[index].Subject.String())
	}
	return strings.Join(names, " and ")
}
