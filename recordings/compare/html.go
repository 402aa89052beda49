package compare

import (
	"bytes"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed templates
var templateFS embed.FS

// parseTemplates parses the report templates; they are parsed per call, so
// the package keeps no mutable state.
func parseTemplates() (*template.Template, error) {
	t, err := template.New("compare").Funcs(template.FuncMap{
		"pct":  func(f float64) string { return strconv.FormatFloat(f*100, 'f', 3, 64) },
		"px":   func(f float64) string { return strconv.FormatFloat(f, 'f', 0, 64) },
		"join": strings.Join,
		"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"hkt": func(t time.Time) string {
			return t.In(time.FixedZone("HKT", 8*60*60)).Format("2006-01-02 15:04:05 MST")
		},
	}).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse comparison templates: %w", err)
	}
	return t, nil
}

// ArtifactReader reads stored artifacts (*recordings.Store implements it).
type ArtifactReader interface {
	ReadArtifact(sha string) ([]byte, error)
}

// ImageURL says where a page finds an artifact image. Full is the image as
// stored; Thumbnail may be a smaller copy (or the same URL).
type ImageURL interface {
	Full(sha string) template.URL
	Thumbnail(sha string) template.URL
}

// FragmentOptions tunes RenderFragment.
type FragmentOptions struct {
	// Images says where the screenshots and diff images are. When nil, the
	// images are inlined (see WriteHTML) and src is left to the inline
	// script.
	Images ImageURL
	// RunLink, when set, is the URL of a run's page (for links).
	RunLink func(id uint) template.URL
	// NoTitle leaves out the report's own h1, for a page that has one.
	NoTitle bool
}

// WriteHTML writes the report as one self-contained HTML page: styles,
// script and every image (screenshots, diff images, thumbnails of the
// unchanged steps) inlined as data URIs, each image once.
func WriteHTML(w io.Writer, rep *Report, store ArtifactReader) error {
	t, err := parseTemplates()
	if err != nil {
		return err
	}
	v := newView(rep, FragmentOptions{})
	images, err := inlineImages(v, store)
	if err != nil {
		return err
	}
	imgJSON, err := json.Marshal(images)
	if err != nil {
		return fmt.Errorf("encode report images: %w", err)
	}
	v.InlineImages = template.JS(imgJSON)
	css, js, err := assets()
	if err != nil {
		return err
	}
	v.CSS, v.JS = template.CSS(css), template.JS(js)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "report", v); err != nil {
		return fmt.Errorf("render comparison report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write comparison report: %w", err)
	}
	return nil
}

// RenderFragment writes the report as an HTML fragment to place inside a
// page's body, such as the web app's layout. It has no inline style or
// script: the page loads Stylesheet and Script itself. Images are
// referenced through opt.Images.
func RenderFragment(w io.Writer, rep *Report, opt FragmentOptions) error {
	t, err := parseTemplates()
	if err != nil {
		return err
	}
	if err := t.ExecuteTemplate(w, "compare-fragment", newView(rep, opt)); err != nil {
		return fmt.Errorf("render comparison: %w", err)
	}
	return nil
}

// Stylesheet is the CSS of the report (class names start with cmp-).
func Stylesheet() string {
	css, _, _ := assets()
	return css
}

// Script is the JavaScript of the report's swipe view.
func Script() string {
	_, js, _ := assets()
	return js
}

func assets() (css, js string, err error) {
	c, err := templateFS.ReadFile("templates/report.css")
	if err != nil {
		return "", "", fmt.Errorf("read report stylesheet: %w", err)
	}
	j, err := templateFS.ReadFile("templates/report.js")
	if err != nil {
		return "", "", fmt.Errorf("read report script: %w", err)
	}
	return string(c), string(j), nil
}

// view is a Report arranged for the templates.
type view struct {
	*Report
	Verdict      string
	Runs         []viewRun // changed, added, removed, then unchanged
	InlineImages template.JS
	NoTitle      bool
	CSS          template.CSS
	JS           template.JS
	opt          FragmentOptions
	// needed lists the images to inline: key -> (sha, thumbnail?).
	needed map[string]imageRef
}

type imageRef struct {
	sha   string
	thumb bool
}

type viewRun struct {
	*RunDiff
	// ChangeKey is the review queue's key of the whole cell (added or
	// removed), PathsKey of its URL paths' change.
	ChangeKey, PathsKey string
	N                   int
	Open                bool
	BaseRun             template.URL
	HeadRun             template.URL
	Steps               []viewStep
}

// img is an image in a template: a URL, or the key of an inlined image.
type img struct {
	Src  template.URL
	Key  string
	W, H int // size in CSS px, 0 when unknown
	Alt  string
}

