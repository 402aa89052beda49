package pack

import (
	"fmt"
	"image/png"
	"math"
	"os"
	"strings"
	"time"

	"journeyproof/journeys"
	"journeyproof/recordings"
)

// Page geometry of the wireframe PDFs (A4 landscape), in millimetres. The
// printable area is the paper less the margins given to Chromium.
const (
	paperW, paperH      = 297.0, 210.0
	marginTop           = 10.0
	marginSide          = 10.0
	marginBottom        = 14.0 // room for the footer with the page number
	contentW            = paperW - 2*marginSide
	contentH            = paperH - marginTop - marginBottom
	shotMaxW, shotMaxH  = 175.0, 160.0
	coverageRowsPerPage = 16
	// A landscape screenshot has its findings below it, a portrait one
	// beside it; this many fit.
	maxFindingsBelow  = 4
	maxFindingsBeside = 7
)

// board is the storyboard of one business process: what the HTML template
// prints into the process's wireframe PDF.
type board struct {
	Process      string
	ProcessTitle string
	Services     []string
	LangLabels   string
	DeviceLabels string
	Release      string
	Date         string
	Versions     Versions
	Journeys     []*boardJourney
	// CoveragePages are the coverage cells, split into pages.
	CoveragePages [][]coverageRow
	CoverageCells int
	Missing       int
	Failed        int
	WithErrors    int
	Runs          int
	Steps         int
	Contents      []contentsLine
	// Pages is the number of pages the PDF has.
	Pages int
}

type contentsLine struct {
	Title string
	Lang  string
	Page  int
	Last  int
}

type coverageRow struct {
	Cell
	JourneyName string
	LangLabel   string
	Page        int // first page of the run in the PDF, 0 when none
}

type boardJourney struct {
	*recordings.Journey
	Overview overview
	Runs     []*boardRun
}

// overview is the one-page flow of a journey: the steps of one run as
// thumbnails in rows, with arrows.
type overview struct {
	Cell      string
	LangLabel string
	Device    string
	Rows      [][]thumb
	ThumbW    float64
	ThumbH    float64
	Page      int
}

type thumb struct {
	N       int
	Name    string
	Img     string
	W, H    float64
	Trigger bool
	Outcome string
	Failed  bool
	Errors  int
}

type boardRun struct {
	Run         *recordings.Run
	LangLabel   string
	DeviceLabel string
	Video       string
	FirstPage   int
	Steps       []*boardStep
}

type boardStep struct {
	N, Total    int
	Name        string
	Caption     string
	Action      string
	URL         string
	Title       string
	Status      string
	Error       string
	Outcome     string
	Trigger     bool
	Request     string
	Time        string
	Img         string
	W, H        float64
	Markers     []marker
	Entries     []marker
	Findings    []boardFinding
	MoreFinding int
	// FindingsBelow puts the findings under a landscape screenshot.
	FindingsBelow bool
	Page          int
}

// marker is a box drawn over a screenshot, in percent of its size.
type marker struct {
	N                   int
	Left, Top, Wid, Hei float64
	Class               string
	Label               string
}

type boardFinding struct {
	N            int
	Rule         string
	Severity     string
	Message      string
	Selector     string
	Waived       bool
	WaiverReason string
	Where        string
}

// screenshotInfo reads the pixel size of a stored PNG from its header.
type screenshotInfo func(sha string) (w, h int, ok bool)

func storeScreenshots(store *recordings.Store) screenshotInfo {
	return func(sha string) (int, int, bool) {
		p := store.ArtifactPath(sha)
		if p == "" {
			return 0, 0, false
		}
		f, err := os.Open(p)
		if err != nil {
			return 0, 0, false
		}
		defer f.Close()
		cfg, err := png.DecodeConfig(f)
		if err != nil || cfg.Width == 0 || cfg.Height == 0 {
			return 0, 0, false
		}
		return cfg.Width, cfg.Height, true
	}
}

