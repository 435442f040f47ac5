package thumbprint

import (
	"bytes"
	"encoding/pem"
	"errors"
	"slices"
	"strings"
	"testing"
)

func isLowerHex(s string) bool {
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return false
		}
	}
	return true
}

func FuzzNormalize(f *testing.F) {
	f.Add(starfieldG2)
	f.Add("9E:99:A4:8A:99:60:B1:49:26:BB:7F:3B:02:E2:2D:A2:B0:AB:72:80")

	f.Fuzz(func(t *testing.T, s string) {
		got, err := Normalize(s)
		if err != nil {
			var malformed *MalformedError
			if !errors.As(err, &malformed) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("Normalize(%q) error = %v (%T), want *MalformedError matching ErrMalformed", s, err, err)
			}
			if malformed.Value != s {
				t.Fatalf("MalformedError.Value = %q, want %q", malformed.Value, s)
			}
			if malformed.SHA256 != "" && (len(malformed.SHA256) != 64 || !isLowerHex(malformed.SHA256)) {
				t.Fatalf("MalformedError.SHA256 = %q, want 64 lowercase hexadecimal characters", malformed.SHA256)
			}
			return
		}

		if len(got) != Length || !isLowerHex(got) {
			t.Fatalf("Normalize(%q) = %q, want 40 lowercase hexadecimal characters", s, got)
		}
		again, err := Normalize(got)
		if err != nil || again != got {
			t.Fatalf("Normalize(%q) = %q, %v, want it unchanged", got, again, err)
		}
		upper, err := Normalize(strings.ToUpper(got))
		if err != nil || upper != got {
			t.Fatalf("Normalize(%q) = %q, %v, want %q", strings.ToUpper(got), upper, err, got)
		}
	})
}

func FuzzParseList(f *testing.F) {
	f.Add("aa,bb")
	f.Add("aa,,bb")

	f.Fuzz(func(t *testing.T, s string) {
		entries, err := ParseList(s)
		if err != nil {
			if !strings.Contains(err.Error(), "entry ") {
				t.Fatalf("ParseList(%q) error = %q, want it to name the entry", s, err)
			}
			return
		}

		if strings.TrimSpace(s) == "" {
			if entries == nil || len(entries) != 0 {
				t.Fatalf("ParseList(%q) = %#v, want an empty list", s, entries)
			}
			return
		}
		if want := strings.Count(s, ",") + 1; len(entries) != want {
			t.Fatalf("ParseList(%q) returned %d entries, want %d", s, len(entries), want)
		}
		for i, entry := range entries {
			if entry == "" || entry != strings.TrimSpace(entry) || strings.Contains(entry, ",") {
				t.Fatalf("ParseList(%q) entry %d = %q, want a trimmed, non-empty value without commas", s, i+1, entry)
			}
		}

		again, err := ParseList(strings.Join(entries, ","))
		if err != nil || !slices.Equal(again, entries) {
			t.Fatalf("ParseList(joined entries) = %#v, %v, want %#v", again, err, entries)
		}
	})
}

func FuzzParsePEM(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := ParsePEM(data)
		if err != nil {
			var blockErr *BlockError
			switch {
			case errors.Is(err, ErrNoCertificate):
			case errors.As(err, &blockErr):
				if blockErr.Block < 1 || blockErr.Line < blockErr.Block {
					t.Fatalf("BlockError = block %d, line %d, want block >= 1 and line >= block", blockErr.Block, blockErr.Line)
				}
			default:
				t.Fatalf("ParsePEM() error = %v (%T), want ErrNoCertificate or *BlockError", err, err)
			}
			return
		}

		if len(certs) == 0 {
			t.Fatal("ParsePEM() returned no certificates and no error")
		}

		// Re-encoding the certificates must give the same certificates back.
		var encoded []byte
		for _, cert := range certs {
			encoded = append(encoded, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})...)
		}
		again, err := ParsePEM(encoded)
		if err != nil {
			t.Fatalf("ParsePEM(re-encoded) error = %v", err)
		}
		if len(again) != len(certs) {
			t.Fatalf("ParsePEM(re-encoded) returned %d certificates, want %d", len(again), len(certs))
		}
		for i := range certs {
			if !bytes.Equal(again[i].Raw, certs[i].Raw) {
				t.Fatalf("ParsePEM(re-encoded) certificate %d differs", i+1)
			}
		}
	})
}
