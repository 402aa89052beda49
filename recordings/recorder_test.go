package recordings_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/internal/storetest"
	"journeyproof/journeys"
	"journeyproof/journeys/chrome"
	"journeyproof/recordings"
	"journeyproof/recordings/video"
	"journeyproof/verifier"
)

// twoSteps opens the login page and checks its entry: two steps with
// screenshots.
const twoSteps = `
name: Two steps
process: authentication
steps:
  - goto: /login?lang=${lang}${defects}
  - expect: {visible: "#iamsmart-login"}
`

// twoStepCells are the cells of twoSteps, with query added to its login
// URL, in langs on desktop.
func twoStepCells(t *testing.T, query string, langs ...string) []journeys.Cell {
	t.Helper()
	j, err := journeys.Parse("two.yaml", []byte(strings.ReplaceAll(twoSteps, "${defects}", query)))
	if err != nil {
		t.Fatal(err)
	}
	cells, err := journeys.Expand([]*journeys.Journey{j}, langs, []string{"desktop"})
	if err != nil {
		t.Fatal(err)
	}
	return cells
}

// fixture is one invocation of twoSteps in en on desktop.
type fixture struct {
	store  *recordings.Store
	rec    *recordings.Recorder
	runner *chrome.Runner
	cells  []journeys.Cell
}

func newFixture(t *testing.T, query string) *fixture {
	t.Helper()
	shared.Need(t)
	cells := twoStepCells(t, query, "en")
	store := storetest.Open(t)
	rec := &recordings.Recorder{Store: store, Release: "test", BaseURL: baseURL, BrowserVersion: browser.Version()}
	return &fixture{store: store, rec: rec, cells: cells,
		runner: &chrome.Runner{Browser: browser, BaseURL: baseURL, Parallel: 1, Observer: rec, StepTimeout: 10 * time.Second}}
}

func (f *fixture) run(t *testing.T) (journeys.CellResult, *recordings.Run) {
	t.Helper()
	res := f.runner.Run(context.Background(), f.cells)[0]
	return res, f.stored(t)
}

