package compare

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// pageFacts is what the report page shows, read in Chromium.
type pageFacts struct {
	Runs, OpenRuns    int
	Images, Loaded    int
	ChangedSteps      int
	CollapsedSteps    int
	Boxes             []drawnBox
	SwipeClip         string
	Verdict           string
	Labels            []string
	TextAfter         []string
	NewFindingBadges  int
	DiffTabs, Sliders int
}

// drawnBox is a changed box drawn over a diff image, in the image's pixels.
type drawnBox struct {
	Step       string
	X, Y, W, H float64
}

const factsScript = `(() => {
  const q = (s) => Array.from(document.querySelectorAll(s));
  const boxes = [];
  for (const step of q("section.cmp-step")) {
    const diff = step.querySelector(".cmp-view-diff");
    if (!diff) continue;
    step.querySelector("input.cmp-tab-diff").click();
    const img = diff.querySelector("img");
    const ir = img.getBoundingClientRect();
    const k = img.naturalWidth / ir.width;
    for (const b of diff.querySelectorAll(".cmp-boxes rect")) {
      const r = b.getBoundingClientRect();
      boxes.push({Step: step.querySelector("h3").textContent.trim().split("\n")[0], X: (r.left - ir.left) * k, Y: (r.top - ir.top) * k, W: r.width * k, H: r.height * k});
    }
  }
  const swipe = q(".cmp-swipe-head")[0];
  return {
    Runs: q("details.cmp-run").length,
    OpenRuns: q("details.cmp-run[open]").length,
    Images: q("img").length,
    ChangedSteps: q("section.cmp-step.cmp-changed").length,
    CollapsedSteps: q("details.cmp-step:not([open])").length,
    Boxes: boxes,
    SwipeClip: swipe ? getComputedStyle(swipe).clipPath : "",
    Verdict: document.querySelector(".cmp-verdict").textContent.trim(),
    Labels: q("section.cmp-step .cmp-text td:first-child").map((td) => td.textContent.trim()),
    TextAfter: q("section.cmp-step .cmp-after").map((td) => td.textContent.trim()),
    NewFindingBadges: q(".cmp-findings .cmp-sev-error").length,
    DiffTabs: q("input.cmp-tab-diff").length,
    Sliders: q(".cmp-swipe-control input[type=range]").length,
  };
})()`

const loadScript = `(async () => {
  for (const d of document.querySelectorAll("details")) d.open = true;
  const imgs = Array.from(document.images);
  for (const i of imgs) i.loading = "eager";
  await Promise.allSettled(imgs.map((i) => i.decode()));
  return imgs.filter((i) => i.complete && i.naturalWidth > 0).length;
})()`

