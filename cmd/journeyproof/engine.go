package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"

	"journeyproof/journeys"
	"journeyproof/journeys/chrome"
	"journeyproof/journeys/sandbox"
	"journeyproof/queue"
	"journeyproof/recordings"
	"journeyproof/verifier"
)

// engine is what a run needs: the store, one browser, the rule pack, and
// how to capture video. run, demo and the web app's "start a run" share it.
type engine struct {
	store         *recordings.Store
	browser       *chrome.Browser
	pack          *verifier.Pack
	parallel      int
	noScreenshots bool
	noChecks      bool
	video         videoConfig
	logger        *slog.Logger
	// q is the queue runs go through (jobs.go); jobs is this process's
	// worker of it.
	q    *queue.Queue
	jobs *jobRunner
}

// invocation is one run of cells under a release.
type invocation struct {
	Release  string
	BaseURL  string
	Cells    []journeys.Cell
	Progress func(journeys.Event)
}

// outcome is what an invocation left: results in cell order, and the
// recorder that knows each cell's run id.
type outcome struct {
	Results  []journeys.CellResult
	Recorder *recordings.Recorder
	// RunIDs are the cells' runs when they ran as jobs (Recorder nil).
	RunIDs []uint
}

// runID is the id of the run of the i-th cell (0 when none was stored).
func (o *outcome) runID(i int, cell journeys.Cell) uint {
	if o.Recorder == nil {
		if i < len(o.RunIDs) {
			return o.RunIDs[i]
		}
		return 0
	}
	return o.Recorder.RunID(cell)
}

// run runs the cells and stores the evidence; it returns when every video
// is encoded.
func (e *engine) run(ctx context.Context, inv invocation) (*outcome, error) {
	if e.q != nil {
		return e.runQueued(ctx, inv)
	}
	rec := &recordings.Recorder{Store: e.store, Release: inv.Release, BaseURL: inv.BaseURL, BrowserVersion: e.browser.Version()}
	if vs := e.video.source(e.store, e.parallel, e.logger); vs != nil {
		rec.Video = vs
	}
	r := &chrome.Runner{Browser: e.browser, BaseURL: inv.BaseURL, Parallel: e.parallel, NoScreenshots: e.noScreenshots,
		Observer: rec, Progress: inv.Progress, Logger: e.logger}
	if !e.noChecks {
		r.Checker = &checker{pack: e.pack, store: e.store}
	}
	results := r.Run(ctx, inv.Cells)
	err := rec.Wait()
	return &outcome{Results: results, Recorder: rec}, err
}

// loadPack loads the rule pack of --rules: the embedded default when file
// is "", else the file merged over the default. A bad pack's error names
// file:line:col; commands exit 2 on it.
func loadPack(file string) (*verifier.Pack, error) {
	if file == "" {
		return verifier.DefaultPack(), nil
	}
	return verifier.LoadPack(file)
}

// packError is a bad rule pack: the commands that read one exit 2 on it.
type packError struct{ err error }

func (e *packError) Error() string { return e.err.Error() }
func (e *packError) Unwrap() error { return e.err }

// engineExit is the exit code of a command whose engine could not open:
// 2 for a bad rule pack, else 1.
func engineExit(err error) int {
	var pe *packError
	if errors.As(err, &pe) {
		return exitUsage
	}
	return exitFailed
}

// openEngine loads the rule pack (a bad one gives a *packError), opens the
// store (marking interrupted the runs of processes that are gone, and
// removing their leftovers) and starts Chromium meanwhile (removing the
// profiles killed processes left).
func openEngine(ctx context.Context, dataDir, rulesFile string, parallel int) (*engine, error) {
	return openEngineWith(ctx, engineConfig{data: dataDir, rules: rulesFile, parallel: parallel, work: true})
}

// openEngineLocal is openEngine without the queue: the cells run in this
// process's Runner directly.
func openEngineLocal(ctx context.Context, dataDir, rulesFile string, parallel int) (*engine, error) {
	pack, err := loadPack(rulesFile)
	if err != nil {
		return nil, &packError{err}
	}
	// Chromium takes the longest to start: the store opens meanwhile.
	type startedBrowser struct {
		b   *chrome.Browser
		err error
	}
	browserCh := make(chan startedBrowser, 1)
	go func() {
		b, err := chrome.StartBrowser(ctx, chrome.BrowserOptions{})
		browserCh <- startedBrowser{b, err}
	}()
	store, err := recordings.Open(recordings.DataDir(dataDir))
	sb := <-browserCh
	if err != nil {
		if sb.b != nil {
			sb.b.Close()
		}
		return nil, err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	removeLeftovers(store, logger)
	if sb.err != nil {
		store.Close()
		return nil, sb.err
	}
	return &engine{store: store, browser: sb.b, pack: pack, parallel: parallel, logger: logger}, nil
}

func (e *engine) close() {
	if e.q != nil {
		// Cells in progress get the job timeout to end; ctrl-C has
		// cancelled them already.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		e.q.Close(ctx)
		cancel()
	}
	if e.jobs != nil && e.jobs.stopBeat != nil {
		e.jobs.stopBeat()
	}
	if e.browser != nil {
		e.browser.Close()
	}
	e.store.Close()
}

// startSandbox serves the built-in sandbox on addr (":0" style for a free
// port) and returns its base URL and a stop func.
func startSandbox(addr string, defects []string) (string, func(), error) {
	return startSandboxWith(addr, sandbox.Options{Defects: defects})
}

// startSandboxWith serves a sandbox made with opts on addr.
func startSandboxWith(addr string, opts sandbox.Options) (string, func(), error) {
	sb, err := sandbox.New(opts)
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("sandbox: listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String(), stop, nil
}

// ffmpegVersion returns the first line of `ffmpeg -version`, or "" when
// ffmpeg is missing.
func ffmpegVersion() string {
	out, err := exec.Command("ffmpeg", "-version").Output()
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(out), "\n")
	fields := strings.Fields(line)
	if len(fields) >= 3 {
		return "ffmpeg " + fields[2]
	}
	return line
}

// errorLine prints err as the one-line error of a command.
func errorLine(env *cli, err error) {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	if positioned.MatchString(msg) {
		// file:line:col: comes first, as compilers print it, so editors and
		// CI annotate the line.
		fmt.Fprintln(env.stderr, msg)
		return
	}
	fmt.Fprintln(env.stderr, "journeyproof: "+msg)
}

// positioned matches a message that starts with file:line:col:.
var positioned = regexp.MustCompile(`^[^\s:][^:]*:\d+:\d+: `)
