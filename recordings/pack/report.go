package pack

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"

	"journeyproof"
	"journeyproof/internal/junit"
	"journeyproof/preflight"
	"journeyproof/recordings"
)

// report is the verification report of a pack: every run and finding, in
// the forms report.json, report.html and junit.xml take.
type report struct {
	Release    string
	CreatedAt  time.Time
	Date       string
	Versions   Versions
	Filters    Filters
	Rules      []string
	Runs       []reportRun
	Cells      []Cell
	Wireframes []Wireframe
	Totals     reportTotals
	// Preflight is the service's preflight, when the export ran one.
	Preflight *preflight.Report
	// Approvals is, for each journey of the pack, its baseline and the
	// approval that made it, which comparisons of this release are made
	// against.
	Approvals []approvalRow
}

// approvalRow is a journey's baseline and its approval record.
type approvalRow struct {
	Journey  string               `json:"journey"`
	Baseline string               `json:"baseline"`
	This     bool                 `json:"isThisRelease"`
	Approval *recordings.Approval `json:"approval,omitempty"`
}

type reportTotals struct {
	Cells, Runs, Passed, Failed, Missing int
	Errors, Warnings, Waived             int
	Videos                               int
}

type reportRun struct {
	Run      *recordings.Run
	Cell     string
	Lang     string
	Video    string
	Captions string
	Errors   int
	Warnings int
	Waived   int
	Findings []reportFinding
	// Shots are the run's step screenshots in the pack.
	Shots []stepShot
}

// AtOf is an approval's time in Hong Kong Time, for report.html.
func (r *report) AtOf(a *recordings.Approval) string { return formatDate(a.At) }

// addShots gives each run its screenshots.
func (r *report) addShots(shots map[uint][]stepShot) {
	for i := range r.Runs {
		r.Runs[i].Shots = shots[r.Runs[i].Run.ID]
	}
}

// addApprovals reads the baseline of each journey of the pack and the
// approval record that set it.
func (r *report) addApprovals(store *recordings.Store, sel *selection) error {
	for _, j := range sel.journeys {
		rel, err := store.BaselineFor(j.ID)
		if err != nil {
			return fmt.Errorf("read the baseline of %s: %w", j.ID, err)
		}
		if rel == "" {
			continue
		}
		a, err := store.LatestApproval(j.ID)
		if err != nil {
			return fmt.Errorf("read the approval of %s: %w", j.ID, err)
		}
		row := approvalRow{Journey: j.ID, Baseline: rel, This: rel == r.Release, Approval: a}
		r.Approvals = append(r.Approvals, row)
	}
	return nil
}

// reportFinding is one finding as report.json gives it.
type reportFinding struct {
	Run uint `json:"run"`
	RunCell
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Step     int    `json:"step"`
	StepName string `json:"stepName"`
	// Steps are every step (from 1) the finding appears on: the same rule
	// on the same element of an unchanged screen is one finding.
	Steps        []int  `json:"steps"`
	Selector     string `json:"selector"`
	Message      string `json:"message"`
	Waived       bool   `json:"waived"`
	WaiverReason string `json:"waiverReason,omitempty"`
	Box          *box   `json:"box,omitempty"`
	URL          string `json:"url,omitempty"`
	crop         string // artifact hash of the crop around the element
}

// StepsLabel is "step 3" or "steps 2–3": where the finding appears.
func (f reportFinding) StepsLabel() string {
	if len(f.Steps) == 0 {
		return fmt.Sprintf("step %d", f.Step)
	}
	return stepList(append([]int(nil), f.Steps...))
}

// Crop is the artifact hash of the finding's crop ("" when none).
func (f reportFinding) Crop() string { return f.crop }

type box struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

