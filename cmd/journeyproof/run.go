package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"journeyproof"
	"journeyproof/engine"
	"journeyproof/journeys"
	"journeyproof/recordings"
)

func cmdRun(ctx context.Context, env *cli, args []string) int {
	fs := newFlags(env, "run", "[flags] FILE...", "Runs each journey file over its matrix (journey x language x device) in one Chromium and stores\nscreenshots, video and findings under the release label. Without --base-url the built-in sandbox is started.\nEach run has two verdicts: the workflow (every step ran) and the guidelines (its unwaived findings).\nExit 0 when every run passed and no unwaived finding is at or above --fail-on, 1 otherwise, 2 for bad usage,\na bad journey file or a bad rule pack.")
	baseURL := fs.String("base-url", envOr("JOURNEYPROOF_BASE_URL", ""), "base URL of the service under test (default: the built-in sandbox; env JOURNEYPROOF_BASE_URL)")
	release := fs.String("release", envOr("JOURNEYPROOF_RELEASE", "dev"), "release label of the runs (env JOURNEYPROOF_RELEASE)")
	langs := fs.String("lang", "", "languages to run, comma-separated (default: each journey's matrix)")
	devices := fs.String("device", "", "devices to run, comma-separated (default: each journey's matrix)")
	branches := fs.String("branch", "", "paths to run, comma-separated: main and the journeys' branch names (default: every path)")
	parallel := parallelFlag(fs)
	asJSON := fs.Bool("json", false, "print one JSON object with every run instead of the table")
	sf := addStoreFlags(fs)
	queued := fs.Bool("queue", false, "enqueue the cells for the workers of --db instead of running them here, and wait for them (same output, JSON, JUnit and exit codes)")
	queueName := queueFlag(fs, "queue-name", "queue of --queue (env JOURNEYPROOF_QUEUE)")
	jobTimeout := jobTimeoutFlag(fs)
	rules := rulesFlag(fs, rulesHelp)
	evidence := addEvidenceFlags(fs, "workflow video", true)
	failOn := fs.String("fail-on", envOr("JOURNEYPROOF_FAIL_ON", recordings.FailOnError), "exit 1 when an unwaived finding is at or above this severity: error, warning or never (env JOURNEYPROOF_FAIL_ON)")
	junit := fs.String("junit", "", "also write JUnit XML to this file: one test case per cell, a failure per finding at or above --fail-on")
	defects := fs.String("sandbox-defects", "", "defects to switch on in the built-in sandbox (only without --base-url)")
	files, done, code := parseArgs(env, fs, args, minArgs(1, "no journey file given; usage: journeyproof run [flags] FILE..."))
	if done {
		return code
	}
	if err := evidence.check(); err != nil {
		return errorExit(env, err, exitUsage)
	}
	if *parallel < 1 {
		return usageError(env, "run", "--parallel must be at least 1")
	}
	if err := recordings.CheckFailOn(*failOn); err != nil {
		return errorExit(env, err, exitUsage)
	}
	if _, err := engine.LoadPack(*rules); err != nil {
		return errorExit(env, err, exitUsage)
	}
	js, err := journeys.LoadFiles(files)
	if err != nil {
		return errorExit(env, err, exitUsage)
	}
	cells, err := journeys.Expand(js, splitList(*langs), splitList(*devices))
	if err == nil {
		cells, err = journeys.NarrowBranches(cells, splitList(*branches))
	}
	if err != nil {
		return errorExit(env, err, exitUsage)
	}
	if len(cells) == 0 {
		return usageError(env, "run", "no cell to run: --lang and --device leave nothing of the journeys' matrices")
	}
	base := *baseURL
	if base == "" {
		url, stop, err := startSandbox("127.0.0.1:0", splitList(*defects))
		if err != nil {
			return errorExit(env, err, exitUsage)
		}
		defer stop()
		base = url
		if !*asJSON {
			fmt.Fprintf(env.stdout, "No --base-url: running against the built-in sandbox at %s\n", base)
		}
	} else if err := journeys.CheckBaseURL(base); err != nil {
		return errorExit(env, err, exitUsage)
	}
	if *queued && !*asJSON {
		fmt.Fprintf(env.stdout, "--queue: the workers of queue %q run the cells\n", *queueName)
	}
	e, code := sf.openEngine(ctx, env, engine.Config{Rules: *rules, Parallel: *parallel, NoBrowser: *queued,
		Queue: *queueName, Work: !*queued, JobTimeout: *jobTimeout})
	if e == nil {
		return code
	}
	defer e.Close()
	evidence.apply(e, env.stderr)
	return runAndReport(ctx, env, e, engine.Invocation{Release: *release, BaseURL: base, Cells: cells}, reportOptions{asJSON: *asJSON, failOn: *failOn, junit: *junit})
}

