package pack

import (
	"cmp"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"journeyproof"
	"journeyproof/recordings"
)

// Cell states in coverage.
const (
	CellMissing = "missing"
	CellFailed  = "failed"
	CellPassed  = "passed"
)

// selection is what a pack holds: the run of each cell of the release
// (recordings.Store.CellRuns, with steps and findings), the journeys, and
// every cell of their matrices.
type selection struct {
	release  string
	journeys []*recordings.Journey // by process, then id
	runs     []*recordings.Run     // in cell order
	cells    []Cell                // missing, failed, with errors, then passed
}

// Cell is one line of the coverage: a journey in a language on a device,
// and what the pack has of it.
type Cell struct {
	Cell    string `json:"cell"`
	Journey string `json:"journey"`
	Process string `json:"process"`
	Lang    string `json:"lang"`
	Device  string `json:"device"`
	// Branch is the path after the journey's decision ("" for the main
	// path; "deny", "timeout", "close" or a designer's branch name).
	Branch    string `json:"branch,omitempty"`
	State     string `json:"state"` // missing, failed or passed
	Run       uint   `json:"run,omitempty"`
	Status    string `json:"status,omitempty"`
	Error     string `json:"error,omitempty"`
	Steps     int    `json:"steps"`
	Errors    int    `json:"errors"`
	Warnings  int    `json:"warnings"`
	Waived    int    `json:"waived"`
	Video     string `json:"video,omitempty"` // path in the pack, "" when no video
	Wireframe string `json:"wireframe,omitempty"`
}

// Ran reports whether the cell has a run in the pack.
func (c Cell) Ran() bool { return c.Run != 0 }

// Passed reports whether the cell's run passed.
func (c Cell) Passed() bool { return c.State == CellPassed }

// selectRuns reads the release's runs under the options' filters.
func selectRuns(o *Options) (*selection, error) {
	if o.Store == nil {
		return nil, errors.New("export pack: no store")
	}
	if strings.TrimSpace(o.Release) == "" {
		return nil, errors.New("export pack: no release given; use --release NAME")
	}
	for _, l := range o.Langs {
		if !journeyproof.IsLanguage(l) {
			return nil, fmt.Errorf("unknown language %q; expected one of %s", l, strings.Join(journeyproof.Languages(), ", "))
		}
	}
	// The run of each cell: recordings.Store.CellRuns, the rule the
	// coverage and the comparison use too.
	all, err := o.Store.CellRuns(o.Release)
	if err != nil {
		return nil, fmt.Errorf("export pack of release %q: %w", o.Release, err)
	}
	if len(all) == 0 {
		return nil, unknownRelease(o.Store, o.Release)
	}
	inRelease := map[string]bool{}
	for _, r := range all {
		inRelease[r.JourneyID] = true
	}
	for _, j := range o.Journeys {
		if !inRelease[j] {
			return nil, fmt.Errorf("release %q has no runs of journey %q; its journeys are %s", o.Release, j, strings.Join(sortedKeys(inRelease), ", "))
		}
	}
	var newest []recordings.CellRun
	for _, r := range all {
		if o.wants(r.JourneyID, r.Lang, r.Device) {
			newest = append(newest, r)
		}
	}
	if len(newest) == 0 {
		return nil, fmt.Errorf("release %q has no runs matching %s", o.Release, o.filterText())
	}
	sel := &selection{release: o.Release}
	jids := map[string]bool{}
	for _, r := range newest {
		full, err := o.Store.Run(r.ID)
		if err != nil {
			return nil, fmt.Errorf("export pack: %w", err)
		}
		sel.runs = append(sel.runs, full)
		jids[r.JourneyID] = true
	}
	for _, id := range sortedKeys(jids) {
		j, err := o.Store.Journey(id)
		if errors.Is(err, recordings.ErrNotFound) {
			// The journey row is written with the first run; rebuild what
			// the runs know when it is gone.
			j = journeyFromRuns(id, sel.runs)
		} else if err != nil {
			return nil, fmt.Errorf("export pack: %w", err)
		}
		sel.journeys = append(sel.journeys, j)
	}
	sel.journeys = mergeExpected(o, sel.journeys)
	sort.SliceStable(sel.journeys, func(a, b int) bool {
		if sel.journeys[a].Process != sel.journeys[b].Process {
			return sel.journeys[a].Process < sel.journeys[b].Process
		}
		return sel.journeys[a].ID < sel.journeys[b].ID
	})
	order := sel.cellOrder()
	sort.Slice(sel.runs, func(a, b int) bool {
		ra, rb := sel.runs[a], sel.runs[b]
		return order(cellKey{ra.JourneyID, ra.Lang, ra.Device, ra.Branch}, cellKey{rb.JourneyID, rb.Lang, rb.Device, rb.Branch}) < 0
	})
	sel.cells = coverage(o, sel)
	return sel, nil
}

