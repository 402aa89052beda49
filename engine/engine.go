// Package engine wires journeyproof's parts into what runs cells: the
// Chromium runner (journeys/chrome) over one browser, the evidence store
// and its recorder (recordings), the workflow video (recordings/video),
// the checker built on the rule pack (verifier), and the queue of cells
// (queue) with this process's worker of it.
//
// The command line opens an Engine from its flags and environment and
// calls it; the web app starts runs through it (Starter); the tests of the
// web app, the pack and the comparison make their evidence with it, so
// that they run the same wiring as the commands. It reads no flag and no
// environment variable of its own: everything comes in a Config (only
// journeys/chrome still finds Chromium through JOURNEYPROOF_CHROMIUM).
package engine

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"time"

	"journeyproof/journeys"
	"journeyproof/journeys/chrome"
	"journeyproof/queue"
	"journeyproof/recordings"
	"journeyproof/recordings/video"
	"journeyproof/verifier"
)

// Engine is what a run needs: the store, one browser, the rule pack, how
// to capture video, and the queue the cells go through. run, demo, serve,
// worker and the web app's "start a run" share it.
type Engine struct {
	Store *recordings.Store
	// Browser runs the cells of this process (nil when it only enqueues;
	// replaced when the one it had exited).
	Browser *chrome.Browser
	// Pack is the rule pack the checker applies.
	Pack *verifier.Pack
	// Parallel is how many cells run at once.
	Parallel      int
	NoScreenshots bool
	// NoChecks runs the cells without the checker (no findings).
	NoChecks bool
	Video    Video
	Logger   *slog.Logger
	// Queue is the queue runs go through (nil: the cells run in this
	// process's Runner directly); jobs is this process's worker of it.
	Queue *queue.Queue
	jobs  *jobRunner
}

// Video is how runs capture video (--video, --fps).
type Video struct {
	// Mode is on, off or failed-only; "" records as on does.
	Mode string
	// FPS is the frame rate (video.DefaultFPS when 0).
	FPS int
	// Notice is where the one "video skipped" notice goes (nil: standard
	// error).
	Notice io.Writer
}

// source returns the video capture for an invocation, nil when off.
func (v Video) source(store *recordings.Store, parallel int, logger *slog.Logger) recordings.VideoSource {
	if v.Mode == "off" {
		return nil
	}
	notice := v.Notice
	if notice == nil {
		notice = os.Stderr
	}
	return video.New(store, video.Options{FPS: v.FPS, FailedOnly: v.Mode == "failed-only", Parallel: parallel, Notice: notice, Logger: logger})
}

// Config is how Open opens an engine. The command line fills it from its
// flags and environment.
type Config struct {
	// DataDir is the data folder (SQLite database, artifacts, queue).
	DataDir string
	// DB is the shared database's postgres:// URL; "" is SQLite under
	// DataDir.
	DB string
	// Rules is the rule pack file ("" for the embedded pack).
	Rules string
	// Parallel is how many cells run at once (this process's worker's
	// concurrency).
	Parallel int
	// Browser is a remote browser's address ("" starts Chromium here).
	Browser string
	// NoBrowser opens no browser: the engine only enqueues (run --queue).
	NoBrowser bool
	// Local runs the cells in this process's Runner, without the queue.
	Local bool
	// Queue is the queue's name ("" the default); Work makes this process
	// work it with Parallel cells at once.
	Queue      string
	Work       bool
	JobTimeout time.Duration
	// Mirror, when set, gets every artifact written (a worker without the
	// shared folder uploads them to serve).
	Mirror recordings.ArtifactMirror
	// Logger gets the engine's warnings; nil logs warnings to stderr.
	Logger *slog.Logger
}

// Invocation is one run of cells under a release.
type Invocation struct {
	Release string
	BaseURL string
	Cells   []journeys.Cell
	// Progress, when set, gets the runner's events (from many
	// goroutines); an event carries the run's id once it is stored.
	Progress func(journeys.Event)
}

// Outcome is what an invocation left: results in cell order, each with
// its run's id (0 for a cell that stored no run).
type Outcome struct {
	Results []journeys.CellResult
}

// RunIDs returns the runs of the cells, in cell order (0 for a cell that
// stored no run).
func (o *Outcome) RunIDs() []uint {
	ids := make([]uint, len(o.Results))
	for i, r := range o.Results {
		ids[i] = r.RunID
	}
	return ids
}

// Run runs the cells and stores the evidence; it returns when every video
// is encoded.
func (e *Engine) Run(ctx context.Context, inv Invocation) (*Outcome, error) {
	if e.Queue != nil {
		return e.runQueued(ctx, inv)
	}
	rec := &recordings.Recorder{Store: e.Store, Release: inv.Release, BaseURL: inv.BaseURL, BrowserVersion: e.Browser.Version()}
	if vs := e.Video.source(e.Store, e.Parallel, e.Logger); vs != nil {
		rec.Video = vs
	}
	r := &chrome.Runner{Browser: e.Browser, BaseURL: inv.BaseURL, Parallel: e.Parallel, NoScreenshots: e.NoScreenshots,
		Observer: rec, Progress: inv.Progress, Logger: e.Logger}
	if !e.NoChecks {
		r.Checker = &Checker{Pack: e.Pack, Store: e.Store}
	}
	results := r.Run(ctx, inv.Cells)
	err := rec.Wait()
	return &Outcome{Results: results}, err
}