// buildBoard lays out the storyboard of one process; imgs learns which
// screenshots it shows, at what size.
func buildBoard(o *Options, sel *selection, process string, videos map[uint]*runVideo, info screenshotInfo, imgs *printImages) *board {
	b := &board{Process: process, ProcessTitle: processTitle(process), Release: sel.release, Date: formatDate(o.Now),
		Versions: Versions{Journeyproof: o.Version, Chromium: o.ChromiumVersion, FFmpeg: o.FFmpegVersion}}
	names := map[string]string{}
	var langs, devices []string
	for _, j := range sel.journeys {
		if j.Process != process {
			continue
		}
		for _, l := range j.Languages {
			if !has(langs, l) {
				langs = append(langs, l)
			}
		}
		for _, d := range j.Devices {
			if !has(devices, d) {
				devices = append(devices, d)
			}
		}
		names[j.ID] = j.Name
		if j.Service != "" && !has(b.Services, j.Service) {
			b.Services = append(b.Services, j.Service)
		}
		bj := &boardJourney{Journey: j}
		caps := currentCaptions(j)
		for _, r := range sel.runs {
			if r.JourneyID != j.ID {
				continue
			}
			br := &boardRun{Run: r, LangLabel: langLabel(r.Lang), DeviceLabel: deviceLabel(r)}
			if v := videos[r.ID]; v != nil {
				br.Video = v.path + ".mp4"
			}
			for i := range r.Steps {
				bs := buildStep(r, &r.Steps[i], len(r.Steps), info, imgs)
				if c, ok := caps[stepKey(r.Steps[i].StepID, r.Steps[i].Index)]; ok {
					bs.Caption = c
				}
				br.Steps = append(br.Steps, bs)
			}
			bj.Runs = append(bj.Runs, br)
			b.Runs++
			b.Steps += len(r.Steps)
		}
		bj.Overview = buildOverview(bj)
		b.Journeys = append(b.Journeys, bj)
	}
	b.LangLabels, b.DeviceLabels = langLabels(langs), strings.Join(devices, ", ")
	var rows []coverageRow
	for _, c := range sel.cells {
		if c.Process != process {
			continue
		}
		rows = append(rows, coverageRow{Cell: c, JourneyName: names[c.Journey], LangLabel: langLabel(c.Lang)})
		switch {
		case c.State == CellMissing:
			b.Missing++
		case c.State == CellFailed:
			b.Failed++
		}
		if c.Errors > 0 {
			b.WithErrors++
		}
	}
	b.CoverageCells = len(rows)
	for len(rows) > coverageRowsPerPage {
		b.CoveragePages = append(b.CoveragePages, rows[:coverageRowsPerPage])
		rows = rows[coverageRowsPerPage:]
	}
	b.CoveragePages = append(b.CoveragePages, rows)
	b.paginate()
	return b
}

// paginate numbers the pages: cover, one overview per journey, the
// coverage pages, then one page per step. Every section is exactly one
// page (the template fixes their height), so the numbers are exact.
func (b *board) paginate() {
	page := 1 // cover
	for _, j := range b.Journeys {
		page++
		j.Overview.Page = page
	}
	coverage := page + 1
	page += len(b.CoveragePages)
	runPage := map[uint]int{}
	for _, j := range b.Journeys {
		for _, r := range j.Runs {
			r.FirstPage = page + 1
			runPage[r.Run.ID] = r.FirstPage
			for _, s := range r.Steps {
				page++
				s.Page = page
			}
			last := page
			if len(r.Steps) == 0 {
				r.FirstPage, last = 0, 0
			}
			b.Contents = append(b.Contents, contentsLine{Title: j.Name + " · " + r.LangLabel + " · " + r.DeviceLabel, Lang: r.Run.Lang, Page: r.FirstPage, Last: last})
		}
	}
	for i := range b.CoveragePages {
		for k := range b.CoveragePages[i] {
			b.CoveragePages[i][k].Page = runPage[b.CoveragePages[i][k].Run]
		}
	}
	head := []contentsLine{}
	for _, j := range b.Journeys {
		head = append(head, contentsLine{Title: "Overview: " + j.Name, Page: j.Overview.Page})
	}
	head = append(head, contentsLine{Title: "Coverage of the cells", Page: coverage, Last: coverage + len(b.CoveragePages) - 1})
	b.Contents = append(head, b.Contents...)
	b.Pages = page
}

