package video

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// Each pixel of a scaled screenshot is the mean of the pixels it covers.
func TestBoxScale(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 6, 3))
	for y := range 3 {
		for x := range 6 {
			c := color.RGBA{30, 60, 90, 255}
			if x >= 3 && (x+y)%2 == 0 {
				c = color.RGBA{0, 0, 0, 255}
			} else if x >= 3 {
				c = color.RGBA{255, 255, 255, 255}
			}
			src.SetRGBA(x, y, c)
		}
	}
	dst := boxScale(src, 2, 1)
	if got := dst.RGBAAt(0, 0); got != (color.RGBA{30, 60, 90, 255}) {
		t.Errorf("left pixel %v, want the block's colour", got)
	}
	// 5 white and 4 black pixels: 5*255/9.
	if got := dst.RGBAAt(1, 0); got != (color.RGBA{141, 141, 141, 255}) {
		t.Errorf("right pixel %v, want the checkerboard's mean 141", got)
	}
	// A scale that does not divide: every pixel of the result is set.
	odd := boxScale(src, 4, 2)
	for y := range 2 {
		for x := range 4 {
			if odd.RGBAAt(x, y).A != 255 {
				t.Errorf("pixel %d,%d of a 6x3 -> 4x2 scale is not set", x, y)
			}
		}
	}
}

func TestPosterFromScreenshot(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 1170, 2532)) // a 3x mobile screen
	for i := range src.Pix {
		src.Pix[i] = 200
		if i%4 == 3 {
			src.Pix[i] = 255
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, src); err != nil {
		t.Fatal(err)
	}
	data, err := posterFromScreenshot(buf.Bytes(), 390, 844)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the poster is not a JPEG: %v", err)
	}
	if img.Bounds().Dx() != 390 || img.Bounds().Dy() != 844 {
		t.Errorf("poster is %v, want the device's CSS size 390x844", img.Bounds().Size())
	}
	if r, _, _, _ := img.At(195, 422).RGBA(); r>>8 < 197 || r>>8 > 203 {
		t.Errorf("poster's middle is %d, want about 200", r>>8)
	}
	if _, err := posterFromScreenshot([]byte("not a png"), 390, 844); err == nil {
		t.Error("a screenshot that is not a PNG gave no error")
	}
}
