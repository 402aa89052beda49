package video

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
)

// posterQuality is the JPEG quality of a poster made from a screenshot: it
// is looked at still, unlike a frame of the video.
const posterQuality = 85

// posterFromScreenshot makes the poster from a step's viewport screenshot
// (PNG at the device's scale): the screen scaled to w×h CSS pixels, each
// pixel the mean of the screenshot's pixels it covers, as a JPEG. The
// screenshot is the screen exactly as the step's evidence shows it, where
// the screencast may lag behind the page on a loaded machine.
func posterFromScreenshot(shot []byte, w, h int) ([]byte, error) {
	src, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		return nil, fmt.Errorf("poster: decode the screenshot: %w", err)
	}
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("poster: size %dx%d", w, h)
	}
	rgba, ok := src.(*image.RGBA)
	if !ok {
		rgba = image.NewRGBA(image.Rect(0, 0, src.Bounds().Dx(), src.Bounds().Dy()))
		draw.Draw(rgba, rgba.Bounds(), src, src.Bounds().Min, draw.Src)
	}
	dst := boxScale(rgba, w, h)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: posterQuality}); err != nil {
		return nil, fmt.Errorf("poster: encode: %w", err)
	}
	return buf.Bytes(), nil
}

// boxScale scales src to w×h: each pixel of the result is the mean of the
// source pixels whose top-left corner falls in its area (at least one).
func boxScale(src *image.RGBA, w, h int) *image.RGBA {
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if sw == 0 || sh == 0 {
		return dst
	}
	for y := range h {
		y0, y1 := y*sh/h, max((y+1)*sh/h, y*sh/h+1)
		for x := range w {
			x0, x1 := x*sw/w, max((x+1)*sw/w, x*sw/w+1)
			var r, g, bl, a, n uint32
			for sy := y0; sy < min(y1, sh); sy++ {
				row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+sy):]
				for sx := x0; sx < min(x1, sw); sx++ {
					p := row[sx*4 : sx*4+4 : sx*4+4]
					r, g, bl, a = r+uint32(p[0]), g+uint32(p[1]), bl+uint32(p[2]), a+uint32(p[3])
					n++
				}
			}
			if n == 0 {
				continue
			}
			o := dst.PixOffset(x, y)
			dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2], dst.Pix[o+3] = uint8(r/n), uint8(g/n), uint8(bl/n), uint8(a/n)
		}
	}
	return dst
}
