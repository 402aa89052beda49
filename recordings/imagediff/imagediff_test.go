package imagediff

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Where the elements of testdata/pages/login.html are, in pixels.
var (
	labelRect    = image.Rect(40, 60, 440, 88)      // #label
	buttonRect   = image.Rect(40, 110, 260, 158)    // #iam
	movedRect    = image.Rect(40, 200, 260, 248)    // #iam in the #moved variant
	shiftedRect  = image.Rect(41, 110, 261, 158)    // #iam in the #shift variant
	loginArea    = image.Rect(0, 0, 480, 320)       // the viewport
	textRectBase = image.Rect(40, 30, 480, 140)     // #text of text.html
	shapesArea   = image.Rect(0, 0, 480, 200)       // the viewport of shapes.html
	pageButton   = image.Rect(48, 289, 697, 341)    // the hero's actions row in page.html#head, both buttons
	pageFooter   = image.Rect(48, 5900, 1366, 6000) // the footer of page.html at 1366x6000
)

// TestCompareScreenshots compares screenshots of test pages rendered by
// Chromium (see testdata_test.go) and checks what a reviewer would see.
func TestCompareScreenshots(t *testing.T) {
	tests := []struct {
		name       string
		base, head string
		opt        Options
		check      func(t *testing.T, r Result)
	}{{
		name: "moved button gives two boxes: where it was and where it is",
		base: "login-base.png", head: "login-moved.png",
		check: func(t *testing.T, r Result) {
			wantBoxes(t, r, buttonRect, movedRect)
			// Every pixel of both rectangles changes, except where the
			// button's white text meets the white page.
			area := buttonRect.Dx() * buttonRect.Dy()
			wantBetween(t, "DiffPixels", r.DiffPixels, area, 2*area)
		},
	}, {
		name: "changed label gives one box inside the label",
		base: "login-base.png", head: "login-label.png",
		check: func(t *testing.T, r Result) {
			if len(r.Boxes) != 1 {
				t.Fatalf("boxes = %v, want one", r.Boxes)
			}
			b := r.Boxes[0]
			if !b.In(labelRect) || b.Dx() < labelRect.Dx()/2 {
				t.Errorf("box %v, want most of the label's width, inside %v", b, labelRect)
			}
			wantBetween(t, "DiffPixels", r.DiffPixels, 100, b.Dx()*b.Dy())
		},
	}, {
		name: "1px shift changes the edge columns and the label",
		base: "login-base.png", head: "login-shift.png",
		check: func(t *testing.T, r Result) {
			// The left edge column and the right one change for sure; the
			// label, shifted too, is more than 16px from the left edge.
			union := image.Rectangle{}
			for _, b := range r.Boxes {
				if !b.In(buttonRect.Union(shiftedRect)) {
					t.Errorf("box %v outside the button %v", b, buttonRect.Union(shiftedRect))
				}
				union = union.Union(b)
			}
			if union != buttonRect.Union(shiftedRect) {
				t.Errorf("boxes %v cover %v, want %v", r.Boxes, union, buttonRect.Union(shiftedRect))
			}
			if r.Boxes[0] != image.Rect(40, 110, 41, 158) {
				t.Errorf("first box %v, want the left edge column", r.Boxes[0])
			}
			wantBetween(t, "DiffPixels", r.DiffPixels, 2*buttonRect.Dy(), buttonRect.Dx()*buttonRect.Dy()/4)
		},
	}, {
		name: "1px shift with a larger merge distance gives one box",
		base: "login-base.png", head: "login-shift.png",
		opt: Options{MergeDistance: 48},
		check: func(t *testing.T, r Result) {
			wantBoxes(t, r, buttonRect.Union(shiftedRect))
		},
	}, {
		name: "shapes moved by a fraction of a pixel: anti-aliasing only",
		base: "shapes-base.png", head: "shapes-aa.png",
		check: func(t *testing.T, r Result) {
			if r.DiffPixels != 0 || len(r.Boxes) != 0 {
				t.Errorf("DiffPixels = %d, Boxes = %v, want none", r.DiffPixels, r.Boxes)
			}
			wantBetween(t, "AAPixels", r.AAPixels, 200, shapesArea.Dx()*shapesArea.Dy()/10)
		},
	}, {
		name: "shapes moved by a fraction of a pixel, anti-aliasing included",
		base: "shapes-base.png", head: "shapes-aa.png",
		opt: Options{IncludeAA: true},
		check: func(t *testing.T, r Result) {
			wantBetween(t, "DiffPixels", r.DiffPixels, 200, shapesArea.Dx()*shapesArea.Dy()/10)
			if r.AAPixels != 0 || len(r.Boxes) != 5 {
				t.Errorf("AAPixels = %d, Boxes = %v, want 0 and one box per shape", r.AAPixels, r.Boxes)
			}
		},
	}, {
		name: "text moved by a tenth of a pixel: nearly all anti-aliasing",
		base: "text-base.png", head: "text-aa.png",
		check: func(t *testing.T, r Result) {
			changed := r.DiffPixels + r.AAPixels
			if r.AAPixels < 100 || r.DiffPixels*20 > changed {
				t.Errorf("DiffPixels = %d, AAPixels = %d: want at least 95%% of the changed text edges seen as anti-aliasing",
					r.DiffPixels, r.AAPixels)
			}
			for _, b := range r.Boxes {
				if !b.In(textRectBase) {
					t.Errorf("box %v outside the text %v", b, textRectBase)
				}
			}
		},
	}, {
		name: "same screenshot",
		base: "login-base.png", head: "login-base.png",
		check: func(t *testing.T, r Result) {
			if !r.Identical || r.DiffPixels != 0 || r.AAPixels != 0 || r.Boxes != nil {
				t.Errorf("got %+v, want Identical and nothing else", r)
			}
			if r.TotalPixels != 480*320 {
				t.Errorf("TotalPixels = %d, want %d", r.TotalPixels, 480*320)
			}
		},
	}, {
		name: "mask over the old place hides one box",
		base: "login-base.png", head: "login-moved.png",
		opt: Options{Masks: []image.Rectangle{buttonRect.Inset(-2)}},
		check: func(t *testing.T, r Result) {
			wantBoxes(t, r, movedRect)
			if want := 480*320 - buttonRect.Inset(-2).Dx()*buttonRect.Inset(-2).Dy(); r.TotalPixels != want {
				t.Errorf("TotalPixels = %d, want %d", r.TotalPixels, want)
			}
		},
	}, {
		name: "masks over both places hide the change",
		base: "login-base.png", head: "login-moved.png",
		opt: Options{Masks: []image.Rectangle{image.Rect(0, 100, 300, 260), image.Rect(20, 190, 280, 280)}},
		check: func(t *testing.T, r Result) {
			if r.DiffPixels != 0 || r.AAPixels != 0 || len(r.Boxes) != 0 || r.Identical {
				t.Errorf("got %+v, want no counted change, not Identical", r)
			}
			// The second mask lies inside the first but for 20 rows at the bottom.
			if want := 480*320 - 300*160 - 260*20; r.TotalPixels != want {
				t.Errorf("TotalPixels = %d, want %d (overlapping masks counted once)", r.TotalPixels, want)
			}
		},
	}, {
		name: "taller screenshot: common area compared",
		base: "login-base.png", head: "login-tall.png",
		check: func(t *testing.T, r Result) {
			if !r.SizeChanged || r.BaseSize != image.Pt(480, 320) || r.HeadSize != image.Pt(480, 400) {
				t.Errorf("SizeChanged = %v, sizes %v %v, want true, 480x320 and 480x400", r.SizeChanged, r.BaseSize, r.HeadSize)
			}
			if r.DiffPixels != 0 || r.TotalPixels != 480*320 || r.Identical {
				t.Errorf("DiffPixels = %d, TotalPixels = %d, Identical = %v, want 0, %d, false",
					r.DiffPixels, r.TotalPixels, r.Identical, 480*320)
			}
		},
	}, {
		name: "full page: each release change boxed",
		base: "page-base-6000.png", head: "page-head-6000.png",
		check: func(t *testing.T, r Result) {
			for _, want := range []image.Rectangle{pageButton, pageFooter} {
				if !slices.ContainsFunc(r.Boxes, func(b image.Rectangle) bool { return b.In(want) }) {
					t.Errorf("no box inside %v in %v", want, r.Boxes)
				}
			}
			if r.TotalPixels != 1366*6000 || r.Ratio <= 0 || r.Ratio > 0.01 {
				t.Errorf("TotalPixels = %d, Ratio = %g, want 1366x6000 and under 1%%", r.TotalPixels, r.Ratio)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Compare(readPNG(t, tt.base), readPNG(t, tt.head), tt.opt)
			if r.TotalPixels > 0 && r.Ratio != float64(r.DiffPixels)/float64(r.TotalPixels) {
				t.Errorf("Ratio = %g, want DiffPixels/TotalPixels", r.Ratio)
			}
			tt.check(t, r)
		})
	}
}

// TestCompareShapes compares images drawn here, whose differing pixels can
// be counted by hand.
func TestCompareShapes(t *testing.T) {
	white := color.RGBA{255, 255, 255, 255}
	teal := color.RGBA{43, 122, 120, 255}
	tests := []struct {
		name      string
		base      image.Image
		head      image.Image
		opt       Options
		wantDiff  int
		wantBoxes []image.Rectangle
		wantTotal int
	}{{
		name:      "moved box",
		base:      canvas(200, 100, white, box{image.Rect(10, 10, 50, 30), teal}),
		head:      canvas(200, 100, white, box{image.Rect(100, 60, 140, 80), teal}),
		wantDiff:  2 * 40 * 20,
		wantBoxes: []image.Rectangle{image.Rect(10, 10, 50, 30), image.Rect(100, 60, 140, 80)},
	}, {
		name:      "1px shift changes one column on each side",
		base:      canvas(200, 100, white, box{image.Rect(10, 10, 110, 30), teal}),
		head:      canvas(200, 100, white, box{image.Rect(11, 10, 111, 30), teal}),
		wantDiff:  2 * 20,
		wantBoxes: []image.Rectangle{image.Rect(10, 10, 11, 30), image.Rect(110, 10, 111, 30)},
	}, {
		name:      "1px shift, boxes merged across 99px",
		base:      canvas(200, 100, white, box{image.Rect(10, 10, 110, 30), teal}),
		head:      canvas(200, 100, white, box{image.Rect(11, 10, 111, 30), teal}),
		opt:       Options{MergeDistance: 100},
		wantDiff:  2 * 20,
		wantBoxes: []image.Rectangle{image.Rect(10, 10, 111, 30)},
	}, {
		name:      "two changes 10px apart merge by default",
		base:      canvas(100, 100, white),
		head:      canvas(100, 100, white, box{image.Rect(10, 10, 20, 20), teal}, box{image.Rect(30, 10, 40, 20), teal}),
		wantDiff:  200,
		wantBoxes: []image.Rectangle{image.Rect(10, 10, 40, 20)},
	}, {
		name:      "two changes 10px apart stay apart with merge distance 10",
		base:      canvas(100, 100, white),
		head:      canvas(100, 100, white, box{image.Rect(10, 10, 20, 20), teal}, box{image.Rect(30, 10, 40, 20), teal}),
		opt:       Options{MergeDistance: 10},
		wantDiff:  200,
		wantBoxes: []image.Rectangle{image.Rect(10, 10, 20, 20), image.Rect(30, 10, 40, 20)},
	}, {
		name: "merging chains: a merged box reaches a third one",
		base: canvas(100, 100, white),
		// The dot is close to the first box only; the merged box, taller,
		// is close to the last one, which neither of the two was.
		head:      canvas(100, 100, white, box{image.Rect(0, 0, 10, 10), teal}, box{image.Rect(0, 15, 1, 16), teal}, box{image.Rect(15, 22, 25, 30), teal}),
		opt:       Options{MergeDistance: 10},
		wantDiff:  100 + 1 + 80,
		wantBoxes: []image.Rectangle{image.Rect(0, 0, 25, 30)},
	}, {
		name:      "corners touching diagonally are one region",
		base:      canvas(100, 100, white),
		head:      canvas(100, 100, white, box{image.Rect(10, 10, 20, 20), teal}, box{image.Rect(20, 20, 30, 30), teal}),
		opt:       Options{MergeDistance: -1},
		wantDiff:  200,
		wantBoxes: []image.Rectangle{image.Rect(10, 10, 30, 30)},
	}, {
		name:      "a U shape is one region",
		base:      canvas(100, 100, white),
		head:      canvas(100, 100, white, box{image.Rect(10, 10, 12, 40), teal}, box{image.Rect(50, 10, 52, 40), teal}, box{image.Rect(10, 40, 52, 42), teal}),
		opt:       Options{MergeDistance: -1},
		wantDiff:  2*2*30 + 42*2,
		wantBoxes: []image.Rectangle{image.Rect(10, 10, 52, 42)},
	}, {
		name:     "small colour change under the default threshold",
		base:     canvas(100, 100, color.RGBA{200, 200, 200, 255}),
		head:     canvas(100, 100, color.RGBA{210, 210, 210, 255}),
		wantDiff: 0,
	}, {
		// A grey step of 10 is a YIQ delta of 0.5053*10*10 = 50.5, which a
		// threshold of 0.03 (35215*0.03^2 = 31.7) lets through.
		name:      "small colour change over a lower threshold",
		base:      canvas(100, 100, color.RGBA{200, 200, 200, 255}),
		head:      canvas(100, 100, color.RGBA{210, 210, 210, 255}),
		opt:       Options{Threshold: 0.03},
		wantDiff:  100 * 100,
		wantBoxes: []image.Rectangle{image.Rect(0, 0, 100, 100)},
	}, {
		name:     "transparent is white",
		base:     nrgbaCanvas(50, 50, color.NRGBA{0, 0, 0, 0}),
		head:     canvas(50, 50, white),
		wantDiff: 0,
	}, {
		name:     "half-transparent black is mid grey, premultiplied or not",
		base:     nrgbaCanvas(50, 50, color.NRGBA{0, 0, 0, 128}),
		head:     canvas(50, 50, color.RGBA{0, 0, 0, 128}),
		wantDiff: 0,
	}, {
		name:      "half-transparent black is not black",
		base:      nrgbaCanvas(50, 50, color.NRGBA{0, 0, 0, 128}),
		head:      canvas(50, 50, color.RGBA{0, 0, 0, 255}),
		wantDiff:  50 * 50,
		wantBoxes: []image.Rectangle{image.Rect(0, 0, 50, 50)},
	}, {
		name:     "other image types are compared by colour",
		base:     grayCanvas(60, 40, 128, box{image.Rect(5, 5, 10, 10), color.Black}),
		head:     canvas(60, 40, color.RGBA{128, 128, 128, 255}, box{image.Rect(5, 5, 10, 10), color.Black}),
		wantDiff: 0,
	}, {
		name:      "sub-images are compared from their top-left corner",
		base:      canvas(300, 300, white).SubImage(image.Rect(100, 100, 200, 200)),
		head:      canvas(100, 100, white, box{image.Rect(0, 0, 5, 5), teal}),
		wantDiff:  25,
		wantBoxes: []image.Rectangle{image.Rect(0, 0, 5, 5)},
	}, {
		name:      "wider head: the extra columns are not compared",
		base:      canvas(100, 50, white, box{image.Rect(90, 0, 100, 10), teal}),
		head:      canvas(150, 50, white, box{image.Rect(120, 0, 150, 50), teal}),
		wantDiff:  100,
		wantBoxes: []image.Rectangle{image.Rect(90, 0, 100, 10)},
		wantTotal: 100 * 50,
	}, {
		name:      "a mask outside the image counts nothing",
		base:      canvas(100, 50, white),
		head:      canvas(100, 50, white, box{image.Rect(0, 0, 10, 10), teal}),
		opt:       Options{Masks: []image.Rectangle{image.Rect(200, 200, 300, 300)}},
		wantDiff:  100,
		wantBoxes: []image.Rectangle{image.Rect(0, 0, 10, 10)},
	}, {
		name:      "a mask is clipped to the image and may be given corners in any order",
		base:      canvas(100, 50, white),
		head:      canvas(100, 50, white, box{image.Rect(0, 0, 10, 10), teal}, box{image.Rect(90, 40, 100, 50), teal}),
		opt:       Options{Masks: []image.Rectangle{{Min: image.Pt(150, 60), Max: image.Pt(80, 30)}}},
		wantDiff:  100,
		wantBoxes: []image.Rectangle{image.Rect(0, 0, 10, 10)},
		wantTotal: 100*50 - 20*20,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Compare(tt.base, tt.head, tt.opt)
			if r.DiffPixels != tt.wantDiff {
				t.Errorf("DiffPixels = %d, want %d", r.DiffPixels, tt.wantDiff)
			}
			if !slices.Equal(r.Boxes, tt.wantBoxes) {
				t.Errorf("Boxes = %v, want %v", r.Boxes, tt.wantBoxes)
			}
			total := tt.wantTotal
			if total == 0 {
				total = tt.base.Bounds().Dx() * tt.base.Bounds().Dy()
			}
			if r.TotalPixels != total {
				t.Errorf("TotalPixels = %d, want %d", r.TotalPixels, total)
			}
		})
	}
}

