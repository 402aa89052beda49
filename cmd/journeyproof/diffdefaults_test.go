package main

import (
	"math"
	"testing"

	"github.com/chromedp/chromedp"

	"journeyproof/recordings/compare"
	"journeyproof/recordings/imagediff"
)

// The comparison's defaults (colour threshold 0.1, anti-aliasing ignored,
// any differing pixel over the limit) report the changes a reviewer must
// see on the sandbox's login page — one character of the iAM Smart label,
// the button moved 4 px, the button's colour — on desktop (1x) and mobile
// (3x), and report nothing for the same page loaded again.
func TestDiffDefaultsReportRealChanges(t *testing.T) {
	shared.Need(t)
	changes := []struct{ name, script string }{
		{"same page again", ``},
		{"one character of the label", `(() => { const l = document.querySelector(".iams-label"); l.textContent = l.textContent.replace("Log in", "Log on"); })()`},
		{"button 4 px to the right", `(() => { const e = document.querySelector(".iams-btn"); e.style.position = "relative"; e.style.left = "4px"; })()`},
		{"button colour", `(() => { const e = document.querySelector(".iams-btn"); const m = getComputedStyle(e).backgroundColor.match(/\d+/g); e.style.backgroundColor = "rgb(" + m[2] + "," + m[1] + "," + m[0] + ")"; })()`},
	}
	for _, dev := range []struct {
		name          string
		width, height int64
		scale         float64
		mobile        bool
	}{{"desktop", 1366, 768, 1, false}, {"mobile", 390, 844, 3, true}} {
		t.Run(dev.name, func(t *testing.T) {
			tab, cancel := chromedp.NewContext(site.Browser.Context(), chromedp.WithNewBrowserContext())
			defer cancel()
			opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(dev.scale)}
			if dev.mobile {
				opts = append(opts, chromedp.EmulateMobile)
			}
			if err := chromedp.Do(tab, chromedp.EmulateViewport(dev.width, dev.height, opts...)); err != nil {
				t.Fatal(err)
			}
			shot := func(script string) []byte {
				t.Helper()
				if _, err := chromedp.Run(tab, chromedp.Navigate(site.URL+"/login?lang=en")); err != nil {
					t.Fatal(err)
				}
				if script != "" {
					if _, err := chromedp.Run(tab, chromedp.Evaluate[chromedp.Void](script)); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := chromedp.Run(tab, chromedp.Evaluate[chromedp.Void](`document.fonts.ready`, chromedp.EvalAwaitPromise)); err != nil {
					t.Fatal(err)
				}
				png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatal(err)
				}
				return png
			}
			first := shot("")
			for _, c := range changes {
				res, err := imagediff.ComparePNG(first, shot(c.script), imagediff.Options{Threshold: 0.1,
					MergeDistance: int(math.Round(imagediff.DefaultMergeDistance * dev.scale))})
				if err != nil {
					t.Fatal(err)
				}
				over := compare.Limit{}.Over(&compare.Visual{DiffPixels: res.DiffPixels, Ratio: res.Ratio, SizeChanged: res.SizeChanged})
				if want := c.script != ""; over != want {
					t.Errorf("%s: %d differing pixels in %d boxes: over the default limit %v, want %v", c.name, res.DiffPixels, len(res.Boxes), over, want)
				}
			}
		})
	}
}
