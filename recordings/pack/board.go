package pack

import (
	"fmt"
	"image"
	"math"
	"net/url"
	"sort"
	"strings"

	"journeyproof"
	"journeyproof/recordings"
)

// board is the wireframe of one business process, as a designer hands it
// in: a cover, a journey map per device family, detail pages with several
// frames each for the first language, and compact appendices for the
// other languages. Run timings, pass/fail words and test details are in
// the QA report (report.html/json, junit.xml), not here.
type board struct {
	Process      string
	ProcessTitle string
	Service      string
	LangLabels   string
	DeviceLabels string
	Release      string
	Date         string
	Journeys     []*recordings.Journey
	// NotRecorded counts the expected cells with no run in the release.
	NotRecorded int
	Maps        []*mapPage
	Details     []*detailPage
	Contents    []contentsLine
	Pages       int
}

type contentsLine struct {
	Title string
	Lang  string
	Page  int
	Last  int
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
	// Steps lists the steps the finding appears on ("steps 1–2").
	Steps string
}

// mapPage is the journey map of one journey on one device family: the
// main path's screens joined by arrows, then one row per branch from the
// step where the user's decision forks it.
type mapPage struct {
	Journey string
	Family  string
	Lang    string
	Label   string
	Rows    []*mapRow
	Page    int
	// Continued tells that the page continues the map of the page before.
	Continued bool
}

type mapRow struct {
	// Decision labels a branch's arrow ("" for the main path).
	Decision string
	// From is the step the branch forks from.
	From   string
	Frames []*mapFrame
}

// mapFrame is one screen on the map: a thumbnail cropped to the page's
// content (so its labels stay readable on A4) inside a frame of FrameW x
// FrameH mm, the image placed at -OffX/-OffY.
type mapFrame struct {
	Steps   string
	Name    string
	Trigger bool
	Outcome string
	Img     string
	ImgW    float64
	ImgH    float64
	OffX    float64
	OffY    float64
	FrameW  float64
	FrameH  float64
	// LabelW is the width of the screen's column, which its label may
	// take: wider than a phone-shaped thumbnail, so that labels do not
	// wrap word by word.
	LabelW float64
	Phone  string
	PhoneW float64
	PhoneH float64
	Click  *marker
}

// detailPage is one page of frames of one run.
type detailPage struct {
	Title    string
	Lang     string
	Appendix bool
	Cols     int
	Frames   []*frame
	Page     int
}

// frame is one screen of a run on a detail page: consecutive steps with
// the same screenshot share it.
type frame struct {
	Steps    string
	Name     string
	Caption  string
	URL      string
	Title    string
	Trigger  bool
	Outcome  string
	Error    string
	Img      string
	W, H     float64
	Phone    string
	PhoneW   float64
	PhoneH   float64
	Markers  []marker
	Entries  []marker
	Click    *marker
	Findings []boardFinding
	More     int
}

// stepGroup is a run of consecutive steps with the same screenshot.
type stepGroup struct {
	steps []*recordings.Step
}

func (g stepGroup) first() *recordings.Step { return g.steps[0] }
func (g stepGroup) last() *recordings.Step  { return g.steps[len(g.steps)-1] }

// name joins the names of the group's steps.
func (g stepGroup) name() string {
	var names []string
	for _, s := range g.steps {
		if !has(names, s.Name) {
			names = append(names, s.Name)
		}
	}
	return strings.Join(names, " · ")
}

// label is "Step 3" or "Steps 1–2".
func (g stepGroup) label() string {
	if len(g.steps) == 1 {
		return fmt.Sprintf("Step %d", g.first().Index+1)
	}
	return fmt.Sprintf("Steps %d–%d", g.first().Index+1, g.last().Index+1)
}

// groupSteps joins consecutive steps whose screenshots are the same image
// (and whose phone side is the same), so a screen is shown once.
func groupSteps(steps []recordings.Step) []stepGroup {
	var out []stepGroup
	for i := range steps {
		s := &steps[i]
		if n := len(out); n > 0 {
			p := out[n-1].last()
			if s.ScreenshotSHA != "" && s.ScreenshotSHA == p.ScreenshotSHA && s.PhoneSHA == p.PhoneSHA && s.Error == "" && p.Error == "" {
				out[n-1].steps = append(out[n-1].steps, s)
				continue
			}
		}
		out = append(out, stepGroup{steps: []*recordings.Step{s}})
	}
	return out
}

