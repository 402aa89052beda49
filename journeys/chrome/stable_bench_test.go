package chrome_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"journeyproof"
	"journeyproof/journeys"
	"journeyproof/journeys/chrome"
)

// BenchmarkStableCapture measures what the stable capture adds to a step's
// screenshots: on a loaded sandbox form page (zh-HK) that has settled, one
// viewport capture against the stable capture (two identical captures), on
// desktop and on a 3x mobile screen. It reports ms/capture, ms/stable and
// ms-added/step, the difference; and, to set that against, ms/step, the
// time of the runner's step that opens the same page (navigation, settle,
// stable capture, full-page capture), and %-added, the share of that step
// the second capture takes.
//
// Run with: go test -run '^$' -bench StableCapture -benchtime 20x ./journeys
func BenchmarkStableCapture(b *testing.B) {
	shared.Need(b)
	for _, dev := range []string{"desktop", "mobile"} {
		b.Run(dev, func(b *testing.B) {
			d := journeyproof.BuiltinDevices()[dev]
			tab, cancel := chromedp.NewContext(browser.Context(), chromedp.WithNewBrowserContext())
			defer cancel()
			opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(d.Scale)}
			if d.Mobile {
				opts = append(opts, chromedp.EmulateMobile)
			}
			if _, err := chromedp.Run(tab, chromedp.EmulateViewport(d.Width, d.Height, opts...)); err != nil {
				b.Fatal(err)
			}
			if _, err := chromedp.Run(tab, chromedp.Navigate(baseURL+"/form?lang=zh-HK")); err != nil {
				b.Fatal(err)
			}
			var one, stable time.Duration
			captures := 0
			for b.Loop() {
				start := time.Now()
				if _, err := chrome.ViewportPNG(tab); err != nil {
					b.Fatal(err)
				}
				mid := time.Now()
				_, n, err := chrome.StableViewportPNG(tab, false)
				if err != nil {
					b.Fatal(err)
				}
				one, stable = one+mid.Sub(start), stable+time.Since(mid)
				captures += n
			}
			// The runner's step that opens the page, as many times.
			j, err := journeys.Parse("open-form.yaml", []byte("id: open\nname: Open\nprocess: form-filling\nsteps:\n  - goto: /form?lang=zh-HK\n"))
			if err != nil {
				b.Fatal(err)
			}
			cells, err := journeys.Expand([]*journeys.Journey{j}, []string{"zh-HK"}, []string{dev})
			if err != nil {
				b.Fatal(err)
			}
			var step time.Duration
			for range b.N {
				col := &collector{steps: map[string][]*journeys.StepResult{}, ends: map[string]*journeys.CellResult{}}
				r := &chrome.Runner{Browser: browser, BaseURL: baseURL, Parallel: 1, Observer: col}
				cr := r.RunCell(context.Background(), cells[0])
				steps := col.steps[cr.Cell.String()]
				if cr.Status != journeyproof.StatusPassed || len(steps) != 1 {
					b.Fatalf("%s: %s %s", cr.Cell, cr.Status, cr.Error)
				}
				step += steps[0].Ended.Sub(steps[0].Started)
			}
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
			b.ReportMetric(ms(step), "ms/step")
			b.ReportMetric(100*float64(stable-one)/float64(step), "%-added")
			b.ReportMetric(ms(one), "ms/capture")
			b.ReportMetric(ms(stable), "ms/stable")
			b.ReportMetric(ms(stable-one), "ms-added/step")
			b.ReportMetric(float64(captures)/float64(b.N), "captures/step")
		})
	}
}
