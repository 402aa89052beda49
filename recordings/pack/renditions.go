package pack

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"journeyproof"
	"journeyproof/journeys/chrome"
	"journeyproof/recordings"
	"journeyproof/recordings/video"
)

// Size of the submission renditions: every still is drawn on this canvas,
// so the per-run videos and a process's combined video share one size.
const (
	renditionW, renditionH = 1280, 720
	titleHold              = 3 * time.Second
)

// stillSpec is what one still of a rendition shows.
type stillSpec struct {
	ID int
	// Title card.
	Card                                                           bool
	Service, Process, Journey, Branch, Lang, Device, Release, Date string
	// Step.
	Step, Of      int
	Name, Caption string
	Img, Phone    string
	ImgW, ImgH    int // pixels
	ClickX        float64
	ClickY        float64
	HasClick      bool
	Trigger       bool
	LangCode      string
}

// renditionFile is one submission video written for the pack.
type renditionFile struct {
	Path    string // in the pack, without extension
	Process string
	file    string // on disk, without extension
	r       *video.Rendition
	// parts are the per-run files a combined video joins.
	parts []string
}

var stillTemplate = template.Must(template.New("still").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><style>
html, body { margin: 0; width: 1280px; height: 720px; overflow: hidden; background: #14212b; color: #fff;
  font-family: "Noto Sans CJK TC", "Noto Sans CJK SC", "Liberation Sans", sans-serif; }
:lang(zh-CN) { font-family: "Noto Sans CJK SC", "Liberation Sans", sans-serif; }
.card { position: absolute; inset: 0; display: flex; flex-direction: column; justify-content: center; padding: 0 110px; background: #0b4f6c; }
.card .k { font-size: 22px; letter-spacing: 0.08em; opacity: 0.8; }
.card h1 { font-size: 54px; margin: 14px 0 6px; }
.card h2 { font-size: 34px; font-weight: 400; margin: 0 0 36px; }
.card table { font-size: 24px; border-collapse: collapse; }
.card th { text-align: left; font-weight: 400; opacity: 0.75; padding: 5px 30px 5px 0; }
.card td { font-weight: 700; padding: 5px 0; }
.stage { position: absolute; left: 0; top: 0; width: 1280px; height: 600px; display: flex; align-items: center; justify-content: center; }
.shot { position: relative; }
.shot img { display: block; width: 100%; height: 100%; }
.click { position: absolute; width: 46px; height: 46px; margin: -23px 0 0 -23px; border-radius: 50%; border: 6px solid #ff2d7a; background: rgba(255, 45, 122, 0.3); box-sizing: border-box; box-shadow: 0 0 0 4px rgba(255,255,255,0.8); }
.phone { position: absolute; right: 24px; bottom: 132px; border: 6px solid #000; border-radius: 22px; overflow: hidden; box-shadow: 0 6px 24px rgba(0,0,0,0.5); background: #000; }
.phone img { display: block; }
.bar { position: absolute; left: 0; right: 0; bottom: 0; height: 120px; background: rgba(8, 16, 22, 0.96); padding: 12px 32px; box-sizing: border-box; display: flex; gap: 22px; align-items: center; }
.bar .n { flex: none; font-size: 22px; font-weight: 700; background: #0b4f6c; padding: 6px 14px; border-radius: 8px; white-space: nowrap; }
.bar .n.trigger { background: #f08c00; }
.bar .t { font-size: 25px; line-height: 1.3; max-height: 98px; overflow: hidden; }
.bar .t b { display: block; font-size: 21px; opacity: 0.8; font-weight: 400; }
</style></head><body>
{{if .Card}}<div class="card">
<div class="k">WORKFLOW VIDEO · iAM SMART</div>
<h1>{{.Service}}</h1>
<h2>{{.Process}}{{if .Journey}} · {{.Journey}}{{end}}</h2>
<table>
<tr><th>Path</th><td>{{if .Branch}}Branch: {{.Branch}}{{else}}Main path{{end}}</td></tr>
<tr><th>Language</th><td lang="{{.LangCode}}">{{.Lang}}</td></tr>
<tr><th>Device</th><td>{{.Device}}</td></tr>
<tr><th>Release</th><td>{{.Release}}</td></tr>
<tr><th>Date</th><td>{{.Date}}</td></tr>
</table></div>
{{else}}<div class="stage">{{if .Img}}<div class="shot" id="shot"><img src="{{.Img}}" alt="">{{if .HasClick}}<div class="click" style="left: {{.ClickX}}%; top: {{.ClickY}}%"></div>{{end}}</div>{{end}}</div>
{{if .Phone}}<div class="phone"><img src="{{.Phone}}" style="width: 200px" alt=""></div>{{end}}
<div class="bar"><span class="n{{if .Trigger}} trigger{{end}}">Step {{.Step}} of {{.Of}}</span><div class="t"><b>{{.Name}}</b>{{.Caption}}</div></div>
<script>
// Fit the screenshot into the stage, keeping its ratio.
const s = document.getElementById("shot");
if (s) { const k = Math.min(1280 / {{.ImgW}}, 600 / {{.ImgH}}); s.style.width = ({{.ImgW}} * k) + "px"; s.style.height = ({{.ImgH}} * k) + "px"; }
</script>{{end}}
</body></html>`))

// makeRenditions draws the stills of every run's submission video with
// Chromium and encodes the per-run videos and one combined video per
// process with ffmpeg, a few at a time.
func makeRenditions(ctx context.Context, b *chrome.Browser, o *Options, sel *selection, dir string) ([]renditionFile, error) {
	hold := o.Hold
	if hold <= 0 {
		hold = DefaultHold
	}
	date := formatDate(o.Now)
	service := o.ServiceName
	var specs []*stillSpec
	add := func(s *stillSpec) string {
		s.ID = len(specs)
		specs = append(specs, s)
		return filepath.Join(dir, fmt.Sprintf("still-%05d.png", s.ID))
	}
	var files []renditionFile
	combined := map[string]*renditionFile{}
	var order []string
	info := storeScreenshots(o.Store)
	for _, r := range sel.runs {
		if len(r.Steps) == 0 {
			continue
		}
		svc := service
		if svc == "" {
			svc = r.Service
		}
		title := journeyproof.ProcessTitle(r.Process) + " · " + r.JourneyName + " · " + langLabel(r.Lang) + " · " + r.Device
		if r.Branch != "" {
			title += " · " + r.Branch
		}
		rf := renditionFile{Path: submissionPath(r), Process: r.Process, r: &video.Rendition{Title: title, Lang: r.Lang}}
		rf.file = filepath.Join(dir, strings.ReplaceAll(rf.Path, "/", "_"))
		card := add(&stillSpec{Card: true, Service: svc, Process: journeyproof.ProcessTitle(r.Process), Journey: r.JourneyName, Branch: r.Branch,
			Lang: langLabel(r.Lang), LangCode: r.Lang, Device: deviceLabel(r), Release: sel.release, Date: date})
		rf.r.Stills = append(rf.r.Stills, video.Still{PNG: card, Hold: titleHold, Chapter: "Title: " + title, Subtitle: title})
		caps := map[string]string{}
		if j := journeyOf(sel, r.JourneyID); j != nil {
			caps = currentCaptions(j)
		}
		for i := range r.Steps {
			s := &r.Steps[i]
			c := s.Caption
			if cc, ok := caps[stepKey(s.StepID, s.Index)]; ok {
				c = cc
			}
			sp := &stillSpec{Step: s.Index + 1, Of: len(r.Steps), Name: s.Name, Caption: c, Trigger: s.Trigger, LangCode: r.Lang}
			if pw, ph, ok := info(s.ScreenshotSHA); ok {
				sp.Img, sp.ImgW, sp.ImgH = "/a/"+s.ScreenshotSHA, pw, ph
				if s.PointX != nil && s.PointY != nil {
					sc := stepScale(r, s)
					sp.HasClick = true
					sp.ClickX, sp.ClickY = 100**s.PointX*sc/float64(pw), 100**s.PointY*sc/float64(ph)
				}
			}
			if s.PhoneSHA != "" && exists(o.Store.ArtifactPath(s.PhoneSHA)) {
				sp.Phone = "/a/" + s.PhoneSHA
			}
			sub := fmt.Sprintf("Step %d: %s", s.Index+1, s.Name)
			if c != "" {
				sub += " — " + c
			}
			rf.r.Stills = append(rf.r.Stills, video.Still{PNG: add(sp), Hold: hold, Chapter: fmt.Sprintf("Step %d: %s", s.Index+1, s.Name), Subtitle: sub})
		}
		files = append(files, rf)
		cf := combined[r.Process]
		if cf == nil {
			p := processFile(r.Process)
			cf = &renditionFile{Path: "submission/" + p, Process: r.Process, file: filepath.Join(dir, "combined-"+p),
				r: &video.Rendition{Title: journeyproof.ProcessTitle(r.Process) + " · release " + sel.release, Lang: r.Lang}}
			combined[r.Process] = cf
			order = append(order, r.Process)
		}
		for k, st := range rf.r.Stills {
			if k == 0 {
				st.Chapter = title
			} else {
				st.Chapter = ""
			}
			cf.r.Stills = append(cf.r.Stills, st)
		}
		cf.parts = append(cf.parts, rf.file+".mp4")
	}
	for _, p := range order {
		files = append(files, *combined[p])
	}
	if len(specs) == 0 {
		return nil, nil
	}
	if err := drawStills(ctx, b, o.Store, specs, dir); err != nil {
		return nil, err
	}
	// The per-run videos first, a few at a time; then each process's
	// combined video joins them without encoding again.
	errs := make([]error, len(files))
	sem := make(chan struct{}, max(1, runtime.NumCPU()))
	for _, combined := range []bool{false, true} {
		var wg sync.WaitGroup
		for i := range files {
			f := &files[i]
			if (len(f.parts) > 0) != combined {
				continue
			}
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				var err error
				if combined {
					err = f.r.Concat(ctx, f.parts, f.file+".mp4")
				} else {
					err = f.r.Encode(ctx, f.file+".mp4")
				}
				if err != nil {
					errs[i] = fmt.Errorf("export pack: submission video %s: %w", f.Path, err)
					return
				}
				errs[i] = f.r.WriteVTT(f.file + ".vtt")
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return nil, err
			}
		}
	}
	return files, nil
}

func journeyOf(sel *selection, id string) *recordings.Journey {
	for _, j := range sel.journeys {
		if j.ID == id {
			return j
		}
	}
	return nil
}

// submissionPath is where a run's submission video goes in the pack
// (without extension).
func submissionPath(r *recordings.Run) string {
	return "submission" + strings.TrimPrefix(videoPath(r), "videos")
}

// drawStills renders every still at the rendition's size in two tabs.
func drawStills(ctx context.Context, b *chrome.Browser, store *recordings.Store, specs []*stillSpec, dir string) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /still/{id}", func(w http.ResponseWriter, r *http.Request) {
		var id int
		if _, err := fmt.Sscan(r.PathValue("id"), &id); err != nil || id < 0 || id >= len(specs) {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		stillTemplate.Execute(w, specs[id])
	})
	mux.HandleFunc("GET /a/{sha}", func(w http.ResponseWriter, r *http.Request) {
		p := store.ArtifactPath(r.PathValue("sha"))
		if !exists(p) {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		http.ServeFile(w, r, p)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	const tabs = 2
	errs := make([]error, tabs)
	var wg sync.WaitGroup
	for t := range tabs {
		wg.Go(func() {
			tctx, cancel := chromedp.NewContext(b.Context())
			defer cancel()
			stop := context.AfterFunc(ctx, cancel)
			defer stop()
			if err := chromedp.Do(tctx, chromedp.Navigate("about:blank")); err != nil {
				errs[t] = fmt.Errorf("export pack: draw video stills: %w", err)
				return
			}
			if _, err := chromedp.Call(tctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: renditionW, Height: renditionH, DeviceScaleFactor: 1}); err != nil {
				errs[t] = fmt.Errorf("export pack: draw video stills: %w", err)
				return
			}
			for i := t; i < len(specs); i += tabs {
				if err := drawStill(tctx, srv.URL, specs[i], filepath.Join(dir, fmt.Sprintf("still-%05d.png", i))); err != nil {
					errs[t] = fmt.Errorf("export pack: draw video still %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func drawStill(ctx context.Context, base string, s *stillSpec, file string) error {
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/still/%d", base, s.ID))); err != nil {
		return err
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
		`document.fonts.ready.then(() => Promise.all([...document.images].map(i => i.decode().catch(() => null)))).then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
		return err
	}
	res, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng})
	if err != nil {
		return err
	}
	return os.WriteFile(file, res.Data, 0o644)
}
