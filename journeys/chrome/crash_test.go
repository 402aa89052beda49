package chrome_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/internal/browsertest"
	"journeyproof/internal/owner"
	"journeyproof/journeys"
	"journeyproof/journeys/chrome"
)

// slowJourney opens the login page, then waits long enough for a fault to
// be injected during its second step.
const slowJourney = `
name: Slow
process: authentication
steps:
  - goto: /login?lang=${lang}
  - name: Wait a while
    wait: 8s
  - expect: {visible: "#iamsmart-login"}
`

// faultRun runs slowJourney over langs on desktop, one cell at a time, in
// its own browser, and calls fault once when the first cell starts its
// waiting step. It returns the results, what the observer got, and how
// long after the fault the first cell ended.
func faultRun(t *testing.T, langs []string, fault func(b *chrome.Browser)) ([]journeys.CellResult, *collector, time.Duration) {
	t.Helper()
	shared.Need(t) // the loopback server
	b, err := chrome.StartBrowser(context.Background(), chrome.BrowserOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		b.Close()
		if _, err := os.Stat(b.Profile()); err == nil {
			t.Errorf("the browser's profile %s is still there after Close", b.Profile())
		}
	}()
	j, err := journeys.Parse(t.Name()+".yaml", []byte(slowJourney))
	if err != nil {
		t.Fatal(err)
	}
	cells, err := journeys.Expand([]*journeys.Journey{j}, langs, []string{"desktop"})
	if err != nil {
		t.Fatal(err)
	}
	col := &collector{steps: map[string][]*journeys.StepResult{}, ends: map[string]*journeys.CellResult{}}
	var mu sync.Mutex
	var faulted, firstEnded time.Time
	progress := func(ev journeys.Event) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case ev.Kind == journeys.EventStep && ev.Index == 1 && faulted.IsZero():
			time.Sleep(300 * time.Millisecond) // into the wait
			faulted = time.Now()
			fault(b)
		case ev.Kind == journeys.EventCellEnd && firstEnded.IsZero():
			firstEnded = time.Now()
		}
	}
	r := &chrome.Runner{Browser: b, BaseURL: baseURL, Parallel: 1, Observer: col, StepTimeout: 30 * time.Second, Progress: progress}
	results := r.Run(context.Background(), cells)
	if faulted.IsZero() {
		t.Fatal("the fault was never injected")
	}
	return results, col, firstEnded.Sub(faulted)
}

// TestTabCrashed: a cell whose renderer is killed fails at once with "tab
// crashed" (not a timeout), keeps the evidence of the steps before, and the
// next cell runs normally in the same browser.
func TestTabCrashed(t *testing.T) {
	results, col, took := faultRun(t, []string{"en", "zh-HK"}, func(b *chrome.Browser) {
		pids, err := browsertest.Renderers(b.Profile())
		if err != nil {
			t.Error(err)
		}
		if len(pids) == 0 {
			t.Error("no renderer process found")
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	first := results[0]
	if first.Status != journeyproof.StatusFailed || !strings.Contains(first.Error, "tab crashed") {
		t.Errorf("first cell: %s %q; want failed, tab crashed", first.Status, first.Error)
	}
	if took > 5*time.Second {
		t.Errorf("the crash was reported %s after the kill; want at once, not at the step's 30 s timeout", took)
	}
	t.Logf("crash reported %s after the kill", took)
	steps := col.steps[first.Cell.String()]
	if len(steps) != 2 || steps[0].Status != journeyproof.StatusPassed || steps[0].Screenshot == nil || !strings.Contains(steps[1].Error, "tab crashed") {
		t.Errorf("first cell's steps: %d (want the passed first step with its screenshot, then the crashed one)", len(steps))
	}
	if col.ends[first.Cell.String()] == nil {
		t.Errorf("first cell: CellDone never called")
	}
	if second := results[1]; second.Status != journeyproof.StatusPassed {
		t.Errorf("second cell after the crash: %s %q; want passed", second.Status, second.Error)
	}
}

// TestBrowserExited: when Chromium's browser process dies, the running cell
// fails at once with "browser exited", and the cells not started yet fail
// with it too and are recorded (CellFailed), so that every cell has a run.
func TestBrowserExited(t *testing.T) {
	results, col, took := faultRun(t, []string{"en", "zh-HK", "zh-CN"}, func(b *chrome.Browser) {
		if b.PID() == 0 {
			t.Error("no browser pid")
		}
		syscall.Kill(b.PID(), syscall.SIGKILL)
	})
	if took > 5*time.Second {
		t.Errorf("the exit was reported %s after the kill; want at once", took)
	}
	t.Logf("exit reported %s after the kill", took)
	for i, res := range results {
		if res.Status != journeyproof.StatusFailed || !strings.Contains(res.Error, "browser exited") {
			t.Errorf("cell %d %s: %s %q; want failed, browser exited", i, res.Cell, res.Status, res.Error)
		}
		if col.ends[res.Cell.String()] == nil {
			t.Errorf("cell %d %s: not recorded", i, res.Cell)
		}
	}
	if steps := col.steps[results[0].Cell.String()]; len(steps) == 0 || steps[0].Screenshot == nil {
		t.Errorf("first cell: the evidence of its first step is lost")
	}
}

// TestRemoveLeftoverProfiles: only the profiles whose owner process is
// gone are removed; a live process's profile and other folders stay.
func TestRemoveLeftoverProfiles(t *testing.T) {
	dir := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Start(); err != nil {
		t.Fatal(err)
	}
	deadTag := owner.Of(dead.Process.Pid).Tag()
	dead.Wait()
	names := map[string]bool{ // name -> kept
		"journeyproof-chromium-" + deadTag + "-123":            false,
		"journeyproof-chromium-" + owner.Self().Tag() + "-456": true,
		"chromedp-runner123":                                   true,
		"journeyproof-chromium-notatag":                        true,
	}
	for n := range names {
		if err := os.MkdirAll(filepath.Join(dir, n, "Default"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	n, err := chrome.RemoveLeftoverProfiles(dir)
	if err != nil || n != 1 {
		t.Errorf("RemoveLeftoverProfiles: %d, %v; want 1 removed", n, err)
	}
	for name, kept := range names {
		if _, err := os.Stat(filepath.Join(dir, name)); (err == nil) != kept {
			t.Errorf("%s: kept %v; want %v", name, err == nil, kept)
		}
	}
}
