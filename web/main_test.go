package web

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"journeyproof/engine"
	"journeyproof/internal/browsertest"
	"journeyproof/journeys"
	"journeyproof/journeys/chrome"
	"journeyproof/journeys/examples"
	"journeyproof/journeys/sandbox"
	"journeyproof/recordings"
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
	// starter starts runs with the engine (its queue and in-process
	// worker, as serve wires it): the web app's Starter in the tests.
	starter *engine.Starter
	// passRun is login/en/desktop (passed, with findings, the trigger step
	// and a video); failRun is xss/en/desktop (failed at step 2, markup in
	// its title).
	passRun, failRun uint
	shared           = browsertest.Shared{Setup: startShared}
	// dataDir is the tests' data folder: the store TestMain opens, then
	// the engine's.
	dataDir string
)

// release is the release label of the runs made by startShared.
const release = "t1"

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	var err error
	if dataDir, err = os.MkdirTemp("", "journeyproof-web-*"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dataDir)
	quickStore, err := recordings.Open(dataDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer quickStore.Close()
	store = quickStore
	defer shared.Close()
	return m.Run()
}

// startShared opens the engine (Chromium, its queue and in-process
// worker) on the tests' data folder, starts the loopback server and makes
// the runs of passRun and failRun. From then on store is the engine's.
func startShared() (func(), error) {
	var stops browsertest.Stops
	eng, err := engine.Open(context.Background(), engine.Config{DataDir: dataDir, Parallel: 2, Work: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return stops.Stop, err
	}
	stops.Add(func() { eng.Close() })
	eng.Video = engine.Video{Mode: "on", FPS: 5}
	store, browser = eng.Store, eng.Browser
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
	starter = &engine.Starter{Engine: eng, Runnable: append(js, own...)}
	cells, err := journeys.Expand([]*journeys.Journey{journey("login"), journey("xss")}, []string{"en"}, []string{"desktop"})
	if err == nil {
		cells, err = journeys.NarrowBranches(cells, []string{journeys.MainBranch})
	}
	if err != nil {
		return stops.Stop, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	ids, err := starter.Run(ctx, release, siteURL, cells, nil)
	if err != nil {
		return stops.Stop, fmt.Errorf("runs of the shared set-up: %w", err)
	}
	passRun, failRun = ids[0], ids[1]
	if passRun == 0 || failRun == 0 {
		return stops.Stop, fmt.Errorf("expected runs of login and xss under %s, got %v", release, ids)
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

// journey returns the runnable journey with the id.
func journey(id string) *journeys.Journey {
	for _, j := range starter.Journeys() {
		if j.ID == id {
			return j
		}
	}
	panic("no journey " + id)
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

// serveOn runs s.Serve on a free loopback port. It returns the port's
// address (host:port), the function that ends Serve's context and the
// channel that receives what Serve returns.
func serveOn(t *testing.T, s *Server) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	return ln.Addr().String(), cancel, served
}

// near reports whether two numbers differ by less than eps.
func near(a, b, eps float64) bool { return math.Abs(a-b) < eps }

// screensDir is where -update writes the page screenshots.
var screensDir = filepath.Join("testdata", "screens")
