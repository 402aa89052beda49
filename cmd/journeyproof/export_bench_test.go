package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"journeyproof/engine"
	"journeyproof/journeys/examples"
	"journeyproof/recordings/pack"
)

// BenchmarkExportDemo runs the demo release (the bundled journeys over
// the whole matrix, video on, 2 cells at once) and then exports it, with
// the bundled service file's expected processes, and reports the time of
// the export, with and without the submission renditions, against the
// time of the run: export-s / run-s is the figure in the README. The
// renditions are made at export time from the stored screenshots, so the
// hold and the overlays add nothing to the runs.
//
// Run with: go test -run '^$' -bench ExportDemo -benchtime 1x ./cmd/journeyproof
func BenchmarkExportDemo(b *testing.B) {
	ctx := context.Background()
	_, base, e := demoBench(b)
	// The demo release: every branch of every cell, as `make demo` runs it
	// (the completeness check expects them all).
	cells := benchCells(b, bundledJourneys(b), nil, nil, nil)
	e.Video = engine.Video{Mode: "on", FPS: 10}
	svc, err := examples.Service()
	if err != nil {
		b.Fatal(err)
	}
	exp, err := expectedJourneys(svc)
	if err != nil {
		b.Fatal(err)
	}
	var run, export, exportRaw time.Duration
	b.ResetTimer()
	for i := range b.N {
		release := "bench-export-" + string(rune('a'+i%26))
		start := time.Now()
		if _, err := e.Run(ctx, engine.Invocation{Release: release, BaseURL: base, Cells: cells}); err != nil {
			b.Fatal(err)
		}
		run += time.Since(start)
		for _, raw := range []bool{true, false} {
			o := pack.Options{Store: e.Store, Browser: e.Browser, Release: release, Version: "bench", Expected: exp,
				ServiceName: svc.Name, Origin: svc.Origin, NoRenditions: raw}
			start = time.Now()
			sum, err := pack.Export(ctx, o, filepath.Join(b.TempDir(), "pack.zip"))
			if err != nil {
				b.Fatal(err)
			}
			if !sum.Completeness.Complete {
				b.Fatalf("demo release incomplete: %v", sum.Completeness.Lines())
			}
			if raw {
				exportRaw += time.Since(start)
			} else {
				export += time.Since(start)
			}
		}
	}
	n := float64(b.N)
	b.ReportMetric(run.Seconds()/n, "run-s")
	b.ReportMetric(exportRaw.Seconds()/n, "export-no-renditions-s")
	b.ReportMetric(export.Seconds()/n, "export-s")
	b.ReportMetric(export.Seconds()/run.Seconds(), "export/run")
}
