package imagediff

import (
	"bytes"
	"encoding/binary"
	"image"
)

// comparison is one pass over rows [y0, y1) of the common area of two
// rasters.
type comparison struct {
	a, b   raster
	w, h   int
	y0, y1 int
	s      settings
	out    *image.RGBA // nil unless a diff image was asked for

	diffPixels int
	aaPixels   int
	anyChange  bool  // some pixel's bytes differ, counted or not
	runs       []run // horizontal runs of differing pixels, in scan order

	open bool // cur is a run still growing
	cur  run
}

// run is a horizontal run of differing pixels [x0, x1) in row y.
type run struct{ y, x0, x1 int }

// Colours of the diff image, as little-endian RGBA words.
const (
	diffColour = 0xff0000ff // red
	aaColour   = 0xff00ffff // yellow
)

// fade16 is how much of the base image's darkness the diff image keeps,
// scaled by 1<<16 (0.1 of it).
const fade16 = 6554

// run compares the rows of the band, drawing them into the diff image when
// there is one.
func (c *comparison) run() {
	n := c.w * 4
	for y := c.y0; y < c.y1; y++ {
		ra := c.a.pix[y*c.a.stride:][:n:n]
		rb := c.b.pix[y*c.b.stride:][:n:n]
		var ro []byte
		if c.out != nil {
			// Every pixel gets the faded base first; the differing ones
			// are painted over.
			ro = c.out.Pix[y*c.out.Stride:][:n:n]
			fadeRow(ro, ra, c.a.premul)
		}
		if !bytes.Equal(ra, rb) {
			c.scanRow(y, ra, rb, ro)
		}
	}
	c.flush()
}

// scanRow visits the pixels of a row whose bytes differ, skipping two
// equal pixels at a time; ro is the row of the diff image, or nil.
func (c *comparison) scanRow(y int, ra, rb, ro []byte) {
	n := len(ra)
	i := 0
	for ; i+8 <= n; i += 8 {
		if binary.LittleEndian.Uint64(ra[i:]) == binary.LittleEndian.Uint64(rb[i:]) {
			continue
		}
		if word(ra, i) != word(rb, i) {
			c.pixel(i>>2, y, ro)
		}
		if word(ra, i+4) != word(rb, i+4) {
			c.pixel(i>>2+1, y, ro)
		}
	}
	if i < n && word(ra, i) != word(rb, i) {
		c.pixel(i>>2, y, ro)
	}
}

// pixel classifies a pixel whose bytes differ; ro is its row of the diff
// image, or nil.
func (c *comparison) pixel(x, y int, ro []byte) {
	c.anyChange = true
	i := x * 4
	if c.masked(x, y) || c.colourDelta(x, y) <= c.s.maxDelta {
		return
	}
	if !c.s.includeAA && (c.antialiased(c.a, c.b, x, y) || c.antialiased(c.b, c.a, x, y)) {
		c.aaPixels++
		if ro != nil {
			binary.LittleEndian.PutUint32(ro[i:], aaColour)
		}
		return
	}
	c.diffPixels++
	if ro != nil {
		binary.LittleEndian.PutUint32(ro[i:], diffColour)
	}
	if c.open && c.cur.y == y && c.cur.x1 == x {
		c.cur.x1++
		return
	}
	c.flush()
	c.open, c.cur = true, run{y: y, x0: x, x1: x + 1}
}

// flush ends the run of differing pixels being grown, if any.
func (c *comparison) flush() {
	if c.open {
		c.runs = append(c.runs, c.cur)
		c.open = false
	}
}

// masked tells whether pixel (x, y) is under a mask.
func (c *comparison) masked(x, y int) bool {
	p := image.Pt(x, y)
	for _, m := range c.s.masks {
		if p.In(m) {
			return true
		}
	}
	return false
}

// colourDelta is the squared YIQ distance between the pixel (x, y) of both
// images, each blended onto white (Kotsarenko and Ramos, 2010).
func (c *comparison) colourDelta(x, y int) float64 {
	i, j := y*c.a.stride+x*4, y*c.b.stride+x*4
	p, q := c.a.pix[i:i+4:i+4], c.b.pix[j:j+4:j+4]
	var dr, dg, db float64
	if p[3] == 255 && q[3] == 255 {
		// Opaque, the common case: nothing to blend.
		dr, dg, db = float64(int(p[0])-int(q[0])), float64(int(p[1])-int(q[1])), float64(int(p[2])-int(q[2]))
	} else {
		r1, g1, b1 := c.a.blended(i)
		r2, g2, b2 := c.b.blended(j)
		const s = 1.0 / 255 // blended channels are scaled by 255
		dr, dg, db = float64(r1-r2)*s, float64(g1-g2)*s, float64(b1-b2)*s
	}
	yy := dr*0.29889531 + dg*0.58662247 + db*0.11448223
	ii := dr*0.59597799 - dg*0.27417610 - db*0.32180189
	qq := dr*0.21147017 - dg*0.52261711 + db*0.31114694
	return 0.5053*yy*yy + 0.299*ii*ii + 0.1957*qq*qq
}

