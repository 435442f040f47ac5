package thumbprint

import (
	"crypto/x509"
	"strings"
	"testing"
)

func TestTop(t *testing.T) {
	r0 := newRoot(t, "Old Root R0")
	r1 := newRoot(t, "Root R1")
	x := crossSign(t, r1, r0)
	i1 := newIntermediate(t, "Intermediate I1", r1)
	l1 := newLeaf(t, "id.example.test", i1)

	tests := []struct {
		name      string
		certs     []*x509.Certificate
		want      *x509.Certificate
		wantOrder []*x509.Certificate
	}{
		{name: "leaf first", certs: []*x509.Certificate{l1, i1.cert, x}, want: x, wantOrder: []*x509.Certificate{l1, i1.cert, x}},
		{name: "root first", certs: []*x509.Certificate{x, i1.cert, l1}, want: x, wantOrder: []*x509.Certificate{l1, i1.cert, x}},
		{name: "shuffled", certs: []*x509.Certificate{i1.cert, x, l1}, want: x, wantOrder: []*x509.Certificate{l1, i1.cert, x}},
		{name: "self-signed root on top", certs: []*x509.Certificate{r1.cert, l1, i1.cert}, want: r1.cert, wantOrder: []*x509.Certificate{l1, i1.cert, r1.cert}},
		{name: "cross-sign issuer present", certs: []*x509.Certificate{r0.cert, x, i1.cert, l1}, want: r0.cert, wantOrder: []*x509.Certificate{l1, i1.cert, x, r0.cert}},
		// R1 and X share a name and key, so X also issues R1: the longest path goes
		// through R1 to X.
		{name: "cross-sign and self-signed twin", certs: []*x509.Certificate{l1, i1.cert, x, r1.cert}, want: x, wantOrder: []*x509.Certificate{l1, i1.cert, r1.cert, x}},
		{name: "duplicates count once", certs: []*x509.Certificate{l1, i1.cert, l1, x, i1.cert}, want: x, wantOrder: []*x509.Certificate{l1, i1.cert, x}},
		{name: "leaf only", certs: []*x509.Certificate{l1}, want: l1, wantOrder: []*x509.Certificate{l1}},
		{name: "root only", certs: []*x509.Certificate{r1.cert}, want: r1.cert, wantOrder: []*x509.Certificate{r1.cert}},
		{name: "gap in the chain", certs: []*x509.Certificate{l1, x}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == nil {
				if got, err := Top(tt.certs); err == nil {
					t.Fatalf("Top() = %q, want an error", got.Subject)
				}
				return
			}

			got, err := Top(tt.certs)
			if err != nil {
				t.Fatalf("Top() error = %v", err)
			}
			if Of(got) != Of(tt.want) {
				t.Errorf("Top() = %q (%s), want %q (%s)", got.Subject, Of(got), tt.want.Subject, Of(tt.want))
			}

			order, err := Order(tt.certs)
			if err != nil {
				t.Fatalf("Order() error = %v", err)
			}
			if got, want := thumbprints(order), thumbprints(tt.wantOrder); got != want {
				t.Errorf("Order() = %s, want %s", got, want)
			}
		})
	}
}

func TestTopNotOneChain(t *testing.T) {
	root := newRoot(t, "Root R1")
	intermediate := newIntermediate(t, "Intermediate I1", root)
	leaf := newLeaf(t, "id.example.test", intermediate)
	other := newRoot(t, "Unrelated Root")
	otherIntermediate := newIntermediate(t, "Unrelated Intermediate", other)
	otherLeaf := newLeaf(t, "www.example.test", otherIntermediate)

	tests := []struct {
		name         string
		certs        []*x509.Certificate
		wantSubjects []string
	}{
		{name: "two unrelated leaves", certs: []*x509.Certificate{leaf, intermediate.cert, otherLeaf, otherIntermediate.cert}, wantSubjects: []string{"CN=id.example.test", "CN=www.example.test"}},
		{name: "unrelated intermediate", certs: []*x509.Certificate{leaf, intermediate.cert, otherIntermediate.cert}, wantSubjects: []string{"CN=id.example.test", "CN=Unrelated Intermediate"}},
		{name: "two leaves of one issuer", certs: []*x509.Certificate{leaf, newLeaf(t, "keys.example.test", intermediate), intermediate.cert}, wantSubjects: []string{"CN=id.example.test", "CN=keys.example.test"}},
		{name: "leaf and root without the intermediate", certs: []*x509.Certificate{leaf, root.cert}, wantSubjects: []string{"CN=id.example.test", "CN=Root R1", "intermediate CA) is missing"}},
		{name: "empty", certs: nil, wantSubjects: []string{"no certificates"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Top(tt.certs)
			if err == nil {
				t.Fatalf("Top() = %q, want an error", got.Subject)
			}
			for _, subject := range tt.wantSubjects {
				if !strings.Contains(err.Error(), subject) {
					t.Errorf("Top() error = %q, want it to name %q", err, subject)
				}
			}
		})
	}
}

func thumbprints(certs []*x509.Certificate) string {
	values := make([]string, len(certs))
	for i, cert := range certs {
		values[i] = Of(cert)[:8]
	}
	return strings.Join(values, ",")
}
