package web

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/internal/browsertest"
	"journeyproof/journeys"
	"journeyproof/journeys/chrome"
	"journeyproof/journeys/examples"
	"journeyproof/journeys/sandbox"
	"journeyproof/recordings"
	"journeyproof/recordings/video"
	"journeyproof/verifier"
)

var update = flag.Bool("update", false, "write the screenshots of the pages to testdata/screens")

// The package's tests share one store, and one Chromium, one loopback
// server (the sandbox with the wrong-label defect, plus test pages under
// /t/) and the runs of two real cells in that store, made by the first test
// that needs them (shared.Need).
var (
	browser *chrome.Browser
	siteURL string
	store   *recordings.Store
	engine  *testEngine
	// passRun is login/en/desktop (passed, with findings, the trigger step
	// and a video); failRun is xss/en/desktop (failed at step 2, markup in
	// its title).
	passRun, failRun uint
	shared           = browsertest.Shared{Setup: startShared}
)

// release is the release label of the runs made by startShared.
const release = "t1"

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "journeyproof-web-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	store, err = recordings.Open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer store.Close()
	defer shared.Close()
	return m.Run()
}

// startShared starts the browser and the loopback server and makes the
// runs of passRun and failRun.
func startShared() (func(), error) {
	var stops browsertest.Stops
	var err error
	if browser, err = chrome.StartBrowser(context.Background(), chrome.BrowserOptions{}); err != nil {
		return stops.Stop, err
	}
	stops.Add(browser.Close)
	sb, err := sandbox.New(sandbox.Options{Defects: []string{"wrong-label"}})
	if err != nil {
		return stops.Stop, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/t/xss", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, xssPage)
	})
	mux.Handle("/", sb)
	site := httptest.NewServer(mux)
	stops.Add(site.Close)
	siteURL = site.URL

	js, err := examples.Load()
	if err != nil {
		return stops.Stop, err
	}
	own, err := journeys.LoadFiles([]string{"testdata/journeys/xss.yaml", "testdata/journeys/quick.yaml"})
	if err != nil {
		return stops.Stop, err
	}
	engine = &testEngine{journeys: append(js, own...)}
	cells, err := journeys.Expand([]*journeys.Journey{engine.journey("login"), engine.journey("xss")}, []string{"en"}, []string{"desktop"})
	if err == nil {
		cells, err = journeys.NarrowBranches(cells, []string{journeys.MainBranch})
	}
	if err != nil {
		return stops.Stop, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if err := engine.Run(ctx, release, siteURL, cells, nil); err != nil {
		return stops.Stop, fmt.Errorf("runs of the shared set-up: %w", err)
	}
	runs, _, err := store.Runs(recordings.RunFilter{Release: release})
	if err != nil {
		return stops.Stop, err
	}
	for _, r := range runs {
		switch r.JourneyID {
		case "login":
			passRun = r.ID
		case "xss":
			failRun = r.ID
		}
	}
	if passRun == 0 || failRun == 0 {
		return stops.Stop, fmt.Errorf("expected runs of login and xss under %s, got %d runs", release, len(runs))
	}
	return stops.Stop, nil
}

