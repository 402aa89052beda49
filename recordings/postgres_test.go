package recordings_test

import (
	"context"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/journeys/chrome"
	"journeyproof/recordings"
)

// The store on PostgreSQL keeps what it keeps on SQLite: a run with its
// steps and screenshots, the release summary the lists read, the state the
// live pages poll, workers' heartbeats, and a second open (another
// process migrating the same database) changes nothing.
func TestStoreOnPostgres(t *testing.T) {
	shared.Need(t)
	ctx := context.Background()
	dsn, err := pg.Get(t).NewDatabase(ctx, "store_test")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	store, err := recordings.OpenDB(dir, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	cells := twoStepCells(t, "", "en", "zh-HK")
	rec := &recordings.Recorder{Store: store, Release: "pg", BaseURL: baseURL, BrowserVersion: browser.Version()}
	runner := &chrome.Runner{Browser: browser, BaseURL: baseURL, Parallel: 1, Observer: rec, StepTimeout: 30 * time.Second}
	for _, res := range runner.Run(ctx, cells) {
		if res.Status != journeyproof.StatusPassed {
			t.Fatalf("%s: %s %s", res.Cell, res.Status, res.Error)
		}
	}
	if err := rec.Wait(); err != nil {
		t.Fatal(err)
	}
	run, err := store.Run(rec.RunID(cells[0]))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != journeyproof.StatusPassed || len(run.Steps) != 2 || run.Steps[0].ScreenshotSHA == "" {
		t.Fatalf("stored run: status %s, %d steps, screenshot %q", run.Status, len(run.Steps), run.Steps[0].ScreenshotSHA)
	}
	if _, err := store.ReadArtifact(run.Steps[0].ScreenshotSHA); err != nil {
		t.Fatalf("screenshot artifact: %v", err)
	}
	rels, err := store.Releases()
	if err != nil {
		t.Fatal(err)
	}
	if len(rels) != 1 || rels[0].Name != "pg" || rels[0].Runs != 2 || rels[0].Passed != 2 || rels[0].Last.IsZero() {
		t.Fatalf("releases: %+v", rels)
	}
	if _, err := store.ReleaseState("pg"); err != nil {
		t.Fatal(err)
	}
	w := recordings.Worker{ID: "host/1/x", Host: "host", PID: 1, Queue: "default", Concurrency: 2, StartedAt: time.Now(), Cells: []string{"two/en/desktop"}}
	if err := store.BeatWorker(w); err != nil {
		t.Fatal(err)
	}
	w.Cells, w.Done = nil, 1
	if err := store.BeatWorker(w); err != nil {
		t.Fatal(err)
	}
	ws, err := store.Workers()
	if err != nil || len(ws) != 1 || ws[0].Done != 1 || len(ws[0].Cells) != 0 {
		t.Fatalf("workers: %+v %v", ws, err)
	}
	again, err := recordings.OpenDB(dir, dsn)
	if err != nil {
		t.Fatalf("second open: %v", err)
	}
	defer again.Close()
	rels, err = again.Releases()
	if err != nil || len(rels) != 1 || rels[0].Runs != 2 {
		t.Fatalf("releases after a second open: %+v %v", rels, err)
	}
}