// Any tells whether there is an image.
func (i img) Any() bool { return i.Src != "" || i.Key != "" }

// boxSet is boxes over an image of W x H pixels.
type boxSet struct {
	W, H  int
	Boxes []Rect
}

type viewStep struct {
	*StepDiff
	// ChangeKey is the review queue's key of the step ("" when unchanged).
	ChangeKey            string
	ID                   string // unique in the page
	Number               string
	Open                 bool
	Base, Head, Diff     img
	BaseImg, HeadImg     img // a step on one side only
	Thumb                img
	HeadBoxes, DiffBoxes boxSet
	HasPair, HasFinds    bool
}

func newView(rep *Report, opt FragmentOptions) *view {
	v := &view{Report: rep, opt: opt, needed: map[string]imageRef{}, NoTitle: opt.NoTitle}
	v.Verdict = "pass"
	if rep.Summary.Failed {
		v.Verdict = "fail"
	}
	order := map[Status]int{StatusChanged: 0, StatusAdded: 1, StatusRemoved: 2, StatusUnchanged: 3}
	idx := make([]int, len(rep.Runs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return order[rep.Runs[a].Status] - order[rep.Runs[b].Status] })
	for n, i := range idx {
		r := &rep.Runs[i]
		vr := viewRun{RunDiff: r, N: n, Open: r.Status == StatusChanged}
		if opt.RunLink != nil {
			if r.Base != nil {
				vr.BaseRun = opt.RunLink(r.Base.ID)
			}
			if r.Head != nil {
				vr.HeadRun = opt.RunLink(r.Head.ID)
			}
		}
		switch {
		case r.Status == StatusAdded:
			vr.ChangeKey = CellKey(r, KindCellAdded)
		case r.Status == StatusRemoved:
			vr.ChangeKey = CellKey(r, KindCellRemoved)
		case r.Paths.Changed:
			vr.PathsKey = CellKey(r, KindPaths)
		}
		for k := range r.Steps {
			vs := v.step(&r.Steps[k], fmt.Sprintf("r%d-s%d", n, k))
			if r.Steps[k].Status != StatusUnchanged {
				vs.ChangeKey = StepKey(r, &r.Steps[k])
			}
			vr.Steps = append(vr.Steps, vs)
		}
		v.Runs = append(v.Runs, vr)
	}
	return v
}

func (v *view) step(s *StepDiff, id string) viewStep {
	vs := viewStep{StepDiff: s, ID: id, Open: s.Status != StatusUnchanged, HasPair: s.Base != nil && s.Head != nil,
		HasFinds: len(s.Findings.New)+len(s.Findings.Resolved)+len(s.Findings.Unchanged) > 0}
	switch {
	case s.Head != nil:
		vs.Number = "Step " + itoa(s.Head.Index+1)
	case s.Base != nil:
		vs.Number = "Base step " + itoa(s.Base.Index+1)
	}
	if !vs.Open {
		// Collapsed: only a thumbnail.
		switch {
		case s.Head != nil && s.Head.Screenshot != "":
			vs.Thumb = v.image(s.Head.Screenshot, true, Size{}, 0, "")
		case s.Base != nil && s.Base.Screenshot != "":
			vs.Thumb = v.image(s.Base.Screenshot, true, Size{}, 0, "")
		}
		return vs
	}
	if hv := s.Visual; hv != nil && vs.HasPair {
		vs.Base = v.image(s.Base.Screenshot, false, hv.BaseSize, s.Base.Scale, "Base screenshot of "+s.Name)
		vs.Head = v.image(s.Head.Screenshot, false, hv.HeadSize, s.Head.Scale, "Head screenshot of "+s.Name)
		common := Size{min(hv.BaseSize.W, hv.HeadSize.W), min(hv.BaseSize.H, hv.HeadSize.H)}
		vs.HeadBoxes = boxSet{W: hv.HeadSize.W, H: hv.HeadSize.H, Boxes: hv.Boxes}
		vs.DiffBoxes = boxSet{W: common.W, H: common.H, Boxes: hv.Boxes}
		if hv.Diff != "" {
			vs.Diff = v.image(hv.Diff, false, common, s.Head.Scale, "Diff image of "+s.Name)
		}
		return vs
	}
	// A step on one side only, or a pair without both screenshots.
	if s.Head != nil && s.Head.Screenshot != "" {
		vs.HeadImg = v.image(s.Head.Screenshot, false, Size{}, 0, "Screenshot of "+s.Name)
	} else if s.Base != nil && s.Base.Screenshot != "" {
		vs.BaseImg = v.image(s.Base.Screenshot, false, Size{}, 0, "Screenshot of "+s.Name)
	}
	return vs
}

