package video

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/internal/storetest"
	"journeyproof/recordings"
)

// TestRemoveLeftovers: the frames folders of interrupted runs and of runs
// no longer stored are removed; those of running and finished runs stay.
func TestRemoveLeftovers(t *testing.T) {
	store := storetest.Open(t)
	now := time.Now()
	folders := map[string]bool{} // folder -> kept
	for _, status := range []string{journeyproof.StatusInterrupted, journeyproof.StatusRunning, journeyproof.StatusPassed, journeyproof.StatusFailed} {
		run := recordings.Run{Release: "x", JourneyID: "login", Lang: "en", Device: "desktop", Status: status, StartedAt: now,
			OwnerHost: store.Owner().Host, OwnerPID: store.Owner().PID, OwnerStart: store.Owner().Start, HeartbeatAt: &now}
		if err := store.DB.Create(&run).Error; err != nil {
			t.Fatal(err)
		}
		folders[fmt.Sprintf("run-%d-123", run.ID)] = status != journeyproof.StatusInterrupted
	}
	folders["run-999-456"] = false // its run is gone
	folders["notes"] = true        // not a run's frames
	for f := range folders {
		if err := os.MkdirAll(filepath.Join(store.Dir(), FramesDir, f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(store.Dir(), FramesDir, f, "000001.jpg"), []byte("frame"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n, err := RemoveLeftovers(store)
	if err != nil || n != 2 {
		t.Errorf("RemoveLeftovers: %d, %v; want 2", n, err)
	}
	for f, kept := range folders {
		if _, err := os.Stat(filepath.Join(store.Dir(), FramesDir, f)); (err == nil) != kept {
			t.Errorf("%s: kept %v; want %v", f, err == nil, kept)
		}
	}
}
