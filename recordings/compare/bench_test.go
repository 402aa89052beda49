package compare

import (
	"context"
	"testing"
)

// BenchmarkCompareRelease compares whole releases of the test store: two
// clean runs (every screen the same, the QR code masked) and a clean
// against a defective release (diff images encoded and stored). It reports
// step pairs and megapixels compared per second.
func BenchmarkCompareRelease(b *testing.B) {
	shared.Need(b)
	for _, bc := range []struct {
		name       string
		base, head string
		opt        Options
	}{
		{"same", "base", "again", Options{}},
		{"defect", "base", "defect", Options{}},
		{"defect-no-diff-images", "base", "defect", Options{NoDiffImages: true}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var pairs, pixels int
			for b.Loop() {
				rep, err := Compare(context.Background(), env.store, Side{Release: bc.base}, Side{Release: bc.head}, bc.opt)
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range rep.Runs {
					for _, s := range r.Steps {
						if s.Visual != nil {
							pairs++
							pixels += s.Visual.HeadSize.W * s.Visual.HeadSize.H
						}
					}
				}
			}
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(pairs)/secs, "pairs/s")
			b.ReportMetric(float64(pixels)/1e6/secs, "MP/s")
		})
	}
}
