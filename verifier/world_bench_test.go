package verifier

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	"journeyproof/journeys"
	"journeyproof/journeys/sandbox"
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
// (journeys.World: created for the document by the first evaluation, then
// reused) with the URL, title and scroll read that comes first.
//
// Run with: go test -run '^$' -bench ProbeWorlds -benchtime 10x ./verifier
func BenchmarkProbeWorlds(b *testing.B) {
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	b.Cleanup(srv.Close)
	const geo = `({u: location.href, t: document.title, x: scrollX, y: scrollY, w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight})`
	for _, device := range devices() {
		for _, path := range []string{"/login", "/form"} {
			ctx := tabs[device]
			w, err := journeys.NewWorld(ctx)
			if err != nil {
				b.Fatal(err)
			}
			for _, v := range []struct {
				name string
				ev   Evaluator
			}{{"page-world", pageWorld{}}, {"isolated-world", w}} {
				b.Run(path[1:]+"/"+device+"/"+v.name, func(b *testing.B) {
					for b.Loop() {
						b.StopTimer()
						if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+path)); err != nil {
							b.Fatal(err)
						}
						b.StartTimer()
						if _, err := v.ev.Eval(ctx, geo); err != nil {
							b.Fatal(err)
						}
						if _, err := ProbeIn(ctx, v.ev); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