// TestCompareBands checks that cutting the rows into bands compared at the
// same time changes nothing: not the counts, not the boxes (a region that
// crosses from one band into the next stays one), not the diff image. Bands
// of one row put every pixel's neighbours in other bands, where the
// anti-aliasing detection must still read them; one goroutine takes the
// bands in turn, several take them as they come.
func TestCompareBands(t *testing.T) {
	white, teal := color.RGBA{255, 255, 255, 255}, color.RGBA{43, 122, 120, 255}
	u := canvas(100, 100, white, box{image.Rect(10, 10, 12, 40), teal}, box{image.Rect(50, 10, 52, 40), teal}, box{image.Rect(10, 40, 52, 42), teal})
	tests := []struct {
		name       string
		base, head image.Image
	}{
		{"U shape across bands", canvas(100, 100, white), u},
		{"moved button", readPNG(t, "login-base.png"), readPNG(t, "login-moved.png")},
		{"text edges", readPNG(t, "text-base.png"), readPNG(t, "text-aa.png")},
		{"shapes edges", readPNG(t, "shapes-base.png"), readPNG(t, "shapes-aa.png")},
		{"page", readPNG(t, "page-base-768.png"), readPNG(t, "page-head-768.png")},
		{"tall page", readPNG(t, "page-base-6000.png"), readPNG(t, "page-head-6000.png")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && tt.name == "tall page" {
				t.Skip("8 Mpx in 15 band layouts takes seconds; the quick tier (-short) skips it")
			}
			opt := Options{DiffImage: true, MergeDistance: -1}
			want := compare(tt.base, tt.head, opt, 1, 1)
			if want.AAPixels == 0 && tt.name != "U shape across bands" {
				t.Fatalf("no anti-aliased pixel found: the case does not test the neighbours across bands")
			}
			h := tt.base.Bounds().Dy()
			for _, bands := range []int{2, 3, 7, bandCount(tt.base.Bounds().Dx(), h), h} {
				for _, workers := range []int{1, 2, 5} {
					got := compare(tt.base, tt.head, opt, bands, workers)
					if !equalResults(got, want) || !bytes.Equal(got.Diff.Pix, want.Diff.Pix) {
						t.Errorf("%d bands, %d goroutines: %+v, one band: %+v", bands, workers, got, want)
					}
				}
			}
			if got := Compare(tt.base, tt.head, opt); !equalResults(got, want) || !bytes.Equal(got.Diff.Pix, want.Diff.Pix) {
				t.Errorf("Compare: %+v, one band: %+v", got, want)
			}
		})
	}
}

