package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"journeyproof"
	"journeyproof/internal/owner"
	"journeyproof/journeys"
	"journeyproof/journeys/chrome"
	"journeyproof/queue"
	"journeyproof/recordings"
	"journeyproof/verifier"
)

// dbFlag adds --db to a command that opens the store.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", "", "shared database of runs and jobs, postgres://user:password@host:5432/database (default: SQLite under --data; env JOURNEYPROOF_DB)")
}

// openStore opens the evidence store of --data and --db.
func openStore(data, db string) (*recordings.Store, error) {
	return recordings.OpenDB(recordings.DataDir(data), recordings.DBURL(db))
}

// jobTimeoutFlag adds --job-timeout to a command that works the queue.
func jobTimeoutFlag(fs *flag.FlagSet) *time.Duration {
	d := queue.DefaultJobTimeout
	if v := os.Getenv("JOURNEYPROOF_JOB_TIMEOUT"); v != "" {
		if p, err := time.ParseDuration(v); err == nil {
			d = p
		}
	}
	return fs.Duration("job-timeout", d, "longest a cell may run before its job is cancelled and retried; a job whose worker died is retried this long (plus 15s) after it started (env JOURNEYPROOF_JOB_TIMEOUT)")
}

// engineConfig is how openEngineWith opens an engine.
type engineConfig struct {
	data, db, rules string
	parallel        int
	// browser is a remote browser's address ("" starts Chromium here).
	browser string
	// noBrowser opens no browser: the engine only enqueues (run --queue).
	noBrowser bool
	// queue is the queue's name; work makes this process work it with
	// parallel cells at once.
	queue      string
	work       bool
	jobTimeout time.Duration
	// mirror, when set, gets every artifact written (a worker without
	// the shared folder uploads them to serve).
	mirror recordings.ArtifactMirror
}

