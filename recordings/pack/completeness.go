package pack

import (
	"fmt"
	"strings"

	"journeyproof"
)

// Completeness is what a pack lacks, per business process: the export
// prints it, the web app's download button shows it before it downloads,
// and export --strict fails on it.
type Completeness struct {
	// Complete is true when every expected process, cell and branch has a
	// passing run and no unwaived error finding remains.
	Complete bool `json:"complete"`
	// Processes are the processes in the order of the pack.
	Processes []ProcessCompleteness `json:"processes"`
}

// ProcessCompleteness is one business process's part of Completeness.
type ProcessCompleteness struct {
	Process string `json:"process"`
	// Journeys are the journey ids of the process.
	Journeys []string `json:"journeys"`
	// Cells counts the expected cells (with their branches); Passed those
	// with a passing run.
	Cells  int `json:"cells"`
	Passed int `json:"passed"`
	// NotRun is true when the release has no run of the process at all.
	NotRun bool `json:"notRun"`
	// Missing are the cells (journey/lang/device[:branch]) with no run,
	// Failed those whose run failed, Errors those whose run passed with
	// unwaived error findings.
	Missing []string `json:"missing"`
	Failed  []string `json:"failed"`
	Errors  []string `json:"errors"`
}

// Complete reports whether the process lacks nothing.
func (p ProcessCompleteness) Complete() bool {
	return len(p.Missing)+len(p.Failed)+len(p.Errors) == 0
}

// completeness sums the coverage up per process.
func completeness(sel *selection) Completeness {
	out := Completeness{Complete: true, Processes: []ProcessCompleteness{}}
	idx := map[string]int{}
	for _, p := range sel.processes() {
		idx[p] = len(out.Processes)
		pc := ProcessCompleteness{Process: p, NotRun: true, Journeys: []string{}, Missing: []string{}, Failed: []string{}, Errors: []string{}}
		for _, j := range sel.journeys {
			if j.Process == p {
				pc.Journeys = append(pc.Journeys, j.ID)
			}
		}
		out.Processes = append(out.Processes, pc)
	}
	for _, c := range sel.cells {
		i, ok := idx[c.Process]
		if !ok {
			continue
		}
		pc := &out.Processes[i]
		pc.Cells++
		if c.Ran() {
			pc.NotRun = false
		}
		switch {
		case c.State == CellMissing:
			pc.Missing = append(pc.Missing, c.Cell)
		case c.State == CellFailed:
			pc.Failed = append(pc.Failed, c.Cell)
		case c.Errors > 0:
			pc.Errors = append(pc.Errors, c.Cell)
		default:
			pc.Passed++
		}
	}
	for _, p := range out.Processes {
		if !p.Complete() {
			out.Complete = false
		}
	}
	return out
}

// Lines says, one line per process that lacks something, what is missing
// or failed, in words a person acts on.
func (c Completeness) Lines() []string {
	var out []string
	for _, p := range c.Processes {
		if p.Complete() {
			continue
		}
		title := journeyproof.ProcessTitle(p.Process) + " (" + strings.Join(p.Journeys, ", ") + ")"
		if p.NotRun {
			out = append(out, fmt.Sprintf("%s: not run in this release; all %d cells missing: %s", title, p.Cells, listCells(p.Missing)))
			continue
		}
		var parts []string
		if len(p.Missing) > 0 {
			parts = append(parts, fmt.Sprintf("%d missing (no run): %s", len(p.Missing), listCells(p.Missing)))
		}
		if len(p.Failed) > 0 {
			parts = append(parts, fmt.Sprintf("%d failed: %s", len(p.Failed), listCells(p.Failed)))
		}
		if len(p.Errors) > 0 {
			parts = append(parts, fmt.Sprintf("%d with unwaived error findings: %s", len(p.Errors), listCells(p.Errors)))
		}
		out = append(out, fmt.Sprintf("%s: %d of %d cells complete; %s", title, p.Passed, p.Cells, strings.Join(parts, "; ")))
	}
	return out
}

// listCells joins cell names, at most 12 of them and a count of the rest.
func listCells(cells []string) string {
	if len(cells) > 12 {
		return strings.Join(cells[:12], ", ") + fmt.Sprintf(" and %d more", len(cells)-12)
	}
	return strings.Join(cells, ", ")
}

// Check says what a pack of the release would lack, without writing it:
// the web app's download button shows it before it downloads.
func Check(o Options) (Completeness, error) {
	sel, err := selectRuns(&o)
	if err != nil {
		return Completeness{}, err
	}
	return completeness(sel), nil
}

// Cells is the coverage a pack of the release would hold, without writing
// it: every expected cell and branch, and the run it holds (Cell.Run, 0
// for a missing cell), as coverage.json lists them.
func Cells(o Options) ([]Cell, error) {
	sel, err := selectRuns(&o)
	if err != nil {
		return nil, err
	}
	return sel.cells, nil
}