// LoadPack loads the rule pack of --rules: the embedded default when file
// is "", else the file merged over the default. A bad pack's error names
// file:line:col.
func LoadPack(file string) (*verifier.Pack, error) {
	if file == "" {
		return verifier.DefaultPack(), nil
	}
	return verifier.LoadPack(file)
}

// PackError is a bad rule pack or database URL given to Open: the
// commands exit 2 (bad usage) on it.
type PackError struct{ Err error }

func (e *PackError) Error() string { return e.Err.Error() }
func (e *PackError) Unwrap() error { return e.Err }

// IsUsage reports whether Open failed on what it was given (a bad rule
// pack or database URL) rather than on the machinery.
func IsUsage(err error) bool {
	var pe *PackError
	return errors.As(err, &pe)
}

// Open loads the rule pack (a bad one gives a *PackError), opens the store
// (marking interrupted the runs of processes that are gone, and removing
// their leftovers) and starts Chromium meanwhile (removing the profiles
// killed processes left), then, unless cfg.Local, opens the queue and with
// cfg.Work starts this process's worker of it.
func Open(ctx context.Context, cfg Config) (*Engine, error) {
	if err := recordings.CheckDBURL(cfg.DB); err != nil {
		return nil, &PackError{err}
	}
	pack, err := LoadPack(cfg.Rules)
	if err != nil {
		return nil, &PackError{err}
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	// Chromium takes the longest to start: the store opens meanwhile.
	type startedBrowser struct {
		b   *chrome.Browser
		err error
	}
	browserCh := make(chan startedBrowser, 1)
	go func() {
		if cfg.NoBrowser {
			browserCh <- startedBrowser{}
			return
		}
		b, err := openBrowser(ctx, cfg.Browser)
		browserCh <- startedBrowser{b, err}
	}()
	store, err := recordings.OpenDB(cfg.DataDir, cfg.DB)
	sb := <-browserCh
	if err != nil {
		if sb.b != nil {
			sb.b.Close()
		}
		return nil, err
	}
	RemoveLeftovers(store, logger)
	if sb.err != nil {
		store.Close()
		return nil, sb.err
	}
	if cfg.Mirror != nil {
		store.SetArtifactMirror(cfg.Mirror)
	}
	e := &Engine{Store: store, Browser: sb.b, Pack: pack, Parallel: cfg.Parallel, Logger: logger}
	if cfg.Local {
		return e, nil
	}
	if err := e.openQueue(ctx, cfg); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// openBrowser attaches to the browser at addr, or starts Chromium when
// addr is "".
func openBrowser(ctx context.Context, addr string) (*chrome.Browser, error) {
	if addr != "" {
		return chrome.ConnectBrowser(ctx, addr)
	}
	return chrome.StartBrowser(ctx, chrome.BrowserOptions{})
}

// Close stops the worker (the cells in progress get 30 s to end; ctrl-C
// has cancelled them already), the browser and the store.
func (e *Engine) Close() {
	if e.Queue != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		e.Queue.Close(ctx)
		cancel()
	}
	if e.jobs != nil && e.jobs.stopBeat != nil {
		e.jobs.stopBeat()
	}
	if e.Browser != nil {
		e.Browser.Close()
	}
	e.Store.Close()
}

// Where says what runs the cells: this process's browser, or the queue's
// workers.
func (e *Engine) Where() string {
	if e.Browser == nil {
		return "the workers of the queue"
	}
	return e.Browser.Version()
}

// reapEvery is how often WatchRuns looks for runs whose process is gone.
const reapEvery = 2 * time.Second

// RemoveLeftovers removes what killed processes left in the data folder
// (frames folders of interrupted runs); the store marked their runs
// interrupted when it opened.
func RemoveLeftovers(store *recordings.Store, logger *slog.Logger) {
	if n, err := video.RemoveLeftovers(store); err != nil {
		logger.Warn("leftover video frames not removed", "err", err)
	} else if n > 0 {
		logger.Info("leftover video frames removed", "folders", n)
	}
}

// WatchRuns marks interrupted, every 2 s until ctx ends, the runs that
// other processes left running when they died or stopped sending their
// heartbeat, and removes their leftovers: a run killed while serve is up
// is shown interrupted within seconds.
func (e *Engine) WatchRuns(ctx context.Context) {
	t := time.NewTicker(reapEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := e.Store.ReapRuns()
		if err != nil {
			e.Logger.Warn("runs in progress not checked", "err", err)
			continue
		}
		if n > 0 {
			e.Logger.Warn("runs whose process is gone were marked interrupted", "runs", n)
			RemoveLeftovers(e.Store, e.Logger)
		}
	}
}

// errMachinery marks a cell's failure as the machinery's (browser, store):
// the queue runs the cell again.
var errMachinery = errors.New("machinery failed")
