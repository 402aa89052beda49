package verifier

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"journeyproof/internal/chrometest"
)

// BenchmarkProbeAndRules measures what the verifier adds to a step: the page
// probe in Chromium and the page rules, on a page that is already loaded. It
// runs on a realistic login page (110 probed elements) and on the pages of
// the built-in sandbox (login, form, sign and the iAM Smart simulator), on
// desktop (1366x768) and on mobile (390x844 at 3x).
func BenchmarkProbeAndRules(b *testing.B) {
	shared.Need(b)
	sandboxURL := serveSandbox(b)
	pages := []struct {
		name, path string
		c          Context
	}{
		{"realistic", "", auth},
		{"login", "/login", auth},
		{"form", "/form", Context{Process: ProcessFormFilling, Lang: LangEN, Trigger: true}},
		{"sign", "/sign", Context{Process: ProcessSigning, Lang: LangEN, Trigger: true}},
		{"simulator", "/auth/iamsmart?process=login", Context{Process: ProcessAuthentication, Lang: LangEN}},
	}
	pack := DefaultPack()
	for _, device := range devices() {
		for _, pg := range pages {
			b.Run(pg.name+"/"+device, func(b *testing.B) {
				var ctx context.Context
				if pg.path == "" {
					ctx = openTab(b, device, pg.name)
				} else {
					ctx = tabs[device]
					if err := chromedp.Do(ctx, chromedp.Navigate(sandboxURL+pg.path)); err != nil {
						b.Fatalf("open %s: %v", pg.path, err)
					}
				}
				c := pg.c
				c.Device = device
				var findings, elements int
				for b.Loop() {
					facts, err := Probe(ctx)
					if err != nil {
						b.Fatal(err)
					}
					findings = len(pack.CheckPage(facts, c).Findings)
					elements = len(facts.Elements)
				}
				b.ReportMetric(float64(findings), "findings")
				b.ReportMetric(float64(elements), "elements")
			})
		}
	}
}

// BenchmarkCheckPage measures the rules alone on the realistic page's facts.
func BenchmarkCheckPage(b *testing.B) {
	facts, err := Probe(openTab(b, DeviceDesktop, "realistic"))
	if err != nil {
		b.Fatal(err)
	}
	pack := DefaultPack()
	for b.Loop() {
		pack.CheckPage(facts, auth)
	}
	b.ReportMetric(float64(len(facts.Elements)), "elements")
}

// serveSandbox serves the sandbox on a loopback server for the rest of the
// benchmark and returns its URL.
func serveSandbox(b *testing.B) string {
	b.Helper()
	srv, err := chrometest.Sandbox()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	return srv.URL
}
