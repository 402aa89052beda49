// Package queue runs cells as jobs on River (github.com/riverqueue/river):
// one job per cell, taken by workers in this process or on other machines,
// retried with backoff when the machinery failed (browser died, store
// unreachable) and never when the journey itself failed. The queue lives in
// SQLite under the data folder (riversqlite, the one-machine default) or in
// a shared PostgreSQL (riverpgxv5) named by a postgres:// URL.
//
// The package knows nothing of browsers or the store: a worker is handed a
// CellRunner, which the command line implements.
package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/mattn/go-sqlite3" // the "sqlite3" database/sql driver
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// DefaultQueue is the queue cells go to without --queue.
const DefaultQueue = river.QueueDefault

// MaxAttempts is how many times a cell is tried when the machinery fails.
const MaxAttempts = 3

// DefaultJobTimeout is how long one cell may run before its job is
// cancelled and retried. A worker that dies (kill -9, lost machine) leaves
// its job running; River rescues it RescueAfter(timeout) after it started.
const DefaultJobTimeout = 10 * time.Minute

// RescueAfter is how long after its start a job whose worker is gone is
// put back in the queue: the job timeout and 15s more, so that a live
// worker has given up on its job (and stored the run's verdict) first.
func RescueAfter(jobTimeout time.Duration) time.Duration { return jobTimeout + 15*time.Second }

// Cell is one job: one cell of a journey (journey file x language x
// device) under a release. It carries the journey's source, so a worker on
// another machine needs no copy of the files.
type Cell struct {
	// Invocation names the jobs enqueued together (one `run`, one start
	// from the web app).
	Invocation string `json:"invocation"`
	Release    string `json:"release"`
	BaseURL    string `json:"baseURL"`
	File       string `json:"file"`
	Source     string `json:"source"`
	// Service overrides the journey's service name ("" keeps the file's).
	Service string `json:"service,omitempty"`
	Lang    string `json:"lang"`
	Device  string `json:"device"`
	// Branch is the journey's path: "" for the main path, else a branch's
	// name (each branch of each cell is its own job).
	Branch string `json:"branch,omitempty"`
	// Video is on, off or failed-only; FPS its frame rate.
	Video         string `json:"video"`
	FPS           int    `json:"fps"`
	NoScreenshots bool   `json:"noScreenshots,omitempty"`
	// Rules is a rule pack's YAML replacing the embedded one ("" for the
	// embedded pack).
	Rules string `json:"rules,omitempty"`
	// Name is the cell's name (journey/lang/device[/branch]), for lists.
	Name string `json:"name"`
}

// Kind is the River job kind of a cell.
func (Cell) Kind() string { return "journeyproof_cell" }

// InsertOpts are the options every cell job is inserted with.
func (Cell) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: MaxAttempts} }