// reportOptions say how runAndReport reports and judges an invocation.
type reportOptions struct {
	asJSON bool
	// failOn is the --fail-on level: error, warning or never.
	failOn string
	// junit is the file to write JUnit XML to ("" for none).
	junit string
}

// runAndReport runs an invocation, printing progress and the summary (or
// the JSON object), and returns the exit code: 1 when a cell failed or an
// unwaived finding is at or above opts.failOn.
func runAndReport(ctx context.Context, env *cli, e *engine.Engine, inv engine.Invocation, opts reportOptions) int {
	if opts.failOn == "" {
		opts.failOn = recordings.FailOnError
	}
	started := time.Now()
	if !opts.asJSON {
		fmt.Fprintf(env.stdout, "Running %d cells of release %q in %s (parallel %d)\n", len(inv.Cells), inv.Release, e.Where(), e.Parallel)
		inv.Progress = progressPrinter(env.stdout, len(inv.Cells))
	}
	out, err := e.Run(ctx, inv)
	if err != nil {
		errorLine(env, err)
	}
	report, rerr := buildReport(e.Store, inv, out, opts.failOn)
	if rerr != nil {
		return errorExit(env, rerr, exitFailed)
	}
	if opts.asJSON {
		printJSON(env.stdout, report, true)
	} else {
		printSummary(env.stdout, report, time.Since(started))
		fmt.Fprintf(env.stdout, "Evidence: %s (release %q)\n", absPath(e.Store.Dir()), inv.Release)
	}
	if opts.junit != "" {
		if jerr := writeJUnitFile(opts.junit, report); jerr != nil {
			return errorExit(env, jerr, exitFailed)
		}
	}
	if report.Failed > 0 || report.GuidelinesFailed > 0 || err != nil {
		return exitFailed
	}
	return exitOK
}

// runReport is what `run --json` prints.
type runReport struct {
	Release string `json:"release"`
	BaseURL string `json:"baseURL"`
	Data    string `json:"data"`
	// FailOn is the --fail-on level the guidelines verdicts were judged at.
	FailOn string `json:"failOn"`
	// Passed and Failed count the runs by workflow verdict.
	Passed int `json:"passed"`
	Failed int `json:"failed"`
	// GuidelinesFailed counts the runs whose unwaived findings are at or
	// above FailOn.
	GuidelinesFailed int         `json:"guidelinesFailed"`
	Runs             []runRecord `json:"runs"`
}

type runRecord struct {
	ID      uint   `json:"id"`
	Journey string `json:"journey"`
	Process string `json:"process"`
	Lang    string `json:"lang"`
	Device  string `json:"device"`
	// Branch is the path the run took ("" the main path).
	Branch string `json:"branch,omitempty"`
	// Status is the workflow verdict (passed, failed, interrupted), and
	// Workflow the same; Guidelines is the guidelines verdict (passed,
	// warnings, failed); GuidelinesFail whether it fails at --fail-on.
	Status         string                  `json:"status"`
	Workflow       string                  `json:"workflow"`
	Guidelines     string                  `json:"guidelines"`
	GuidelinesFail bool                    `json:"guidelinesFail"`
	Error          string                  `json:"error,omitempty"`
	Steps          int                     `json:"steps"`
	DurationMS     int64                   `json:"durationMs"`
	Findings       map[string]int          `json:"findings"`
	FindingList    []recordings.FindingRow `json:"findingList"`
	Screenshots    []string                `json:"screenshots"`
	FullPages      []string                `json:"fullPages"`
	Video          string                  `json:"video,omitempty"`
	Captions       string                  `json:"captions,omitempty"`
	Poster         string                  `json:"poster,omitempty"`
}