// TestDiffImage checks the colours of the diff image.
func TestDiffImage(t *testing.T) {
	base, head := readPNG(t, "login-base.png"), readPNG(t, "login-moved.png")
	mask := image.Rect(300, 250, 400, 300)
	r := Compare(base, head, Options{DiffImage: true, Masks: []image.Rectangle{mask}})
	if r.Diff == nil || r.Diff.Bounds() != loginArea {
		t.Fatalf("Diff = %v, want a %v image", r.Diff, loginArea)
	}
	red, yellow, other := 0, 0, 0
	for y := 0; y < loginArea.Dy(); y++ {
		for x := 0; x < loginArea.Dx(); x++ {
			switch c := r.Diff.RGBAAt(x, y); {
			case c == color.RGBA{255, 0, 0, 255}:
				red++
			case c == color.RGBA{255, 255, 0, 255}:
				yellow++
			case image.Pt(x, y).In(mask):
				if c.B != 255 || c.R >= c.B {
					t.Fatalf("masked pixel (%d,%d) = %v, want tinted blue", x, y, c)
				}
			default:
				if c.R != c.G || c.G != c.B || c.R < 220 {
					t.Fatalf("pixel (%d,%d) = %v, want a light grey", x, y, c)
				}
				other++
			}
		}
	}
	if red != r.DiffPixels || yellow != r.AAPixels {
		t.Errorf("red %d, yellow %d pixels, want DiffPixels %d and AAPixels %d", red, yellow, r.DiffPixels, r.AAPixels)
	}
	// The dark header of the base is darker than its white page.
	if h, p := r.Diff.RGBAAt(5, 5), r.Diff.RGBAAt(5, 100); h.R >= p.R {
		t.Errorf("header %v not darker than the page %v", h, p)
	}
	if r := Compare(base, head, Options{}); r.Diff != nil {
		t.Error("Diff made without Options.DiffImage")
	}

	// The same counts whether or not the diff image is drawn.
	plain := Compare(base, head, Options{Masks: []image.Rectangle{mask}})
	r.Diff = nil
	if !equalResults(plain, r) {
		t.Errorf("with the diff image %+v, without %+v", r, plain)
	}
}

