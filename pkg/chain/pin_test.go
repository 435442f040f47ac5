package chain

import "testing"

func TestChainPin(t *testing.T) {
	leaf := Certificate{Subject: "CN=leaf", Thumbprint: "11"}
	inter := Certificate{Subject: "CN=intermediate", Thumbprint: "22", IsCA: true}
	cross := Certificate{Subject: "CN=cross-signed root", Thumbprint: "33", IsCA: true}
	root := Certificate{Subject: "CN=root", Thumbprint: "44", IsCA: true, SelfSigned: true}
	privateRoot := Certificate{Subject: "CN=private root", Thumbprint: "55", IsCA: true, SelfSigned: true}

	tests := []struct {
		name  string
		certs []Certificate
		want  string
	}{
		{"leaf and intermediate", []Certificate{leaf, inter}, "22"},
		{"self-signed root after intermediate", []Certificate{leaf, inter, root}, "22"},
		{"cross-signed root is sent last", []Certificate{leaf, inter, cross}, "33"},
		{"cross-signed root then self-signed root", []Certificate{leaf, inter, cross, root}, "33"},
		{"leaf and private root only", []Certificate{leaf, privateRoot}, "55"},
		{"two self-signed CAs take the last", []Certificate{leaf, root, privateRoot}, "55"},
		{"leaf only", []Certificate{leaf}, ""},
		{"empty chain", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Chain{Certificates: tt.certs}.Pin()
			if got.Thumbprint != tt.want {
				t.Errorf("Pin() = %q (%s), want %q", got.Thumbprint, got.Subject, tt.want)
			}
		})
	}
}
