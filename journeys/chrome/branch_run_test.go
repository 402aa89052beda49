package chrome_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/journeys"
	"journeyproof/journeys/chrome"
	"journeyproof/journeys/examples"
)

// bundled returns the bundled journey with the id.
func bundled(t *testing.T, id string) *journeys.Journey {
	t.Helper()
	js, err := examples.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range js {
		if j.ID == id {
			return j
		}
	}
	t.Fatalf("no bundled journey %s", id)
	return nil
}

// A journey with a deny branch runs both paths in every cell, each as a
// run of its own from the first step: the main path ends on the account,
// the deny path on the service's "cancelled" message; the phone side is
// captured where the user acts on the phone, and clicks say where they
// landed. The bundled journeys fork in every cell of the full matrix.
func TestBranchesRunEveryPath(t *testing.T) {
	shared.Need(t)
	login := bundled(t, "login")
	// Full matrix: every cell of every bundled journey has its main path and
	// its deny and timeout branches.
	js, err := examples.Load()
	if err != nil {
		t.Fatal(err)
	}
	all, err := journeys.Expand(js, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string][]string{}
	for _, c := range all {
		k := c.Journey.ID + "/" + c.Lang + "/" + c.Device.Name
		paths[k] = append(paths[k], c.Branch)
	}
	if len(paths) != 18 {
		t.Errorf("%d cells in the full matrix, want 18", len(paths))
	}
	for cell, bs := range paths {
		if !slices.Contains(bs, "") || !slices.Contains(bs, "deny") || !slices.Contains(bs, "timeout") {
			t.Errorf("%s: paths %q, want the main path, deny and timeout", cell, bs)
		}
	}

	// Narrow matrix, run for real: main and deny in 2 languages x 2 devices,
	// timeout and close once; deny of form filling and signing once.
	cells, err := journeys.Expand([]*journeys.Journey{login}, []string{"en", "zh-HK"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cells, err = journeys.NarrowBranches(cells, []string{"main", "deny"})
	if err != nil {
		t.Fatal(err)
	}
	more, err := journeys.Expand([]*journeys.Journey{login}, []string{"zh-CN"}, []string{"desktop"})
	if err != nil {
		t.Fatal(err)
	}
	more, _ = journeys.NarrowBranches(more, []string{"timeout", "close"})
	cells = append(cells, more...)
	for _, id := range []string{"form", "sign"} {
		c, err := journeys.Expand([]*journeys.Journey{bundled(t, id)}, []string{"zh-CN"}, []string{"mobile"})
		if err != nil {
			t.Fatal(err)
		}
		c, _ = journeys.NarrowBranches(c, []string{"deny"})
		cells = append(cells, c...)
	}
	if len(cells) != 12 {
		t.Fatalf("%d runs to make, want 12", len(cells))
	}
	col := &collector{steps: map[string][]*journeys.StepResult{}, ends: map[string]*journeys.CellResult{}}
	r := &chrome.Runner{Browser: browser, BaseURL: baseURL, Parallel: 2, Observer: col, StepTimeout: 15 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	results := r.Run(ctx, cells)

	wantEnd := map[string]string{"": "/account", "deny": "error=denied", "timeout": "error=timeout", "close": "/login"}
	wantOutcome := map[string]string{"": "approved", "deny": "denied", "timeout": "timed out", "close": "closed"}
	ran := map[string]int{}
	for _, res := range results {
		cell := res.Cell.String()
		if res.Status != journeyproof.StatusPassed {
			t.Errorf("%s: %s %s", cell, res.Status, res.Error)
			continue
		}
		ran[res.Cell.Journey.ID+"/"+res.Cell.Lang+"/"+res.Cell.Device.Name]++
		steps := col.steps[cell]
		if len(steps) != len(res.Cell.Steps()) || len(steps) < 4 {
			t.Fatalf("%s: %d steps stored, the path has %d", cell, len(steps), len(res.Cell.Steps()))
		}
		// Each run is complete evidence on its own: it starts at the
		// journey's first page.
		if steps[0].Step.Action != journeys.ActGoto || steps[0].Screenshot == nil {
			t.Errorf("%s: the run does not start from the journey's first step", cell)
		}
		last := steps[len(steps)-1]
		if !strings.Contains(last.URL, wantEnd[res.Cell.Branch]) {
			t.Errorf("%s: ends at %s, want %s", cell, last.URL, wantEnd[res.Cell.Branch])
		}
		decide := steps[3]
		if decide.Step.Action != journeys.ActIAMSmart || decide.Outcome != wantOutcome[res.Cell.Branch] {
			t.Errorf("%s: step 4 is %s with outcome %q, want iamsmart %q", cell, decide.Step.Action, decide.Outcome, wantOutcome[res.Cell.Branch])
		}
		// The phone side: the app's screen where the user acts on the
		// phone, on a phone-sized view; none when the page is closed.
		if res.Cell.Branch == "close" {
			if decide.Phone != nil {
				t.Errorf("%s: a phone screen when the user closed the page", cell)
			}
		} else if decide.Phone == nil {
			t.Errorf("%s: no phone screen on the iamsmart step", cell)
		} else if w, h := pngSize(t, decide.Phone); w != 780 || h != 1688 {
			t.Errorf("%s: phone screen %dx%d, want 780x1688 (390x844 at 2x)", cell, w, h)
		}
		for i, s := range steps {
			if i != 3 && s.Phone != nil {
				t.Errorf("%s: step %d has a phone screen", cell, i+1)
			}
		}
		// Where the trigger's click landed: inside the viewport, and on the
		// trigger step only (the only click of these paths).
		trig := steps[1]
		if trig.Point == nil || trig.Point.X <= 0 || trig.Point.Y <= 0 || trig.Point.X > float64(res.Cell.Device.Width) || trig.Point.Y > float64(res.Cell.Device.Height) {
			t.Errorf("%s: click point %+v, want inside the %dx%d viewport", cell, trig.Point, res.Cell.Device.Width, res.Cell.Device.Height)
		}
		if steps[0].Point != nil || steps[2].Point != nil {
			t.Errorf("%s: a point on a step that does not click", cell)
		}
	}
	for _, cell := range []string{"login/en/desktop", "login/en/mobile", "login/zh-HK/desktop", "login/zh-HK/mobile"} {
		if ran[cell] != 2 {
			t.Errorf("%s: %d paths passed, want the main path and deny", cell, ran[cell])
		}
	}
}
