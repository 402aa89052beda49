package pack

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"math"
	"os"
)

// printDPI is the resolution the wireframes print screenshots at. A
// screenshot with at least twice the pixels (the mobile ones, taken at
// device scale 3) is shrunk before Chromium gets it: the PDF looks the
// same on paper and on screen, and Chromium decodes and compresses a
// quarter of the pixels.
const printDPI = 200

// printImages are the screenshots a storyboard shows and the width each is
// printed at. It is filled while the boards are built and only read after.
type printImages struct {
	want map[string]int // artifact hash -> pixels wide it is printed at (its largest use)
	srcW map[string]int // artifact hash -> pixels wide it is stored at
}

func newPrintImages() *printImages {
	return &printImages{want: map[string]int{}, srcW: map[string]int{}}
}

// url registers a screenshot of srcW pixels printed wmm millimetres wide
// and returns the URL the storyboard loads it from.
func (p *printImages) url(sha string, srcW int, wmm float64) string {
	px := int(math.Ceil(wmm / 25.4 * printDPI))
	if px > p.want[sha] {
		p.want[sha] = px
	}
	p.srcW[sha] = srcW
	return "/a/" + sha
}

// shrinkFactor is the whole factor a screenshot is shrunk by (1: not).
func (p *printImages) shrinkFactor(sha string) int {
	want := p.want[sha]
	if want <= 0 {
		return 1
	}
	return max(1, p.srcW[sha]/want)
}

func (p *printImages) has(sha string) bool {
	_, ok := p.want[sha]
	return ok
}

// readScreenshot reads and decodes a stored PNG screenshot.
func readScreenshot(path string) (image.Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode screenshot: %w", err)
	}
	return img, nil
}

// shrinkPNGFile reads a PNG and returns it shrunk by the whole factor f,
// each pixel the average of an f x f block, encoded fast.
func shrinkPNGFile(path string, f int) ([]byte, error) {
	img, err := readScreenshot(path)
	if err != nil {
		return nil, err
	}
	out := shrink(img, f)
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, out); err != nil {
		return nil, fmt.Errorf("encode screenshot: %w", err)
	}
	return buf.Bytes(), nil
}

// shrink averages f x f blocks of img (edges that do not fill a block are
// dropped).
func shrink(img image.Image, f int) *image.NRGBA {
	var pix []uint8
	var stride int
	b := img.Bounds()
	switch m := img.(type) {
	case *image.NRGBA:
		pix, stride = m.Pix, m.Stride
	case *image.RGBA:
		// Opaque screenshots: premultiplied and straight alpha agree.
		pix, stride = m.Pix, m.Stride
	default:
		n := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(n, n.Bounds(), img, b.Min, draw.Src)
		pix, stride = n.Pix, n.Stride
	}
	w, h := b.Dx()/f, b.Dy()/f
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	n := uint32(f * f)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var r, g, bl, a uint32
			for dy := 0; dy < f; dy++ {
				row := pix[(y*f+dy)*stride+x*f*4:]
				for dx := 0; dx < f; dx++ {
					p := row[dx*4 : dx*4+4 : dx*4+4]
					r += uint32(p[0])
					g += uint32(p[1])
					bl += uint32(p[2])
					a += uint32(p[3])
				}
			}
			o := out.Pix[y*out.Stride+x*4:]
			o[0], o[1], o[2], o[3] = uint8(r/n), uint8(g/n), uint8(bl/n), uint8(a/n)
		}
	}
	return out
}
