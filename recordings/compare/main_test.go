package compare

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/internal/browsertest"
	"journeyproof/journeys"
	"journeyproof/journeys/chrome"
	"journeyproof/journeys/examples"
	"journeyproof/journeys/sandbox"
	"journeyproof/recordings"
	"journeyproof/verifier"
)

// testEnv is what TestMain prepares once for the package: one Chromium,
// the sandbox over loopback, and a store holding three releases of the
// login journey, each of the cells en/desktop and zh-HK/mobile:
//
//	base    clean sandbox (and en/mobile, run in base only)
//	again   the same clean sandbox, run again (the QR code and the state differ)
//	defect  the sandbox with the wrong-label defect
type testEnv struct {
	dir     string
	store   *recordings.Store
	browser *chrome.Browser
	login   *journeys.Journey
}

var env *testEnv

// shared makes env for the first test that needs it.
var shared = browsertest.Shared{Setup: setup}

func TestMain(m *testing.M) { browsertest.Run(m, &shared) }

// setup starts the browser and stores the three releases in env.
func setup() (func(), error) {
	var stops browsertest.Stops
	dir, err := os.MkdirTemp("", "compare-test-")
	if err != nil {
		return stops.Stop, err
	}
	stops.Add(func() { os.RemoveAll(dir) })
	ctx := context.Background()
	store, err := recordings.Open(dir)
	if err != nil {
		return stops.Stop, err
	}
	stops.Add(func() { store.Close() })
	b, err := chrome.StartBrowser(ctx, chrome.BrowserOptions{})
	if err != nil {
		return stops.Stop, err
	}
	stops.Add(b.Close)
	js, err := examples.Load()
	if err != nil {
		return stops.Stop, err
	}
	var login *journeys.Journey
	for _, j := range js {
		if j.ID == "login" {
			login = j
		}
	}
	if login == nil {
		return stops.Stop, errors.New("no bundled login journey")
	}
	env = &testEnv{dir: dir, store: store, browser: b, login: login}
	// Both cells of each release, plus one cell in base only.
	pair := []string{"login/en/desktop", "login/zh-HK/mobile"}
	for _, rel := range []struct {
		name, defect string
		cells        []string
	}{
		{name: "base", cells: append([]string{"login/en/mobile"}, pair...)},
		{name: "again", cells: pair},
		{name: "defect", defect: "wrong-label", cells: pair},
	} {
		if err := env.runRelease(ctx, rel.name, rel.defect, rel.cells); err != nil {
			return stops.Stop, err
		}
	}
	return stops.Stop, nil
}

// runRelease runs cells of the login journey against a fresh sandbox and
// stores them under the release.
func (e *testEnv) runRelease(ctx context.Context, release, defect string, only []string) error {
	var opt sandbox.Options
	if defect != "" {
		opt.Defects = []string{defect}
	}
	sb, err := sandbox.New(opt)
	if err != nil {
		return err
	}
	srv := httptest.NewServer(sb)
	defer srv.Close()
	all, err := journeys.Expand([]*journeys.Journey{e.login}, nil, nil)
	if err != nil {
		return err
	}
	var cells []journeys.Cell
	for _, c := range all {
		if slices.Contains(only, c.String()) {
			cells = append(cells, c)
		}
	}
	if len(cells) != len(only) {
		return fmt.Errorf("release %s: found %d of the cells %v", release, len(cells), only)
	}
	rec := &recordings.Recorder{Store: e.store, Release: release, BaseURL: srv.URL, BrowserVersion: e.browser.Version()}
	r := &chrome.Runner{Browser: e.browser, BaseURL: srv.URL, Parallel: 2, Observer: rec,
		Checker: &testChecker{pack: verifier.DefaultPack(), store: e.store}}
	rctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	for _, res := range r.Run(rctx, cells) {
		if res.Status != journeyproof.StatusPassed {
			return fmt.Errorf("release %s: %s %s: %s", release, res.Cell, res.Status, res.Error)
		}
	}
	return rec.Wait()
}

// runOf returns the run of a cell in a release.
func (e *testEnv) runOf(t *testing.T, release, cell string) *recordings.Run {
	t.Helper()
	runs, _, err := e.store.Runs(recordings.RunFilter{Release: release})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.Cell() == cell {
			full, err := e.store.Run(r.ID)
			if err != nil {
				t.Fatal(err)
			}
			return full
		}
	}
	t.Fatalf("no run of %s in release %s", cell, release)
	return nil
}

// testChecker is the adapter of cmd/journeyproof/checker.go (package main
// cannot be imported): it runs the verifier on each screen and on the
// trigger's request.
type testChecker struct {
	pack  *verifier.Pack
	store *recordings.Store
}

func vcontext(cell journeys.Cell, step *journeys.Step) verifier.Context {
	device := "desktop"
	if cell.Device.Mobile {
		device = "mobile"
	}
	return verifier.Context{Process: cell.Journey.Process, Lang: cell.Lang, Device: device, Trigger: step != nil && step.Trigger}
}

func (c *testChecker) CheckScreen(ctx context.Context, in chrome.ScreenInput) (chrome.ScreenCheck, error) {
	facts, err := verifier.Probe(ctx)
	if err != nil {
		return chrome.ScreenCheck{}, err
	}
	res := c.pack.CheckPage(facts, vcontext(in.Cell, in.Step))
	out := chrome.ScreenCheck{Findings: convertFindings(res.Findings)}
	for _, e := range res.Entries {
		out.Entries = append(out.Entries, journeyproof.Entry{Selector: e.Selector, Text: e.Text, Box: jbox(e.Box)})
	}
	return out, nil
}

func (c *testChecker) CheckTrigger(ctx context.Context, in chrome.TriggerInput) (chrome.TriggerCheck, error) {
	for _, u := range in.Requests {
		if !c.pack.IsAuthorizeURL(u) {
			continue
		}
		prev, err := c.store.PreviousStates(in.Cell.Journey.ID, in.Cell.Lang, in.Cell.Device.Name, math.MaxInt32)
		if err != nil {
			return chrome.TriggerCheck{}, err
		}
		fs := c.pack.CheckRedirect(verifier.Request{URL: u, PreviousStates: prev}, vcontext(in.Cell, in.Step))
		return chrome.TriggerCheck{Request: u, Findings: convertFindings(fs)}, nil
	}
	return chrome.TriggerCheck{}, nil
}

func jbox(b journeyproof.Box) journeyproof.Box {
	return journeyproof.Box{X: b.X, Y: b.Y, W: b.W, H: b.H}
}

func convertFindings(fs []journeyproof.Finding) []journeyproof.Finding {
	out := make([]journeyproof.Finding, len(fs))
	for i, f := range fs {
		out[i] = journeyproof.Finding{Rule: f.Rule, Severity: f.Severity, Message: f.Message, Selector: f.Selector,
			Box: jbox(f.Box), Waived: f.Waived, WaiverReason: f.WaiverReason}
	}
	return out
}
