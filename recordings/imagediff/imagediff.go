// Package imagediff compares two screenshots of the same step taken in two
// releases and tells a reviewer what changed: how many pixels differ, where
// (bounding boxes of the changed regions) and, on request, a diff image.
//
// The comparison is perceptual. Two pixels differ when the distance between
// their colours in the YIQ colour space (Kotsarenko and Ramos, 2010), after
// blending both onto white, is above a threshold. A differing pixel that
// lies on an anti-aliased edge in either image (Vysniauskas, 2009) is not
// counted, so a font rasterised a fraction of a pixel apart is not a change.
//
// Compare works on decoded images; ComparePNG works on PNG bytes and skips
// the comparison altogether when both byte slices hash to the same sha256.
// The package is pure Go and calls no external program. It reads the pixel
// bytes of *image.RGBA and *image.NRGBA in place (other types are converted
// once) and compares a large image in bands of rows, on every CPU the
// program may use.
package imagediff

import (
	"image"
	"runtime"
	"sync"
	"sync/atomic"
)

// Defaults used when an Options field is left at its zero value.
const (
	// DefaultThreshold is the colour threshold used when Options.Threshold is 0.
	DefaultThreshold = 0.1
	// DefaultMergeDistance is the merge distance used when Options.MergeDistance is 0.
	DefaultMergeDistance = 16
)

// maxYIQDelta is the YIQ distance between black and white, the largest
// distance two opaque colours can have. A threshold t allows a squared
// distance of maxYIQDelta * t * t.
const maxYIQDelta = 35215

// Options tunes a comparison. The zero value is the usual setting.
type Options struct {
	// Threshold is how different two colours must be for their pixels to
	// differ, from 0 (any change) to 1 (only black against white): the
	// largest squared YIQ distance allowed is 35215 * Threshold^2.
	// 0 (or less) means DefaultThreshold (0.1); above 1 is taken as 1.
	Threshold float64
	// IncludeAA counts anti-aliased pixels as differing. By default they are
	// detected, reported in Result.AAPixels and not counted.
	IncludeAA bool
	// Masks are rectangles, in pixels from the top-left corner of the
	// images, whose pixels are ignored: never counted, never part of a box.
	Masks []image.Rectangle
	// MergeDistance merges two boxes of changed pixels when fewer than this
	// many pixels separate them, horizontally and vertically.
	// 0 means DefaultMergeDistance (16); a negative value merges nothing.
	MergeDistance int
	// DiffImage asks for Result.Diff.
	DiffImage bool
}

// Result is what a comparison found. Coordinates are in pixels from the
// top-left corner of the images.
type Result struct {
	// DiffPixels is the number of differing pixels.
	DiffPixels int
	// AAPixels is the number of pixels that differ only on an anti-aliased
	// edge; they are not in DiffPixels unless Options.IncludeAA is set, in
	// which case AAPixels is 0.
	AAPixels int
	// TotalPixels is the number of pixels compared: the area common to both
	// images less the masked pixels.
	TotalPixels int
	// Ratio is DiffPixels / TotalPixels (0 when nothing was compared).
	Ratio float64
	// Boxes bounds the changed regions, ordered top to bottom, then left to
	// right. Each is the bounding box of one or more 8-connected groups of
	// differing pixels, merged when closer than the merge distance.
	Boxes []image.Rectangle
	// BaseSize and HeadSize are the sizes of the two images.
	BaseSize, HeadSize image.Point
	// SizeChanged tells that the sizes differ; only the common area (the
	// top-left min(width) x min(height) pixels) was compared.
	SizeChanged bool
	// Identical tells that both images hold the same pixels (or, from
	// ComparePNG, the same bytes) and have the same size.
	Identical bool
	// Diff is the diff image when Options.DiffImage is set, over the common
	// area: differing pixels red, anti-aliased pixels yellow, masked pixels
	// tinted blue, everything else a faded grayscale copy of the base image.
	// It is nil when ComparePNG found identical bytes (nothing was decoded).
	Diff *image.RGBA
}

// settings are Options with the defaults applied.
type settings struct {
	maxDelta      float64
	includeAA     bool
	masks         []image.Rectangle
	mergeDistance int
	diffImage     bool
}

