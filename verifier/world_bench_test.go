package verifier

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"journeyproof/journeys/chrome"
)

// pageWorld evaluates in the page's own JavaScript world, as the probe did
// before it moved to an isolated world; only for comparison.
type pageWorld struct{}

func (pageWorld) Eval(ctx context.Context, expr string) ([]byte, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
}

// BenchmarkProbeWorlds measures what reading the page in an isolated world
// costs a step: the probe on a freshly loaded document (as after a step's
// navigation) in the page's own world, against the runner's isolated world
// (chrome.World: created for the document by the first evaluation, then
// reused) with the URL, title and scroll read that comes first.
//
// Run with: go test -run '^$' -bench ProbeWorlds -benchtime 10x ./verifier
func BenchmarkProbeWorlds(b *testing.B) {
	shared.Need(b)
	sandboxURL := serveSandbox(b)
	const geo = `({u: location.href, t: document.title, x: scrollX, y: scrollY, w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight})`
	for _, device := range devices() {
		for _, path := range []string{"/login", "/form"} {
			b.Run(path[1:]+"/"+device, func(b *testing.B) {
				ctx := tabs[device]
				w, err := chrome.NewWorld(ctx)
				if err != nil {
					b.Fatal(err)
				}
				// The two worlds take turns on fresh documents, so that the
				// machine's drift falls on both alike.
				var took [2]time.Duration
				for b.Loop() {
					for k, ev := range []Evaluator{pageWorld{}, w} {
						if err := chromedp.Do(ctx, chromedp.Navigate(sandboxURL+path)); err != nil {
							b.Fatal(err)
						}
						start := time.Now()
						if _, err := ev.Eval(ctx, geo); err != nil {
							b.Fatal(err)
						}
						if _, err := ProbeIn(ctx, ev); err != nil {
							b.Fatal(err)
						}
						took[k] += time.Since(start)
					}
				}
				n := float64(b.N)
				b.ReportMetric(float64(took[0].Microseconds())/1000/n, "ms-page-world")
				b.ReportMetric(float64(took[1].Microseconds())/1000/n, "ms-isolated-world")
				b.ReportMetric(float64(took[1]-took[0])/float64(took[0])*100, "%-added")
			})
		}
	}
}
