package bench

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNewAccountSeedsProviders(t *testing.T) {
	issuers, err := StartIssuers(IssuerOptions{Count: 5, Now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("StartIssuers() error = %v", err)
	}
	t.Cleanup(issuers.Close)

	account, err := NewAccount(issuers, 4, 2)
	if err != nil {
		t.Fatalf("NewAccount() error = %v", err)
	}
	t.Cleanup(account.Close)

	if len(account.ARNs) != 4 {
		t.Fatalf("len(ARNs) = %d, want 4", len(account.ARNs))
	}
	if !strings.Contains(account.ARNs[0], SlowName) {
		t.Errorf("ARNs[0] = %q, want the slow issuer %s first", account.ARNs[0], SlowName)
	}
	if want := []string{account.ARNs[2]}; !slices.Equal(account.Stale, want) {
		t.Errorf("Stale = %q, want %q (every second fast provider)", account.Stale, want)
	}
	stored, ok := account.AWS.Provider(account.ARNs[2])
	if !ok || !slices.Equal(stored.Thumbprints, []string{issuers.Previous}) {
		t.Errorf("stale provider list = %q, want [%s]", stored.Thumbprints, issuers.Previous)
	}
	if got := account.Counters(); got != (Counters{}) {
		t.Errorf("Counters() before any sweep = %+v, want zero", got)
	}

	var overrides string
	for _, entry := range account.Env(time.Second, time.Second) {
		if value, ok := strings.CutPrefix(entry, "HOST_OVERRIDES="); ok {
			overrides = value
		}
	}
	if n := len(strings.Split(overrides, ",")); n != 4 {
		t.Errorf("HOST_OVERRIDES has %d entries, want 4: %q", n, overrides)
	}

	if _, err := NewAccount(issuers, 6, 0); err == nil {
		t.Error("NewAccount() with more providers than issuers error = nil, want an error")
	}
}
