package chrome_test

import (
	"bytes"
	"testing"

	"github.com/chromedp/chromedp"

	"journeyproof/journeys/chrome"
)

// A trigger step is observed right after the previous step, on the same
// screen, and so is a step that only reads the page. When nothing changed,
// the previous step's last capture counts as the first of the stable
// capture (one capture, not two) and its full-page capture is reused; a
// page with a canvas, whose drawing no watcher sees, is captured afresh,
// and so is a page that changed since.
func TestTriggerStepReusesUnchangedScreen(t *testing.T) {
	for _, tc := range []struct {
		path        string
		reuse       bool
		wantCapture int
	}{{"/still", true, 1}, {"/still?canvas", false, 2}} {
		src := "id: reuse\nname: Reuse\nprocess: authentication\nsteps:\n  - goto: " + tc.path +
			"\n  - click: \"#go\"\n    trigger: true\n  - expect: {text: accept=}\n  - expect: {text: nav=}\n"
		col, results := run(t, src, []string{"en"}, []string{"desktop"})
		steps := col.steps[results[0].Cell.String()]
		if len(steps) != 4 {
			t.Fatalf("%s: %s %s, %d steps", tc.path, results[0].Status, results[0].Error, len(steps))
		}
		open, trigger := steps[0], steps[1]
		if open.Times.Captures != 2 {
			t.Errorf("%s: the first step took %d captures, want 2", tc.path, open.Times.Captures)
		}
		if trigger.Times.Captures != tc.wantCapture {
			t.Errorf("%s: the trigger step took %d captures, want %d", tc.path, trigger.Times.Captures, tc.wantCapture)
		}
		if !bytes.Equal(open.Screenshot, trigger.Screenshot) || !bytes.Equal(open.FullPage, trigger.FullPage) {
			t.Errorf("%s: the trigger step's screenshots differ from the first step's on the same still page", tc.path)
		}
		if _, h := pngSize(t, trigger.FullPage); h <= 768 {
			t.Errorf("%s: the full-page screenshot is %d px tall, want the whole page", tc.path, h)
		}
		if steps[2].Times.Captures != 2 {
			t.Errorf("%s: the step after the click took %d captures, want 2 (the page changed)", tc.path, steps[2].Times.Captures)
		}
		if steps[3].Times.Captures != 1 || !bytes.Equal(steps[3].Screenshot, steps[2].Screenshot) {
			t.Errorf("%s: the expect step on the unchanged page took %d captures, want 1 and the same screenshot", tc.path, steps[3].Times.Captures)
		}
	}
}

// A step that only reads the page but waits for it to change is captured
// afresh: the previous step's capture no longer shows it.
func TestReadingStepAfterChangeCapturesAfresh(t *testing.T) {
	src := "id: late\nname: Late\nprocess: other\nsteps:\n  - goto: /still?late\n  - wait: {selector: \"#late\"}\n"
	col, results := run(t, src, []string{"en"}, []string{"desktop"})
	steps := col.steps[results[0].Cell.String()]
	if len(steps) != 2 {
		t.Fatalf("%s %s, %d steps", results[0].Status, results[0].Error, len(steps))
	}
	if steps[1].Times.Captures != 2 || bytes.Equal(steps[0].Screenshot, steps[1].Screenshot) || bytes.Equal(steps[0].FullPage, steps[1].FullPage) {
		t.Errorf("the wait step took %d captures and its screenshots equal the first step's: want 2 new captures showing the late line", steps[1].Times.Captures)
	}
}

// The watcher tells a page that changed from one that did not: a DOM
// change, an element's scroll or a focus change since it started makes
// the page changed, and so does a page holding an iframe. The document's
// scroll is left to the runner, which compares the scroll position.
func TestUnchangedWatcher(t *testing.T) {
	shared.Need(t)
	tab, cancel := chromedp.NewContext(browser.Context(), chromedp.WithNewBrowserContext())
	defer cancel()
	if _, err := chromedp.Run(tab, chromedp.Navigate(baseURL+"/still")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, change string
		unchanged    bool
	}{
		{"nothing", "", true},
		{"text", `document.querySelector("h1").textContent = "Moved"`, false},
		{"attribute", `document.body.setAttribute("data-x", "1")`, false},
		{"element scroll", `document.getElementById("box").scrollTop = 50`, false},
		// the document's own scroll position is the runner's to compare
		{"document scroll", `scrollTo(0, 300)`, true},
		{"focus", `document.getElementById("go").focus()`, false},
		{"iframe", `document.body.append(document.createElement("iframe"))`, false},
	} {
		if err := chrome.Watch(tab); err != nil {
			t.Fatal(err)
		}
		if tc.change != "" {
			if _, err := chromedp.Run(tab, chromedp.Evaluate[any](tc.change+"; null")); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			// scroll events are dispatched with the next frame
			chromedp.Run(tab, chromedp.Evaluate[bool](`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`, chromedp.EvalAwaitPromise))
		}
		got, err := chrome.Unwatched(tab)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.unchanged {
			t.Errorf("%s: unchanged = %v, want %v", tc.name, got, tc.unchanged)
		}
	}
	if got, err := chrome.Unwatched(tab); err != nil || got {
		t.Errorf("without a watcher: unchanged = %v (%v), want false", got, err)
	}
}