func unknownRelease(store *recordings.Store, name string) error {
	rels, err := store.Releases()
	if err != nil || len(rels) == 0 {
		return fmt.Errorf("unknown release %q: the store has no runs yet; run journeys first (journeyproof run or demo)", name)
	}
	names := make([]string, 0, len(rels))
	for _, r := range rels {
		names = append(names, r.Name)
	}
	return fmt.Errorf("unknown release %q; releases in the store: %s", name, strings.Join(names, ", "))
}

func journeyFromRuns(id string, runs []*recordings.Run) *recordings.Journey {
	j := &recordings.Journey{ID: id}
	langs, devices := map[string]bool{}, map[string]bool{}
	for _, r := range runs {
		if r.JourneyID != id {
			continue
		}
		j.Name, j.Service, j.Process = r.JourneyName, r.Service, r.Process
		langs[r.Lang], devices[r.Device] = true, true
	}
	j.Languages, j.Devices = sortedKeys(langs), sortedKeys(devices)
	return j
}

// coverage lists every cell of the selected journeys' matrices (narrowed by
// the filters) and every cell that was run: missing, failed, with error
// findings, then passed.
func coverage(o *Options, sel *selection) []Cell {
	byCell := map[string]*recordings.Run{}
	branches := map[string][]string{} // journey → "" and every branch seen in its runs
	for _, r := range sel.runs {
		byCell[runCell(r)] = r
		if !has(branches[r.JourneyID], r.Branch) {
			branches[r.JourneyID] = append(branches[r.JourneyID], r.Branch)
		}
	}
	var cells []Cell
	seen := map[string]bool{}
	add := func(j *recordings.Journey, lang, device, branch string) {
		name := cellName(j.ID, lang, device, branch)
		if seen[name] || !o.wants(j.ID, lang, device) {
			return
		}
		seen[name] = true
		c := Cell{Cell: name, Journey: j.ID, Process: j.Process, Lang: lang, Device: device, Branch: branch, State: CellMissing}
		if r := byCell[name]; r != nil {
			c.Run, c.Status, c.Error, c.Steps = r.ID, r.Status, r.Error, len(r.Steps)
			c.Errors, c.Warnings, c.Waived = countFindings(r)
			c.State = CellFailed
			if r.Status == journeyproof.StatusPassed {
				c.State = CellPassed
			}
		}
		cells = append(cells, c)
	}
	for _, j := range sel.journeys {
		// The journey's declared branches are expected in every cell, as
		// are branches seen in its runs (a journey stored before branches
		// were recorded declares none).
		bs := []string{""}
		for _, b := range append(append([]string(nil), j.Branches...), branches[j.ID]...) {
			if !has(bs, b) {
				bs = append(bs, b)
			}
		}
		sort.Strings(bs)
		for _, l := range j.Languages {
			for _, d := range j.Devices {
				for _, b := range bs {
					add(j, l, d, b)
				}
			}
		}
		for _, r := range sel.runs {
			if r.JourneyID == j.ID {
				add(j, r.Lang, r.Device, r.Branch)
			}
		}
	}
	order := sel.cellOrder()
	sort.SliceStable(cells, func(a, b int) bool {
		ca, cb := cells[a], cells[b]
		if ra, rb := cellRank(ca), cellRank(cb); ra != rb {
			return ra < rb
		}
		return order(cellKey{ca.Journey, ca.Lang, ca.Device, ca.Branch}, cellKey{cb.Journey, cb.Lang, cb.Device, cb.Branch}) < 0
	})
	return cells
}

// cellKey names a cell: a journey in a language on a device, on a path.
type cellKey struct{ journey, lang, device, branch string }

// cellOrder compares cells as the pack lists them: journey by journey in
// the order of sel.journeys, then by language, device and branch.
func (sel *selection) cellOrder() func(a, b cellKey) int {
	jorder := map[string]int{}
	for i, j := range sel.journeys {
		jorder[j.ID] = i
	}
	return func(a, b cellKey) int {
		return cmp.Or(
			cmp.Compare(jorder[a.journey], jorder[b.journey]),
			cmp.Compare(langRank(a.lang), langRank(b.lang)),
			cmp.Compare(deviceRank(a.device), deviceRank(b.device)),
			cmp.Compare(a.branch, b.branch))
	}
}

