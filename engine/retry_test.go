package engine_test

import (
	"context"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/engine"
	"journeyproof/internal/enginetest"
	"journeyproof/queue"
	"journeyproof/recordings"
)

// TestRetriedCellAdoptsFinishedRun runs a cell of the bundled login journey
// as a queue job, then tries the same job again as the queue does after a
// worker died between storing the run and marking the job done: the retry
// returns the run the first attempt finished and stores no second run. A
// run the machinery interrupted is not adopted: the next attempt runs the
// cell again.
func TestRetriedCellAdoptsFinishedRun(t *testing.T) {
	base, login := loginSite(t)
	c := queue.Cell{Invocation: "inv-retry", Release: "r1", BaseURL: base, File: login.File, Source: login.Source,
		Lang: "en", Device: "desktop", Video: "off", Name: "login/en/desktop"}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	e, err := enginetest.Open(ctx, t.TempDir(), engine.Config{Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	runs := func() int64 {
		t.Helper()
		_, n, err := e.Store.Runs(recordings.RunFilter{Release: "r1"})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	first, err := e.RunCellAttempt(ctx, c, 1)
	if err != nil || first.RunID == 0 || first.Status != journeyproof.StatusPassed {
		t.Fatalf("first attempt: %+v, %v; want a passed run", first, err)
	}
	retried, err := e.RunCellAttempt(ctx, c, 2)
	if err != nil {
		t.Fatal(err)
	}
	if retried != first {
		t.Errorf("retry: %+v; want the first attempt's result %+v", retried, first)
	}
	if n := runs(); n != 1 {
		t.Errorf("%d runs stored after the retry; want 1", n)
	}

	// Another invocation of the same cell is a new run, never adopted.
	other := c
	other.Invocation = "inv-other"
	if res, err := e.RunCellAttempt(ctx, other, 2); err != nil || res.RunID == first.RunID {
		t.Errorf("another invocation's retry: %+v, %v; want a run of its own", res, err)
	}

	// An interrupted run is not the cell's result: the next attempt runs it.
	if err := e.Store.RetryRun(first.RunID, "interrupted: test"); err != nil {
		t.Fatal(err)
	}
	again, err := e.RunCellAttempt(ctx, c, 3)
	if err != nil || again.RunID == first.RunID || again.Status != journeyproof.StatusPassed {
		t.Fatalf("attempt after an interrupted run: %+v, %v; want a new passed run", again, err)
	}
	if n := runs(); n != 3 {
		t.Errorf("%d runs stored; want 3 (the interrupted one, the other invocation's, the new one)", n)
	}
}