// family names a device's family on the map.
func family(device string) string {
	switch device {
	case "desktop":
		return "Desktop: the user scans a QR code with the iAM Smart app"
	case "mobile":
		return "Mobile: the browser hands over to the iAM Smart app on the same phone"
	}
	return device
}

// decision words a branch's arrow.
func decision(branch string) string {
	switch branch {
	case "deny":
		return "The user denies the request in the iAM Smart app"
	case "timeout":
		return "The user does not respond and the request times out"
	case "close":
		return "The user closes the iAM Smart page or goes back"
	}
	return "Branch: " + branch
}

// boardCtx is what the board's builders share.
type boardCtx struct {
	o     *Options
	info  screenshotInfo
	imgs  *printImages
	boxes map[string]image.Rectangle
}

// buildBoard lays out the wireframe of one process.
func buildBoard(o *Options, sel *selection, process string, videos map[uint]*runVideo, info screenshotInfo, imgs *printImages) *board {
	bc := &boardCtx{o: o, info: info, imgs: imgs, boxes: map[string]image.Rectangle{}}
	b := &board{Process: process, ProcessTitle: journeyproof.ProcessTitle(process), Release: sel.release, Date: formatDate(o.Now), Service: o.ServiceName}
	var langs, devices []string
	for _, j := range sel.journeys {
		if j.Process != process {
			continue
		}
		b.Journeys = append(b.Journeys, j)
		if b.Service == "" {
			b.Service = j.Service
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
	}
	for _, c := range sel.cells {
		if c.Process == process && !c.Ran() {
			b.NotRecorded++
		}
	}
	sort.SliceStable(langs, func(a, c int) bool { return langRank(langs[a]) < langRank(langs[c]) })
	sort.SliceStable(devices, func(a, c int) bool { return deviceRank(devices[a]) < deviceRank(devices[c]) })
	b.LangLabels, b.DeviceLabels = langLabels(langs), strings.Join(devices, ", ")
	for _, j := range b.Journeys {
		caps := currentCaptions(j)
		var runs []*recordings.Run
		for _, r := range sel.runs {
			if r.JourneyID == j.ID && len(r.Steps) > 0 {
				runs = append(runs, r)
			}
		}
		primary := ""
		for _, l := range langs {
			for _, r := range runs {
				if r.Lang == l && primary == "" {
					primary = l
				}
			}
		}
		for _, d := range devices {
			b.Maps = append(b.Maps, bc.buildMap(j, runs, primary, d, caps)...)
		}
		for _, r := range runs {
			b.Details = append(b.Details, bc.buildDetails(j, r, caps, r.Lang != primary)...)
		}
	}
	b.paginate()
	return b
}

// paginate numbers the pages: cover, the maps, then the detail pages.
func (b *board) paginate() {
	page := 1
	for _, m := range b.Maps {
		page++
		m.Page = page
		if m.Continued && len(b.Contents) > 0 {
			b.Contents[len(b.Contents)-1].Last = page
			continue
		}
		b.Contents = append(b.Contents, contentsLine{Title: "Journey map: " + m.Journey + " · " + m.Label, Page: page, Last: page})
	}
	var cur *contentsLine
	appendix := false
	for _, d := range b.Details {
		page++
		d.Page = page
		if d.Appendix && !appendix {
			appendix = true
			b.Contents = append(b.Contents, contentsLine{Title: "Appendix: the other languages"})
		}
		if cur == nil || cur.Title != d.Title {
			b.Contents = append(b.Contents, contentsLine{Title: d.Title, Lang: d.Lang, Page: page, Last: page})
			cur = &b.Contents[len(b.Contents)-1]
		} else {
			cur.Last = page
		}
	}
	b.Pages = page
}

// runTitle names a run on the detail pages.
func runTitle(j *recordings.Journey, r *recordings.Run) string {
	t := j.Name + " · " + langLabel(r.Lang) + " · " + deviceLabel(r)
	if r.Branch != "" {
		t += " · branch: " + r.Branch
	}
	return t
}

// buildMap draws one journey on one device family, in the primary
// language: the main path and every branch.
func (bc *boardCtx) buildMap(j *recordings.Journey, runs []*recordings.Run, lang, device string, caps map[string]string) []*mapPage {
	var main *recordings.Run
	var branches []*recordings.Run
	for _, r := range runs {
		if r.Lang != lang || r.Device != device {
			continue
		}
		if r.Branch == "" {
			main = r
		} else {
			branches = append(branches, r)
		}
	}
	if main == nil && len(branches) > 0 {
		main, branches = branches[0], branches[1:]
	}
	if main == nil {
		return nil
	}
	label := device + ", " + langLabel(lang)
	mainGroups := groupSteps(main.Steps)
	type rowSrc struct {
		groups   []stepGroup
		decision string
		from     string
		run      *recordings.Run
	}
	srcs := []rowSrc{{groups: mainGroups, run: main}}
	for _, br := range branches {
		fork := forkIndex(main, br)
		var gs []stepGroup
		for _, g := range groupSteps(br.Steps) {
			if g.last().Index >= fork {
				gs = append(gs, g)
			}
		}
		from := ""
		if fork > 0 {
			from = fmt.Sprintf("from step %d", fork)
		}
		srcs = append(srcs, rowSrc{groups: gs, decision: decision(br.Branch), from: from, run: br})
	}
	// The main path takes up to two rows; each branch one row.
	// Few screens to a row, so that their labels stay readable on A4.
	perRow := 4
	if device == "mobile" {
		perRow = 6
	}
	perRow = min(perRow, max(len(mainGroups), 1))
	mainRows := (len(mainGroups) + perRow - 1) / perRow
	if mainRows > 2 && len(branches) == 0 {
		perRow = (len(mainGroups) + 1) / 2
		mainRows = 2
	}
	// A page holds a few rows, so that the screens stay large enough to
	// read on A4; the rest continue on the next page.
	maxRows := 3
	if device == "mobile" {
		maxRows = 2
	}
	rows := min(mainRows+len(branches), maxRows)
	// labelH holds a step's label (up to three lines and a badge) and
	// legendH the legend at the foot of the page.
	const arrowW, labelH, headH, legendH = 8.0, 17.0, 22.0, 9.0
	colW := (contentW - arrowW*float64(perRow)) / float64(perRow)
	frameH := (contentH-headH-legendH)/float64(rows) - labelH
	if len(branches) > 0 {
		frameH -= 5 // the decision line above each branch
	}
	var all []*mapRow
	for si, src := range srcs {
		var row *mapRow
		for gi, g := range src.groups {
			if row == nil || len(row.Frames) == perRow {
				row = &mapRow{}
				if si > 0 && gi == 0 {
					row.Decision, row.From = src.decision, src.from
				}
				all = append(all, row)
			}
			f := bc.mapFrame(src.run, g, colW, frameH)
			f.LabelW = colW
			row.Frames = append(row.Frames, f)
		}
	}
	var pages []*mapPage
	for i := 0; i < len(all); i += maxRows {
		m := &mapPage{Journey: j.Name, Family: family(device), Lang: lang, Label: label, Rows: all[i:min(i+maxRows, len(all))]}
		if i > 0 {
			m.Continued = true
		}
		pages = append(pages, m)
	}
	return pages
}

// forkIndex is the index of the first step where a branch run leaves the
// main run's steps.
func forkIndex(main, br *recordings.Run) int {
	for i := range br.Steps {
		if i >= len(main.Steps) {
			return i
		}
		a, b := main.Steps[i], br.Steps[i]
		if a.StepID != b.StepID || a.Name != b.Name || a.Outcome != b.Outcome {
			return i
		}
	}
	return len(br.Steps)
}

// mapFrame places a group's screenshot, cropped to its content, in a
// frame of at most w x h mm.
func (bc *boardCtx) mapFrame(r *recordings.Run, g stepGroup, w, h float64) *mapFrame {
	s := g.last()
	f := &mapFrame{Steps: strings.TrimPrefix(strings.TrimPrefix(g.label(), "Steps "), "Step "), Name: g.name(), Trigger: s.Trigger || g.first().Trigger, Outcome: s.Outcome}
	for _, x := range g.steps {
		if x.Outcome != "" {
			f.Outcome = x.Outcome
		}
	}
	pw, ph, ok := bc.info(s.ScreenshotSHA)
	if !ok {
		f.FrameW, f.FrameH = w, math.Min(h, w*0.6)
		return f
	}
	phoneRoom := 0.0
	if s.PhoneSHA != "" {
		phoneRoom = 0.3 * w
	}
	crop := bc.contentBox(s.ScreenshotSHA, pw, ph)
	cw, ch := fit(float64(crop.Dx()), float64(crop.Dy()), w-phoneRoom, h)
	k := cw / float64(crop.Dx()) // mm per pixel
	f.FrameW, f.FrameH = cw, ch
	f.ImgW, f.ImgH = float64(pw)*k, float64(ph)*k
	f.OffX, f.OffY = float64(crop.Min.X)*k, float64(crop.Min.Y)*k
	f.Img = bc.imgs.url(s.ScreenshotSHA, pw, f.ImgW)
	if s.PhoneSHA != "" {
		if qw, qh, ok := bc.info(s.PhoneSHA); ok {
			f.PhoneW, f.PhoneH = fit(float64(qw), float64(qh), phoneRoom-2, ch)
			f.Phone = bc.imgs.url(s.PhoneSHA, qw, f.PhoneW)
		}
	}
	if s.PointX != nil && s.PointY != nil {
		scale := stepScale(r, s)
		x, y := *s.PointX*scale, *s.PointY*scale
		if crop.Dx() > 0 && crop.Dy() > 0 {
			f.Click = &marker{Left: 100 * (x - float64(crop.Min.X)) / float64(crop.Dx()), Top: 100 * (y - float64(crop.Min.Y)) / float64(crop.Dy())}
		}
	}
	return f
}

func stepScale(r *recordings.Run, s *recordings.Step) float64 {
	if s.Scale > 0 {
		return s.Scale
	}
	if r.Scale > 0 {
		return r.Scale
	}
	return 1
}

// contentBox finds the part of a screenshot that holds the page's
// content: columns at the sides and rows at the bottom that are the same
// colour from edge to edge (margins, an empty background) are cut, with a
// little room left. A page with no such margins is not cropped.
func (bc *boardCtx) contentBox(sha string, pw, ph int) image.Rectangle {
	if r, ok := bc.boxes[sha]; ok {
		return r
	}
	full := image.Rect(0, 0, pw, ph)
	bc.boxes[sha] = full
	p := bc.o.Store.ArtifactPath(sha)
	img, err := readScreenshot(p)
	if err != nil {
		return full
	}
	b := img.Bounds()
	same := func(x0, y0, x1, y1 int) bool { // every pixel of the line equals its first
		r0, g0, b0, _ := img.At(x0, y0).RGBA()
		for x, y := x0, y0; x <= x1 && y <= y1; {
			r, g, bl, _ := img.At(x, y).RGBA()
			if absDiff(r, r0) > 0x0c00 || absDiff(g, g0) > 0x0c00 || absDiff(bl, b0) > 0x0c00 {
				return false
			}
			if x0 == x1 {
				y++
			} else {
				x++
			}
		}
		return true
	}
	// A column is margin when it equals the leftmost column all the way
	// down (a header bar across the page is the same in both).
	colSame := func(x int) bool {
		for y := b.Min.Y; y < b.Max.Y; y += 2 {
			r0, g0, b0, _ := img.At(b.Min.X, y).RGBA()
			r, g, bl, _ := img.At(x, y).RGBA()
			if absDiff(r, r0) > 0x0c00 || absDiff(g, g0) > 0x0c00 || absDiff(bl, b0) > 0x0c00 {
				return false
			}
		}
		return true
	}
	x0, x1 := b.Min.X, b.Max.X-1
	for x0 < x1 && colSame(x0) {
		x0++
	}
	// A scrollbar may run down the right edge: skip up to 24 columns that
	// differ there before looking for the margin.
	for k := 0; k < 24 && x1 > x0 && !colSame(x1); k++ {
		x1--
	}
	if !colSame(x1) {
		x1 = b.Max.X - 1
	}
	for x1 > x0 && colSame(x1) {
		x1--
	}
	y1 := b.Max.Y - 1
	for y1 > b.Min.Y && same(b.Min.X, y1, b.Max.X-1, y1) {
		y1--
	}
	pad := pw / 40
	r := image.Rect(max(b.Min.X, x0-pad), b.Min.Y, min(b.Max.X, x1+pad+1), min(b.Max.Y, y1+pad+1))
	// Keep at least half the width and a third of the height, so a nearly
	// empty page still reads as a page.
	if r.Dx() < pw/2 {
		c := (r.Min.X + r.Max.X) / 2
		r.Min.X, r.Max.X = max(0, c-pw/4), min(pw, c+pw/4)
	}
	if r.Dy() < ph/3 {
		r.Max.Y = min(ph, r.Min.Y+ph/3)
	}
	bc.boxes[sha] = r
	return r
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// Detail page geometry: frames per page and their image box (mm).
type detailGeom struct {
	perPage, cols int
	imgW, imgH    float64
}

func geom(device string, appendix bool) detailGeom {
	switch {
	case device == "mobile" && appendix:
		return detailGeom{6, 6, 42, 92}
	case device == "mobile":
		return detailGeom{4, 4, 46, 100}
	case appendix:
		return detailGeom{6, 3, 88, 50}
	}
	return detailGeom{2, 2, 134, 76}
}

// buildDetails lays a run's screens out on detail pages.
func (bc *boardCtx) buildDetails(j *recordings.Journey, r *recordings.Run, caps map[string]string, appendix bool) []*detailPage {
	g := geom(r.Device, appendix)
	var pages []*detailPage
	groups := groupSteps(r.Steps)
	for _, gr := range groups {
		if len(pages) == 0 || len(pages[len(pages)-1].Frames) == g.perPage {
			pages = append(pages, &detailPage{Title: runTitle(j, r), Lang: r.Lang, Appendix: appendix, Cols: g.cols})
		}
		p := pages[len(pages)-1]
		p.Frames = append(p.Frames, bc.frame(r, gr, caps, g, appendix))
	}
	return pages
}

// frame builds one frame of a detail page.
func (bc *boardCtx) frame(r *recordings.Run, g stepGroup, caps map[string]string, geo detailGeom, compact bool) *frame {
	s := g.last()
	f := &frame{Steps: g.label(), Name: g.name(), URL: productionURL(s.URL, r.BaseURL, bc.o.Origin), Title: s.Title, Error: s.Error}
	var capts []string
	for _, x := range g.steps {
		c := x.Caption
		if cc, ok := caps[stepKey(x.StepID, x.Index)]; ok {
			c = cc
		}
		if c != "" && !has(capts, c) {
			capts = append(capts, c)
		}
		f.Trigger = f.Trigger || x.Trigger
		if x.Outcome != "" {
			f.Outcome = x.Outcome
		}
	}
	f.Caption = strings.Join(capts, " ")
	pw, ph, ok := bc.info(s.ScreenshotSHA)
	imgW := geo.imgW
	if s.PhoneSHA != "" {
		imgW *= 0.7
	}
	if ok {
		f.W, f.H = fit(float64(pw), float64(ph), imgW, geo.imgH)
		f.Img = bc.imgs.url(s.ScreenshotSHA, pw, f.W)
	}
	if s.PhoneSHA != "" {
		if qw, qh, ok := bc.info(s.PhoneSHA); ok {
			f.PhoneW, f.PhoneH = fit(float64(qw), float64(qh), geo.imgW*0.3-2, geo.imgH)
			f.Phone = bc.imgs.url(s.PhoneSHA, qw, f.PhoneW)
		}
	}
	scale := stepScale(r, s)
	cssW, cssH := float64(pw)/scale, float64(ph)/scale
	if s.PointX != nil && s.PointY != nil && ok {
		f.Click = &marker{Left: 100 * *s.PointX / cssW, Top: 100 * *s.PointY / cssH}
	}
	limit := 3
	if compact {
		limit = 1
	}
	for i, mf := range mergeFindings(r, g) {
		fd := mf.FindingRow
		n := i + 1
		bf := boardFinding{N: n, Rule: fd.Rule, Severity: fd.Severity, Message: fd.Message, Selector: shorten(fd.Selector, 60), Waived: fd.Waived, WaiverReason: fd.WaiverReason}
		if len(g.steps) > 1 || len(mf.Steps) > 1 {
			bf.Steps = stepList(mf.Steps)
		}
		if b := fd.Box; b.W > 0 && b.H > 0 && ok {
			if m, in := place(b.X-s.ScrollX, b.Y-s.ScrollY, b.W, b.H, cssW, cssH); in {
				m.N, m.Class = n, fd.Severity
				if fd.Waived {
					m.Class = "waived"
				}
				f.Markers = addMarker(f.Markers, m)
			} else {
				bf.Where = "outside the screenshot"
			}
		}
		if i < limit {
			f.Findings = append(f.Findings, bf)
		} else {
			f.More++
		}
	}
	if f.Trigger && ok {
		for _, x := range g.steps {
			for _, e := range x.Entries {
				if m, in := place(e.Box.X-x.ScrollX, e.Box.Y-x.ScrollY, e.Box.W, e.Box.H, cssW, cssH); in {
					m.Class, m.Label = "entry", "iAM Smart"
					f.Entries = append(f.Entries, m)
				}
			}
			if len(f.Entries) > 0 {
				break
			}
		}
	}
	return f
}

// secretParams are query parameters whose values a wireframe never shows.
var secretParams = []string{"state", "code", "nonce", "token", "access_token", "id_token", "refresh_token", "secret",
	"client_secret", "password", "session", "sessionid", "sid", "ticket", "key", "apikey", "api_key", "sig", "signature", "auth", "assertion", "otp"}

// productionURL shows a recorded URL as the user would see it in
// production: the test host (the run's base URL, or any loopback host)
// becomes the service's production origin (only the path is kept when
// there is none), also inside query values such as redirectURI, and the
// values of state, code and other secrets are redacted.
func productionURL(raw, base, origin string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	test := map[string]bool{}
	if b, err := url.Parse(base); err == nil && b.Host != "" {
		test[b.Scheme+"://"+b.Host] = true
	}
	if isLoopback(u.Hostname()) {
		test[u.Scheme+"://"+u.Host] = true
	}
	origin = strings.TrimRight(origin, "/")
	rewrite := func(s string) string {
		for t := range test {
			s = strings.ReplaceAll(s, t, origin)
		}
		return s
	}
	q := u.Query()
	var parts []string
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	// Keep the order the URL had.
	order := map[string]int{}
	for i, kv := range strings.Split(u.RawQuery, "&") {
		k, _, _ := strings.Cut(kv, "=")
		if k, err := url.QueryUnescape(k); err == nil {
			if _, seen := order[k]; !seen {
				order[k] = i
			}
		}
	}
	sort.Slice(keys, func(a, b int) bool { return order[keys[a]] < order[keys[b]] })
	for _, k := range keys {
		for _, v := range q[k] {
			if isSecret(k) {
				parts = append(parts, k+"=[redacted]")
				continue
			}
			v = rewrite(v)
			if isLoopbackURL(v) {
				if pu, err := url.Parse(v); err == nil {
					v = origin + pu.EscapedPath()
				}
			}
			parts = append(parts, k+"="+v)
		}
	}
	head := u.Scheme + "://" + u.Host
	if test[head] || isLoopback(u.Hostname()) {
		head = origin
	}
	out := head + u.EscapedPath()
	if len(parts) > 0 {
		out += "?" + strings.Join(parts, "&")
	}
	return out
}

func isSecret(k string) bool {
	k = strings.ToLower(k)
	for _, s := range secretParams {
		if k == s || strings.HasSuffix(k, "_"+s) || strings.HasSuffix(k, s) && len(s) > 4 {
			return true
		}
	}
	return false
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.") || strings.HasSuffix(host, ".localhost")
}

func isLoopbackURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Host != "" && isLoopback(u.Hostname())
}

// mergedFinding is one finding on a screen with every step it appears on.
type mergedFinding struct {
	recordings.FindingRow
	Steps []int
}

// mergeFindings lists the findings of a group of steps once each: the
// same rule on the same element of an unchanged screen is one finding,
// with the steps it was seen on.
func mergeFindings(r *recordings.Run, g stepGroup) []mergedFinding {
	in := map[int]bool{}
	for _, s := range g.steps {
		in[s.Index] = true
	}
	var out []mergedFinding
	idx := map[string]int{}
	for _, f := range r.Findings {
		if !in[f.StepIndex] {
			continue
		}
		k := findingKey(f)
		if i, ok := idx[k]; ok {
			if !hasInt(out[i].Steps, f.StepIndex+1) {
				out[i].Steps = append(out[i].Steps, f.StepIndex+1)
			}
			continue
		}
		idx[k] = len(out)
		out = append(out, mergedFinding{FindingRow: f, Steps: []int{f.StepIndex + 1}})
	}
	return out
}

// findingKey is what makes two findings the same: the rule, the element
// and the message.
func findingKey(f recordings.FindingRow) string {
	return f.Rule + "\x00" + f.Selector + "\x00" + f.Message + "\x00" + fmt.Sprint(f.Waived)
}

func hasInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// stepList writes step numbers as "steps 1–2" or "steps 1, 3".
func stepList(ns []int) string {
	if len(ns) == 1 {
		return fmt.Sprintf("step %d", ns[0])
	}
	sort.Ints(ns)
	consecutive := true
	for i := 1; i < len(ns); i++ {
		if ns[i] != ns[i-1]+1 {
			consecutive = false
		}
	}
	if consecutive {
		return fmt.Sprintf("steps %d–%d", ns[0], ns[len(ns)-1])
	}
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = fmt.Sprint(n)
	}
	return "steps " + strings.Join(parts, ", ")
}