// cellName names a cell of the coverage as recordings.Run.Key does:
// journey/lang/device, and /branch for a branch other than the main path.
func cellName(journey, lang, device, branch string) string {
	r := recordings.Run{JourneyID: journey, Lang: lang, Device: device, Branch: branch}
	return r.Key()
}

// runCell names the cell (and branch) of a run.
func runCell(r *recordings.Run) string { return r.Key() }

// cellOf is the cell r ran, as the manifest and report.json give it.
func cellOf(r *recordings.Run) RunCell {
	return RunCell{Cell: runCell(r), Journey: r.JourneyID, Process: r.Process, Lang: r.Lang, Device: r.Device}
}

// mergeExpected adds the service's expected journeys to those the release
// ran: a business process the service lists but the release did not run
// becomes a journey with no runs (all its cells missing), and a journey the
// service lists takes the service's languages and devices as its matrix.
func mergeExpected(o *Options, js []*recordings.Journey) []*recordings.Journey {
	for _, e := range o.Expected {
		if e == nil || (len(o.Journeys) > 0 && !has(o.Journeys, e.ID)) {
			continue
		}
		found := false
		for _, j := range js {
			if j.ID != e.ID {
				continue
			}
			found = true
			if len(e.Languages) > 0 {
				j.Languages = e.Languages
			}
			if len(e.Devices) > 0 {
				j.Devices = e.Devices
			}
			if len(e.Branches) > 0 {
				j.Branches = e.Branches
			}
		}
		if !found {
			c := *e
			js = append(js, &c)
		}
	}
	return js
}

// cellRank orders coverage: missing, failed, passed with error findings,
// passed.
func cellRank(c Cell) int {
	switch {
	case c.State == CellMissing:
		return 0
	case c.State == CellFailed:
		return 1
	case c.Errors > 0:
		return 2
	}
	return 3
}

// countFindings counts a run's findings once each (the same rule on the
// same element of an unchanged screen is one): errors and warnings not
// waived, and waived ones.
func countFindings(r *recordings.Run) (errs, warns, waived int) {
	return recordings.CountFindings(r.Steps, r.Findings)
}

func (o *Options) wants(journey, lang, device string) bool {
	return (len(o.Journeys) == 0 || has(o.Journeys, journey)) &&
		(len(o.Langs) == 0 || has(o.Langs, lang)) &&
		(len(o.Devices) == 0 || has(o.Devices, device))
}

func (o *Options) filterText() string {
	var parts []string
	if len(o.Journeys) > 0 {
		parts = append(parts, "--journey "+strings.Join(o.Journeys, ","))
	}
	if len(o.Langs) > 0 {
		parts = append(parts, "--lang "+strings.Join(o.Langs, ","))
	}
	if len(o.Devices) > 0 {
		parts = append(parts, "--device "+strings.Join(o.Devices, ","))
	}
	return strings.Join(parts, " ")
}

func has(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// langRank and deviceRank sort a language or a device in display order
// (journeyproof.LanguageOrder, DeviceOrder), then by code or name.
func langRank(l string) string { return strconv.Itoa(journeyproof.LanguageOrder(l)) + l }

func deviceRank(d string) string { return strconv.Itoa(journeyproof.DeviceOrder(d)) + d }

// processFile makes a name (process, journey, language, device) safe as
// a file name in the pack.
func processFile(process string) string {
	if process == "" {
		process = "process"
	}
	var b strings.Builder
	for _, r := range process {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	return strings.Trim(b.String(), ".")
}

// processes returns the processes of the selection in order, each with its
// journeys.
func (s *selection) processes() []string {
	var out []string
	for _, j := range s.journeys {
		if len(out) == 0 || out[len(out)-1] != j.Process {
			out = append(out, j.Process)
		}
	}
	return out
}

// videoPath is where a run's video goes in the pack (without extension).
func videoPath(r *recordings.Run) string {
	p := "videos/" + processFile(r.Process) + "/" + processFile(r.JourneyID) + "-" + processFile(r.Lang) + "-" + processFile(r.Device)
	if r.Branch != "" {
		p += "-" + processFile(r.Branch)
	}
	return p
}