// xssPage has markup in its title, its text and its console messages.
const xssPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pay <script>window.pwned = 1</script> <img src=x onerror="window.pwned = 2"></title></head>
<body><h1>A page under test</h1><p>Nothing to see.</p>
<script>console.error('<img src=x onerror="window.pwned = 3">')</script>
<img src="/t/missing.png" alt="">
</body></html>`

// testEngine runs cells as the command line's engine does: the runner in
// the shared browser, the recorder with video, and the verifier's rule
// pack. It is the web app's Starter in the tests.
type testEngine struct {
	journeys []*journeys.Journey
}

func (e *testEngine) Journeys() []*journeys.Journey { return e.journeys }

func (e *testEngine) journey(id string) *journeys.Journey {
	for _, j := range e.journeys {
		if j.ID == id {
			return j
		}
	}
	panic("no journey " + id)
}

func (e *testEngine) Run(ctx context.Context, release, baseURL string, cells []journeys.Cell, progress func(journeys.Event)) error {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	rec := &recordings.Recorder{Store: store, Release: release, BaseURL: baseURL, BrowserVersion: browser.Version(),
		Video: video.New(store, video.Options{FPS: 5, Parallel: 1, Notice: io.Discard, Logger: quiet})}
	r := &chrome.Runner{Browser: browser, BaseURL: baseURL, Parallel: 2, Observer: rec, Checker: &testChecker{pack: verifier.DefaultPack()},
		Progress: progress, Logger: quiet}
	r.Run(ctx, cells)
	return rec.Wait()
}

// testChecker adapts the verifier to the runner, as cmd/journeyproof does.
type testChecker struct{ pack *verifier.Pack }

func vctx(cell journeys.Cell, step *journeys.Step) verifier.Context {
	d := "desktop"
	if cell.Device.Mobile {
		d = "mobile"
	}
	return verifier.Context{Process: cell.Journey.Process, Lang: cell.Lang, Device: d, Trigger: step != nil && step.Trigger}
}

func toFindings(fs []journeyproof.Finding) []journeyproof.Finding {
	out := make([]journeyproof.Finding, len(fs))
	for i, f := range fs {
		out[i] = journeyproof.Finding{Rule: f.Rule, Severity: f.Severity, Message: f.Message, Selector: f.Selector,
			Box: journeyproof.Box{X: f.Box.X, Y: f.Box.Y, W: f.Box.W, H: f.Box.H}, Waived: f.Waived, WaiverReason: f.WaiverReason}
	}
	return out
}

func (c *testChecker) CheckScreen(ctx context.Context, in chrome.ScreenInput) (chrome.ScreenCheck, error) {
	facts, err := verifier.Probe(ctx)
	if err != nil {
		return chrome.ScreenCheck{}, err
	}
	res := c.pack.CheckPage(facts, vctx(in.Cell, in.Step))
	out := chrome.ScreenCheck{Findings: toFindings(res.Findings)}
	for i, f := range res.Findings {
		if len(in.FullPage) > 0 && f.Box.W > 0 && f.Box.H > 0 {
			if crop, err := verifier.Crop(in.FullPage, f.Box, in.Cell.Device.Scale); err == nil {
				out.Findings[i].Crop = crop
			}
		}
	}
	for _, e := range res.Entries {
		out.Entries = append(out.Entries, journeyproof.Entry{Selector: e.Selector, Text: e.Text, Box: journeyproof.Box{X: e.Box.X, Y: e.Box.Y, W: e.Box.W, H: e.Box.H}})
	}
	return out, nil
}

func (c *testChecker) CheckTrigger(ctx context.Context, in chrome.TriggerInput) (chrome.TriggerCheck, error) {
	for _, u := range in.Requests {
		if c.pack.IsAuthorizeURL(u) {
			return chrome.TriggerCheck{Request: u, Findings: toFindings(c.pack.CheckRedirect(verifier.Request{URL: u}, vctx(in.Cell, in.Step)))}, nil
		}
	}
	return chrome.TriggerCheck{}, nil
}

// newServer makes a web app on the shared store and stops it at the end of
// the test.
func newServer(t *testing.T, o Options) *Server {
	t.Helper()
	o.Store = store
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	return s
}

// serve starts the app on a free loopback port.
func serve(t *testing.T, s *Server) string {
	t.Helper()
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		s.cancel() // end the event streams, which Close waits for
		ts.Close()
	})
	return ts.URL
}

// near reports whether two numbers differ by less than eps.
func near(a, b, eps float64) bool { return math.Abs(a-b) < eps }

// screensDir is where -update writes the page screenshots.
var screensDir = filepath.Join("testdata", "screens")