// readReport writes the HTML report of a comparison to a file, opens it in
// Chromium and reads what it shows.
func readReport(t *testing.T, rep *Report) (pageFacts, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, rep, env.store); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, cancel := chromedp.NewContext(env.engine.Browser.Context())
	defer cancel()
	ctx, cancelT := context.WithTimeout(tab, time.Minute)
	defer cancelT()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 900), chromedp.Navigate("file://"+path)); err != nil {
		t.Fatal(err)
	}
	facts, err := chromedp.Run(ctx, chromedp.Evaluate[pageFacts](factsScript))
	if err != nil {
		t.Fatal(err)
	}
	// Every image decodes, the lazy thumbnails of collapsed steps too.
	facts.Loaded, err = chromedp.Run(ctx, chromedp.Evaluate[int](loadScript, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	return facts, buf.Bytes()
}

func TestHTMLReport(t *testing.T) {
	shared.Need(t)
	t.Run("defect", func(t *testing.T) {
		rep := compareOrFail(t, Side{Release: "base"}, Side{Release: "defect"}, Options{})
		f, html := readReport(t, rep)
		if bytes.Contains(html, []byte("ZgotmplZ")) {
			t.Error("the template dropped an unsafe value (ZgotmplZ)")
		}
		if bytes.Contains(html, []byte("src=\"http")) || bytes.Contains(html, []byte("src=\"/")) {
			t.Error("the report links an image instead of inlining it")
		}
		if f.Images == 0 || f.Loaded != f.Images {
			t.Errorf("%d of %d images loaded", f.Loaded, f.Images)
		}
		// Changed runs open first; the removed one after them.
		if f.Runs != 3 || f.OpenRuns != 2 {
			t.Errorf("%d runs, %d open; want 3, the 2 changed open", f.Runs, f.OpenRuns)
		}
		if f.ChangedSteps != 4 || f.CollapsedSteps != 6 || f.DiffTabs != 4 || f.Sliders != 4 {
			t.Errorf("changed steps %d (want 4), collapsed %d (want 6), diff tabs %d, sliders %d", f.ChangedSteps, f.CollapsedSteps, f.DiffTabs, f.Sliders)
		}
		if !strings.Contains(f.SwipeClip, "50%") {
			t.Errorf("swipe clip-path %q, want the head clipped at 50%%", f.SwipeClip)
		}
		if f.Verdict != "✗ Changes over the limit" || f.NewFindingBadges != 4 {
			t.Errorf("verdict %q, %d new error badges", f.Verdict, f.NewFindingBadges)
		}
		if !containsAll(f.TextAfter, "Login by iAM Smart", "「智方便」登入") {
			t.Errorf("text after: %q", f.TextAfter)
		}
		// The boxes drawn over each diff image are the boxes of the report.
		var want []Rect
		for _, r := range rep.Runs {
			for _, s := range r.Steps {
				if s.Status == StatusChanged && s.Visual != nil && s.Visual.Diff != "" {
					want = append(want, s.Visual.Boxes...)
				}
			}
		}
		// The page lists changed runs in the report's order, which is the
		// same here (both runs are changed).
		if len(f.Boxes) != len(want) || len(want) == 0 {
			t.Fatalf("%d boxes drawn, want %d", len(f.Boxes), len(want))
		}
		for i, b := range f.Boxes {
			w := want[i]
			// Within a pixel of the image.
			if math.Abs(b.X-float64(w.X)) > 1 || math.Abs(b.Y-float64(w.Y)) > 1 || math.Abs(b.W-float64(w.W)) > 1 || math.Abs(b.H-float64(w.H)) > 1 {
				t.Errorf("%s: box drawn at %.1f,%.1f %.1fx%.1f, want %+v", b.Step, b.X, b.Y, b.W, b.H, w)
			}
		}
	})
	t.Run("unchanged", func(t *testing.T) {
		rep := compareOrFail(t, Side{Release: "base"}, Side{Release: "again"}, Options{})
		f, _ := readReport(t, rep)
		if f.Verdict != "✓ Nothing over the limit" || f.OpenRuns != 0 || f.ChangedSteps != 0 || f.CollapsedSteps != 10 {
			t.Errorf("verdict %q, open runs %d, changed steps %d, collapsed %d; want everything collapsed", f.Verdict, f.OpenRuns, f.ChangedSteps, f.CollapsedSteps)
		}
		if f.Images != 10 || f.Loaded != 10 {
			t.Errorf("%d of %d thumbnails loaded, want 10", f.Loaded, f.Images)
		}
	})
}

func containsAll(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, s := range list {
			if s == w {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func TestThumbnail(t *testing.T) {
	shared.Need(t)
	r := env.runOf(t, "base", "login/zh-HK/mobile")
	data, err := env.store.ReadArtifact(r.Steps[0].ScreenshotSHA)
	if err != nil {
		t.Fatal(err)
	}
	th, err := thumbnail(data, 360)
	if err != nil {
		t.Fatal(err)
	}
	if len(th) == 0 || len(th) > len(data)/3 {
		t.Errorf("thumbnail of %d bytes from a %d-byte screenshot", len(th), len(data))
	}
}