func buildReport(o *Options, sel *selection, videos map[uint]*runVideo, wires []printedWireframe) *report {
	rep := &report{Release: sel.release, CreatedAt: o.Now.UTC(), Date: formatDate(o.Now),
		Versions: Versions{Journeyproof: o.Version, Chromium: o.ChromiumVersion, FFmpeg: o.FFmpegVersion},
		Filters:  Filters{Journeys: nonNil(o.Journeys), Langs: nonNil(o.Langs), Devices: nonNil(o.Devices)},
		Cells:    sel.cells, Preflight: o.Preflight}
	for _, w := range wires {
		rep.Wireframes = append(rep.Wireframes, w.Wireframe)
	}
	rules := map[string]bool{}
	for _, r := range o.Rules {
		rules[r] = true
	}
	for _, r := range sel.runs {
		rr := reportRun{Run: r, Cell: runCell(r), Lang: r.Lang}
		if v := videos[r.ID]; v != nil {
			rr.Video = v.path + ".mp4"
			if v.captions != "" {
				rr.Captions = v.path + ".vtt"
			}
			rep.Totals.Videos++
		}
		rr.Errors, rr.Warnings, rr.Waived = countFindings(r)
		rep.Totals.Errors += rr.Errors
		rep.Totals.Warnings += rr.Warnings
		rep.Totals.Waived += rr.Waived
		steps := map[int]*recordings.Step{}
		for i := range r.Steps {
			steps[r.Steps[i].Index] = &r.Steps[i]
		}
		for _, g := range recordings.GroupFindings(r.Steps, r.Findings) {
			f := g.FindingRow
			rf := reportFinding{Run: r.ID, RunCell: cellOf(r),
				Rule: f.Rule, Severity: f.Severity, Step: f.StepIndex + 1, Selector: f.Selector, Message: f.Message,
				Waived: f.Waived, WaiverReason: f.WaiverReason, crop: f.CropSHA}
			for _, i := range g.Steps {
				rf.Steps = append(rf.Steps, i+1)
			}
			if s := steps[f.StepIndex]; s != nil {
				rf.StepName, rf.URL = s.Name, s.URL
			}
			if b := f.Box; b.W > 0 || b.H > 0 {
				rf.Box = &box{X: b.X, Y: b.Y, W: b.W, H: b.H}
			}
			rr.Findings = append(rr.Findings, rf)
			if len(o.Rules) == 0 {
				rules[f.Rule] = true
			}
		}
		rep.Runs = append(rep.Runs, rr)
	}
	if len(o.Rules) > 0 {
		rep.Rules = append([]string{}, o.Rules...)
	} else {
		rep.Rules = sortedKeys(rules)
	}
	for _, c := range sel.cells {
		rep.Totals.Cells++
		switch c.State {
		case CellMissing:
			rep.Totals.Missing++
		case CellFailed:
			rep.Totals.Failed++
			rep.Totals.Runs++
		default:
			rep.Totals.Passed++
			rep.Totals.Runs++
		}
	}
	return rep
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// coverageDoc is coverage.json.
func (r *report) coverageDoc() any {
	return struct {
		Release   string    `json:"release"`
		CreatedAt time.Time `json:"createdAt"`
		Filters   Filters   `json:"filters"`
		Cells     int       `json:"cells"`
		Passed    int       `json:"passed"`
		Failed    int       `json:"failed"`
		Missing   int       `json:"missing"`
		// Coverage lists the cells, missing and failed first.
		Coverage []Cell `json:"coverage"`
	}{r.Release, r.CreatedAt, r.Filters, r.Totals.Cells, r.Totals.Passed, r.Totals.Failed, r.Totals.Missing, nonNilCells(r.Cells)}
}

func nonNilCells(c []Cell) []Cell {
	if c == nil {
		return []Cell{}
	}
	return c
}

// jsonRun is a run as report.json gives it.
type jsonRun struct {
	ID uint `json:"id"`
	RunCell
	Status string `json:"status"`
	// Guidelines is the guidelines verdict (passed, warnings, failed) beside
	// the workflow verdict Status.
	Guidelines string     `json:"guidelines"`
	Error      string     `json:"error,omitempty"`
	StartedAt  time.Time  `json:"startedAt"`
	EndedAt    *time.Time `json:"endedAt,omitempty"`
	Steps      int        `json:"steps"`
	Errors     int        `json:"errors"`
	Warnings   int        `json:"warnings"`
	Waived     int        `json:"waived"`
	Video      string     `json:"video"`
	Captions   string     `json:"captions,omitempty"`
	Browser    string     `json:"browser,omitempty"`
}

// jsonDoc is report.json.
func (r *report) jsonDoc() any {
	doc := struct {
		Release    string          `json:"release"`
		CreatedAt  time.Time       `json:"createdAt"`
		Versions   Versions        `json:"versions"`
		Rules      []string        `json:"rules"`
		Totals     map[string]int  `json:"totals"`
		Wireframes []Wireframe     `json:"wireframes"`
		Runs       []jsonRun       `json:"runs"`
		Findings   []reportFinding `json:"findings"`
		Baselines  []approvalRow   `json:"baselines"`
	}{Release: r.Release, Baselines: r.Approvals, CreatedAt: r.CreatedAt, Versions: r.Versions, Rules: nonNil(r.Rules), Wireframes: r.Wireframes,
		Runs: []jsonRun{}, Findings: []reportFinding{},
		Totals: map[string]int{"cells": r.Totals.Cells, "runs": r.Totals.Runs, "passed": r.Totals.Passed, "failed": r.Totals.Failed,
			"missing": r.Totals.Missing, "errors": r.Totals.Errors, "warnings": r.Totals.Warnings, "waived": r.Totals.Waived, "videos": r.Totals.Videos}}
	if doc.Baselines == nil {
		doc.Baselines = []approvalRow{}
	}
	for _, rr := range r.Runs {
		x := rr.Run
		doc.Runs = append(doc.Runs, jsonRun{ID: x.ID, RunCell: cellOf(x),
			Status: x.Status, Guidelines: recordings.GuidelinesVerdict(rr.Errors, rr.Warnings), Error: x.Error, StartedAt: x.StartedAt.UTC(), EndedAt: utcPtr(x.EndedAt), Steps: len(x.Steps),
			Errors: rr.Errors, Warnings: rr.Warnings, Waived: rr.Waived, Video: rr.Video, Captions: rr.Captions, Browser: x.BrowserVersion})
		doc.Findings = append(doc.Findings, rr.Findings...)
	}
	return doc
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// writeJUnit writes junit.xml: a test suite per run (its cell), with a
// test case "run" (did the journey run to its end) and one per rule. A
// rule fails on error findings that are not waived; warnings and waived
// findings are in the case's output.
func (r *report) writeJUnit(w io.Writer) error {
	doc := junit.Suites{Name: "journeyproof release " + r.Release}
	var total time.Duration
	for _, rr := range r.Runs {
		x := rr.Run
		d := x.Duration()
		total += d
		class := "journeyproof." + processFile(x.Process) + "." + x.JourneyID + "." + x.Lang + "." + x.Device
		s := junit.Suite{Name: rr.Cell, Time: seconds(d), Timestamp: x.StartedAt.UTC().Format("2006-01-02T15:04:05"),
			Properties: junit.Properties("run", fmt.Sprint(x.ID), "release", x.Release, "journey", x.JourneyID, "process", x.Process,
				"lang", x.Lang, "device", x.Device, "browser", x.BrowserVersion)}
		runCase := junit.Case{Name: "run", Classname: class, Time: seconds(d)}
		if x.Status != journeyproof.StatusPassed {
			msg := "run " + x.Status
			if x.Error != "" {
				msg += ": " + x.Error
			}
			runCase.Failures = []junit.Failure{{Message: msg, Type: x.Status, Text: msg}}
		}
		s.Cases = append(s.Cases, runCase)
		byRule := map[string][]reportFinding{}
		for _, f := range rr.Findings {
			byRule[f.Rule] = append(byRule[f.Rule], f)
		}
		for _, rule := range r.Rules {
			c := junit.Case{Name: rule, Classname: class, Time: "0"}
			var failing, notes []string
			for _, f := range byRule[rule] {
				line := fmt.Sprintf("%s (%s): %s", stepList(append([]int(nil), f.Steps...)), f.StepName, f.Message)
				if f.Selector != "" {
					line += " [" + f.Selector + "]"
				}
				switch {
				case f.Waived:
					notes = append(notes, "waived "+f.Severity+": "+line+" — "+f.WaiverReason)
				case f.Severity == "error":
					failing = append(failing, line)
				default:
					notes = append(notes, f.Severity+": "+line)
				}
			}
			if len(failing) > 0 {
				c.Failures = []junit.Failure{{Message: fmt.Sprintf("%d error finding(s): %s", len(failing), failing[0]), Type: "error", Text: strings.Join(failing, "\n")}}
			}
			c.SystemOut = strings.Join(notes, "\n")
			s.Cases = append(s.Cases, c)
		}
		doc.Add(s)
	}
	doc.Time = seconds(total)
	return doc.Write(w)
}

func seconds(d time.Duration) string { return junit.Seconds(d) }

// writeHTML writes report.html: one self-contained page (inline CSS, crops
// as data URIs) that links to the pack's PDFs and videos by relative path.
func (r *report) writeHTML(w io.Writer, store *recordings.Store) error {
	tmpl, err := template.New("report.html").Funcs(template.FuncMap{
		"crop": func(sha string) template.URL {
			data, err := store.ReadArtifact(sha)
			if err != nil || len(data) == 0 {
				return ""
			}
			return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(data))
		},
		"lang":       langLabel,
		"cls":        templateFuncs["cls"],
		"guidelines": recordings.GuidelinesVerdict,
		"duration":   func(r *recordings.Run) string { return r.Duration().Round(100 * time.Millisecond).String() },
		"ruleCounts": func() []ruleCount {
			return r.ruleCounts()
		},
	}).ParseFS(templateFiles, "templates/report.html")
	if err != nil {
		return fmt.Errorf("report template: %w", err)
	}
	return tmpl.Execute(w, r)
}

type ruleCount struct {
	Rule                    string
	Errors, Warnings, Waive int
	Runs                    int
}

// ruleCounts sums the findings by rule, most errors first.
func (r *report) ruleCounts() []ruleCount {
	m := map[string]*ruleCount{}
	for _, rr := range r.Runs {
		seen := map[string]bool{}
		for _, f := range rr.Findings {
			c := m[f.Rule]
			if c == nil {
				c = &ruleCount{Rule: f.Rule}
				m[f.Rule] = c
			}
			switch {
			case f.Waived:
				c.Waive++
			case f.Severity == "error":
				c.Errors++
			default:
				c.Warnings++
			}
			if !seen[f.Rule] {
				seen[f.Rule] = true
				c.Runs++
			}
		}
	}
	out := make([]ruleCount, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Errors != out[b].Errors {
			return out[a].Errors > out[b].Errors
		}
		return out[a].Rule < out[b].Rule
	})
	return out
}