// openEngineWith opens the store and the queue of --data and --db, and the
// browser; with work it also starts this process's worker.
func openEngineWith(ctx context.Context, cfg engineConfig) (*engine, error) {
	db := recordings.DBURL(cfg.db)
	if err := recordings.CheckDBURL(db); err != nil {
		return nil, &packError{err}
	}
	pack, err := loadPack(cfg.rules)
	if err != nil {
		return nil, &packError{err}
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	type startedBrowser struct {
		b   *chrome.Browser
		err error
	}
	browserCh := make(chan startedBrowser, 1)
	go func() {
		switch {
		case cfg.noBrowser:
			browserCh <- startedBrowser{}
		case cfg.browser != "":
			b, err := chrome.ConnectBrowser(ctx, cfg.browser)
			browserCh <- startedBrowser{b, err}
		default:
			b, err := chrome.StartBrowser(ctx, chrome.BrowserOptions{})
			browserCh <- startedBrowser{b, err}
		}
	}()
	dir := recordings.DataDir(cfg.data)
	store, err := recordings.OpenDB(dir, db)
	sb := <-browserCh
	if err != nil {
		if sb.b != nil {
			sb.b.Close()
		}
		return nil, err
	}
	removeLeftovers(store, logger)
	if sb.err != nil {
		store.Close()
		return nil, sb.err
	}
	if cfg.mirror != nil {
		store.SetArtifactMirror(cfg.mirror)
	}
	e := &engine{store: store, browser: sb.b, pack: pack, parallel: cfg.parallel, logger: logger}
	jr := &jobRunner{e: e, browserURL: cfg.browser, listeners: map[string]func(journeys.Event){}, running: map[int64]string{}}
	if cfg.rules != "" {
		jr.rules = pack.Source()
	}
	// River's own warnings (a job cancelled remotely, a job rescued) are
	// what the runs and the job states show already.
	riverLog := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	qc := queue.Config{DB: db, DataDir: dir, Queue: cfg.queue, JobTimeout: cfg.jobTimeout, ID: owner.Self().String(), Logger: riverLog}
	if cfg.work {
		qc.Concurrency, qc.Runner = cfg.parallel, jr
	}
	q, err := queue.Open(ctx, qc)
	if err != nil {
		e.close()
		return nil, err
	}
	e.q, e.jobs = q, jr
	if cfg.work {
		if err := q.Start(ctx); err != nil {
			e.close()
			return nil, err
		}
		jr.startHeartbeat(cfg.queue, cfg.parallel)
	}
	return e, nil
}

// jobRunner runs the cells this process takes from the queue with the
// engine's store, browser and rule pack (queue.CellRunner), and keeps its
// worker heartbeat.
type jobRunner struct {
	e          *engine
	browserURL string
	// rules is the --rules pack's YAML given to the cells this process
	// enqueues ("" for the embedded pack).
	rules string

	mu sync.Mutex
	// listeners get the runner's events of the cells of invocations
	// started in this process.
	listeners map[string]func(journeys.Event)
	running   map[int64]string
	seq       int64
	done      int
	stopBeat  func()
}

// listen sends the events of the invocation's cells run here to progress
// until the returned func is called.
func (jr *jobRunner) listen(inv string, progress func(journeys.Event)) func() {
	if progress == nil {
		return func() {}
	}
	jr.mu.Lock()
	jr.listeners[inv] = progress
	jr.mu.Unlock()
	return func() {
		jr.mu.Lock()
		delete(jr.listeners, inv)
		jr.mu.Unlock()
	}
}

// errMachinery marks a cell's failure as the machinery's (browser, store):
// the queue runs the cell again.
var errMachinery = errors.New("machinery failed")

// RunCell runs one cell and stores its run.
func (jr *jobRunner) RunCell(ctx context.Context, c queue.Cell, attempt int) (queue.Result, error) {
	j, err := journeys.Parse(c.File, []byte(c.Source))
	if err != nil {
		// A journey that does not parse fails the same on every try.
		return queue.Result{Status: journeyproof.StatusFailed, Error: err.Error()}, nil
	}
	if c.Service != "" {
		j.Service = c.Service
	}
	dev, err := j.Device(c.Device)
	if err != nil {
		return queue.Result{Status: journeyproof.StatusFailed, Error: err.Error()}, nil
	}
	if _, ok := j.Branch(c.Branch); c.Branch != "" && !ok {
		return queue.Result{Status: journeyproof.StatusFailed, Error: fmt.Sprintf("%s: journey %s has no branch %q", c.Name, j.ID, c.Branch)}, nil
	}
	cell := journeys.Cell{Journey: j, Lang: c.Lang, Device: dev, Branch: c.Branch}
	b, err := jr.browser(ctx)
	if err != nil {
		return queue.Result{}, fmt.Errorf("%s: %w", cell, err)
	}
	pack := jr.e.pack
	if c.Rules != "" && c.Rules != jr.rules {
		if pack, err = packFromSource(c.Rules); err != nil {
			return queue.Result{Status: journeyproof.StatusFailed, Error: err.Error()}, nil
		}
	}
	jr.mu.Lock()
	jr.seq++
	id := jr.seq
	jr.running[id] = cell.String()
	progress := jr.listeners[c.Invocation]
	jr.mu.Unlock()
	defer func() {
		jr.mu.Lock()
		delete(jr.running, id)
		jr.done++
		jr.mu.Unlock()
	}()
	rec := &recordings.Recorder{Store: jr.e.store, Release: c.Release, BaseURL: c.BaseURL, BrowserVersion: b.Version()}
	vc := videoConfig{mode: c.Video, fps: c.FPS, warn: os.Stderr}
	if vc.fps == 0 {
		vc.fps = 10
	}
	if vs := vc.source(jr.e.store, 1, jr.e.logger); vs != nil {
		rec.Video = vs
	}
	r := &chrome.Runner{Browser: b, BaseURL: c.BaseURL, Parallel: 1, NoScreenshots: c.NoScreenshots,
		Observer: rec, Progress: progress, Logger: jr.e.logger}
	if !jr.e.noChecks {
		r.Checker = &checker{pack: pack, store: jr.e.store}
	}
	res := r.Run(ctx, []journeys.Cell{cell})[0]
	werr := rec.Wait()
	runID := rec.RunID(cell)
	if runID != 0 {
		// A run stored with its final verdict is the cell's result, even
		// when the job's time ran out while its video was encoded: running
		// it again would store a second run of the cell.
		if run, err := jr.e.store.Run(runID); err == nil && (run.Status == journeyproof.StatusPassed || run.Status == journeyproof.StatusFailed) && b.Exited() == nil {
			return queue.Result{RunID: runID, Status: run.Status, Error: run.Error}, nil
		}
	}
	if ctx.Err() != nil {
		// Cancelled (the job is then cancelled) or timed out (retried).
		return queue.Result{}, ctx.Err()
	}
	if runID == 0 {
		return queue.Result{}, fmt.Errorf("%s: %w: the run could not be stored: %v", cell, errMachinery, errors.Join(res.ObserverError, werr))
	}
	if b.Exited() != nil {
		why := fmt.Sprintf("interrupted: the browser exited during attempt %d; the cell runs again", attempt)
		if err := jr.e.store.RetryRun(runID, why); err != nil {
			jr.e.logger.Warn("run not marked interrupted", "run", runID, "err", err)
		}
		return queue.Result{}, fmt.Errorf("%s: %w: browser exited", cell, errMachinery)
	}
	run, err := jr.e.store.Run(runID)
	if err != nil {
		return queue.Result{}, fmt.Errorf("%s: %w: read run %d: %v", cell, errMachinery, runID, err)
	}
	return queue.Result{RunID: runID, Status: run.Status, Error: run.Error}, nil
}

// browser returns the browser to run a cell in, starting (or attaching to)
// a new one when the last one exited.
func (jr *jobRunner) browser(ctx context.Context) (*chrome.Browser, error) {
	jr.mu.Lock()
	defer jr.mu.Unlock()
	if jr.e.browser != nil && jr.e.browser.Exited() == nil {
		return jr.e.browser, nil
	}
	var b *chrome.Browser
	var err error
	if jr.browserURL != "" {
		b, err = chrome.ConnectBrowser(ctx, jr.browserURL)
	} else {
		b, err = chrome.StartBrowser(ctx, chrome.BrowserOptions{})
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errMachinery, err)
	}
	if jr.e.browser != nil {
		jr.e.logger.Warn("the browser exited; a new one runs the next cells", "browser", b.Version())
		jr.e.browser.Close()
	}
	jr.e.browser = b
	return b, nil
}

