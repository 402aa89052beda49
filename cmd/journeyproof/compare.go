package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"journeyproof/recordings"
	"journeyproof/recordings/compare"
)

func cmdCompare(ctx context.Context, env *cli, args []string) int {
	fs := newFlags(env, "compare", "[--base NAME|--base-run ID] (--head NAME|--head-run ID) [flags]",
		"Compares the runs of two releases (or two runs) cell by cell and step by step: screenshots (perceptual image\n"+
			"diff, masks ignored), the text of the iAM Smart entries and the page title, findings and URL paths.\n"+
			"Without --base or --base-run each journey is compared against its baseline (journeyproof baseline set).\n"+
			"Exit 0 when no step is over the limit, no step was added, removed or reordered and no new error finding\n"+
			"appeared; 1 otherwise; 2 for bad usage.")
	base := fs.String("base", "", "base release (default: each journey's baseline)")
	baseRun := fs.Uint("base-run", 0, "base run id (instead of --base)")
	head := fs.String("head", "", "head release")
	headRun := fs.Uint("head-run", 0, "head run id (instead of --head)")
	threshold := fs.Float64("threshold", 0.1, "colour threshold of the image diff, 0 to 1 (smaller is stricter)")
	maxPixels := fs.Int("max-diff-pixels", 0, "a step is over the limit when more pixels than this differ (default: any differing pixel)")
	maxRatio := fs.Float64("max-diff-ratio", 0, "a step is over the limit when more than this share (0 to 1) of its pixels differ")
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	htmlOut := fs.String("html", "", "write a self-contained HTML report to this file")
	sf := addStoreFlags(fs)
	if _, done, code := parseArgs(env, fs, args, noArgs("; usage: journeyproof compare [--base NAME|--base-run ID] (--head NAME|--head-run ID)")); done {
		return code
	}
	switch {
	case *head == "" && *headRun == 0:
		return usageError(env, "compare", "give the head: --head NAME or --head-run ID")
	case *head != "" && *headRun != 0:
		return usageError(env, "compare", "give either --head or --head-run, not both")
	case *base != "" && *baseRun != 0:
		return usageError(env, "compare", "give either --base or --base-run, not both")
	case *threshold <= 0 || *threshold > 1:
		return usageError(env, "compare", "--threshold must be above 0 and at most 1")
	case *maxPixels < 0 || *maxRatio < 0 || *maxRatio > 1:
		return usageError(env, "compare", "--max-diff-pixels must be at least 0 and --max-diff-ratio between 0 and 1")
	case *maxPixels > 0 && *maxRatio > 0:
		return usageError(env, "compare", "give either --max-diff-pixels or --max-diff-ratio, not both")
	}
	store, rep, code := compareStored(ctx, env, sf, compare.Side{Release: *base, RunID: *baseRun}, compare.Side{Release: *head, RunID: *headRun},
		compare.Options{Threshold: *threshold, Limit: compare.Limit{MaxDiffPixels: *maxPixels, MaxDiffRatio: *maxRatio}})
	if rep == nil {
		return code
	}
	defer store.Close()
	if *htmlOut != "" {
		if err := writeHTMLReport(*htmlOut, rep, store); err != nil {
			return errorExit(env, err, exitFailed)
		}
	}
	if *asJSON {
		if err := printJSON(env.stdout, rep, true); err != nil {
			return errorExit(env, err, exitFailed)
		}
	} else {
		printComparison(env.stdout, rep)
		if *htmlOut != "" {
			fmt.Fprintf(env.stdout, "HTML report: %s\n", absPath(*htmlOut))
		}
	}
	if rep.Summary.Failed {
		return exitFailed
	}
	return exitOK
}

// compareStored opens the store of --data and --db and compares base with
// head in it; the caller closes the store. On failure it prints the error
// and returns nils and the exit code: 2 when the sides do not make a
// comparison (compare.ErrUsage), else 1.
func compareStored(ctx context.Context, env *cli, sf storeFlags, base, head compare.Side, o compare.Options) (*recordings.Store, *compare.Report, int) {
	store, code := sf.openFor(env)
	if store == nil {
		return nil, nil, code
	}
	rep, err := compare.Compare(ctx, store, base, head, o)
	if err != nil {
		store.Close()
		errorLine(env, err)
		if errors.Is(err, compare.ErrUsage) {
			return nil, nil, exitUsage
		}
		return nil, nil, exitFailed
	}
	return store, rep, exitOK
}

