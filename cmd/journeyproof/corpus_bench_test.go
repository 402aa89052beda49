package main

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"journeyproof/journeys"
	"journeyproof/journeys/sandbox"
	"journeyproof/verifier"
)

// BenchmarkCorpusProbe measures the probe and the rules on the sandbox's
// corpus against the static login page with the same content: what seeing
// the composed page (shadow roots, closed ones through the DevTools
// protocol, same-origin and cross-site frames) costs on a loaded page. A
// page that renders late is measured once rendered.
func BenchmarkCorpusProbe(b *testing.B) {
	base, br := sandboxAndBrowser(b)
	pack := verifier.DefaultPack()
	vc := verifier.Context{Process: journeys.ProcessAuthentication, Lang: "en", Device: "desktop", Trigger: true}
	pages := []struct{ name, path string }{{"static", "/login?lang=en"}}
	for _, k := range sandbox.CorpusKinds() {
		pages = append(pages, struct{ name, path string }{k.Name, "/corpus/" + k.Name + "/login?lang=en"})
	}
	for _, pg := range pages {
		b.Run(pg.name, func(b *testing.B) {
			tab, cancel := chromedp.NewContext(br.Context(), chromedp.WithNewBrowserContext())
			defer cancel()
			if err := chromedp.Do(tab); err != nil {
				b.Fatal(err)
			}
			w, err := journeys.NewWorld(tab)
			if err != nil {
				b.Fatal(err)
			}
			if err := chromedp.Do(tab, chromedp.EmulateViewport(1366, 768), chromedp.Navigate(base+pg.path)); err != nil {
				b.Fatal(err)
			}
			// settled: the entry is there (the late page renders after 1 s)
			ctx, cancelWait := context.WithTimeout(tab, 20*time.Second)
			defer cancelWait()
			for {
				f, err := verifier.ProbeIn(ctx, pierced{w})
				if err == nil && len(pack.CheckPage(f, vc).Entries) > 0 {
					break
				}
				if ctx.Err() != nil {
					b.Fatalf("no entry on %s", pg.path)
				}
				time.Sleep(200 * time.Millisecond)
			}
			var elements, findings int
			for b.Loop() {
				f, err := verifier.ProbeIn(tab, pierced{w})
				if err != nil {
					b.Fatal(err)
				}
				elements, findings = len(f.Elements), len(pack.CheckPage(f, vc).Findings)
			}
			b.ReportMetric(float64(elements), "elements")
			b.ReportMetric(float64(findings), "findings")
		})
	}
}
