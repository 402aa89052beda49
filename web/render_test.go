package web

import (
	"testing"

	"journeyproof"
)

// TestStatusLook: every status and cell state has its symbol and word; an
// unknown status shows itself with a dash.
func TestStatusLook(t *testing.T) {
	for _, tc := range []struct{ status, icon, text string }{
		{journeyproof.StatusPassed, "✓", "Passed"},
		{journeyproof.StatusFailed, "✗", "Failed"},
		{journeyproof.StatusRunning, "◐", "Running"},
		{journeyproof.StatusInterrupted, "⏸", "Interrupted"},
		{stateMissing, "!", "Missing"},
		{stateNotInMatrix, "–", "Not in matrix"},
		{stateQueued, "…", "Queued"},
		{stateDone, "✓", "Done"},
		{"odd", "–", "odd"},
	} {
		if icon, text := statusIcon(tc.status), statusText(tc.status); icon != tc.icon || text != tc.text {
			t.Errorf("%s: %q %q, want %q %q", tc.status, icon, text, tc.icon, tc.text)
		}
	}
}