func writeHTMLReport(path string, rep *compare.Report, store *recordings.Store) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write HTML report: %w", err)
	}
	if err := compare.WriteHTML(f, rep, store); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write HTML report: %w", err)
	}
	return nil
}

// printComparison prints the summary per run, then what changed in each
// changed run, step by step.
func printComparison(w io.Writer, rep *compare.Report) {
	base := rep.Base + " (base)"
	if rep.Base == "baseline" {
		base = "the baseline (release " + strings.Join(rep.BaseReleases, ", ") + ")"
	}
	fmt.Fprintf(w, "Comparing %s (head) against %s\nThreshold %g; a step is over the limit at %s.\n\n", rep.Head, base, rep.Threshold, rep.Limit)
	tw := newTable(w)
	fmt.Fprintln(tw, "CELL\tBASE\tHEAD\tSTATUS\tDETAIL")
	for _, r := range rep.Runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Cell, runID(r.Base), runID(r.Head), r.Status, r.Detail())
	}
	tw.Flush()
	for _, r := range rep.Runs {
		if r.Status != compare.StatusChanged {
			continue
		}
		fmt.Fprintf(w, "\n%s (run %s -> %s)\n", r.Cell, runID(r.Base), runID(r.Head))
		for _, s := range r.Steps {
			if s.Status == compare.StatusUnchanged {
				continue
			}
			fmt.Fprintf(w, "  %s %s: %s", stepNumber(&s), s.Name, s.Status)
			if s.Reordered {
				fmt.Fprint(w, ", reordered")
			}
			if v := s.Visual; v != nil && (v.DiffPixels > 0 || v.SizeChanged) {
				fmt.Fprintf(w, ", %d px differ (%.3f%%)", v.DiffPixels, v.Ratio*100)
				if s.OverLimit {
					fmt.Fprint(w, " over the limit")
				}
				if v.SizeChanged {
					fmt.Fprintf(w, ", size %dx%d -> %dx%d", v.BaseSize.W, v.BaseSize.H, v.HeadSize.W, v.HeadSize.H)
				}
				var boxes []string
				for _, b := range v.CSSBoxes {
					boxes = append(boxes, fmt.Sprintf("%.0f,%.0f %.0fx%.0f", b.X, b.Y, b.W, b.H))
				}
				if len(boxes) > 0 {
					fmt.Fprintf(w, " in %s (CSS px)", strings.Join(boxes, "; "))
				}
			}
			fmt.Fprintln(w)
			for _, t := range s.Text {
				what := t.Field
				if t.Selector != "" {
					what += " " + t.Selector
				}
				fmt.Fprintf(w, "      %s: %q -> %q\n", what, t.Before, t.After)
			}
			for _, f := range s.Findings.New {
				fmt.Fprintf(w, "      new %s: %s %s\n", f.Severity, f.Rule, f.Selector)
			}
			for _, f := range s.Findings.Resolved {
				fmt.Fprintf(w, "      resolved %s: %s %s\n", f.Severity, f.Rule, f.Selector)
			}
		}
		if r.Paths.Changed {
			fmt.Fprintf(w, "  URL paths: %s\n          -> %s\n", strings.Join(r.Paths.Base, " > "), strings.Join(r.Paths.Head, " > "))
		}
	}
	s := rep.Summary
	fmt.Fprintf(w, "\n%d runs: %d unchanged, %d changed (%d steps over the limit), %d added, %d removed; %d new error findings, %d resolved findings\n",
		s.Runs, s.Unchanged, s.Changed, s.StepsOverLimit, s.Added, s.Removed, s.NewErrors, s.ResolvedFindings)
}

func runID(r *compare.RunInfo) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprint(r.ID)
}

func stepNumber(s *compare.StepDiff) string {
	switch {
	case s.Head != nil:
		return fmt.Sprintf("step %d", s.Head.Index+1)
	case s.Base != nil:
		return fmt.Sprintf("base step %d", s.Base.Index+1)
	}
	return "step"
}