// TestComparePNG checks the sha256 short-circuit and the errors.
func TestComparePNG(t *testing.T) {
	base := readFile(t, "login-base.png")
	moved := readFile(t, "login-moved.png")
	// A copy whose pixel data is damaged: decoding it fails, so a result
	// for it shows that it was not decoded.
	broken := slices.Clone(base)
	for i := len(broken) / 2; i < len(broken)/2+64; i++ {
		broken[i] ^= 0x5a
	}
	if _, err := png.Decode(bytes.NewReader(broken)); err == nil {
		t.Fatal("the damaged PNG decodes; the test needs one that does not")
	}

	tests := []struct {
		name       string
		base, head []byte
		opt        Options
		wantErr    bool
		want       Result
	}{{
		name: "same bytes: identical, nothing decoded",
		base: broken, head: slices.Clone(broken),
		opt:  Options{DiffImage: true},
		want: Result{TotalPixels: 480 * 320, BaseSize: image.Pt(480, 320), HeadSize: image.Pt(480, 320), Identical: true},
	}, {
		name: "same bytes with a mask",
		base: base, head: base,
		opt:  Options{Masks: []image.Rectangle{image.Rect(0, 0, 10, 10)}},
		want: Result{TotalPixels: 480*320 - 100, BaseSize: image.Pt(480, 320), HeadSize: image.Pt(480, 320), Identical: true},
	}, {
		name: "different bytes are decoded",
		base: base, head: moved,
		want: Compare(readPNG(t, "login-base.png"), readPNG(t, "login-moved.png"), Options{}),
	}, {
		name: "same pixels, other bytes",
		base: base, head: reencode(t, readPNG(t, "login-base.png")),
		want: Result{TotalPixels: 480 * 320, BaseSize: image.Pt(480, 320), HeadSize: image.Pt(480, 320), Identical: true},
	}, {
		name: "damaged base", base: broken, head: moved, wantErr: true,
	}, {
		name: "damaged head", base: base, head: broken, wantErr: true,
	}, {
		name: "not PNG, same bytes", base: []byte("not a PNG"), head: []byte("not a PNG"), wantErr: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ComparePNG(tt.base, tt.head, tt.opt)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !equalResults(r, tt.want) {
				t.Errorf("got %+v, want %+v", r, tt.want)
			}
		})
	}
}

