package pack

import (
	"fmt"
	"image/png"
	"math"
	"os"
	"strings"
	"time"

	"journeyproof"
	"journeyproof/journeys"
	"journeyproof/recordings"
)

// Page geometry of the wireframe PDFs (A4 landscape), in millimetres. The
// printable area is the paper less the margins given to Chromium.
const (
	paperW, paperH = 297.0, 210.0
	marginTop      = 10.0
	marginSide     = 10.0
	marginBottom   = 14.0 // room for the footer with the page number
	contentW       = paperW - 2*marginSide
	contentH       = paperH - marginTop - marginBottom
)

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

func langLabel(code string) string {
	if l, ok := journeyproof.LookupLanguage(code); ok {
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
