package verifier

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"

	"journeyproof"
)

// Crop cuts the region around box out of a PNG screenshot, with about 24 CSS
// px of padding (clamped to the screenshot), and draws a red outline around
// the box. scale is the screenshot's device pixels per CSS px (3 for the
// mobile screenshots, 1 for desktop); the outline is 2 device px wide at
// scale 1 and 3 from scale 1.5 up. It returns the crop as PNG.
func Crop(screenshotPNG []byte, box journeyproof.Box, scale float64) ([]byte, error) {
	crops, err := Crops(screenshotPNG, scale, []journeyproof.Box{box})
	if err != nil {
		return nil, err
	}
	return crops[0], nil
}

// Crops is Crop for several boxes of one screenshot, which it decodes once.
// The crops are in the order of the boxes; a box that cannot be cropped (it
// lies outside the screenshot) has none, and its error is joined into err.
func Crops(screenshotPNG []byte, scale float64, boxes []journeyproof.Box) ([][]byte, error) {
	if scale <= 0 {
		return nil, fmt.Errorf("crop: scale must be positive, got %g", scale)
	}
	src, err := png.Decode(bytes.NewReader(screenshotPNG))
	if err != nil {
		return nil, fmt.Errorf("crop: decode screenshot: %w", err)
	}
	out := make([][]byte, len(boxes))
	var errs []error
	for i, box := range boxes {
		var err error
		if out[i], err = cropImage(src, box, scale); err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

func cropImage(src image.Image, box journeyproof.Box, scale float64) ([]byte, error) {
	const padCSS = 24.0
	b := src.Bounds()
	// the box in device pixels
	x0 := int(math.Floor(box.X * scale))
	y0 := int(math.Floor(box.Y * scale))
	x1 := int(math.Ceil((box.X + box.W) * scale))
	y1 := int(math.Ceil((box.Y + box.H) * scale))
	pad := int(math.Round(padCSS * scale))
	region := image.Rect(x0-pad, y0-pad, x1+pad, y1+pad).Add(b.Min).Intersect(b)
	if region.Empty() {
		return nil, fmt.Errorf("crop: box %gx%g at %g,%g is outside the %dx%d screenshot", box.W, box.H, box.X, box.Y, b.Dx(), b.Dy())
	}
	dst := image.NewRGBA(image.Rect(0, 0, region.Dx(), region.Dy()))
	draw.Draw(dst, dst.Bounds(), src, region.Min, draw.Src)

	// the outline lies just outside the box, so it hides none of the element
	t := 2
	if scale >= 1.5 {
		t = 3
	}
	red := image.NewUniform(color.RGBA{R: 230, A: 255})
	inner := image.Rect(x0, y0, x1, y1).Add(b.Min).Sub(region.Min)
	outer := inner.Inset(-t)
	for _, r := range []image.Rectangle{
		image.Rect(outer.Min.X, outer.Min.Y, outer.Max.X, inner.Min.Y), // top
		image.Rect(outer.Min.X, inner.Max.Y, outer.Max.X, outer.Max.Y), // bottom
		image.Rect(outer.Min.X, inner.Min.Y, inner.Min.X, inner.Max.Y), // left
		image.Rect(inner.Max.X, inner.Min.Y, outer.Max.X, inner.Max.Y), // right
	} {
		draw.Draw(dst, r.Intersect(dst.Bounds()), red, image.Point{}, draw.Src)
	}
	var out bytes.Buffer
	if err := png.Encode(&out, dst); err != nil {
		return nil, fmt.Errorf("crop: encode: %w", err)
	}
	return out.Bytes(), nil
}
