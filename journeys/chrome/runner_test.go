package chrome_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/internal/browsertest"
	"journeyproof/internal/chrometest"
	"journeyproof/journeys"
	"journeyproof/journeys/chrome"
)

// One browser and one loopback server for the package, started by the
// first test that needs them (shared.Need).
var (
	browser *chrome.Browser
	baseURL string
	shared  = browsertest.Shared{Setup: startShared}
)

func TestMain(m *testing.M) { browsertest.Run(m, &shared) }

// startShared starts the package's browser and loopback server.
func startShared() (func(), error) {
	site, err := chrometest.Start(testPages)
	if err != nil {
		return nil, err
	}
	browser, baseURL = site.Browser, site.URL
	return site.Close, nil
}

// testPages serves the package's own pages beside the sandbox: /env shows
// what the request and the page see of the language, time zone and device
// (with a console error and a missing image), /still is a still page.
func testPages(mux *http.ServeMux) {
	mux.HandleFunc("/env", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>env</title></head><body><p id="al">accept=[%s]</p><p id="js"></p>
<script>document.getElementById("js").textContent = "nav=" + navigator.language + " tz=" + Intl.DateTimeFormat().resolvedOptions().timeZone + " w=" + innerWidth + " touch=" + ("ontouchstart" in window) + " dpr=" + devicePixelRatio;
console.error("boom from the page");</script>
<img src="/missing.png" alt="missing"></body></html>`, r.Header.Get("Accept-Language"))
	})
	// A still page taller than a desktop screen, with or without a canvas
	// or a line that appears late, whose button leads to /env.
	mux.HandleFunc("/still", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		canvas := ""
		if r.URL.Query().Has("canvas") {
			canvas = `<canvas width="40" height="40"></canvas>`
		}
		if r.URL.Query().Has("late") { // a line that appears 3 s after load
			canvas = `<script>setTimeout(() => document.querySelector("h1").after(Object.assign(document.createElement("p"), {id: "late", textContent: "Late"})), 3000)</script>`
		}
		fmt.Fprintf(w, `<!doctype html><html><head><title>still</title></head><body><h1>Still</h1>%s<button id="go" onclick="location='/env'">Go</button><div id="box" style="height:40px;overflow:auto"><div style="height:200px">box</div></div><div style="height:2000px;background:linear-gradient(#fff,#036)"></div><p>end</p></body></html>`, canvas)
	})
}

// collector is an Observer that keeps what the runner reports.
type collector struct {
	mu    sync.Mutex
	steps map[string][]*journeys.StepResult
	ends  map[string]*journeys.CellResult
}

func (c *collector) StartCell(ctx context.Context, cell journeys.Cell, started time.Time) (journeys.CellObserver, error) {
	return &cellCollector{c: c, cell: cell.String()}, nil
}

func (c *collector) CellFailed(cell journeys.Cell, res *journeys.CellResult) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ends[cell.String()] = res
	return nil
}

type cellCollector struct {
	c    *collector
	cell string
}

func (cc *cellCollector) StepStarted(int, *journeys.Step, time.Time) {}
func (cc *cellCollector) StepDone(res *journeys.StepResult) error {
	cc.c.mu.Lock()
	defer cc.c.mu.Unlock()
	cc.c.steps[cc.cell] = append(cc.c.steps[cc.cell], res)
	return nil
}
func (cc *cellCollector) CellDone(res *journeys.CellResult) error {
	cc.c.mu.Lock()
	defer cc.c.mu.Unlock()
	cc.c.ends[cc.cell] = res
	return nil
}

func run(t *testing.T, src string, langs, devices []string) (*collector, []journeys.CellResult) {
	t.Helper()
	shared.Need(t)
	j, err := journeys.Parse(t.Name()+".yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	cells, err := journeys.Expand([]*journeys.Journey{j}, langs, devices)
	if err != nil {
		t.Fatal(err)
	}
	col := &collector{steps: map[string][]*journeys.StepResult{}, ends: map[string]*journeys.CellResult{}}
	r := &chrome.Runner{Browser: browser, BaseURL: baseURL, Parallel: 2, Observer: col, StepTimeout: 10 * time.Second}
	return col, r.Run(context.Background(), cells)
}

func pngSize(t *testing.T, b []byte) (int, int) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	return img.Bounds().Dx(), img.Bounds().Dy()
}

// The language sets Accept-Language, navigator.language and the time zone;
// the device sets the viewport, touch and scale; console errors and failed
// requests are recorded with the step.
func TestLanguageDeviceAndPageLog(t *testing.T) {
	src := "id: env\nname: Env\nprocess: other\nsteps:\n  - goto: /env\n  - expect: {text: tz=Asia/Hong_Kong}\n"
	col, results := run(t, src, []string{"en", "zh-HK"}, []string{"desktop", "mobile"})
	want := map[string]struct {
		accept, js string
		w, h       int
	}{
		"env/en/desktop":    {"accept=[en-HK,en;q=0.9]", "nav=en-HK tz=Asia/Hong_Kong w=1366 touch=false dpr=1", 1366, 768},
		"env/zh-HK/mobile":  {"accept=[zh-HK,zh;q=0.9]", "nav=zh-HK tz=Asia/Hong_Kong w=390 touch=true dpr=3", 1170, 2532},
		"env/en/mobile":     {"accept=[en-HK,en;q=0.9]", "nav=en-HK tz=Asia/Hong_Kong w=390 touch=true dpr=3", 1170, 2532},
		"env/zh-HK/desktop": {"accept=[zh-HK,zh;q=0.9]", "nav=zh-HK tz=Asia/Hong_Kong w=1366 touch=false dpr=1", 1366, 768},
	}
	if len(results) != 4 {
		t.Fatalf("%d results", len(results))
	}
	for _, res := range results {
		cell := res.Cell.String()
		if res.Status != journeyproof.StatusPassed {
			t.Errorf("%s: %s %s", cell, res.Status, res.Error)
			continue
		}
		steps := col.steps[cell]
		if len(steps) != 2 {
			t.Fatalf("%s: %d steps", cell, len(steps))
		}
		first := steps[0]
		if w, h := pngSize(t, first.Screenshot); w != want[cell].w || h != want[cell].h {
			t.Errorf("%s: screenshot %dx%d, want %dx%d", cell, w, h, want[cell].w, want[cell].h)
		}
		if len(first.FullPage) == 0 || first.Title != "env" || !strings.HasSuffix(first.URL, "/env") {
			t.Errorf("%s: full page %d bytes, title %q, URL %q", cell, len(first.FullPage), first.Title, first.URL)
		}
		if !strings.Contains(strings.Join(first.Console, "\n"), "boom from the page") {
			t.Errorf("%s: console = %q", cell, first.Console)
		}
		if !strings.Contains(strings.Join(first.FailedRequests, "\n"), "/missing.png -> 404") {
			t.Errorf("%s: failed requests = %q", cell, first.FailedRequests)
		}
	}
	// What the page saw, read back through an expect step per cell.
	for cell, w := range want {
		lang, device, _ := strings.Cut(strings.TrimPrefix(cell, "env/"), "/")
		src := fmt.Sprintf("id: env\nname: Env\nprocess: other\nsteps:\n  - goto: /env\n  - expect: {text: %q}\n  - expect: {text: %q}\n", w.accept, w.js)
		_, res := run(t, src, []string{lang}, []string{device})
		if res[0].Status != journeyproof.StatusPassed {
			t.Errorf("%s: %s", cell, res[0].Error)
		}
	}
}

// A failing step records the failure and a failure screenshot, keeps the
// steps before it, and the other cells go on.
func TestFailingStepKeepsEvidence(t *testing.T) {
	src := `name: Fails on mobile
process: authentication
steps:
  - goto: /login?lang=${lang}
  - expect: {visible: "#only-on-${device}"}
    timeout: 2s
`
	// #only-on-desktop does not exist either: make desktop pass with a
	// selector that exists by journey-level variable instead.
	src = strings.Replace(src, `"#only-on-${device}"`, `"#iamsmart-login"`, 1) + "  - click: \"#missing-${device}\"\n    timeout: 2s\n"
	col, results := run(t, src, []string{"en"}, []string{"desktop", "mobile"})
	for _, res := range results {
		cell := res.Cell.String()
		if res.Status != journeyproof.StatusFailed || !strings.Contains(res.Error, `step 3 "Click #missing-`) {
			t.Errorf("%s: status %s, error %q", cell, res.Status, res.Error)
		}
		steps := col.steps[cell]
		if len(steps) != 3 || steps[0].Status != journeyproof.StatusPassed || steps[2].Status != journeyproof.StatusFailed {
			t.Fatalf("%s: %d steps stored", cell, len(steps))
		}
		if len(steps[2].Screenshot) == 0 || !strings.Contains(steps[2].URL, "/login") || steps[2].Error == "" {
			t.Errorf("%s: failure evidence missing: %d bytes, URL %q, error %q", cell, len(steps[2].Screenshot), steps[2].URL, steps[2].Error)
		}
		if col.ends[cell] == nil || col.ends[cell].Steps != 3 {
			t.Errorf("%s: cell end not reported", cell)
		}
	}
}