// antialiased tells whether pixel (x, y) of img lies on an anti-aliased
// edge, after Vysniauskas' "Anti-aliased Pixel and Intensity Slope
// Detector" (2009): among its 8 neighbours, at most two have its own
// brightness, some are darker and some brighter, and the darkest or the
// brightest of them sits in a flat area (three or more neighbours of the
// very same colour) in both images. A pixel on the border of the compared
// area counts the outside as one neighbour of equal brightness.
func (c *comparison) antialiased(img, other raster, x, y int) bool {
	if x == 0 || x == c.w-1 || y == 0 || y == c.h-1 {
		return c.antialiasedBorder(img, other, x, y)
	}
	// Inside the area every neighbour exists: visit them by byte offset,
	// column by column as pixelmatch does (of equally dark or bright
	// neighbours, the first is kept).
	neighbourX := [8]int{-1, -1, -1, 0, 0, 1, 1, 1}
	neighbourY := [8]int{-1, 0, 1, -1, 1, -1, 0, 1}
	pix, stride := img.pix, img.stride
	i := y*stride + x*4
	offsets := [8]int{-stride - 4, -4, stride - 4, -stride, stride, -stride + 4, 4, stride + 4}
	cw := word(pix, i)
	centre := img.luma(i)
	equal := 0
	var darkest, brightest int64 // brightness of a neighbour minus the centre's
	dk, bk := 0, 0
	for k, off := range offsets {
		j := i + off
		nw := word(pix, j)
		var d int64
		switch {
		case nw == cw: // d is 0 without computing it
		case nw>>24 == 255:
			d = (int64(nw&0xff)*lumaR+int64(nw>>8&0xff)*lumaG+int64(nw>>16&0xff)*lumaB)*255 - centre
		default:
			d = img.brightness(j) - centre
		}
		switch {
		case d == 0:
			if equal++; equal > 2 {
				return false
			}
		case d < darkest:
			darkest, dk = d, k
		case d > brightest:
			brightest, bk = d, k
		}
	}
	if darkest == 0 || brightest == 0 {
		return false
	}
	dx, dy := x+neighbourX[dk], y+neighbourY[dk]
	bx, by := x+neighbourX[bk], y+neighbourY[bk]
	return (c.flat(img, dx, dy) && c.flat(other, dx, dy)) ||
		(c.flat(img, bx, by) && c.flat(other, bx, by))
}

// antialiasedBorder is antialiased for a pixel on the border of the
// compared area.
func (c *comparison) antialiasedBorder(img, other raster, x, y int) bool {
	x0, x1 := max(x-1, 0), min(x+1, c.w-1)
	y0, y1 := max(y-1, 0), min(y+1, c.h-1)
	equal := 1 // the outside
	pix, stride := img.pix, img.stride
	centre := img.luma(y*stride + x*4)
	var darkest, brightest int64 // brightness of a neighbour minus the centre's
	var dx, dy, bx, by int
	for nx := x0; nx <= x1; nx++ {
		for ny := y0; ny <= y1; ny++ {
			if nx == x && ny == y {
				continue
			}
			i := ny*stride + nx*4
			var d int64
			if p := pix[i : i+4 : i+4]; p[3] == 255 {
				d = (int64(p[0])*lumaR+int64(p[1])*lumaG+int64(p[2])*lumaB)*255 - centre
			} else {
				d = img.brightness(i) - centre
			}
			switch {
			case d == 0:
				if equal++; equal > 2 {
					return false
				}
			case d < darkest:
				darkest, dx, dy = d, nx, ny
			case d > brightest:
				brightest, bx, by = d, nx, ny
			}
		}
	}
	if darkest == 0 || brightest == 0 {
		return false
	}
	return (c.flat(img, dx, dy) && c.flat(other, dx, dy)) ||
		(c.flat(img, bx, by) && c.flat(other, bx, by))
}

