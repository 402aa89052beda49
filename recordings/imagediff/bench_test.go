package imagediff

import (
	"fmt"
	"testing"
)

// benchPairs are the screenshot pairs of the benchmarks: a viewport and a
// full page of testdata/pages/page.html, before and after a release.
// scripts/bench-pixelmatch times pixelmatch on the same files.
var benchPairs = []struct{ name, base, head string }{
	{"1366x768", "page-base-768.png", "page-head-768.png"},
	{"1366x6000", "page-base-6000.png", "page-head-6000.png"},
}

// BenchmarkCompare times Compare on decoded screenshots, counting only
// ("count") and drawing the diff image too ("diffimage"). It reports the
// speed in megapixels a second of wall clock (MP/s) and of the CPU time the
// process used (MP/cpu-s), and the differing pixels found.
func BenchmarkCompare(b *testing.B) {
	for _, p := range benchPairs {
		base, head := readPNG(b, p.base), readPNG(b, p.head)
		pixels := float64(base.Bounds().Dx() * base.Bounds().Dy())
		for _, mode := range []struct {
			name string
			opt  Options
		}{{"count", Options{}}, {"diffimage", Options{DiffImage: true}}} {
			b.Run(fmt.Sprintf("%s/%s", p.name, mode.name), func(b *testing.B) {
				var r Result
				cpu0, ok := cpuTime()
				for b.Loop() {
					r = Compare(base, head, mode.opt)
				}
				cpu1, _ := cpuTime()
				b.ReportMetric(pixels*float64(b.N)/b.Elapsed().Seconds()/1e6, "MP/s")
				if ok && cpu1 > cpu0 {
					b.ReportMetric(pixels*float64(b.N)/(cpu1-cpu0).Seconds()/1e6, "MP/cpu-s")
				}
				b.ReportMetric(float64(r.DiffPixels), "diffpx")
			})
		}
	}
}

// BenchmarkComparePNG times ComparePNG from PNG bytes, decoding included,
// and with identical bytes, where only the sha256 sums are computed.
func BenchmarkComparePNG(b *testing.B) {
	for _, p := range benchPairs {
		base, head := readFile(b, p.base), readFile(b, p.head)
		b.Run(p.name+"/decode", func(b *testing.B) {
			for b.Loop() {
				if _, err := ComparePNG(base, head, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(p.name+"/identical", func(b *testing.B) {
			for b.Loop() {
				if _, err := ComparePNG(base, base, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
