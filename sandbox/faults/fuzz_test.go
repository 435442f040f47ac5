package faults

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// minSeeds is the smallest seed corpus a fuzz target may have under testdata/fuzz.
const minSeeds = 5

// TestFuzzTargetsBoundedWithSeeds reads the Makefile and checks that "make fuzz" runs
// every fuzz target of the parsers for a bounded time, and that each target has a seed
// corpus of valid entries in its package's testdata/fuzz folder.
func TestFuzzTargetsBoundedWithSeeds(t *testing.T) {
	data, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatalf("reading the Makefile: %v", err)
	}
	makefile := string(data)

	if !regexp.MustCompile(`(?m)^FUZZTIME\s*\?=\s*\d+s$`).MatchString(makefile) {
		t.Errorf("the Makefile sets no default FUZZTIME in seconds, so make fuzz would run without a bound")
	}
	if !strings.Contains(makefile, "-fuzztime=$(FUZZTIME)") {
		t.Errorf("the fuzz recipe does not pass -fuzztime=$(FUZZTIME)")
	}

	listed := regexp.MustCompile(`\./(pkg/[a-z]+):(Fuzz[A-Za-z]+)`).FindAllStringSubmatch(makefile, -1)
	var targets []string
	for _, m := range listed {
		targets = append(targets, m[1]+":"+m[2])
	}
	want := []string{
		"pkg/thumbprint:FuzzNormalize",
		"pkg/thumbprint:FuzzParseList",
		"pkg/thumbprint:FuzzParsePEM",
		"pkg/discovery:FuzzIssuerURL",
		"pkg/discovery:FuzzParseDocument",
	}
	for _, target := range want {
		if !slices.Contains(targets, target) {
			t.Errorf("FUZZ_TARGETS = %q, want %q among them", targets, target)
		}
	}

	for _, target := range targets {
		pkg, name, _ := strings.Cut(target, ":")
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("..", "..", pkg, "testdata", "fuzz", name)
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatalf("reading the seed corpus: %v", err)
			}
			if len(entries) < minSeeds {
				t.Errorf("%s has %d seeds, want at least %d", dir, len(entries), minSeeds)
			}
			for _, entry := range entries {
				seed, err := os.ReadFile(filepath.Join(dir, entry.Name()))
				if err != nil {
					t.Fatalf("reading seed %s: %v", entry.Name(), err)
				}
				if !strings.HasPrefix(string(seed), "go test fuzz v1\n") {
					t.Errorf("seed %s does not start with the corpus header %q", entry.Name(), "go test fuzz v1")
				}
			}

			source, err := os.ReadFile(filepath.Join("..", "..", pkg, "fuzz_test.go"))
			if err != nil {
				t.Fatalf("reading the fuzz targets of %s: %v", pkg, err)
			}
			if !strings.Contains(string(source), "func "+name+"(f *testing.F)") {
				t.Errorf("%s/fuzz_test.go does not define %s", pkg, name)
			}
		})
	}
}
