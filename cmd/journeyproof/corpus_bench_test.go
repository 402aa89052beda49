package main

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"journeyproof"
	"journeyproof/engine"
	"journeyproof/journeys/chrome"
	"journeyproof/journeys/sandbox"
	"journeyproof/verifier"
)

// BenchmarkCorpusProbe measures the probe and the rules on the sandbox's
// corpus against the static login page with the same content: what seeing
// the composed page (shadow roots, closed ones through the DevTools
// protocol, same-origin and cross-site frames) costs on a loaded page. A
// page that renders late is measured once rendered.
func BenchmarkCorpusProbe(b *testing.B) {
	shared.Need(b)
	pack := verifier.DefaultPack()
	vc := verifier.Context{Process: journeyproof.ProcessAuthentication, Lang: "en", Device: "desktop", Trigger: true}
	pages := []struct{ name, path string }{{"static", "/login?lang=en"}}
	for _, k := range sandbox.CorpusKinds() {
		pages = append(pages, struct{ name, path string }{k.Name, "/corpus/" + k.Name + "/login?lang=en"})
	}
	// Every page in its own tab; the pages take turns in each round, so
	// that the machine's load weighs on all of them alike.
	type tab struct {
		name string
		ctx  context.Context
		w    *chrome.World
		took time.Duration
	}
	var tabs []*tab
	for _, pg := range pages {
		ctx, cancel := chromedp.NewContext(site.Browser.Context(), chromedp.WithNewBrowserContext())
		b.Cleanup(cancel)
		if err := chromedp.Do(ctx); err != nil {
			b.Fatal(err)
		}
		w, err := chrome.NewWorld(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 768), chromedp.Navigate(site.URL+pg.path)); err != nil {
			b.Fatal(err)
		}
		// settled: the entry is there (the late page renders after 1 s)
		wctx, cancelWait := context.WithTimeout(ctx, 30*time.Second)
		for {
			f, err := verifier.ProbeIn(wctx, engine.Pierced{World: w})
			if err == nil && len(pack.CheckPage(f, vc).Entries) > 0 {
				break
			}
			if wctx.Err() != nil {
				b.Fatalf("no entry on %s", pg.path)
			}
			time.Sleep(200 * time.Millisecond)
		}
		cancelWait()
		tabs = append(tabs, &tab{name: pg.name, ctx: ctx, w: w})
	}
	n := 0
	for b.Loop() {
		for _, t := range tabs {
			start := time.Now()
			f, err := verifier.ProbeIn(t.ctx, engine.Pierced{World: t.w})
			if err != nil {
				b.Fatal(err)
			}
			if len(f.Elements) == 0 || len(pack.CheckPage(f, vc).Findings) != 0 {
				b.Fatalf("%s: %d elements, findings on a clean page", t.name, len(f.Elements))
			}
			t.took += time.Since(start)
		}
		n++
	}
	static := tabs[0].took
	for _, t := range tabs {
		b.ReportMetric(float64(t.took.Microseconds())/1000/float64(n), "ms-"+t.name)
		if t != tabs[0] {
			b.ReportMetric(float64(t.took)/float64(static), "x-"+t.name)
		}
	}
}
