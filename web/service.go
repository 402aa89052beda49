package web

import (
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"sort"
	"strings"

	"journeyproof"
	"journeyproof/recordings"
)

// The service functions below are the one layer between the store and both
// the JSON API and the pages: each returns a view that the API writes as
// JSON and a page template renders.

// States of a coverage cell besides the run statuses.
const (
	stateMissing     = "missing"       // the journey's matrix asks for the cell; no run under the release
	stateNotInMatrix = "not-in-matrix" // the journey's matrix does not ask for the cell
	stateQueued      = "queued"
	stateDone        = "done"
)

// apiError is an error with the HTTP status it answers with.
type apiError struct {
	Status int
	Msg    string
}

func (e *apiError) Error() string { return e.Msg }

func errorf(status int, format string, args ...any) error {
	return &apiError{Status: status, Msg: fmt.Sprintf(format, args...)}
}

// statusOf returns the HTTP status of an error from a service function.
func statusOf(err error) int {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Status
	}
	if errors.Is(err, recordings.ErrNotFound) {
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

// Column is one language x device column of the coverage matrix.
type Column struct {
	Lang   string `json:"lang"`
	Device string `json:"device"`
}

// CoverageCell is one journey in one column under a release.
type CoverageCell struct {
	Lang   string `json:"lang"`
	Device string `json:"device"`
	// State is the status (passed, failed, interrupted, running) of the
	// run of the cell (recordings.Store.CellRuns: its newest finished run,
	// else its newest run), or missing, or not-in-matrix.
	State string `json:"state"`
	// RunID is the run of the cell under the release (0 for none).
	RunID uint `json:"runId,omitempty"`
	// Runs counts the runs of the cell under the release.
	Runs int `json:"runs"`
	// Rerunning reports that a re-run of the cell is running while RunID,
	// finished, stays its evidence.
	Rerunning bool `json:"rerunning,omitempty"`
	Errors    int  `json:"errors"`
	Warnings  int  `json:"warnings"`
	Waived    int  `json:"waived"`
	// Guidelines is the run's guidelines verdict (passed, warnings,
	// failed), beside its workflow verdict State.
	Guidelines string `json:"guidelines,omitempty"`
}

// CoverageRow is one path of a journey in the coverage matrix: its main
// path, or one of its branches (each branch of each cell is a run).
type CoverageRow struct {
	Journey string         `json:"journey"`
	Name    string         `json:"name"`
	File    string         `json:"file,omitempty"`
	Cells   []CoverageCell `json:"cells"`
	// Branch is "" on the main path's row, else the branch's name.
	Branch string `json:"branch,omitempty"`
}

// CoverageGroup is the rows of one business process.
type CoverageGroup struct {
	Process string        `json:"process"`
	Rows    []CoverageRow `json:"rows"`
}

// CoverageTotals counts the cells of the matrix by state.
type CoverageTotals struct {
	Cells       int `json:"cells"` // cells in the journeys' matrices
	Passed      int `json:"passed"`
	Failed      int `json:"failed"`
	Interrupted int `json:"interrupted"`
	Running     int `json:"running"`
	Missing     int `json:"missing"`
	Errors      int `json:"errors"`
	Warnings    int `json:"warnings"`
}

// Coverage is the coverage matrix of a release: one row per journey,
// grouped by business process, one column per language x device.
type Coverage struct {
	Release  string          `json:"release"`
	Baseline bool            `json:"baseline"`
	Columns  []Column        `json:"columns"`
	Groups   []CoverageGroup `json:"groups"`
	Totals   CoverageTotals  `json:"totals"`
}

// journeyInfo is a journey as the app knows it: from the files the server
// can run, else from the store (as it was when last run).
type journeyInfo struct {
	ID, Name, Service, Process, Description, File, Source string
	Languages, Devices                                    []string
	Steps                                                 []JourneyStep
	Runnable                                              bool
	// Branches names the journey's branches, in file order; Branch is the
	// path a coverage row shows (see withBranches).
	Branches []string
	Branch   string
}

// JourneyStep is one step of a journey as the journeys page lists it.
type JourneyStep struct {
	Name    string `json:"name"`
	Action  string `json:"action,omitempty"`
	Caption string `json:"caption,omitempty"`
	Trigger bool   `json:"trigger,omitempty"`
}

// knownJourneys merges the runnable journeys with those in the store, by
// process order then id.
func (s *Server) knownJourneys() ([]journeyInfo, error) {
	stored, err := s.store.Journeys()
	if err != nil {
		return nil, err
	}
	byID := map[string]journeyInfo{}
	for _, j := range stored {
		info := journeyInfo{ID: j.ID, Name: j.Name, Service: j.Service, Process: j.Process, Description: j.Description,
			File: j.File, Source: j.Source, Languages: j.Languages, Devices: j.Devices, Branches: j.Branches}
		for _, n := range j.StepNames {
			info.Steps = append(info.Steps, JourneyStep{Name: n})
		}
		byID[j.ID] = info
	}
	if s.o.Starter != nil {
		for _, j := range s.o.Starter.Journeys() {
			info := journeyInfo{ID: j.ID, Name: j.Name, Service: j.Service, Process: j.Process, Description: j.Description,
				File: j.File, Source: j.Source, Languages: j.Matrix.Languages, Devices: j.Matrix.Devices, Runnable: true}
			for _, b := range j.Branches {
				info.Branches = append(info.Branches, b.Name)
			}
			for _, st := range j.Steps {
				name := st.Name
				if name == "" {
					name = st.Describe()
				}
				info.Steps = append(info.Steps, JourneyStep{Name: name, Action: string(st.Action), Caption: st.Caption, Trigger: st.Trigger})
			}
			byID[j.ID] = info
		}
	}
	out := make([]journeyInfo, 0, len(byID))
	for _, j := range byID {
		out = append(out, j)
	}
	sort.Slice(out, func(a, b int) bool {
		pa, pb := journeyproof.ProcessOrder(out[a].Process), journeyproof.ProcessOrder(out[b].Process)
		if pa != pb {
			return pa < pb
		}
		if out[a].Process != out[b].Process {
			return out[a].Process < out[b].Process
		}
		return out[a].ID < out[b].ID
	})
	return out, nil
}

// Releases lists the release labels, newest first.
func (s *Server) Releases() ([]recordings.Release, error) {
	rels, err := s.store.Releases()
	return nonNil(rels), err
}

// Coverage builds the coverage matrix of a release: each cell shows the
// run of the cell (recordings.Store.CellRuns, the rule the pack and the
// comparison use too).
func (s *Server) Coverage(release string) (*Coverage, error) {
	cellRuns, err := s.store.CellRuns(release)
	if err != nil {
		return nil, err
	}
	js, err := s.knownJourneys()
	if err != nil {
		return nil, err
	}
	cov := &Coverage{Release: release, Columns: []Column{}, Groups: []CoverageGroup{}}
	if bs, err := s.store.Baselines(); err == nil {
		for _, b := range bs {
			if b.Release == release {
				cov.Baseline = true
			}
		}
	}
	// The run of each cell and how many it has.
	type key struct{ journey, lang, device, branch string }
	latest := map[key]recordings.CellRun{}
	cols := map[Column]bool{}
	hasJourney := map[string]bool{}
	for _, j := range js {
		hasJourney[j.ID] = true
		for _, l := range j.Languages {
			for _, d := range j.Devices {
				cols[Column{l, d}] = true
			}
		}
	}
	for _, r := range cellRuns {
		latest[key{r.JourneyID, r.Lang, r.Device, r.Branch}] = r
		cols[Column{r.Lang, r.Device}] = true
		if !hasJourney[r.JourneyID] {
			// A run whose journey row is gone: show it under its own name.
			hasJourney[r.JourneyID] = true
			js = append(js, journeyInfo{ID: r.JourneyID, Name: r.JourneyName, Process: r.Process})
		}
	}
	js = withBranches(js, recordings.Runs(cellRuns))
	for c := range cols {
		cov.Columns = append(cov.Columns, c)
	}
	sort.Slice(cov.Columns, func(a, b int) bool {
		ca, cb := cov.Columns[a], cov.Columns[b]
		if la, lb := journeyproof.LanguageOrder(ca.Lang), journeyproof.LanguageOrder(cb.Lang); la != lb {
			return la < lb
		}
		if ca.Lang != cb.Lang {
			return ca.Lang < cb.Lang
		}
		if da, db := journeyproof.DeviceOrder(ca.Device), journeyproof.DeviceOrder(cb.Device); da != db {
			return da < db
		}
		return ca.Device < cb.Device
	})
	groups := map[string]int{}
	for _, j := range js {
		row := CoverageRow{Journey: j.ID, Name: j.Name, File: j.File, Cells: []CoverageCell{}, Branch: j.Branch}
		for _, col := range cov.Columns {
			cell := CoverageCell{Lang: col.Lang, Device: col.Device}
			inMatrix := (j.Branch == "" || contains(j.Branches, j.Branch)) && contains(j.Languages, col.Lang) && contains(j.Devices, col.Device)
			k := key{j.ID, col.Lang, col.Device, j.Branch}
			if r, ok := latest[k]; ok {
				cell.State, cell.RunID, cell.Runs, cell.Rerunning = r.Status, r.ID, r.Runs, r.Rerunning
				cell.Errors, cell.Warnings, cell.Waived = r.Errors, r.Warnings, r.Waived
				cell.Guidelines = r.Guidelines()
				cov.Totals.Errors += r.Errors
				cov.Totals.Warnings += r.Warnings
				switch r.Status {
				case journeyproof.StatusPassed:
					cov.Totals.Passed++
				case journeyproof.StatusFailed:
					cov.Totals.Failed++
				case journeyproof.StatusRunning:
					cov.Totals.Running++
				default:
					cov.Totals.Interrupted++
				}
			} else if inMatrix {
				cell.State = stateMissing
				cov.Totals.Missing++
			} else {
				cell.State = stateNotInMatrix
			}
			if inMatrix || cell.RunID != 0 {
				cov.Totals.Cells++
			}
			row.Cells = append(row.Cells, cell)
		}
		gi, ok := groups[j.Process]
		if !ok {
			gi = len(cov.Groups)
			groups[j.Process] = gi
			cov.Groups = append(cov.Groups, CoverageGroup{Process: j.Process})
		}
		cov.Groups[gi].Rows = append(cov.Groups[gi].Rows, row)
	}
	return cov, nil
}

// LangGroup is a language and how many device columns it spans.
type LangGroup struct {
	Lang string
	Span int
}

// LangGroups groups the columns by language, for the header row.
func (c *Coverage) LangGroups() []LangGroup {
	var out []LangGroup
	for _, col := range c.Columns {
		if n := len(out); n > 0 && out[n-1].Lang == col.Lang {
			out[n-1].Span++
			continue
		}
		out = append(out, LangGroup{Lang: col.Lang, Span: 1})
	}
	return out
}

// Span is the number of columns of the table: the journey and the cells.
func (c *Coverage) Span() int { return 1 + len(c.Columns) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// appendNew appends to list each of vs that list does not hold yet.
func appendNew(list []string, vs ...string) []string {
	for _, v := range vs {
		if !contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

// RunSummary is a run as lists show it (no steps).
type RunSummary struct {
	recordings.Run
	DurationMS int64 `json:"durationMs"`
	HasVideo   bool  `json:"hasVideo"`
}

// RunList is one page of runs.
type RunList struct {
	Runs    []RunSummary         `json:"runs"`
	Total   int64                `json:"total"`
	Page    int                  `json:"page"`
	Pages   int                  `json:"pages"`
	PerPage int                  `json:"perPage"`
	Filter  recordings.RunFilter `json:"filter"`
}

// maxPerPage bounds a page of runs.
const maxPerPage = 200

// Runs lists the runs that match the filter, newest first, one page (from
// 1) of perPage runs.
func (s *Server) Runs(f recordings.RunFilter, page, perPage int) (*RunList, error) {
	if perPage <= 0 {
		perPage = 50
	}
	perPage = min(perPage, maxPerPage)
	if page < 1 {
		page = 1
	}
	f.Limit, f.Offset = perPage, (page-1)*perPage
	runs, total, err := s.store.Runs(f)
	if err != nil {
		return nil, err
	}
	list := &RunList{Runs: []RunSummary{}, Total: total, Page: page, PerPage: perPage, Filter: f}
	list.Pages = int((total + int64(perPage) - 1) / int64(perPage))
	for _, r := range runs {
		list.Runs = append(list.Runs, summarize(r))
	}
	return list, nil
}

func summarize(r recordings.Run) RunSummary {
	sum := RunSummary{Run: r, DurationMS: r.Duration().Milliseconds(), HasVideo: r.Video != nil && r.Video.SHA256 != ""}
	sum.Steps, sum.Findings = nil, nil
	return sum
}

// RunView is a run as its page shows it: the storyboard (one StepView per
// step, with the findings placed on the screenshots) and the video.
type RunView struct {
	Run   RunSummary `json:"run"`
	Steps []StepView `json:"steps"`
	Video *VideoView `json:"video,omitempty"`
	// PhoneVideo is a person's recording of the iAM Smart app attached to
	// the run (journeyproof attach), nil when none.
	PhoneVideo *PhoneVideoView `json:"phoneVideo,omitempty"`
	// FailedStep is the number (from 1) of the step that failed, 0 for none.
	FailedStep int `json:"failedStep,omitempty"`
	// Findings counts the findings that are not waived.
	Findings int `json:"findings"`
}

// StepView is one card of the storyboard.
type StepView struct {
	recordings.Step
	// Number is the step's number from 1.
	Number int `json:"number"`
	// OffsetMS is the time into the run when the step started.
	OffsetMS   int64  `json:"offsetMs"`
	DurationMS int64  `json:"durationMs"`
	Screenshot string `json:"screenshotUrl,omitempty"`
	FullPage   string `json:"fullPageUrl,omitempty"`
	// Width and Height are the viewport in CSS px: the coordinate space
	// of Marks.
	Width    float64       `json:"width"`
	Height   float64       `json:"height"`
	Findings []FindingView `json:"findings"`
	// Marks are the numbered boxes drawn over the screenshot.
	Marks []Mark `json:"marks"`
	// VideoStart is where the step starts in the run's video (seconds),
	// -1 when the video has no chapter for it.
	VideoStart float64 `json:"videoStart"`
	// Lang is the language of the page, for the text taken from it.
	Lang string `json:"lang"`
	// Phone is the phone side's screen (the iAM Smart app) at this step.
	Phone string `json:"phoneUrl,omitempty"`
}

// FindingView is a finding with its number on the step's screenshot.
type FindingView struct {
	recordings.FindingRow
	Number int `json:"number"`
	// OnScreen reports whether the element's box is at least partly
	// inside the viewport screenshot (else only the full page shows it).
	OnScreen bool   `json:"onScreen"`
	CropURL  string `json:"cropUrl,omitempty"`
}

// Mark is a numbered box in the viewport's CSS px (clipped to it).
type Mark struct {
	Label    string  `json:"label"`
	Severity string  `json:"severity"`
	X        float64 `json:"x"`
	Y        float64 `json:"y"`
	W        float64 `json:"w"`
	H        float64 `json:"h"`
	// LabelX, LabelY and LabelR place the number's badge; Font is its size.
	LabelX float64 `json:"labelX"`
	LabelY float64 `json:"labelY"`
	LabelR float64 `json:"labelR"`
	Font   float64 `json:"font"`
	Waived bool    `json:"waived,omitempty"`
}

// VideoView is a run's video with its chapters in seconds.
type VideoView struct {
	URL        string        `json:"url"`
	Poster     string        `json:"posterUrl,omitempty"`
	Captions   string        `json:"captionsUrl,omitempty"`
	DurationMS int64         `json:"durationMs"`
	Width      int           `json:"width"`
	Height     int           `json:"height"`
	Chapters   []ChapterView `json:"chapters"`
}

// ChapterView is one chapter of a video.
type ChapterView struct {
	Title  string  `json:"title"`
	Start  float64 `json:"start"`
	End    float64 `json:"end"`
	Step   int     `json:"step"` // step number from 1
	Failed bool    `json:"failed,omitempty"`
}

// Run returns the storyboard view of a run.
func (s *Server) Run(id uint) (*RunView, error) {
	r, err := s.store.Run(id)
	if err != nil {
		return nil, err
	}
	v := &RunView{Run: summarize(*r), Steps: []StepView{}}
	if v.PhoneVideo, err = s.phoneVideo(id); err != nil {
		return nil, err
	}
	if r.Video != nil && r.Video.SHA256 != "" {
		vv := &VideoView{URL: artifactURL(r.Video.SHA256), Poster: artifactURL(r.Video.PosterSHA), Captions: artifactURL(r.Video.CaptionsSHA),
			DurationMS: r.Video.DurationMS, Width: r.Video.Width, Height: r.Video.Height, Chapters: []ChapterView{}}
		for _, ch := range r.Video.Chapters {
			vv.Chapters = append(vv.Chapters, ChapterView{Title: ch.Title, Start: float64(ch.StartMS) / 1000, End: float64(ch.EndMS) / 1000, Step: ch.Step + 1, Failed: ch.Failed})
		}
		v.Video = vv
	}
	byStep := map[int][]recordings.FindingRow{}
	for _, f := range r.Findings {
		byStep[f.StepIndex] = append(byStep[f.StepIndex], f)
		if !f.Waived {
			v.Findings++
		}
	}
	for _, st := range r.Steps {
		sv := StepView{Step: st, Number: st.Index + 1, OffsetMS: st.StartedAt.Sub(r.StartedAt).Milliseconds(),
			DurationMS: st.EndedAt.Sub(st.StartedAt).Milliseconds(),
			Screenshot: artifactURL(st.ScreenshotSHA), FullPage: artifactURL(st.FullPageSHA),
			Width: float64(r.Width), Height: float64(r.Height), Findings: []FindingView{}, Marks: []Mark{}, VideoStart: -1, Lang: r.Lang,
			Phone: artifactURL(st.PhoneSHA)}
		if sv.OffsetMS < 0 {
			sv.OffsetMS = 0
		}
		if v.Video != nil {
			for _, ch := range v.Video.Chapters {
				if ch.Step == sv.Number {
					sv.VideoStart = ch.Start
					break
				}
			}
		}
		placeFindings(&sv, byStep[st.Index])
		if st.Status != journeyproof.StatusPassed && v.FailedStep == 0 {
			v.FailedStep = sv.Number
		}
		v.Steps = append(v.Steps, sv)
	}
	return v, nil
}

// placeFindings numbers a step's findings and turns their boxes (document
// CSS px) into marks on the viewport screenshot: minus the scroll position,
// clipped to the viewport. Findings on the same box share one mark.
func placeFindings(sv *StepView, fs []recordings.FindingRow) {
	w, h := sv.Width, sv.Height
	// The badge is about 11 screen px in radius at the size the storyboard
	// shows the screenshot (wide screens 500 px, tall ones 250 px).
	shown := 500.0
	if h > w {
		shown = 250
	}
	r := 11 * w / shown
	marks := map[[4]float64]int{}
	for i, f := range fs {
		fv := FindingView{FindingRow: f, Number: i + 1, CropURL: artifactURL(f.CropSHA)}
		b := f.Box
		x0, y0 := b.X-sv.ScrollX, b.Y-sv.ScrollY
		x1, y1 := x0+b.W, y0+b.H
		cx0, cy0, cx1, cy1 := max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
		if b.W > 0 && b.H > 0 && cx1 > cx0 && cy1 > cy0 && w > 0 && h > 0 {
			fv.OnScreen = true
			k := [4]float64{cx0, cy0, cx1, cy1}
			if mi, ok := marks[k]; ok {
				m := &sv.Marks[mi]
				m.Label += fmt.Sprintf(",%d", fv.Number)
				if f.Severity == "error" && !f.Waived {
					m.Severity = "error"
				}
				m.Waived = m.Waived && f.Waived
			} else {
				marks[k] = len(sv.Marks)
				sev := f.Severity
				if sev != "error" {
					sev = "warning"
				}
				m := Mark{Label: fmt.Sprint(fv.Number), Severity: sev, X: cx0, Y: cy0, W: cx1 - cx0, H: cy1 - cy0, LabelR: r, Font: r * 1.15, Waived: f.Waived}
				// The badge sits on the box's top-left corner, kept inside the screenshot.
				m.LabelX = min(max(cx0, r), w-r)
				m.LabelY = min(max(cy0, r), h-r)
				sv.Marks = append(sv.Marks, m)
			}
		}
		sv.Findings = append(sv.Findings, fv)
	}
	for i := range sv.Marks {
		m := &sv.Marks[i]
		if n := strings.Count(m.Label, ","); n > 0 {
			m.LabelR = r * (1 + 0.45*float64(n))
			m.LabelX = min(max(m.X, m.LabelR), w-m.LabelR)
		}
	}
}

// FullPageView is the full-page screenshot of a step with its findings in
// document coordinates.
type FullPageView struct {
	Run  RunSummary `json:"run"`
	Step StepView   `json:"step"`
	// Width and Height are the document size in CSS px (the coordinate
	// space of Marks).
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	Marks  []Mark  `json:"marks"`
	Prev   int     `json:"prev,omitempty"`
	Next   int     `json:"next,omitempty"`
}

// FullPage returns the full-page view of step number n (from 1) of a run.
func (s *Server) FullPage(id uint, n int) (*FullPageView, error) {
	v, err := s.Run(id)
	if err != nil {
		return nil, err
	}
	if n < 1 || n > len(v.Steps) {
		return nil, errorf(http.StatusNotFound, "run %d has no step %d", id, n)
	}
	st := v.Steps[n-1]
	fp := &FullPageView{Run: v.Run, Step: st, Width: st.Width, Height: st.Height, Marks: []Mark{}}
	if n > 1 {
		fp.Prev = n - 1
	}
	if n < len(v.Steps) {
		fp.Next = n + 1
	}
	sha := st.FullPageSHA
	if sha == "" {
		sha = st.ScreenshotSHA
	}
	if sha != "" {
		if w, h, err := s.pngSize(sha); err == nil && w > 0 {
			scale := float64(w) / st.Width
			if scale > 0 {
				fp.Height = float64(h) / scale
			}
		}
	}
	// The marks in document coordinates: the same placement with no scroll
	// over the whole document.
	doc := StepView{Width: fp.Width, Height: fp.Height}
	fs := make([]recordings.FindingRow, len(st.Findings))
	for i, f := range st.Findings {
		fs[i] = f.FindingRow
	}
	placeFindings(&doc, fs)
	// Badges the size of the storyboard's, not scaled by the long page.
	for i := range doc.Marks {
		m := &doc.Marks[i]
		k := 11 * fp.Width / 900
		m.LabelR = k * (1 + 0.45*float64(strings.Count(m.Label, ",")))
		m.Font = k * 1.15
		m.LabelX = min(max(m.X, m.LabelR), fp.Width-m.LabelR)
		m.LabelY = min(max(m.Y, m.LabelR), fp.Height-m.LabelR)
	}
	fp.Marks = doc.Marks
	return fp, nil
}

// pngSize reads the pixel size of a PNG artifact from its header.
func (s *Server) pngSize(sha string) (int, int, error) {
	p := s.store.ArtifactPath(sha)
	if p == "" {
		return 0, 0, recordings.ErrNotFound
	}
	f, err := os.Open(p)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		return 0, 0, fmt.Errorf("read png %s: %w", sha, err)
	}
	return cfg.Width, cfg.Height, nil
}

// JourneyView is a journey as the journeys page lists it.
type JourneyView struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Service     string        `json:"service,omitempty"`
	Process     string        `json:"process"`
	Description string        `json:"description,omitempty"`
	File        string        `json:"file,omitempty"`
	Source      string        `json:"source,omitempty"`
	Languages   []string      `json:"languages"`
	Devices     []string      `json:"devices"`
	Steps       []JourneyStep `json:"steps"`
	// Runnable reports whether this server can start runs of it.
	Runnable bool `json:"runnable"`
	// Runs counts its runs in the store; LastRun is the newest.
	Runs    int64       `json:"runs"`
	LastRun *RunSummary `json:"lastRun,omitempty"`
}

// Journeys lists the journeys the app knows: those it can run and those
// in the store.
func (s *Server) Journeys() ([]JourneyView, error) {
	js, err := s.knownJourneys()
	if err != nil {
		return nil, err
	}
	out := make([]JourneyView, 0, len(js))
	for _, j := range js {
		v := JourneyView{ID: j.ID, Name: j.Name, Service: j.Service, Process: j.Process, Description: j.Description, File: j.File,
			Source: j.Source, Languages: nonNil(j.Languages), Devices: nonNil(j.Devices), Steps: nonNil(j.Steps), Runnable: j.Runnable}
		runs, total, err := s.store.Runs(recordings.RunFilter{Journey: j.ID, Limit: 1})
		if err != nil {
			return nil, err
		}
		v.Runs = total
		if len(runs) > 0 {
			sum := summarize(runs[0])
			v.LastRun = &sum
		}
		out = append(out, v)
	}
	return out, nil
}

// nonNil returns s, or an empty slice when s is nil, so that a list is
// [] in JSON and never null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// runFilterOptions are the choices of the runs page's filters.
type runFilterOptions struct {
	Releases  []string
	Journeys  []journeyInfo
	Processes []string
	Languages []string
	Devices   []string
	Statuses  []string
}

func (s *Server) filterOptions() (*runFilterOptions, error) {
	rels, err := s.Releases()
	if err != nil {
		return nil, err
	}
	js, err := s.knownJourneys()
	if err != nil {
		return nil, err
	}
	o := &runFilterOptions{Languages: journeyproof.Languages(), Devices: []string{"desktop", "mobile"},
		Statuses: []string{journeyproof.StatusPassed, journeyproof.StatusFailed, journeyproof.StatusInterrupted, journeyproof.StatusRunning}}
	for _, r := range rels {
		o.Releases = append(o.Releases, r.Name)
	}
	o.Journeys = js
	for _, j := range js {
		o.Processes = appendNew(o.Processes, j.Process)
		o.Devices = appendNew(o.Devices, j.Devices...)
		o.Languages = appendNew(o.Languages, j.Languages...)
	}
	return o, nil
}