// writeReadme writes README.txt: what the pack holds and how to check it.
func (r *report) writeReadme(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "journeyproof evidence pack: release %s\n", r.Release)
	fmt.Fprintf(&b, "Made %s by journeyproof %s with %s", r.Date, r.Versions.Journeyproof, r.Versions.Chromium)
	if r.Versions.FFmpeg != "" {
		fmt.Fprintf(&b, " and %s", r.Versions.FFmpeg)
	}
	b.WriteString(".\n\n")
	fmt.Fprintf(&b, "%d cells, %d runs (%d passed, %d failed), %d missing; %d error findings, %d warnings, %d waived.\n\n",
		r.Totals.Cells, r.Totals.Runs, r.Totals.Passed, r.Totals.Failed, r.Totals.Missing, r.Totals.Errors, r.Totals.Warnings, r.Totals.Waived)
	b.WriteString("Contents\n")
	b.WriteString("  report.html              the verification report; open it in a browser (no server needed)\n")
	for _, wf := range r.Wireframes {
		fmt.Fprintf(&b, "  %-24s wireframe of the %s journey(s), %d pages, A4 landscape\n", wf.Path, wf.Process, wf.Pages)
	}
	if r.Totals.Videos > 0 {
		b.WriteString("  videos/PROCESS/JOURNEY-LANG-DEVICE.mp4 and .vtt   the workflow video of each run, with captions\n")
	}
	b.WriteString("  report.json              every finding: run, cell, rule, severity, step, selector, message, waived\n")
	b.WriteString("  junit.xml                one test case per run and rule, for CI systems\n")
	b.WriteString("  coverage.json            every journey x language x device cell; missing and failed first\n")
	b.WriteString("  manifest.json            every file's size and SHA-256, the runs included, the tool versions\n")
	b.WriteString("  manifest.sig             (when signed) Ed25519 signature of manifest.json, base64\n\n")
	b.WriteString("Check that the pack is exactly what journeyproof produced:\n")
	b.WriteString("  journeyproof verify-pack PACK.zip [--pub journeyproof-pack.pub]\n")
	_, err := io.WriteString(w, b.String())
	return err
}