func (f *fixture) stored(t *testing.T) *recordings.Run {
	t.Helper()
	run, err := f.store.Run(f.rec.RunID(f.cells[0]))
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// slowFFmpeg is ffmpeg started a while after it is asked for, as on a busy
// machine: the time between the end of the cell and the stored video.
func slowFFmpeg(t *testing.T, delay string) string {
	t.Helper()
	real, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "ffmpeg")
	if err := os.WriteFile(p, []byte("#!/bin/sh\nsleep "+delay+"\nexec "+real+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPassedOnlyWithVideo: while the video is encoded the run stays running
// (its steps and end stored); it is passed only once its video is stored.
func TestPassedOnlyWithVideo(t *testing.T) {
	f := newFixture(t, "")
	f.rec.Video = video.New(f.store, video.Options{FFmpeg: slowFFmpeg(t, "1.5"), Logger: quiet()})
	res, run := f.run(t)
	if res.Status != journeyproof.StatusPassed {
		t.Fatalf("cell: %s %s", res.Status, res.Error)
	}
	if run.Status != journeyproof.StatusRunning || run.Video != nil || run.StepCount != 2 || run.EndedAt == nil {
		t.Errorf("before the video is stored: status %s, video %v, %d steps, ended %v; want running, no video, 2 steps, ended", run.Status, run.Video != nil, run.StepCount, run.EndedAt)
	}
	if err := f.rec.Wait(); err != nil {
		t.Fatal(err)
	}
	run = f.stored(t)
	if run.Status != journeyproof.StatusPassed || run.Video == nil || run.Video.SHA256 == "" {
		t.Errorf("after the encode: status %s, video %v; want passed with its video", run.Status, run.Video)
	}
}

// TestVideoNotStoredFailsRun: a video that should have been stored and was
// not (the encode failed) fails the run with the reason.
func TestVideoNotStoredFailsRun(t *testing.T) {
	f := newFixture(t, "")
	f.rec.Video = video.New(f.store, video.Options{FFmpeg: "/bin/false", Logger: quiet()})
	f.run(t)
	if err := f.rec.Wait(); err == nil {
		t.Errorf("Wait: no error for a failed encode")
	}
	run := f.stored(t)
	if run.Status != journeyproof.StatusFailed || !strings.Contains(run.Error, "video not stored") || run.Video != nil {
		t.Errorf("run: %s %q; want failed, video not stored", run.Status, run.Error)
	}
}

// TestVideoStartFailureFailsRun: when the video cannot start, the run is
// stored failed with the reason, not left running.
func TestVideoStartFailureFailsRun(t *testing.T) {
	f := newFixture(t, "")
	if err := os.WriteFile(filepath.Join(f.store.Dir(), video.FramesDir), []byte("not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.rec.Video = video.New(f.store, video.Options{Logger: quiet()})
	res, run := f.run(t)
	if res.Status != journeyproof.StatusFailed || !strings.Contains(res.Error, "start video") {
		t.Errorf("cell: %s %q; want failed, start video", res.Status, res.Error)
	}
	if run.Status != journeyproof.StatusFailed || !strings.Contains(run.Error, "start video") || run.EndedAt == nil {
		t.Errorf("run: %s %q; want failed with the reason, ended", run.Status, run.Error)
	}
}

// TestScreenshotNotStoredFailsRun: a screenshot that cannot be stored fails
// the run; the step is kept, the cell stops.
func TestScreenshotNotStoredFailsRun(t *testing.T) {
	f := newFixture(t, "")
	arts := filepath.Join(f.store.Dir(), "artifacts")
	if err := os.RemoveAll(arts); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(arts, []byte("not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, run := f.run(t)
	wantNotStored(t, res, run, "evidence not stored")
	if len(run.Steps) != 1 || run.Steps[0].URL == "" {
		t.Errorf("steps stored: %d; want the first one, kept", len(run.Steps))
	}
}

// TestFindingNotStoredFailsRun: a finding the database refuses fails the
// run.
func TestFindingNotStoredFailsRun(t *testing.T) {
	f := newFixture(t, "&defects=wrong-label")
	f.runner.Checker = packChecker{verifier.DefaultPack()}
	if err := f.store.DB.Exec(`CREATE TRIGGER refuse_findings BEFORE INSERT ON findings BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`).Error; err != nil {
		t.Fatal(err)
	}
	res, run := f.run(t)
	wantNotStored(t, res, run, "store finding")
}

// wantNotStored checks that evidence that could not be stored failed the
// cell ("evidence not stored") and its stored run, whose error says runErr.
func wantNotStored(t *testing.T, res journeys.CellResult, run *recordings.Run, runErr string) {
	t.Helper()
	if res.Status != journeyproof.StatusFailed || !strings.Contains(res.Error, "evidence not stored") {
		t.Errorf("cell: %s %q; want failed, evidence not stored", res.Status, res.Error)
	}
	if run.Status != journeyproof.StatusFailed || !strings.Contains(run.Error, runErr) {
		t.Errorf("run: %s %q; want failed, %s", run.Status, run.Error, runErr)
	}
}

// packChecker checks each screen with a rule pack (no crops, no trigger).
type packChecker struct{ pack *verifier.Pack }

func (c packChecker) CheckScreen(ctx context.Context, in chrome.ScreenInput) (chrome.ScreenCheck, error) {
	facts, err := verifier.Probe(ctx)
	if err != nil {
		return chrome.ScreenCheck{}, err
	}
	res := c.pack.CheckPage(facts, verifier.Context{Process: in.Cell.Journey.Process, Lang: in.Cell.Lang, Device: "desktop"})
	var out chrome.ScreenCheck
	for _, f := range res.Findings {
		out.Findings = append(out.Findings, journeyproof.Finding{Rule: f.Rule, Severity: f.Severity, Message: f.Message, Selector: f.Selector})
	}
	return out, nil
}

func (c packChecker) CheckTrigger(context.Context, chrome.TriggerInput) (chrome.TriggerCheck, error) {
	return chrome.TriggerCheck{}, nil
}
