package verifier

import "testing"

// BenchmarkProbeAndRules measures what the verifier adds to a step: the page
// probe in Chromium and the page rules, on a realistic login page (110
// probed elements) that is already loaded.
func BenchmarkProbeAndRules(b *testing.B) {
	ctx := openTab(b, DeviceDesktop, "realistic")
	pack := DefaultPack()
	var findings, elements int
	for b.Loop() {
		facts, err := Probe(ctx)
		if err != nil {
			b.Fatal(err)
		}
		findings = len(pack.CheckPage(facts, auth).Findings)
		elements = len(facts.Elements)
	}
	b.ReportMetric(float64(findings), "findings")
	b.ReportMetric(float64(elements), "elements")
}

// BenchmarkCheckPage measures the rules alone on the same page's facts.
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