// Result is what a worker records when a cell ran: its run and the
// workflow verdict.
type Result struct {
	RunID  uint   `json:"runId"`
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// CellRunner runs one cell and stores its run. An error means the
// machinery failed (the job is retried with backoff); a journey that
// failed on its own is a Result with status failed and no error.
type CellRunner interface {
	RunCell(ctx context.Context, cell Cell, attempt int) (Result, error)
}

// Config says which queue to open and, for a worker, how to work it.
type Config struct {
	// DB is a postgres:// URL, or "" for SQLite in DataDir/queue.db.
	DB      string
	DataDir string
	// Queue is the queue to work (DefaultQueue when "").
	Queue string
	// Concurrency is how many cells this process runs at once; 0 makes a
	// client that only inserts and reads jobs.
	Concurrency int
	// Runner runs the cells (needed when Concurrency > 0).
	Runner CellRunner
	// JobTimeout bounds one cell (DefaultJobTimeout when 0).
	JobTimeout time.Duration
	// ID names this process in the job rows (attempted by); River makes
	// one when "".
	ID     string
	Logger *slog.Logger
}

// Queue is an open queue: a River client and its database.
type Queue struct {
	client  client
	cfg     Config
	closeDB func()
	working bool
}

// client is what Queue uses of a river.Client, whatever its driver.
type client interface {
	Start(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	ID() string
	InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	JobCancel(ctx context.Context, id int64) (*rivertype.JobRow, error)
}

// Open opens the queue, applying River's migrations when they are missing
// (Migrate does the same alone), and with Concurrency > 0 registers the
// worker; Start starts working.
func Open(ctx context.Context, cfg Config) (*Queue, error) {
	if cfg.Queue == "" {
		cfg.Queue = DefaultQueue
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = DefaultJobTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if cfg.Concurrency > 0 && cfg.Runner == nil {
		return nil, errors.New("queue: a worker needs a cell runner")
	}
	rc := &river.Config{
		ID:                   cfg.ID,
		Logger:               cfg.Logger,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: RescueAfter(cfg.JobTimeout),
		MaxAttempts:          MaxAttempts,
		FetchPollInterval:    100 * time.Millisecond,
		FetchCooldown:        50 * time.Millisecond,
		// Finished jobs stay a day, so `run --queue` and the web app can
		// read their results.
		CompletedJobRetentionPeriod: 24 * time.Hour,
	}
	if cfg.Concurrency > 0 {
		workers := river.NewWorkers()
		if err := river.AddWorkerSafely(workers, &cellWorker{runner: cfg.Runner, timeout: cfg.JobTimeout}); err != nil {
			return nil, fmt.Errorf("queue: %w", err)
		}
		rc.Workers = workers
		rc.Queues = map[string]river.QueueConfig{cfg.Queue: {MaxWorkers: cfg.Concurrency}}
	}
	q := &Queue{cfg: cfg, working: cfg.Concurrency > 0}
	if IsPostgres(cfg.DB) {
		pool, err := pgxpool.New(ctx, cfg.DB)
		if err != nil {
			return nil, fmt.Errorf("queue: connect: %w", err)
		}
		driver := riverpgxv5.New(pool)
		if err := migratePostgres(ctx, pool, driver); err != nil {
			pool.Close()
			return nil, err
		}
		c, err := river.NewClient(driver, rc)
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("queue: %w", err)
		}
		q.client, q.closeDB = c, pool.Close
		return q, nil
	}
	if cfg.DB != "" {
		return nil, fmt.Errorf("queue: --db %q: want a postgres:// URL, or nothing for SQLite under the data folder", cfg.DB)
	}
	db, err := OpenSQLite(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	driver := riversqlite.New(db)
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("queue: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		db.Close()
		return nil, fmt.Errorf("queue: migrate %s: %w", sqlitePath(cfg.DataDir), err)
	}
	c, err := river.NewClient(driver, rc)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("queue: %w", err)
	}
	q.client, q.closeDB = c, func() { db.Close() }
	return q, nil
}

// IsPostgres reports whether db names a PostgreSQL database.
func IsPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

func sqlitePath(dataDir string) string { return filepath.Join(dataDir, "queue.db") }

// OpenSQLite opens the embedded queue's database, DataDir/queue.db (WAL,
// busy timeout, immediate transactions, so that several processes on one
// machine can share it).
func OpenSQLite(dataDir string) (*sql.DB, error) {
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	db, err := sql.Open("sqlite3", "file:"+sqlitePath(dataDir)+"?_journal_mode=WAL&_busy_timeout=10000&_synchronous=NORMAL&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("queue: open %s: %w", sqlitePath(dataDir), err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// migratePostgres applies River's migrations under an advisory lock held
// on a connection of its own, so that workers starting together do not
// race (the migrations themselves cannot share one transaction).
func migratePostgres(ctx context.Context, pool *pgxpool.Pool, driver *riverpgxv5.Driver) error {
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("queue: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(4216002)`); err != nil {
		return fmt.Errorf("queue: migrate: %w", err)
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock(4216002)`)
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("queue: migrate: %w", err)
	}
	return nil
}

// Start starts working the queue (a no-op for an insert-only client).
func (q *Queue) Start(ctx context.Context) error {
	if !q.working {
		return nil
	}
	// The client outlives ctx: a stop (Ctrl-C) cancels the jobs of the
	// invocation first and Close stops the client, so the jobs' states
	// are still written.
	if err := q.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("queue: start: %w", err)
	}
	return nil
}

// Name is the queue's name.
func (q *Queue) Name() string { return q.cfg.Queue }

// ID is this process's name in the queue (a job's attempted by).
func (q *Queue) ID() string { return q.client.ID() }

// Close stops working and closes the database: the cells in progress are
// cancelled (a cell cancelled this way is retried, by another worker when
// there is one); ctx bounds the wait for them.
func (q *Queue) Close(ctx context.Context) error {
	var err error
	if q.working {
		err = q.client.StopAndCancel(ctx)
	}
	q.closeDB()
	return err
}

// Enqueue inserts one job per cell into the queue and returns their ids
// in the cells' order.
func (q *Queue) Enqueue(ctx context.Context, cells []Cell) ([]int64, error) {
	params := make([]river.InsertManyParams, len(cells))
	for i, c := range cells {
		params[i] = river.InsertManyParams{Args: c, InsertOpts: &river.InsertOpts{Queue: q.cfg.Queue, MaxAttempts: MaxAttempts}}
	}
	ids := make([]int64, 0, len(cells))
	for start := 0; start < len(params); start += 500 {
		end := min(start+500, len(params))
		res, err := q.client.InsertMany(ctx, params[start:end])
		if err != nil {
			return nil, fmt.Errorf("queue: enqueue %d cells: %w", len(cells), err)
		}
		for _, r := range res {
			ids = append(ids, r.Job.ID)
		}
	}
	return ids, nil
}

// Job is a cell's job as the queue has it.
type Job struct {
	ID    int64
	Cell  Cell
	State rivertype.JobState
	// Attempt counts the tries so far; AttemptedBy names the processes
	// that took it, the last one the current or final.
	Attempt     int
	AttemptedBy []string
	// Result is set when a worker finished the cell.
	Result *Result
	// Errors are the machinery failures of earlier attempts.
	Errors []string
}

// Finished reports whether the job will not run again.
func (j Job) Finished() bool {
	switch j.State {
	case rivertype.JobStateCompleted, rivertype.JobStateCancelled, rivertype.JobStateDiscarded:
		return true
	}
	return false
}

// Worker is the process that has (or last had) the job ("" before any).
func (j Job) Worker() string {
	if len(j.AttemptedBy) == 0 {
		return ""
	}
	return j.AttemptedBy[len(j.AttemptedBy)-1]
}

func toJob(row *rivertype.JobRow) Job {
	j := Job{ID: row.ID, State: row.State, Attempt: row.Attempt, AttemptedBy: row.AttemptedBy}
	json.Unmarshal(row.EncodedArgs, &j.Cell)
	if out := row.Output(); len(out) > 0 {
		var r Result
		if json.Unmarshal(out, &r) == nil {
			j.Result = &r
		}
	}
	for _, e := range row.Errors {
		j.Errors = append(j.Errors, e.Error)
	}
	return j
}

// Jobs returns the jobs with the ids, in the ids' order (a job deleted by
// retention is missing).
func (q *Queue) Jobs(ctx context.Context, ids []int64) ([]Job, error) {
	byID := map[int64]Job{}
	for start := 0; start < len(ids); start += 1000 {
		end := min(start+1000, len(ids))
		res, err := q.client.JobList(ctx, river.NewJobListParams().IDs(ids[start:end]...).First(end-start))
		if err != nil {
			return nil, fmt.Errorf("queue: read jobs: %w", err)
		}
		for _, row := range res.Jobs {
			byID[row.ID] = toJob(row)
		}
	}
	out := make([]Job, 0, len(ids))
	for _, id := range ids {
		if j, ok := byID[id]; ok {
			out = append(out, j)
		}
	}
	return out, nil
}

// Wait follows the jobs until every one is finished, calling changed for
// each job whose state or attempt changed, and returns them in the ids'
// order. When ctx ends first, the jobs not finished are cancelled.
func (q *Queue) Wait(ctx context.Context, ids []int64, changed func(Job)) ([]Job, error) {
	seen := map[int64]string{}
	t := time.NewTicker(150 * time.Millisecond)
	defer t.Stop()
	for {
		jobs, err := q.Jobs(ctx, ids)
		if err != nil && ctx.Err() == nil {
			return nil, err
		}
		if ctx.Err() != nil {
			cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			q.Cancel(cctx, ids)
			return jobs, ctx.Err()
		}
		done := len(jobs) == len(ids)
		for _, j := range jobs {
			key := fmt.Sprintf("%s/%d", j.State, j.Attempt)
			if seen[j.ID] != key {
				seen[j.ID] = key
				if changed != nil {
					changed(j)
				}
			}
			if !j.Finished() {
				done = false
			}
		}
		if done {
			return jobs, nil
		}
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
}

// Cancel cancels the jobs not finished yet: a waiting job never runs, a
// running one has its context cancelled on its worker.
func (q *Queue) Cancel(ctx context.Context, ids []int64) error {
	// The waiting jobs first: cancelling a running job frees its worker,
	// which would otherwise take a waiting job before it is cancelled.
	order := ids
	if jobs, err := q.Jobs(ctx, ids); err == nil {
		order = make([]int64, 0, len(ids))
		var running []int64
		for _, j := range jobs {
			switch {
			case j.State == rivertype.JobStateRunning:
				running = append(running, j.ID)
			case !j.Finished():
				order = append(order, j.ID)
			}
		}
		order = append(order, running...)
	}
	var errs []error
	for _, id := range order {
		if _, err := q.client.JobCancel(ctx, id); err != nil && !errors.Is(err, rivertype.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("queue: cancel jobs: %w", errors.Join(errs...))
	}
	return nil
}

// Depth counts the cell jobs of the queue by state.
type Depth struct {
	// Waiting are available to a worker now; Scheduled wait for a retry's
	// backoff; Running are on a worker.
	Waiting, Scheduled, Running int
}

// Depth counts the jobs waiting, scheduled for a retry and running, and
// returns the running ones.
func (q *Queue) Depth(ctx context.Context) (Depth, []Job, error) {
	var d Depth
	var running []Job
	states := []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
		rivertype.JobStateScheduled, rivertype.JobStateRunning}
	params := river.NewJobListParams().Queues(q.cfg.Queue).States(states...).First(10000)
	res, err := q.client.JobList(ctx, params)
	if err != nil {
		return d, nil, fmt.Errorf("queue: depth: %w", err)
	}
	for _, row := range res.Jobs {
		switch row.State {
		case rivertype.JobStateAvailable, rivertype.JobStatePending:
			d.Waiting++
		case rivertype.JobStateRunning:
			d.Running++
			running = append(running, toJob(row))
		default:
			d.Scheduled++
		}
	}
	return d, running, nil
}

// cellWorker is the River worker of cell jobs.
type cellWorker struct {
	river.WorkerDefaults[Cell]
	runner  CellRunner
	timeout time.Duration
}

// Timeout bounds one cell.
func (w *cellWorker) Timeout(*river.Job[Cell]) time.Duration { return w.timeout }

// Work runs the cell; the result is the job's output. A machinery failure
// is returned, so River retries the job with backoff.
func (w *cellWorker) Work(ctx context.Context, job *river.Job[Cell]) error {
	res, err := w.runner.RunCell(ctx, job.Args, job.Attempt)
	if err != nil {
		return err
	}
	if err := river.RecordOutput(ctx, res); err != nil {
		return fmt.Errorf("record the result of %s: %w", job.Args.Name, err)
	}
	return nil
}