// flat tells whether at least three neighbours of (x, y) have exactly its
// colour (the border of the compared area counting as one).
func (c *comparison) flat(img raster, x, y int) bool {
	pix, stride := img.pix, img.stride
	if x > 0 && x < c.w-1 && y > 0 && y < c.h-1 {
		i := y*stride + x*4
		v := word(pix, i)
		same := 0
		for _, off := range [8]int{-stride - 4, -4, stride - 4, -stride, stride, -stride + 4, 4, stride + 4} {
			if word(pix, i+off) == v {
				if same++; same > 2 {
					return true
				}
			}
		}
		return false
	}
	x0, x1 := max(x-1, 0), min(x+1, c.w-1)
	y0, y1 := max(y-1, 0), min(y+1, c.h-1)
	same := 1 // the outside
	v := word(pix, y*stride+x*4)
	for ny := y0; ny <= y1; ny++ {
		row := pix[ny*stride+x0*4 : ny*stride+x1*4+4]
		for i := 0; i+4 <= len(row); i += 4 {
			if word(row, i) == v && (ny != y || x0+i/4 != x) {
				if same++; same > 2 {
					return true
				}
			}
		}
	}
	return false
}

// fadeRow draws a row of the base image as faded grayscale, two pixels at
// a time, reusing the last result along runs of one colour, which are most
// of a screenshot.
func fadeRow(ro, ra []byte, premul bool) {
	ro = ro[:len(ra)]
	var last, lastOut uint64
	seen := false
	i := 0
	for ; i+8 <= len(ra); i += 8 {
		u := binary.LittleEndian.Uint64(ra[i:])
		if u != last || !seen {
			last, seen = u, true
			if u&0xff000000ff000000 == 0xff000000ff000000 {
				v0 := fade(uint32(u&0xff), uint32(u>>8&0xff), uint32(u>>16&0xff))
				v1 := fade(uint32(u>>32&0xff), uint32(u>>40&0xff), uint32(u>>48&0xff))
				lastOut = 0xff000000ff000000 | uint64(v0)*0x010101 | uint64(v1)*0x010101<<32
			} else {
				v0, v1 := fadeBlended(ra[i:i+4], premul), fadeBlended(ra[i+4:i+8], premul)
				lastOut = 0xff000000ff000000 | uint64(v0)*0x010101 | uint64(v1)*0x010101<<32
			}
		}
		binary.LittleEndian.PutUint64(ro[i:], lastOut)
	}
	if i+4 <= len(ra) {
		fadePixel(ro, ra, i, premul)
	}
}

// fadePixel draws pixel i of row ra as faded grayscale into row ro.
func fadePixel(ro, ra []byte, i int, premul bool) {
	p := ra[i : i+4 : i+4]
	v := fadeBlended(p, premul)
	q := ro[i : i+4 : i+4]
	q[0], q[1], q[2], q[3] = v, v, v, 255
}

// fade is the grey of an opaque colour in the diff image: its YIQ luma
// (weights scaled by 1<<16) faded towards white.
func fade(r, g, b uint32) byte {
	dark := (255<<16 - (19588*r + 38445*g + 7503*b)) >> 8 // up to 0xff00
	return byte(255 - (dark*fade16)>>24)
}

// fadeBlended is fade for a pixel of any alpha, blended onto white first.
func fadeBlended(p []byte, premul bool) byte {
	r, g, b, a := uint32(p[0]), uint32(p[1]), uint32(p[2]), uint32(p[3])
	switch {
	case a == 255:
	case premul:
		r, g, b = r+255-a, g+255-a, b+255-a
	default:
		r, g, b = 255-(255-r)*a/255, 255-(255-g)*a/255, 255-(255-b)*a/255
	}
	return fade(r, g, b)
}

// paintMasks tints the masked areas of the diff image blue, over the faded
// base image, so that a reviewer sees what was ignored.
func paintMasks(out *image.RGBA, a raster, masks []image.Rectangle) {
	for _, m := range masks {
		for y := m.Min.Y; y < m.Max.Y; y++ {
			ra := a.pix[y*a.stride:]
			ro := out.Pix[y*out.Stride:]
			for x := m.Min.X; x < m.Max.X; x++ {
				i := x * 4
				fadePixel(ro, ra, i, a.premul)
				v := ro[i]
				ro[i], ro[i+1], ro[i+2] = v-v/4, v-v/8, 255
			}
		}
	}
}