// The sandbox's iAM Smart flow: the trigger's request is read from the
// network, and the phone side decides it.
func TestIAMSmartOutcomes(t *testing.T) {
	for _, outcome := range []string{"approve", "deny", "timeout"} {
		t.Run(outcome, func(t *testing.T) {
			src := `name: Outcome
process: authentication
steps:
  - goto: /login?lang=${lang}
  - click: "#iamsmart-login"
    trigger: true
  - wait: {selector: "body[data-iamsmart-request]"}
  - iamsmart: ` + outcome + "\n"
			if outcome == "approve" {
				src += "  - expect: {visible: \"#welcome\", url: /account}\n"
			} else {
				src += "  - expect: {visible: \"#error\", url: /login}\n"
			}
			col, results := run(t, src, []string{"zh-HK"}, []string{"desktop"})
			if results[0].Status != journeyproof.StatusPassed {
				t.Fatalf("%s: %s", outcome, results[0].Error)
			}
			steps := col.steps[results[0].Cell.String()]
			wantOutcome := map[string]string{"approve": "approved", "deny": "denied", "timeout": "timed out"}[outcome]
			if steps[3].Outcome != wantOutcome {
				t.Errorf("outcome = %q, want %q", steps[3].Outcome, wantOutcome)
			}
			// The trigger step is observed before its click: its screen is
			// the login page with the iAM Smart button.
			if !strings.Contains(steps[1].URL, "/login") {
				t.Errorf("trigger step URL = %s, want the login page", steps[1].URL)
			}
			if !strings.Contains(steps[2].URL, "/iamsmart/authorize") {
				t.Errorf("simulator step URL = %s", steps[2].URL)
			}
		})
	}
}
