package chrome

import (
	"testing"

	"github.com/chromedp/chromedp/kb"

	"journeyproof/journeys"
)

// TestKeyNames: every key name a journey file may press (journeys.KeyNames,
// what the loader accepts) is the code of exactly one key the runner can
// press.
func TestKeyNames(t *testing.T) {
	for _, k := range journeys.KeyNames() {
		n := 0
		for _, key := range kb.Keys {
			if key.Code == k {
				n++
			}
		}
		if s, ok := namedKey(k); !ok || s == "" || n != 1 {
			t.Errorf("press: %s is accepted in a journey file but the runner has %d keys with that code", k, n)
		}
	}
	if keyString("a") != "a" || keyString("Enter") != "\r" || keyString("Space") != " " {
		t.Errorf("keyString: a = %q, Enter = %q, Space = %q", keyString("a"), keyString("Enter"), keyString("Space"))
	}
}

// TestActions: every kind of step a journey file may give
// (journeys.Actions) has a browser side, and a step of an unknown kind is
// refused with its name.
func TestActions(t *testing.T) {
	c := &cellRun{r: &Runner{}, cell: journeys.Cell{Journey: &journeys.Journey{ID: "j"}, Lang: "en"}}
	for _, a := range journeys.Actions() {
		if act, err := c.actionOf(&journeys.Step{Action: a}); err != nil || act == nil {
			t.Errorf("step kind %s has no browser side: %v", a, err)
		}
	}
	if _, err := c.actionOf(&journeys.Step{Action: "hover"}); err == nil || err.Error() != `unknown action "hover"` {
		t.Errorf("an unknown kind: %v", err)
	}
}
