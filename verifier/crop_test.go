package verifier

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"journeyproof"
)

func isRed(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r>>8 > 200 && g>>8 < 40 && b>>8 < 40
}

func TestCrop(t *testing.T) {
	cases := []struct {
		name         string
		w, h         int // screenshot size, device px
		box          journeyproof.Box
		scale        float64
		wantW, wantH int
		border       image.Point // a device pixel of the crop on the outline
		inside       image.Point // a device pixel of the crop inside the box (not red)
	}{
		// 24 CSS px of padding on each side
		{"desktop", 400, 300, journeyproof.Box{X: 100, Y: 80, W: 120, H: 40}, 1, 168, 88, image.Pt(23, 44), image.Pt(84, 44)},
		// mobile screenshots are 3x: 72 device px of padding
		{"mobile", 1170, 2532, journeyproof.Box{X: 16, Y: 200, W: 358, H: 52}, 3, 1170, 156 + 144, image.Pt(46, 150), image.Pt(600, 150)},
		// clamped at the top left corner
		{"corner", 400, 300, journeyproof.Box{X: 0, Y: 0, W: 50, H: 20}, 1, 74, 44, image.Pt(50, 10), image.Pt(25, 10)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			shot := solidPNG(tc.w, tc.h, color.White)
			out, err := Crop(shot, tc.box, tc.scale)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("crop is not a PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() != tc.wantW || b.Dy() != tc.wantH {
				t.Fatalf("crop is %dx%d, want %dx%d", b.Dx(), b.Dy(), tc.wantW, tc.wantH)
			}
			if !isRed(img.At(tc.border.X, tc.border.Y)) {
				t.Errorf("pixel %v on the outline is %v, want red", tc.border, img.At(tc.border.X, tc.border.Y))
			}
			if isRed(img.At(tc.inside.X, tc.inside.Y)) {
				t.Errorf("pixel %v inside the box is red", tc.inside)
			}
			if isRed(img.At(0, img.Bounds().Dy()-1)) && tc.name != "corner" {
				t.Errorf("the padding is red")
			}
		})
	}
	if _, err := Crop([]byte("not a png"), journeyproof.Box{X: 0, Y: 0, W: 10, H: 10}, 1); err == nil {
		t.Error("Crop of garbage gave no error")
	}
	if _, err := Crop(solidPNG(10, 10, color.White), journeyproof.Box{X: 500, Y: 500, W: 10, H: 10}, 1); err == nil {
		t.Error("Crop outside the screenshot gave no error")
	}
}

// TestCrops crops several boxes of one screenshot: each crop is the one
// Crop gives, and a box outside the screenshot gets none and an error.
func TestCrops(t *testing.T) {
	shot := solidPNG(400, 300, color.White)
	boxes := []journeyproof.Box{{X: 100, Y: 80, W: 120, H: 40}, {X: 900, Y: 900, W: 10, H: 10}, {X: 0, Y: 0, W: 50, H: 20}}
	crops, err := Crops(shot, 1, boxes)
	if err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("error %v, want one about the box outside", err)
	}
	if len(crops) != len(boxes) {
		t.Fatalf("%d crops, want %d", len(crops), len(boxes))
	}
	if crops[1] != nil {
		t.Errorf("the box outside has a crop of %d bytes", len(crops[1]))
	}
	for _, i := range []int{0, 2} {
		one, err := Crop(shot, boxes[i], 1)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(crops[i], one) {
			t.Errorf("crop %d differs from Crop's", i)
		}
	}
	if _, err := Crops([]byte("not a png"), 1, boxes); err == nil {
		t.Error("Crops of garbage gave no error")
	}
}

// TestCropOfFinding crops a real mobile screenshot around a finding's box.
func TestCropOfFinding(t *testing.T) {
	ctx := openTab(t, DeviceMobile, "button-small-mobile")
	facts, err := Probe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res := DefaultPack().CheckPage(facts, ctxWith(auth, func(c *Context) { c.Device = DeviceMobile }))
	if len(res.Findings) != 1 {
		t.Fatalf("findings:%s", describe(res.Findings))
	}
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	box := res.Findings[0].Box
	out, err := Crop(shot, box, 3)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	wantW := int(box.W*3) + 2*72
	if d := img.Bounds().Dx() - wantW; d < -2 || d > 2 {
		t.Errorf("crop width %d, want about %d", img.Bounds().Dx(), wantW)
	}
	// the button's colour is inside the outline
	mid := img.At(img.Bounds().Dx()/2, img.Bounds().Dy()/2)
	if r, g, b, _ := mid.RGBA(); r>>8 != 29 || g>>8 != 92 || b>>8 != 80 {
		t.Errorf("centre of the crop is %v, want the entry's #1d5c50", mid)
	}
}
