package queue_test

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"journeyproof/queue"
)

// noop is a CellRunner that does nothing, so the benchmarks measure the
// queue alone; started records when each cell's work began.
type noop struct {
	mu      sync.Mutex
	started map[string]time.Time
}

func (n *noop) RunCell(ctx context.Context, c queue.Cell, attempt int) (queue.Result, error) {
	n.mu.Lock()
	n.started[c.Name] = time.Now()
	n.mu.Unlock()
	return queue.Result{Status: "passed"}, nil
}

const benchJobs = 500

// BenchmarkEnqueue: cells inserted per second (one batch of benchJobs), on
// each store.
func BenchmarkEnqueue(b *testing.B) {
	for name, cfg := range stores(b) {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			q := openQueue(b, cfg)
			cs := cells(benchJobs)
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				if _, err := q.Enqueue(ctx, cs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*benchJobs)/time.Since(start).Seconds(), "jobs/s")
		})
	}
}

// BenchmarkDequeue: no-op cells worked per second by one worker running 8
// at once, from benchJobs already waiting to the last one completed.
func BenchmarkDequeue(b *testing.B) {
	for name, cfg := range stores(b) {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			var total time.Duration
			for range b.N {
				n := &noop{started: map[string]time.Time{}}
				cfg.Concurrency, cfg.Runner = 8, n
				q, err := queue.Open(ctx, cfg)
				if err != nil {
					b.Fatal(err)
				}
				ids, err := q.Enqueue(ctx, cells(benchJobs))
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				if err := q.Start(ctx); err != nil {
					b.Fatal(err)
				}
				if _, err := q.Wait(ctx, ids, nil); err != nil {
					b.Fatal(err)
				}
				total += time.Since(start)
				q.Close(ctx)
			}
			b.ReportMetric(float64(b.N*benchJobs)/total.Seconds(), "jobs/s")
		})
	}
}

// BenchmarkJobOverhead: the time from a cell's enqueue to the start of its
// work on an idle worker, one cell at a time (the median of 50), in ms:
// what the queue adds to every cell.
func BenchmarkJobOverhead(b *testing.B) {
	for name, cfg := range stores(b) {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			n := &noop{started: map[string]time.Time{}}
			cfg.Concurrency, cfg.Runner = 1, n
			q := startQueue(b, cfg)
			time.Sleep(500 * time.Millisecond) // the worker is up and idle
			var lat []float64
			b.ResetTimer()
			for range b.N {
				for i, c := range cells(50) {
					at := time.Now()
					ids, err := q.Enqueue(ctx, []queue.Cell{c})
					if err != nil {
						b.Fatal(err)
					}
					for {
						n.mu.Lock()
						t, ok := n.started[c.Name]
						delete(n.started, c.Name)
						n.mu.Unlock()
						if ok {
							lat = append(lat, float64(t.Sub(at).Microseconds())/1000)
							break
						}
						time.Sleep(time.Millisecond)
					}
					q.Wait(ctx, ids, nil)
					_ = i
				}
			}
			sort.Float64s(lat)
			b.ReportMetric(lat[len(lat)/2], "ms/cell")
			b.ReportMetric(lat[len(lat)*9/10], "p90-ms/cell")
		})
	}
}