// image names an image for the page; size (pixels) and scale give its
// width and height in CSS px.
func (v *view) image(sha string, thumb bool, size Size, scale float64, alt string) img {
	out := img{Alt: alt}
	if scale > 0 && size.W > 0 {
		out.W, out.H = int(float64(size.W)/scale+0.5), int(float64(size.H)/scale+0.5)
	}
	if v.opt.Images != nil {
		if thumb {
			out.Src = v.opt.Images.Thumbnail(sha)
		} else {
			out.Src = v.opt.Images.Full(sha)
		}
		return out
	}
	key := sha[:min(16, len(sha))]
	if thumb {
		key = "t" + key
	}
	v.needed[key] = imageRef{sha: sha, thumb: thumb}
	out.Key = key
	return out
}

// inlineImages reads every image the view needs and returns them as data
// URIs by key: full images as stored (PNG), thumbnails as small JPEGs.
func inlineImages(v *view, store ArtifactReader) (map[string]string, error) {
	out := make(map[string]string, len(v.needed))
	thumbs := map[string]string{} // sha -> data URI
	for key, ref := range v.needed {
		data, err := store.ReadArtifact(ref.sha)
		if err != nil {
			return nil, fmt.Errorf("read image %s for the report: %w", ref.sha, err)
		}
		if !ref.thumb {
			out[key] = "data:image/png;base64," + base64.StdEncoding.EncodeToString(data)
			continue
		}
		if uri, ok := thumbs[ref.sha]; ok {
			out[key] = uri
			continue
		}
		t, err := thumbnail(data, 360)
		if err != nil {
			return nil, fmt.Errorf("thumbnail of %s: %w", ref.sha, err)
		}
		uri := "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(t)
		thumbs[ref.sha], out[key] = uri, uri
	}
	return out, nil
}

// thumbnail scales a PNG down to at most maxW pixels wide (averaging
// blocks of pixels) and encodes it as JPEG.
func thumbnail(pngData []byte, maxW int) ([]byte, error) {
	src, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		return nil, err
	}
	rgba, ok := src.(*image.RGBA)
	if !ok {
		b := src.Bounds()
		rgba = image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(rgba, rgba.Bounds(), src, b.Min, draw.Src)
	}
	w, h := rgba.Rect.Dx(), rgba.Rect.Dy()
	f := max(1, (w+maxW-1)/maxW)
	tw, th := max(1, w/f), max(1, h/f)
	out := image.NewRGBA(image.Rect(0, 0, tw, th))
	n := uint32(f * f)
	for ty := 0; ty < th; ty++ {
		for tx := 0; tx < tw; tx++ {
			var r, g, b uint32
			for y := ty * f; y < ty*f+f; y++ {
				row := rgba.Pix[y*rgba.Stride+tx*f*4:]
				for x := 0; x < f*4; x += 4 {
					// Composite onto white (the screenshot is premultiplied).
					a := 255 - uint32(row[x+3])
					r += uint32(row[x]) + a
					g += uint32(row[x+1]) + a
					b += uint32(row[x+2]) + a
				}
			}
			o := out.Pix[ty*out.Stride+tx*4:]
			o[0], o[1], o[2], o[3] = byte(r/n), byte(g/n), byte(b/n), 255
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Detail says in a few words what changed in a run pair.
func (r *RunDiff) Detail() string {
	switch r.Status {
	case StatusAdded:
		return "only in the head"
	case StatusRemoved:
		return "only in the base"
	}
	var parts []string
	add := func(n int, one, many string) {
		switch {
		case n == 1:
			parts = append(parts, "1 "+one)
		case n > 1:
			parts = append(parts, itoa(n)+" "+many)
		}
	}
	add(r.StepsOverLimit, "step over the limit", "steps over the limit")
	add(r.StepsChanged-r.StepsOverLimit, "other step changed", "other steps changed")
	add(r.StepsAdded, "step added", "steps added")
	add(r.StepsRemoved, "step removed", "steps removed")
	add(r.StepsReordered, "step reordered", "steps reordered")
	add(r.NewErrors, "new error finding", "new error findings")
	add(r.NewFindings-r.NewErrors, "other new finding", "other new findings")
	add(r.ResolvedFindings, "resolved finding", "resolved findings")
	if r.Paths.Changed {
		parts = append(parts, "URL paths changed")
	}
	if len(parts) == 0 {
		return "no difference"
	}
	return strings.Join(parts, ", ")
}
