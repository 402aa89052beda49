package chrome_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"journeyproof"
)

// latePage shows, 300 ms after it loads, a text, an element that was
// hidden and a new URL (history.pushState, as a single-page application
// does): what wait and expect steps look for after the page has changed.
const latePage = `<!doctype html><title>late</title><p id="late" hidden>shown</p><script>setTimeout(() => { document.body.append("late text"); document.getElementById("late").hidden = false; history.pushState(null, "", "/late/done"); }, 300)</script>`

// Wait and expect steps end when the page shows what they wait for (a
// change of the document, a same-document navigation), and fail with what
// they expected when it never comes.
func TestWaitsEndWhenThePageChanges(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(latePage))
	}))
	defer srv.Close()
	src := "id: late\nname: Late\nprocess: other\nsteps:\n  - goto: " + srv.URL + "/late\n" +
		"  - wait: {text: late text}\n  - expect: {visible: \"#late\", url: /late/done}\n  - snapshot: Shown\n" +
		"  - expect: {text: never there}\n    timeout: 1s\n"
	col, results := run(t, src, []string{"en"}, []string{"desktop"})
	if len(results) != 1 {
		t.Fatalf("%d results", len(results))
	}
	res := results[0]
	steps := col.steps[res.Cell.String()]
	if len(steps) != 5 {
		t.Fatalf("%d steps reported, want 5: %s", len(steps), res.Error)
	}
	for i, s := range steps[:4] {
		if s.Status != journeyproof.StatusPassed {
			t.Errorf("step %d %q: %s %s", i+1, s.Step.Name, s.Status, s.Error)
		}
	}
	if !strings.HasSuffix(steps[3].URL, "/late/done") || len(steps[3].Screenshot) == 0 {
		t.Errorf("the snapshot after the change: URL %q, %d bytes of screenshot", steps[3].URL, len(steps[3].Screenshot))
	}
	if steps[4].Status != journeyproof.StatusFailed || !strings.Contains(steps[4].Error, `expected text "never there" on the page`) || !strings.Contains(steps[4].Error, "timed out after 1s") {
		t.Errorf("the expect of a text that never comes: %s %q", steps[4].Status, steps[4].Error)
	}
	if res.Status != journeyproof.StatusFailed {
		t.Errorf("cell: %s, want failed", res.Status)
	}
}