func buildReport(store *recordings.Store, inv engine.Invocation, out *engine.Outcome, failOn string) (*runReport, error) {
	rep := &runReport{Release: inv.Release, BaseURL: inv.BaseURL, Data: absPath(store.Dir()), FailOn: failOn, Runs: []runRecord{}}
	for _, res := range out.Results {
		errs, warns := res.Findings["error"], res.Findings["warning"]
		rec := runRecord{Journey: res.Cell.Journey.ID, Process: res.Cell.Journey.Process, Lang: res.Cell.Lang, Device: res.Cell.Device.Name, Branch: res.Cell.Branch,
			Status: res.Status, Workflow: res.Status, Guidelines: recordings.GuidelinesVerdict(errs, warns), GuidelinesFail: recordings.FailsOn(failOn, errs, warns),
			Error: res.Error, Steps: res.Steps, DurationMS: res.Ended.Sub(res.Started).Milliseconds(),
			Findings: map[string]int{"error": errs, "warning": warns}, FindingList: []recordings.FindingRow{},
			Screenshots: []string{}, FullPages: []string{}}
		if id := res.RunID; id != 0 {
			run, err := store.Run(id)
			if err != nil {
				return nil, err
			}
			// The store has the final word: a run whose video could not be
			// stored failed there.
			rec.ID, rec.Status, rec.Error = run.ID, run.Status, run.Error
			for _, s := range run.Steps {
				if s.ScreenshotSHA != "" {
					rec.Screenshots = append(rec.Screenshots, store.ArtifactPath(s.ScreenshotSHA))
				}
				if s.FullPageSHA != "" {
					rec.FullPages = append(rec.FullPages, store.ArtifactPath(s.FullPageSHA))
				}
			}
			rec.FindingList = append(rec.FindingList, run.Findings...)
			// Counted once each: the same rule on the same element of an
			// unchanged screen is one finding.
			errs, warns, _ = recordings.CountFindings(run.Steps, run.Findings)
			rec.Findings = map[string]int{"error": errs, "warning": warns}
			rec.Guidelines, rec.GuidelinesFail = recordings.GuidelinesVerdict(errs, warns), recordings.FailsOn(failOn, errs, warns)
			if run.Video != nil && run.Video.SHA256 != "" {
				rec.Video = store.ArtifactPath(run.Video.SHA256)
				rec.Captions = store.ArtifactPath(run.Video.CaptionsSHA)
				rec.Poster = store.ArtifactPath(run.Video.PosterSHA)
			}
		}
		if rec.Status == journeyproof.StatusPassed {
			rep.Passed++
		} else {
			rep.Failed++
		}
		if rec.GuidelinesFail {
			rep.GuidelinesFailed++
		}
		rep.Runs = append(rep.Runs, rec)
	}
	return rep, nil
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressPrinter prints one line per cell as it starts and ends; on a
// terminal it also keeps a status line with the step each cell is on.
func progressPrinter(w io.Writer, total int) func(journeys.Event) {
	var mu sync.Mutex
	tty := isTerminal(w)
	ended := 0
	return func(ev journeys.Event) {
		mu.Lock()
		defer mu.Unlock()
		if tty {
			fmt.Fprint(w, "\r\033[K")
		}
		switch ev.Kind {
		case journeys.EventCellStart:
			fmt.Fprintf(w, "  start %s\n", ev.Cell)
		case journeys.EventCellEnd:
			ended++
			mark := "ok  "
			if ev.Status != journeyproof.StatusPassed {
				mark = "FAIL"
			}
			line := fmt.Sprintf("  %s  %s  %d steps  %.1fs", mark, ev.Cell, ev.Result.Steps, ev.Result.Ended.Sub(ev.Result.Started).Seconds())
			if n := ev.Result.Findings["error"] + ev.Result.Findings["warning"]; n > 0 {
				line += fmt.Sprintf("  findings: %d error, %d warning", ev.Result.Findings["error"], ev.Result.Findings["warning"])
			}
			if ev.Error != "" {
				line += "  " + ev.Error
			}
			fmt.Fprintf(w, "%s  [%d/%d]\n", line, ended, total)
		case journeys.EventStep:
			if tty {
				fmt.Fprintf(w, "  %s: step %d %s", ev.Cell, ev.Index+1, ev.Step)
			}
		}
	}
}

func printSummary(w io.Writer, rep *runReport, took time.Duration) {
	tw := newTable(w)
	fmt.Fprintln(tw, "\nRUN\tJOURNEY\tLANG\tDEVICE\tBRANCH\tWORKFLOW\tGUIDELINES\tSTEPS\tERRORS\tWARNINGS\tTIME\tVIDEO")
	for _, r := range rep.Runs {
		video := "-"
		if r.Video != "" {
			video = filepath.Base(r.Video)[:12] + "…"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%.1fs\t%s\n", r.ID, r.Journey, r.Lang, r.Device, branchName(r.Branch), r.Workflow, r.Guidelines, r.Steps, r.Findings["error"], r.Findings["warning"], float64(r.DurationMS)/1000, video)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nWorkflow: %d passed, %d failed · Guidelines: %d of %d runs with findings at or above --fail-on %s · in %.1fs\n",
		rep.Passed, rep.Failed, rep.GuidelinesFailed, len(rep.Runs), rep.FailOn, took.Seconds())
	for _, r := range rep.Runs {
		if r.Error != "" {
			fmt.Fprintf(w, "  %s: %s\n", cellName(r.Journey, r.Lang, r.Device, r.Branch), r.Error)
		}
	}
}

// branchName names a path in tables: main for the main path.
func branchName(b string) string {
	if b == "" {
		return journeys.MainBranch
	}
	return b
}

// cellName names a run's cell and branch: journey/lang/device[/branch].
func cellName(journey, lang, device, branch string) string {
	s := journey + "/" + lang + "/" + device
	if branch != "" {
		s += "/" + branch
	}
	return s
}