// TestEncodePNG checks that a diff image survives encoding.
func TestEncodePNG(t *testing.T) {
	r := Compare(readPNG(t, "login-base.png"), readPNG(t, "login-label.png"), Options{DiffImage: true})
	data, err := EncodePNG(r.Diff)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got := Compare(r.Diff, img, Options{Threshold: 1e-9, IncludeAA: true}); !got.Identical {
		t.Errorf("decoded diff image differs from the original: %+v", got)
	}
}

// box is a rectangle of one colour, drawn by canvas.
type box struct {
	r image.Rectangle
	c color.Color
}

func canvas(w, h int, bg color.Color, boxes ...box) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(m, m.Rect, image.NewUniform(bg), image.Point{}, draw.Src)
	for _, b := range boxes {
		draw.Draw(m, b.r, image.NewUniform(b.c), image.Point{}, draw.Src)
	}
	return m
}

func nrgbaCanvas(w, h int, bg color.NRGBA) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	draw.Draw(m, m.Rect, image.NewUniform(bg), image.Point{}, draw.Src)
	return m
}

func grayCanvas(w, h int, bg uint8, boxes ...box) *image.Gray {
	m := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(m, m.Rect, image.NewUniform(color.Gray{Y: bg}), image.Point{}, draw.Src)
	for _, b := range boxes {
		draw.Draw(m, b.r, image.NewUniform(b.c), image.Point{}, draw.Src)
	}
	return m
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func readPNG(t testing.TB, name string) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(readFile(t, name)))
	if err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return img
}

func reencode(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func wantBoxes(t *testing.T, r Result, want ...image.Rectangle) {
	t.Helper()
	if !slices.Equal(r.Boxes, want) {
		t.Errorf("Boxes = %v, want %v", r.Boxes, want)
	}
}

func wantBetween(t *testing.T, what string, got, lo, hi int) {
	t.Helper()
	if got < lo || got > hi {
		t.Errorf("%s = %d, want between %d and %d", what, got, lo, hi)
	}
}

func equalResults(a, b Result) bool {
	return a.DiffPixels == b.DiffPixels && a.AAPixels == b.AAPixels && a.TotalPixels == b.TotalPixels &&
		a.Ratio == b.Ratio && slices.Equal(a.Boxes, b.Boxes) && a.BaseSize == b.BaseSize &&
		a.HeadSize == b.HeadSize && a.SizeChanged == b.SizeChanged && a.Identical == b.Identical &&
		(a.Diff == nil) == (b.Diff == nil)
}