// packFromSource loads a rule pack sent with a job.
func packFromSource(src string) (*verifier.Pack, error) {
	dir, err := os.MkdirTemp("", "journeyproof-rules-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		return nil, err
	}
	return verifier.LoadPack(p)
}

// startHeartbeat records this worker in the store every
// recordings.HeartbeatEvery with the cells it runs, until the engine
// closes.
func (jr *jobRunner) startHeartbeat(queueName string, concurrency int) {
	if queueName == "" {
		queueName = queue.DefaultQueue
	}
	self := owner.Self()
	w := recordings.Worker{ID: jr.e.q.ID(), Host: self.Host, PID: self.PID, Queue: queueName, Concurrency: concurrency,
		Browser: jr.browserURL, StartedAt: time.Now()}
	beat := func() {
		jr.mu.Lock()
		w.Cells = w.Cells[:0]
		for _, c := range jr.running {
			w.Cells = append(w.Cells, c)
		}
		sort.Strings(w.Cells)
		w.Done = jr.done
		jr.mu.Unlock()
		if err := jr.e.store.BeatWorker(w); err != nil {
			jr.e.logger.Warn("worker heartbeat not stored", "err", err)
		}
	}
	beat()
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(recordings.HeartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				beat()
			}
		}
	}()
	jr.stopBeat = func() {
		close(stop)
		<-stopped
		jr.e.store.RemoveWorker(w.ID)
	}
}

