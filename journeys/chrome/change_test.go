package chrome_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/journeys"
	"journeyproof/journeys/chrome"
)

// changePage logs the input and change events of a select and a date
// field, as a page's own scripts would listen for them.
const changePage = `<!doctype html><html><head><title>change</title></head><body>
<select id="s"><option value="a">A</option><option value="b">B</option></select>
<input id="d" type="date"><p id="log"></p>
<script>for (const id of ["s", "d"]) for (const type of ["input", "change"])
  document.getElementById(id).addEventListener(type, e => { document.getElementById("log").textContent += id + ":" + e.type + " " });</script>
</body></html>`

// TestSelectAndDateFireChange: select and a fill of a date field set the
// value and fire input and change on the element, as a user's edit does,
// so that the page's own scripts see it.
func TestSelectAndDateFireChange(t *testing.T) {
	shared.Need(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, changePage)
	}))
	defer srv.Close()
	j, err := journeys.Parse("change.yaml", []byte(`name: Change
process: form-filling
matrix: {languages: [en], devices: [desktop]}
steps:
  - goto: /
  - select: {selector: "#s", value: b}
  - expect: {text: "s:input s:change"}
  - fill: {selector: "#d", value: "2026-12-06"}
  - expect: {text: "d:input d:change"}
`))
	if err != nil {
		t.Fatal(err)
	}
	cells, err := journeys.Expand([]*journeys.Journey{j}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &chrome.Runner{Browser: browser, BaseURL: srv.URL, Parallel: 1, NoScreenshots: true, StepTimeout: 10 * time.Second}
	res := r.Run(context.Background(), cells)[0]
	if res.Status != journeyproof.StatusPassed {
		t.Fatalf("%s: %s", res.Status, res.Error)
	}
}
