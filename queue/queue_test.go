package queue_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"journeyproof/internal/browsertest"
	"journeyproof/internal/pgtest"
	"journeyproof/queue"
)

// pg is the package's private PostgreSQL cluster, started by the first
// test that needs it.
var pg = pgtest.NewLazy()

func TestMain(m *testing.M) { browsertest.Run(m, pg) }

// stores gives each test a fresh queue database of each kind: SQLite under
// a data folder (the default) and a PostgreSQL database.
func stores(t testing.TB) map[string]queue.Config {
	t.Helper()
	dsn, err := pg.Get(t).NewDatabase(context.Background(), fmt.Sprintf("q%d", time.Now().UnixNano()))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]queue.Config{
		"sqlite":   {DataDir: t.TempDir()},
		"postgres": {DB: dsn, DataDir: t.TempDir()},
	}
}

// openQueue opens a queue on cfg, closed when tb ends.
func openQueue(tb testing.TB, cfg queue.Config) *queue.Queue {
	tb.Helper()
	ctx := context.Background()
	q, err := queue.Open(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { q.Close(ctx) })
	return q
}

// startQueue opens a queue on cfg and starts this process's worker of it.
func startQueue(tb testing.TB, cfg queue.Config) *queue.Queue {
	tb.Helper()
	q := openQueue(tb, cfg)
	if err := q.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return q
}

// recorder is a CellRunner that fails the machinery for the cells named in
// infra on their first attempt, and fails the journey of those in failed.
type recorder struct {
	mu      sync.Mutex
	ran     map[string][]int // cell -> attempts
	infra   map[string]bool
	failed  map[string]bool
	started chan string
	block   chan struct{}
}

func (r *recorder) RunCell(ctx context.Context, c queue.Cell, attempt int) (queue.Result, error) {
	r.mu.Lock()
	r.ran[c.Name] = append(r.ran[c.Name], attempt)
	r.mu.Unlock()
	if r.started != nil {
		r.started <- c.Name
	}
	if r.block != nil {
		select {
		case <-r.block:
		case <-ctx.Done():
			return queue.Result{}, ctx.Err()
		}
	}
	if r.infra[c.Name] && attempt == 1 {
		return queue.Result{}, errors.New("browser exited")
	}
	if r.failed[c.Name] {
		return queue.Result{RunID: 7, Status: "failed", Error: "step 2: not visible"}, nil
	}
	return queue.Result{RunID: uint(len(c.Name)), Status: "passed"}, nil
}

func cells(n int) []queue.Cell {
	out := make([]queue.Cell, n)
	for i := range out {
		out[i] = queue.Cell{Release: "r", Name: fmt.Sprintf("j%d/en/desktop", i), Lang: "en", Device: "desktop"}
	}
	return out
}

// Every cell runs once; a machinery failure is retried (and only that), a
// failed journey is not; the results come back in the cells' order.
func TestCellsRunOnceRetriedOnlyForMachinery(t *testing.T) {
	for name, cfg := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			r := &recorder{ran: map[string][]int{}, infra: map[string]bool{"j1/en/desktop": true}, failed: map[string]bool{"j2/en/desktop": true}}
			cfg.Concurrency, cfg.Runner = 3, r
			q := startQueue(t, cfg)
			cs := cells(8)
			ids, err := q.Enqueue(ctx, cs)
			if err != nil {
				t.Fatal(err)
			}
			wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			jobs, err := q.Wait(wctx, ids, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i, j := range jobs {
				if j.Cell.Name != cs[i].Name || j.State != "completed" || j.Result == nil {
					t.Fatalf("job %d: %+v", i, j)
				}
				if j.Worker() != q.ID() {
					t.Errorf("job %d attempted by %v, want %s", i, j.AttemptedBy, q.ID())
				}
			}
			for _, c := range cs {
				want := 1
				if c.Name == "j1/en/desktop" {
					want = 2
				}
				if got := len(r.ran[c.Name]); got != want {
					t.Errorf("%s ran %d times %v, want %d", c.Name, got, r.ran[c.Name], want)
				}
			}
			if jobs[1].Attempt != 2 || len(jobs[1].Errors) != 1 || jobs[1].Errors[0] != "browser exited" {
				t.Errorf("retried job: attempt %d, errors %q", jobs[1].Attempt, jobs[1].Errors)
			}
			if jobs[2].Result.Status != "failed" || jobs[2].Attempt != 1 {
				t.Errorf("failed journey: %+v", jobs[2])
			}
		})
	}
}

// Cancelling jobs stops the running one on its worker and keeps the
// waiting ones from running; the queue's depth shows both until then.
func TestCancelStopsRunningAndWaitingJobs(t *testing.T) {
	for name, cfg := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			r := &recorder{ran: map[string][]int{}, started: make(chan string, 10), block: make(chan struct{})}
			cfg.Concurrency, cfg.Runner = 1, r
			q := startQueue(t, cfg)
			ids, err := q.Enqueue(ctx, cells(3))
			if err != nil {
				t.Fatal(err)
			}
			<-r.started
			var d queue.Depth
			var running []queue.Job
			for range 50 { // the state is written just after the work starts
				if d, running, err = q.Depth(ctx); err == nil && d.Running == 1 {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if d.Running != 1 || d.Waiting != 2 || len(running) != 1 || running[0].Worker() != q.ID() {
				t.Fatalf("depth %+v, running %+v", d, running)
			}
			wctx, cancel := context.WithCancel(ctx)
			var done atomic.Bool
			var jobs []queue.Job
			go func() {
				jobs, _ = q.Wait(wctx, ids, nil)
				done.Store(true)
			}()
			time.Sleep(300 * time.Millisecond)
			cancel()
			for !done.Load() {
				time.Sleep(20 * time.Millisecond)
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				js, err := q.Jobs(ctx, ids)
				if err != nil {
					t.Fatal(err)
				}
				all := true
				for _, j := range js {
					all = all && j.State == "cancelled"
				}
				if all {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("jobs not cancelled: %+v", js)
				}
				time.Sleep(100 * time.Millisecond)
			}
			if len(r.ran) != 1 {
				t.Errorf("cells run: %v, want only the first", r.ran)
			}
			_ = jobs
		})
	}
}
