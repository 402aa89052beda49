package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"journeyproof"
	"journeyproof/engine"
	"journeyproof/journeys"
	"journeyproof/journeys/sandbox"
	"journeyproof/recordings/compare"
)

// BenchmarkRerunStability measures whether comparing releases tells
// change from noise, with compare's default settings:
//
//   - the bundled journeys (18 cells) run against a clean sandbox as a first
//     release, then 3 times more; each re-run compared with the first
//     should have 0 changed cells (reported as changed-cells/rerun);
//   - then each sandbox defect is switched on in turn (on a new sandbox) and
//     the bundled journeys run on one language and device each (rotating);
//     every cell where the defect's rule is found should compare as
//     changed (reported as defect-cells-unchanged, want 0).
//
// A cell that fails (on a loaded machine, a step can time out) is left out
// of the counts and reported as failed-cells. JOURNEYPROOF_BENCH_JOURNEYS
// (journey ids, comma-separated) narrows the bundled journeys;
// JOURNEYPROOF_BENCH_RERUNS sets the number of clean re-runs (3; 0 measures
// the defects only).
//
// Run with: make rerun-stability (one iteration; it takes minutes).
func BenchmarkRerunStability(b *testing.B) {
	ctx := context.Background()
	js := bundledJourneys(b)
	if keep := splitList(os.Getenv("JOURNEYPROOF_BENCH_JOURNEYS")); len(keep) > 0 {
		js = slices.DeleteFunc(js, func(j *journeys.Journey) bool { return !slices.Contains(keep, j.ID) })
	}
	// the main paths: the figures the README compares
	mainPath := []string{journeys.MainBranch}
	all := benchCells(b, js, splitList(os.Getenv("JOURNEYPROOF_BENCH_LANGS")), splitList(os.Getenv("JOURNEYPROOF_BENCH_DEVICES")), mainPath)
	_, base, e := demoBench(b)
	// failed holds the cells (journey/lang/device) that failed, by release.
	failed := map[string]map[string]bool{}
	leftOut := func(release, cell string) bool { return failed["first"][cell] || failed[release][cell] }
	run := func(release, url string, cells []journeys.Cell) {
		b.Helper()
		out, err := e.Run(ctx, engine.Invocation{Release: release, BaseURL: url, Cells: cells})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range out.Results {
			if r.Status != journeyproof.StatusPassed {
				if failed[release] == nil {
					failed[release] = map[string]bool{}
				}
				failed[release][r.Cell.String()] = true
				fmt.Fprintf(os.Stderr, "%s %s failed, left out: %s\n", release, r.Cell, r.Error)
			}
		}
	}
	cmp := func(head string) *compare.Report {
		b.Helper()
		rep, err := compare.Compare(ctx, e.Store, compare.Side{Release: "first"}, compare.Side{Release: head}, compare.Options{NoDiffImages: true})
		if err != nil {
			b.Fatal(err)
		}
		return rep
	}
	describe := func(rd compare.RunDiff) string {
		var parts []string
		for _, s := range rd.Steps {
			if s.Status != compare.StatusChanged {
				continue
			}
			d := s.Name
			if s.Visual != nil && s.OverLimit {
				d += fmt.Sprintf(" (%d px in %d boxes)", s.Visual.DiffPixels, len(s.Visual.Boxes))
			}
			if len(s.Text) > 0 {
				d += fmt.Sprintf(" (%d text changes)", len(s.Text))
			}
			if n := len(s.Findings.New) + len(s.Findings.Resolved); n > 0 {
				d += fmt.Sprintf(" (%d findings new or resolved)", n)
			}
			parts = append(parts, d)
		}
		return strings.Join(parts, "; ")
	}

	for b.Loop() {
		run("first", base, all)
		changed, compared := 0, 0
		reruns := 3
		if v := os.Getenv("JOURNEYPROOF_BENCH_RERUNS"); v != "" {
			var err error
			if reruns, err = strconv.Atoi(v); err != nil || reruns < 0 {
				b.Fatalf("JOURNEYPROOF_BENCH_RERUNS=%q: want a number of clean re-runs, 0 or more", v)
			}
		}
		for k := 1; k <= reruns; k++ {
			rel := fmt.Sprintf("rerun-%d", k)
			run(rel, base, all)
			rep := cmp(rel)
			for _, rd := range rep.Runs {
				if leftOut(rel, rd.Cell) {
					continue
				}
				compared++
				if rd.Status != compare.StatusUnchanged {
					changed++
					fmt.Fprintf(os.Stderr, "rerun %d: %s %s: %s\n", k, rd.Cell, rd.Status, describe(rd))
				}
			}
		}
		b.ReportMetric(float64(changed)/float64(max(reruns, 1)), "changed-cells/rerun")
		b.ReportMetric(float64(compared), "compared-cell-pairs")

		fmt.Fprintf(os.Stderr, "clean re-runs: %d changed of %d cell pairs compared with the first (want 0)\n", changed, compared)

		unchanged, affected, missing := 0, 0, 0
		langs, devices := []string{"en", "zh-HK", "zh-CN"}, []string{"desktop", "mobile"}
		defects := sandbox.Defects()
		if keep := splitList(os.Getenv("JOURNEYPROOF_BENCH_DEFECTS")); len(keep) > 0 {
			defects = slices.DeleteFunc(defects, func(d sandbox.Defect) bool { return !slices.Contains(keep, d.Name) })
		}
		for i, d := range defects {
			url, stopD, err := startSandbox("127.0.0.1:0", []string{d.Name})
			if err != nil {
				b.Fatal(err)
			}
			cells := benchCells(b, js, []string{langs[i%3]}, []string{devices[(i/3)%2]}, mainPath)
			rel := "defect-" + d.Name
			run(rel, url, cells)
			stopD()
			rep := cmp(rel)
			hit := 0
			for _, rd := range rep.Runs {
				// A cell the first release did not run (a narrowed matrix)
				// has nothing to compare with.
				if rd.Head == nil || rd.Base == nil || leftOut(rel, rd.Cell) {
					continue
				}
				run, err := e.Store.Run(rd.Head.ID)
				if err != nil {
					b.Fatal(err)
				}
				has := false
				for _, f := range run.Findings {
					has = has || f.Rule == d.Rule
				}
				if !has {
					continue
				}
				hit++
				affected++
				if rd.Status != compare.StatusChanged {
					unchanged++
					fmt.Fprintf(os.Stderr, "defect %s: %s compares as %s\n", d.Name, rd.Cell, rd.Status)
				}
			}
			if hit == 0 {
				missing++
				fmt.Fprintf(os.Stderr, "defect %s: no cell found %s\n", d.Name, d.Rule)
			}
		}
		fmt.Fprintf(os.Stderr, "defects: %d of %d found; %d of their %d cells compared as unchanged (want 0)\n",
			len(defects)-missing, len(defects), unchanged, affected)
		b.ReportMetric(float64(affected), "defect-cells")
		b.ReportMetric(float64(unchanged), "defect-cells-unchanged")
		b.ReportMetric(float64(missing), "defects-not-found")
		n := 0
		for _, cells := range failed {
			n += len(cells)
		}
		b.ReportMetric(float64(n), "failed-cells")
	}
}