func buildStep(r *recordings.Run, s *recordings.Step, total int, info screenshotInfo, imgs *printImages) *boardStep {
	bs := &boardStep{N: s.Index + 1, Total: total, Name: s.Name, Caption: s.Caption, Action: s.Action, URL: s.URL, Title: s.Title,
		Status: s.Status, Error: s.Error, Outcome: s.Outcome, Trigger: s.Trigger, Request: s.Request}
	if !s.EndedAt.IsZero() && !s.StartedAt.IsZero() {
		bs.Time = s.EndedAt.Sub(s.StartedAt).Round(10 * time.Millisecond).String()
	}
	var findings []recordings.Finding
	for _, f := range r.Findings {
		if f.StepIndex == s.Index {
			findings = append(findings, f)
		}
	}
	pw, ph, ok := info(s.ScreenshotSHA)
	if ok {
		bs.W, bs.H = fit(float64(pw), float64(ph), shotMaxW, shotMaxH)
		bs.Img = imgs.url(s.ScreenshotSHA, pw, bs.W)
	}
	scale := s.Scale
	if scale <= 0 {
		scale = r.Scale
	}
	if scale <= 0 {
		scale = 1
	}
	cssW, cssH := float64(pw)/scale, float64(ph)/scale
	bs.FindingsBelow = bs.W > bs.H
	limit := maxFindingsBeside
	if bs.FindingsBelow {
		limit = maxFindingsBelow
	}
	for i, f := range findings {
		n := i + 1
		bf := boardFinding{N: n, Rule: f.Rule, Severity: f.Severity, Message: f.Message, Selector: shorten(f.Selector, 60), Waived: f.Waived, WaiverReason: f.WaiverReason}
		if f.W > 0 && f.H > 0 && ok {
			if m, in := place(f.X-s.ScrollX, f.Y-s.ScrollY, f.W, f.H, cssW, cssH); in {
				m.N, m.Class = n, f.Severity
				if f.Waived {
					m.Class = "waived"
				}
				bs.Markers = addMarker(bs.Markers, m)
			} else {
				bf.Where = "outside the screenshot"
			}
		}
		if i < limit {
			bs.Findings = append(bs.Findings, bf)
		} else {
			bs.MoreFinding++
		}
	}
	if s.Trigger && ok {
		for _, e := range s.Entries {
			if m, in := place(e.Box.X-s.ScrollX, e.Box.Y-s.ScrollY, e.Box.W, e.Box.H, cssW, cssH); in {
				m.Class, m.Label = "entry", "iAM Smart"
				bs.Entries = append(bs.Entries, m)
			}
		}
	}
	return bs
}

// shorten cuts s to n runes with an ellipsis (the report has it whole).
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// addMarker adds a finding's marker, or adds its number to the marker of
// another finding on the same box (the most severe colour wins).
func addMarker(ms []marker, m marker) []marker {
	for i := range ms {
		o := &ms[i]
		if math.Abs(o.Left-m.Left) < 0.05 && math.Abs(o.Top-m.Top) < 0.05 && math.Abs(o.Wid-m.Wid) < 0.05 && math.Abs(o.Hei-m.Hei) < 0.05 {
			o.Label += fmt.Sprintf(", %d", m.N)
			if severityRank(m.Class) < severityRank(o.Class) {
				o.Class = m.Class
			}
			return ms
		}
	}
	m.Label = fmt.Sprint(m.N)
	return append(ms, m)
}

func severityRank(class string) int {
	switch class {
	case "error":
		return 0
	case "warning":
		return 1
	}
	return 2
}

// place converts a box in viewport CSS px to percentages of a screenshot
// of cssW x cssH CSS px, clipped; in is false when nothing of it shows.
func place(x, y, w, h, cssW, cssH float64) (m marker, in bool) {
	if cssW <= 0 || cssH <= 0 {
		return m, false
	}
	x0, y0 := math.Max(x, 0), math.Max(y, 0)
	x1, y1 := math.Min(x+w, cssW), math.Min(y+h, cssH)
	if x1 <= x0 || y1 <= y0 {
		return m, false
	}
	return marker{Left: 100 * x0 / cssW, Top: 100 * y0 / cssH, Wid: 100 * (x1 - x0) / cssW, Hei: 100 * (y1 - y0) / cssH}, true
}

