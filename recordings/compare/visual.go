package compare

import (
	"fmt"
	"image"
	"math"

	"journeyproof"
	"journeyproof/recordings/imagediff"
)

// do diffs the viewport screenshots of the job's step pair and stores the
// diff image.
func (j *job) do(st Store, opt Options) error {
	a, err := st.ReadArtifact(j.base.ScreenshotSHA)
	if err != nil {
		return fmt.Errorf("read screenshot of %s step %d: %w", j.baseRun.Cell(), j.base.Index+1, err)
	}
	b, err := st.ReadArtifact(j.head.ScreenshotSHA)
	if err != nil {
		return fmt.Errorf("read screenshot of %s step %d: %w", j.headRun.Cell(), j.head.Index+1, err)
	}
	bs, hs := scaleOf(j.base, j.baseRun), scaleOf(j.head, j.headRun)
	masks := append(maskRects(j.base.Masks, bs), maskRects(j.head.Masks, hs)...)
	// Boxes closer than 16 CSS px merge, on every device.
	merge := int(math.Round(imagediff.DefaultMergeDistance * hs))
	res, err := imagediff.ComparePNG(a, b, imagediff.Options{Threshold: opt.Threshold, Masks: masks, MergeDistance: merge, DiffImage: !opt.NoDiffImages})
	if err != nil {
		return fmt.Errorf("compare screenshots of %s step %d: %w", j.headRun.Cell(), j.head.Index+1, err)
	}
	v := &Visual{DiffPixels: res.DiffPixels, AAPixels: res.AAPixels, TotalPixels: res.TotalPixels, Ratio: res.Ratio,
		Identical: res.Identical, SizeChanged: res.SizeChanged,
		BaseSize: Size{res.BaseSize.X, res.BaseSize.Y}, HeadSize: Size{res.HeadSize.X, res.HeadSize.Y},
		Boxes: []Rect{}, CSSBoxes: []journeyproof.Box{}}
	area := image.Rectangle{Max: image.Pt(min(res.BaseSize.X, res.HeadSize.X), min(res.BaseSize.Y, res.HeadSize.Y))}
	for _, m := range masks {
		if m = m.Intersect(area); !m.Empty() {
			v.Masks = append(v.Masks, rect(m))
		}
	}
	for _, r := range res.Boxes {
		v.Boxes = append(v.Boxes, rect(r))
		v.CSSBoxes = append(v.CSSBoxes, journeyproof.Box{X: float64(r.Min.X) / hs, Y: float64(r.Min.Y) / hs,
			W: float64(r.Dx()) / hs, H: float64(r.Dy()) / hs})
	}
	if res.Diff != nil && (res.DiffPixels > 0 || res.SizeChanged) {
		png, err := imagediff.EncodePNG(res.Diff)
		if err != nil {
			return err
		}
		if v.Diff, err = st.PutArtifact(png, "image/png"); err != nil {
			return fmt.Errorf("store diff image of %s step %d: %w", j.headRun.Cell(), j.head.Index+1, err)
		}
	}
	j.step.Visual = v
	return nil
}

// maskRects converts mask boxes (viewport CSS px) to screenshot pixels,
// rounding outwards.
func maskRects(boxes []journeyproof.Box, scale float64) []image.Rectangle {
	var out []image.Rectangle
	for _, b := range boxes {
		r := image.Rect(int(math.Floor(b.X*scale)), int(math.Floor(b.Y*scale)),
			int(math.Ceil((b.X+b.W)*scale)), int(math.Ceil((b.Y+b.H)*scale)))
		if !r.Empty() {
			out = append(out, r)
		}
	}
	return out
}

func rect(r image.Rectangle) Rect { return Rect{X: r.Min.X, Y: r.Min.Y, W: r.Dx(), H: r.Dy()} }