// newInvocationID names one invocation's jobs.
func newInvocationID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// runQueued runs an invocation as one job per cell and waits for them:
// cells run on this process's worker or any other on the same queue. The
// results are read from the store, in the cells' order.
func (e *engine) runQueued(ctx context.Context, inv invocation) (*outcome, error) {
	invID := newInvocationID()
	defer e.jobs.listen(invID, inv.Progress)()
	cells := make([]queue.Cell, len(inv.Cells))
	for i, c := range inv.Cells {
		cells[i] = queue.Cell{Invocation: invID, Release: inv.Release, BaseURL: inv.BaseURL, File: c.Journey.File, Source: c.Journey.Source,
			Service: c.Journey.Service, Lang: c.Lang, Device: c.Device.Name, Branch: c.Branch, Video: e.video.mode, FPS: e.video.fps,
			NoScreenshots: e.noScreenshots, Rules: e.jobs.rules, Name: c.String()}
		if cells[i].Video == "" {
			cells[i].Video = "on"
		}
		if err := e.store.SaveJourney(c.Journey); err != nil {
			return nil, err
		}
	}
	ids, err := e.q.Enqueue(ctx, cells)
	if err != nil {
		return nil, err
	}
	byID := map[int64]journeys.Cell{}
	for i, id := range ids {
		byID[id] = inv.Cells[i]
	}
	// Events of cells another process runs come from the job states; this
	// process's own cells send the runner's events.
	changed := func(j queue.Job) {
		if inv.Progress == nil || j.Worker() == e.q.ID() {
			return
		}
		cell := byID[j.ID]
		switch {
		case j.State == "running":
			inv.Progress(journeys.Event{Kind: "cell-start", Cell: cell})
		case j.Finished():
			res := e.cellResult(cell, j)
			inv.Progress(journeys.Event{Kind: "cell-end", Cell: cell, Status: res.Status, Error: res.Error, Result: &res})
		}
	}
	jobs, werr := e.q.Wait(ctx, ids, changed)
	if werr != nil && ctx.Err() != nil {
		// Cancelled: the jobs were cancelled; wait a little for the cells
		// in progress to record their runs as interrupted.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		jobs, _ = e.q.Wait(wctx, ids, nil)
		cancel()
	} else if werr != nil {
		return nil, werr
	}
	out := &outcome{RunIDs: make([]uint, len(inv.Cells))}
	got := map[int64]queue.Job{}
	for _, j := range jobs {
		got[j.ID] = j
	}
	for i, id := range ids {
		j := got[id]
		out.Results = append(out.Results, e.cellResult(inv.Cells[i], j))
		if j.Result != nil {
			out.RunIDs[i] = j.Result.RunID
		}
	}
	return out, werr
}

// cellResult is a cell's result as its job and its stored run say.
func (e *engine) cellResult(cell journeys.Cell, j queue.Job) journeys.CellResult {
	res := journeys.CellResult{Cell: cell, Status: journeyproof.StatusInterrupted, Findings: map[string]int{}}
	if j.Result == nil {
		switch j.State {
		case "cancelled":
			res.Error = "interrupted: cancelled before it ran"
		case "discarded":
			res.Status = journeyproof.StatusFailed
			res.Error = "the machinery failed on every try: " + strings.Join(j.Errors, "; ")
		default:
			res.Error = "interrupted: the job is " + string(j.State)
		}
		return res
	}
	res.Status, res.Error = j.Result.Status, j.Result.Error
	if j.Result.RunID == 0 {
		return res
	}
	run, err := e.store.Run(j.Result.RunID)
	if err != nil {
		return res
	}
	res.Status, res.Error, res.Started, res.Steps = run.Status, run.Error, run.StartedAt, len(run.Steps)
	if run.EndedAt != nil {
		res.Ended = *run.EndedAt
	}
	res.Findings["error"], res.Findings["warning"] = run.Errors, run.Warnings
	return res
}

// where says what runs the cells: this process's browser, or the queue's
// workers.
func (e *engine) where() string {
	if e.browser == nil {
		return "the workers of the queue"
	}
	return e.browser.Version()
}