// fit scales w x h to fit in maxW x maxH (millimetres), keeping the ratio.
func fit(w, h, maxW, maxH float64) (float64, float64) {
	if w <= 0 || h <= 0 {
		return 0, 0
	}
	s := math.Min(maxW/w, maxH/h)
	return w * s, h * s
}

// buildOverview picks the run shown on the overview (English on desktop
// when there is one, else the first) and lays its steps out in rows.
func buildOverview(j *boardJourney) overview {
	var pick *boardRun
	for _, r := range j.Runs {
		if pick == nil || (r.Run.Lang == "en" && r.Run.Device == "desktop") {
			pick = r
		}
		if r.Run.Lang == "en" && r.Run.Device == "desktop" {
			break
		}
	}
	if pick == nil || len(pick.Steps) == 0 {
		return overview{}
	}
	ov := overview{Cell: pick.Run.Cell(), LangLabel: pick.LangLabel, Device: pick.DeviceLabel}
	n := len(pick.Steps)
	cols := n
	switch {
	case n > 8:
		cols = 5
	case n > 4:
		cols = (n + 1) / 2
	}
	rows := (n + cols - 1) / cols
	const arrow, label, top = 9.0, 24.0, 44.0
	ov.ThumbW = (contentW - arrow*float64(cols)) / float64(cols)
	maxH := (contentH-top)/float64(rows) - label
	// Thumbnails share one frame size: each image is fitted into the
	// room there is, then the frames shrink to the tallest image.
	tallest := 0.0
	var row []thumb
	for i, s := range pick.Steps {
		t := thumb{N: s.N, Name: s.Name, Img: s.Img, Trigger: s.Trigger, Outcome: s.Outcome, Failed: s.Status == journeys.StatusFailed}
		for _, f := range s.Findings {
			if f.Severity == "error" && !f.Waived {
				t.Errors++
			}
		}
		if s.Img != "" && s.W > 0 {
			t.W, t.H = fit(s.W, s.H, ov.ThumbW-1, maxH-1)
			tallest = math.Max(tallest, t.H)
		}
		row = append(row, t)
		if len(row) == cols || i == n-1 {
			ov.Rows = append(ov.Rows, row)
			row = nil
		}
	}
	ov.ThumbH = tallest + 1
	if tallest == 0 {
		ov.ThumbH = math.Min(maxH, ov.ThumbW*0.56)
	}
	return ov
}

func processTitle(p string) string {
	switch p {
	case journeys.ProcessAuthentication:
		return "Authentication"
	case journeys.ProcessFormFilling:
		return "Form filling"
	case journeys.ProcessSigning:
		return "Digital signing"
	case "":
		return "Business process"
	}
	t := strings.ReplaceAll(p, "-", " ")
	return strings.ToUpper(t[:1]) + t[1:]
}

func langLabel(code string) string {
	if l, ok := journeys.LookupLanguage(code); ok {
		if code == "en" {
			return l.Label
		}
		return l.Label + " (" + code + ")"
	}
	return code
}

func langLabels(codes []string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = langLabel(c)
	}
	return strings.Join(out, ", ")
}

func deviceLabel(r *recordings.Run) string {
	if r.Width > 0 && r.Height > 0 {
		return fmt.Sprintf("%s %d×%d", r.Device, r.Width, r.Height)
	}
	return r.Device
}

// formatDate dates the pack in Hong Kong time when the zone database has
// it, else in local time.
func formatDate(t time.Time) string {
	if loc, err := time.LoadLocation(journeys.TimeZone); err == nil {
		t = t.In(loc)
	}
	return t.Format("2 January 2006, 15:04 MST")
}

// currentCaptions reads the captions of the journey file as it is now, so
// that a designer who annotates captions in the file sees them in the next
// export without running the journey again. Steps are matched by their id,
// else by position. A file that is gone or no longer parses leaves the
// captions stored with the run.
func currentCaptions(j *recordings.Journey) map[string]string {
	if j.File == "" {
		return nil
	}
	cur, err := journeys.LoadFile(j.File)
	if err != nil || cur.ID != j.ID {
		return nil
	}
	caps := map[string]string{}
	for i, s := range cur.Steps {
		caps[stepKey(s.ID, i)] = s.Caption
	}
	return caps
}

func stepKey(id string, index int) string {
	if id != "" {
		return "id:" + id
	}
	return fmt.Sprintf("#%d", index)
}