func (o Options) settings(area image.Rectangle) settings {
	t := o.Threshold
	if t <= 0 {
		t = DefaultThreshold
	}
	t = min(t, 1)
	md := o.MergeDistance
	if md == 0 {
		md = DefaultMergeDistance
	}
	var masks []image.Rectangle
	for _, m := range o.Masks {
		if m = m.Canon().Intersect(area); !m.Empty() {
			masks = append(masks, m)
		}
	}
	return settings{
		maxDelta:      maxYIQDelta * t * t,
		includeAA:     o.IncludeAA,
		masks:         masks,
		mergeDistance: md,
		diffImage:     o.DiffImage,
	}
}

// Compare compares head against base and reports the differing pixels, the
// boxes around them and, when asked, a diff image. Images of different
// sizes are compared over their common area.
func Compare(base, head image.Image, opt Options) Result {
	return compare(base, head, opt, 0, 0)
}

// compare is Compare with the rows cut into a given number of bands,
// compared by a given number of goroutines; 0 for either means the default
// (bandCount, workerCount).
func compare(base, head image.Image, opt Options, bands, workers int) Result {
	a, b := rasters(base, head)
	res := Result{BaseSize: a.size(), HeadSize: b.size()}
	res.SizeChanged = res.BaseSize != res.HeadSize
	w, h := min(a.w, b.w), min(a.h, b.h)
	area := image.Rect(0, 0, w, h)
	s := opt.settings(area)

	var out *image.RGBA
	if s.diffImage {
		out = image.NewRGBA(area)
	}
	// The rows are cut into bands, many more than there are CPUs: the
	// changes of a screenshot gather in a few places (a banner, a form), so
	// a band each would leave one CPU with all the work. Goroutines, one
	// for each CPU, take the next band until none is left. Each band reads
	// the rows around it (anti-aliasing looks at the neighbours) but writes
	// only its own; its runs follow the previous band's, in scan order.
	if bands <= 0 {
		bands = bandCount(w, h)
	}
	bands = max(1, min(bands, h))
	if workers <= 0 {
		workers = workerCount(w, h)
	}
	workers = max(1, min(workers, bands))
	parts := make([]comparison, bands)
	for k := range parts {
		parts[k] = comparison{a: a, b: b, w: w, h: h, y0: k * h / bands, y1: (k + 1) * h / bands, s: s, out: out}
	}
	// Each band is compared in a copy local to its goroutine and stored
	// back when done: the counters and the run being grown are written for
	// every differing pixel, and neighbouring bands in one slice would share
	// cache lines between CPUs (false sharing), which made a second CPU
	// slow the first down as much as it helped.
	runBand := func(k int) {
		c := parts[k]
		c.run()
		parts[k] = c
	}
	if workers == 1 {
		for k := range parts {
			runBand(k)
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for k := int(next.Add(1)) - 1; k < len(parts); k = int(next.Add(1)) - 1 {
					runBand(k)
				}
			})
		}
		wg.Wait()
	}

	var runs []run
	anyChange := false
	for _, c := range parts {
		res.DiffPixels += c.diffPixels
		res.AAPixels += c.aaPixels
		anyChange = anyChange || c.anyChange
		runs = append(runs, c.runs...)
	}
	res.TotalPixels = w*h - maskedArea(s.masks)
	if res.TotalPixels > 0 {
		res.Ratio = float64(res.DiffPixels) / float64(res.TotalPixels)
	}
	res.Identical = !res.SizeChanged && !anyChange
	res.Boxes = mergeBoxes(components(runs), s.mergeDistance)
	if out != nil {
		paintMasks(out, a, s.masks)
		res.Diff = out
	}
	return res
}

// bandRows is the height of a band of rows: small enough that a changed
// region a few dozen rows high (a banner, a form) spreads over the CPUs,
// large enough that taking a band costs nothing next to comparing it.
const bandRows = 8

// bandCount is the number of bands of rows of a w x h comparison.
func bandCount(w, h int) int {
	if workerCount(w, h) == 1 {
		return 1
	}
	return max(1, (h+bandRows-1)/bandRows)
}

// workerCount is the number of goroutines comparing bands at the same time:
// one for each CPU the program may use (GOMAXPROCS), for images large
// enough that this pays (half a megapixel).
func workerCount(w, h int) int {
	if w*h < 1<<19 {
		return 1
	}
	return max(1, runtime.GOMAXPROCS(0))
}
