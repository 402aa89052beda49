package main

import (
	"context"
	"sort"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/engine"
)

// BenchmarkQueuedCells runs the demo matrix (18 cells, video on) twice on
// one machine, 2 cells at once: through the queue (one River job per cell,
// the embedded SQLite queue and its in-process worker, as run and demo do)
// and straight through the Runner, and reports the wall time per cell of
// each, their ratio, and the median cell time. The README's "Scaling out"
// estimate is made from these figures.
//
// Run with: go test -run '^$' -bench QueuedCells -benchtime 1x ./cmd/journeyproof
func BenchmarkQueuedCells(b *testing.B) {
	ctx := context.Background()
	cells := benchCells(b, bundledJourneys(b), nil, nil, nil)
	base := benchSandbox(b)
	measure := func(queued bool) (perCell, median time.Duration) {
		e, err := engine.Open(ctx, engine.Config{DataDir: b.TempDir(), Parallel: 2, Local: !queued, Work: queued})
		if err != nil {
			b.Fatal(err)
		}
		defer e.Close()
		e.Video = engine.Video{Mode: "on", FPS: 10}
		start := time.Now()
		out, err := e.Run(ctx, engine.Invocation{Release: "bench", BaseURL: base, Cells: cells})
		if err != nil {
			b.Fatal(err)
		}
		wall := time.Since(start)
		var ds []time.Duration
		for _, r := range out.Results {
			if r.Status != journeyproof.StatusPassed {
				b.Fatalf("%s: %s %s", r.Cell, r.Status, r.Error)
			}
			ds = append(ds, r.Ended.Sub(r.Started))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return wall / time.Duration(len(cells)), ds[len(ds)/2]
	}
	for range b.N {
		direct, _ := measure(false)
		queued, med := measure(true)
		b.ReportMetric(direct.Seconds(), "s/cell-direct")
		b.ReportMetric(queued.Seconds(), "s/cell-queued")
		b.ReportMetric(queued.Seconds()/direct.Seconds(), "queued/direct")
		b.ReportMetric(med.Seconds(), "s-median-cell")
	}
}
