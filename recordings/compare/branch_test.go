package compare

import (
	"slices"
	"testing"
	"time"

	"journeyproof/recordings"
)

// Runs pair by cell and branch: a deny run is compared with the base's deny
// run of the same cell, never with its main path.
func TestPairRunsByBranch(t *testing.T) {
	at := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	run := func(id uint, branch string, min int) recordings.Run {
		return recordings.Run{ID: id, JourneyID: "login", Lang: "en", Device: "desktop", Branch: branch, Status: "passed", StartedAt: at.Add(time.Duration(min) * time.Minute)}
	}
	base := []recordings.Run{run(1, "", 1), run(2, "deny", 2), run(3, "timeout", 3)}
	head := []recordings.Run{run(10, "deny", 1), run(11, "", 2), run(12, "close", 3)}
	got := pairIDs(base, head)
	want := []string{"login/en/desktop 1>11", "login/en/desktop/close 0>12", "login/en/desktop/deny 2>10", "login/en/desktop/timeout 3>0"}
	if !slices.Equal(got, want) {
		t.Errorf("PairRuns = %v, want %v", got, want)
	}
	// The comparison of a branch's runs says which branch it is.
	rd, _ := diffRun(&base[1], &head[0])
	if rd.Branch != "deny" || rd.Cell != "login/en/desktop/deny" {
		t.Errorf("RunDiff: branch %q cell %q", rd.Branch, rd.Cell)
	}
}
