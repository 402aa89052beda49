package chrome

import (
	"testing"

	"journeyproof/journeys"
)

// TestKeyNames: every key name a journey file may press (journeys.KeyNames,
// what the loader accepts) is one the runner can press.
func TestKeyNames(t *testing.T) {
	for _, k := range journeys.KeyNames() {
		if s, ok := namedKey(k); !ok || s == "" {
			t.Errorf("press: %s is accepted in a journey file but the runner has no key for it", k)
		}
	}
	if keyString("a") != "a" || keyString("Enter") == "Enter" {
		t.Errorf("keyString: a = %q, Enter = %q", keyString("a"), keyString("Enter"))
	}
}
