package report

import (
	"slices"
	"testing"
)

func providerURLs(r Report) []string {
	var urls []string
	for _, p := range r.Providers {
		urls = append(urls, p.URL)
	}
	return urls
}

func TestShortenOrder(t *testing.T) {
	tests := []struct {
		name string
		n    int
		want []string
	}{
		{"nothing", 0, providerURLs(sampleReport())},
		{"healthy last first", 1, []string{
			"private.example.test", "intercepted.example.test",
			"oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
			"token.actions.example.test", "expiring.example.test", "down.example.test",
			"legacy.example.test", "a.example.test",
		}},
		{"then skipped and findings", 4, []string{
			"private.example.test", "intercepted.example.test",
			"oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
			"token.actions.example.test", "down.example.test",
		}},
		{"critical kept longest", 8, []string{"private.example.test"}},
		{"all providers", 9, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := providerURLs(Shorten(sampleReport(), tt.n, "log group /aws/lambda/remediator"))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Shorten(%d) providers = %q, want %q", tt.n, got, tt.want)
			}
		})
	}
}

func TestShortenKeepsCounts(t *testing.T) {
	full := sampleReport()

	short := Shorten(full, Entries(full), "log group /aws/lambda/remediator")

	if got, want := Count(short), Count(full); got != want {
		t.Errorf("Count(Shorten()) = %+v, want %+v", got, want)
	}
	if Entries(short) != 0 {
		t.Errorf("Entries(Shorten(all)) = %d, want 0", Entries(short))
	}
	want := Omission{Providers: 9, NotReached: 1, UnmanagedClusters: 1, Notes: 1, FullReport: "log group /aws/lambda/remediator", Totals: Count(full)}
	if short.Omitted == nil || *short.Omitted != want {
		t.Errorf("Shorten().Omitted = %+v, want %+v", short.Omitted, want)
	}
	if len(full.Providers) != 9 || len(full.Notes) != 1 {
		t.Errorf("Shorten changed its input: %d providers, %d notes", len(full.Providers), len(full.Notes))
	}
}

func TestShortenTwiceAddsUp(t *testing.T) {
	full := sampleReport()

	twice := Shorten(Shorten(full, 3, "first"), 7, "second")
	once := Shorten(full, 10, "second")

	if !slices.Equal(providerURLs(twice), providerURLs(once)) {
		t.Errorf("Shorten twice providers = %q, once = %q", providerURLs(twice), providerURLs(once))
	}
	if *twice.Omitted != *once.Omitted {
		t.Errorf("Shorten twice Omitted = %+v, once = %+v", *twice.Omitted, *once.Omitted)
	}
}
