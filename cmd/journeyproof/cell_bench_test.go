package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/journeys"
)

// BenchmarkLoginCell says where the time of one cell goes: the login
// journey's main path (5 steps: open, trigger click, wait for the
// authorisation page, approve on the phone side, account page) in English
// on a desktop, against the sandbox, one cell at a time, stored in a
// temporary store. It runs the cell as `run` does (settle, screenshots,
// checks) and, to tell what each costs, without the settle wait
// (NoSettle), without screenshots and without checks; configurations
// alternate within each iteration. Metrics, per cell:
//
//	ms/cell            wall time of the cell (tab, steps, evidence stored)
//	ms-settle          the settle wait before the screenshots (network and
//	                   DOM quiet, the screen checker's readiness, the URL,
//	                   title, scroll and mask reads)
//	ms-shots           viewport (stable: at least two captures) and
//	                   full-page screenshots
//	ms-check           the verifier's screen check (probe and rules)
//	ms-store           storing each step's evidence (SQLite, artifacts)
//	ms-action          the rest of the steps: the actions and their waits
//	ms/cell-nosettle   the cell without the settle wait
//	ms/cell-noshots    the cell without screenshots
//	ms/cell-nochecks   the cell without checks
//
// Run with: go test -run '^$' -bench LoginCell -benchtime 5x ./cmd/journeyproof
func BenchmarkLoginCell(b *testing.B) {
	ctx := context.Background()
	cells, base, e := demoBench(b)
	var cell journeys.Cell
	for _, c := range cells {
		if c.Journey.ID == "login" && c.Lang == "en" && c.Device.Name == "desktop" && c.Branch == "" {
			cell = c
		}
	}
	if cell.Journey == nil {
		b.Fatal("no login/en/desktop cell in the bundled journeys")
	}
	type config struct {
		name                      string
		checks, noSettle, noShots bool
		t                         stepTimes
		cell                      time.Duration
		cells                     int
	}
	configs := []*config{
		{name: "full", checks: true},
		{name: "nosettle", checks: true, noSettle: true},
		{name: "noshots", checks: true, noShots: true},
		{name: "nochecks"},
	}
	run := func(cf *config, release string) {
		cf.t.Observer = releaseRecorder(e, base, release)
		r := cellRunner(e, base, &cf.t, cf.checks)
		r.NoSettle, r.NoScreenshots = cf.noSettle, cf.noShots
		cr := r.RunCell(ctx, cell)
		if cr.Status != journeyproof.StatusPassed {
			b.Fatalf("%s (%s): %s %s", cr.Cell, cf.name, cr.Status, cr.Error)
		}
		cf.cell += cr.Ended.Sub(cr.Started)
		cf.cells++
	}
	// A first round warms the browser, the page caches and the store up.
	for _, cf := range configs {
		run(cf, "bench-cell-warm")
		cf.t, cf.cell, cf.cells = stepTimes{}, 0, 0
	}
	b.ResetTimer()
	for i := range b.N {
		for k := range configs {
			cf := configs[(i+k)%len(configs)]
			run(cf, fmt.Sprintf("bench-cell-%d-%s", i, cf.name))
		}
	}
	ms := func(d time.Duration, n int) float64 { return float64(d.Microseconds()) / 1000 / float64(n) }
	full, n := &configs[0].t, configs[0].cells
	b.ReportMetric(ms(configs[0].cell, n), "ms/cell")
	b.ReportMetric(ms(full.times.Settle, n), "ms-settle")
	b.ReportMetric(ms(full.times.Screenshots, n), "ms-shots")
	b.ReportMetric(ms(full.times.Check, n), "ms-check")
	b.ReportMetric(ms(full.store, n), "ms-store")
	b.ReportMetric(ms(full.walls-full.times.Settle-full.times.Screenshots-full.times.Check, n), "ms-action")
	for _, cf := range configs[1:] {
		b.ReportMetric(ms(cf.cell, cf.cells), "ms/cell-"+cf.name)
	}
}
