package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
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

// openQueue opens the queue of cfg and, with cfg.Work, starts this
// process's worker of it.
func (e *Engine) openQueue(ctx context.Context, cfg Config) error {
	jr := &jobRunner{e: e, browserURL: cfg.Browser, listeners: map[string]func(journeys.Event){}, running: map[int64]string{}}
	if cfg.Rules != "" {
		jr.rules = e.Pack.Source()
	}
	// River's own warnings (a job cancelled remotely, a job rescued) are
	// what the runs and the job states show already.
	riverLog := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	qc := queue.Config{DB: cfg.DB, DataDir: cfg.DataDir, Queue: cfg.Queue, JobTimeout: cfg.JobTimeout, ID: owner.Self().String(), Logger: riverLog}
	if cfg.Work {
		qc.Concurrency, qc.Runner = cfg.Parallel, jr
	}
	q, err := queue.Open(ctx, qc)
	if err != nil {
		return err
	}
	e.Queue, e.jobs = q, jr
	if cfg.Work {
		if err := q.Start(ctx); err != nil {
			return err
		}
		jr.startHeartbeat(cfg.Queue, cfg.Parallel)
	}
	return nil
}

// jobRunner runs the cells this process takes from the queue with the
// engine's store, browser and rule pack (queue.CellRunner), and keeps its
// worker heartbeat.
type jobRunner struct {
	e          *Engine
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
	if attempt > 1 {
		// An earlier attempt may have stored the cell's finished run and
		// lost its worker before the queue heard of it: that run is the
		// cell's result, not a reason to run the cell a second time.
		done, err := jr.e.Store.FinishedRun(c.Invocation, recordings.Run{Release: c.Release, JourneyID: j.ID, Lang: c.Lang, Device: dev.Name, Branch: c.Branch})
		if err != nil {
			return queue.Result{}, fmt.Errorf("%s: %w: %v", cell, errMachinery, err)
		}
		if done != nil {
			jr.e.Logger.Info("a retried cell adopts the run an earlier attempt finished", "cell", cell.String(), "run", done.ID, "attempt", attempt)
			return queue.Result{RunID: done.ID, Status: done.Status, Error: done.Error}, nil
		}
	}
	b, err := jr.browser(ctx)
	if err != nil {
		return queue.Result{}, fmt.Errorf("%s: %w", cell, err)
	}
	pack := jr.e.Pack
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
	rec := &recordings.Recorder{Store: jr.e.Store, Release: c.Release, BaseURL: c.BaseURL, BrowserVersion: b.Version(), Invocation: c.Invocation}
	vc := Video{Mode: c.Video, FPS: c.FPS, Notice: jr.e.Video.Notice}
	if vs := vc.source(jr.e.Store, 1, jr.e.Logger); vs != nil {
		rec.Video = vs
	}
	r := &chrome.Runner{Browser: b, BaseURL: c.BaseURL, Parallel: 1, NoScreenshots: c.NoScreenshots,
		Observer: rec, Progress: progress, Logger: jr.e.Logger}
	if !jr.e.NoChecks {
		r.Checker = &Checker{Pack: pack, Store: jr.e.Store}
	}
	res := r.Run(ctx, []journeys.Cell{cell})[0]
	werr := rec.Wait()
	runID := res.RunID
	if runID != 0 {
		// A run stored with its final verdict is the cell's result, even
		// when the job's time ran out while its video was encoded: running
		// it again would store a second run of the cell.
		if run, err := jr.e.Store.Run(runID); err == nil && (run.Status == journeyproof.StatusPassed || run.Status == journeyproof.StatusFailed) && b.Exited() == nil {
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
		if err := jr.e.Store.RetryRun(runID, why); err != nil {
			jr.e.Logger.Warn("run not marked interrupted", "run", runID, "err", err)
		}
		return queue.Result{}, fmt.Errorf("%s: %w: browser exited", cell, errMachinery)
	}
	run, err := jr.e.Store.Run(runID)
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
	if jr.e.Browser != nil && jr.e.Browser.Exited() == nil {
		return jr.e.Browser, nil
	}
	b, err := openBrowser(ctx, jr.browserURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errMachinery, err)
	}
	if jr.e.Browser != nil {
		jr.e.Logger.Warn("the browser exited; a new one runs the next cells", "browser", b.Version())
		jr.e.Browser.Close()
	}
	jr.e.Browser = b
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
	w := recordings.Worker{ID: jr.e.Queue.ID(), Host: self.Host, PID: self.PID, Queue: queueName, Concurrency: concurrency,
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
		if err := jr.e.Store.BeatWorker(w); err != nil {
			jr.e.Logger.Warn("worker heartbeat not stored", "err", err)
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
		jr.e.Store.RemoveWorker(w.ID)
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
func (e *Engine) runQueued(ctx context.Context, inv Invocation) (*Outcome, error) {
	invID := newInvocationID()
	defer e.jobs.listen(invID, inv.Progress)()
	cells := make([]queue.Cell, len(inv.Cells))
	for i, c := range inv.Cells {
		cells[i] = queue.Cell{Invocation: invID, Release: inv.Release, BaseURL: inv.BaseURL, File: c.Journey.File, Source: c.Journey.Source,
			Service: c.Journey.Service, Lang: c.Lang, Device: c.Device.Name, Branch: c.Branch, Video: e.Video.Mode, FPS: e.Video.FPS,
			NoScreenshots: e.NoScreenshots, Rules: e.jobs.rules, Name: c.String()}
		if cells[i].Video == "" {
			cells[i].Video = "on"
		}
		if err := e.Store.SaveJourney(c.Journey); err != nil {
			return nil, err
		}
	}
	ids, err := e.Queue.Enqueue(ctx, cells)
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
		if inv.Progress == nil || j.Worker() == e.Queue.ID() {
			return
		}
		cell := byID[j.ID]
		switch {
		case j.State == "running":
			inv.Progress(journeys.Event{Kind: journeys.EventCellStart, Cell: cell})
		case j.Finished():
			res := e.cellResult(cell, j)
			inv.Progress(journeys.Event{Kind: journeys.EventCellEnd, Cell: cell, RunID: res.RunID, Status: res.Status, Error: res.Error, Result: &res})
		}
	}
	jobs, werr := e.Queue.Wait(ctx, ids, changed)
	if werr != nil && ctx.Err() != nil {
		// Cancelled: the jobs were cancelled; wait a little for the cells
		// in progress to record their runs as interrupted.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		jobs, _ = e.Queue.Wait(wctx, ids, nil)
		cancel()
	} else if werr != nil {
		return nil, werr
	}
	out := &Outcome{}
	got := map[int64]queue.Job{}
	for _, j := range jobs {
		got[j.ID] = j
	}
	for i, id := range ids {
		out.Results = append(out.Results, e.cellResult(inv.Cells[i], got[id]))
	}
	return out, werr
}

// cellResult is a cell's result as its job and its stored run say.
func (e *Engine) cellResult(cell journeys.Cell, j queue.Job) journeys.CellResult {
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
	res.Status, res.Error, res.RunID = j.Result.Status, j.Result.Error, j.Result.RunID
	if j.Result.RunID == 0 {
		return res
	}
	run, err := e.Store.Run(j.Result.RunID)
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
