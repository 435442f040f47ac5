package faults

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the tables in docs/reliability.md after every row passes")

// allFaults returns every row in the order the record lists them.
func allFaults() []fault {
	var rows []fault
	rows = append(rows, issuerFaults()...)
	rows = append(rows, awsFaults()...)
	rows = append(rows, lambdaFaults()...)
	return rows
}

func TestFaults(t *testing.T) {
	rows := allFaults()
	if len(rows) < 35 {
		t.Errorf("the suite has %d rows, want at least 35", len(rows))
	}
	seen := map[string]bool{}
	for _, f := range rows {
		if seen[f.name] {
			t.Fatalf("row name %q appears twice", f.name)
		}
		seen[f.name] = true
	}

	skipped := 0
	for _, f := range rows {
		t.Run(f.name, func(t *testing.T) {
			defer func() {
				if t.Skipped() {
					skipped++
				}
			}()
			runFault(t, f)
		})
	}

	if !*update {
		return
	}
	if t.Failed() || skipped > 0 {
		t.Fatalf("not rewriting %s: %d rows skipped, failed = %t; the record lists only rows that ran and passed", recordPath, skipped, t.Failed())
	}
	doc, err := os.ReadFile(recordPath)
	if err != nil {
		t.Fatalf("reading the record: %v", err)
	}
	updated, err := replaceTables(string(doc), rows)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(recordPath, []byte(updated), 0o644); err != nil {
		t.Fatalf("writing the record: %v", err)
	}
}
