package imagediff

import (
	"image"
	"image/draw"
)

// raster is an image as 4 bytes a pixel (R, G, B, A), rows stride bytes
// apart, with its top-left pixel at pix[0]. premul tells that the colour
// bytes are premultiplied by alpha (image.RGBA) rather than not
// (image.NRGBA).
type raster struct {
	pix    []byte
	stride int
	w, h   int
	premul bool
}

func (r raster) size() image.Point { return image.Pt(r.w, r.h) }

// rasters gives the pixels of both images without copying them when they
// are *image.RGBA or *image.NRGBA. Any other type is converted once to
// *image.NRGBA. When one image is premultiplied and the other is not, and
// the premultiplied one has transparent pixels, it is converted too, so that
// equal bytes in both rasters always mean equal colours.
func rasters(base, head image.Image) (raster, raster) {
	a, b := asRaster(base), asRaster(head)
	if a.premul != b.premul {
		if a.premul && !isOpaque(a) {
			a = toNRGBA(base)
		}
		if b.premul && !isOpaque(b) {
			b = toNRGBA(head)
		}
	}
	return a, b
}

func asRaster(img image.Image) raster {
	switch m := img.(type) {
	case *image.RGBA:
		r := m.Rect
		return raster{pix: m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], stride: m.Stride, w: r.Dx(), h: r.Dy(), premul: true}
	case *image.NRGBA:
		r := m.Rect
		return raster{pix: m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], stride: m.Stride, w: r.Dx(), h: r.Dy()}
	}
	return toNRGBA(img)
}

func toNRGBA(img image.Image) raster {
	b := img.Bounds()
	m := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(m, m.Rect, img, b.Min, draw.Src)
	return raster{pix: m.Pix, stride: m.Stride, w: b.Dx(), h: b.Dy()}
}

func isOpaque(r raster) bool {
	for y := 0; y < r.h; y++ {
		row := r.pix[y*r.stride : y*r.stride+r.w*4]
		for i := 3; i < len(row); i += 4 {
			if row[i] != 0xff {
				return false
			}
		}
	}
	return true
}

// blended returns the colour of the pixel at byte offset i blended onto
// white, each channel scaled by 255 so that it stays an integer:
// 255*255 is white, 0 is black.
func (r raster) blended(i int) (int64, int64, int64) {
	p := r.pix[i : i+4 : i+4]
	cr, cg, cb, ca := int64(p[0]), int64(p[1]), int64(p[2]), int64(p[3])
	if ca == 255 {
		return cr * 255, cg * 255, cb * 255
	}
	if r.premul {
		// c is already c*a/255: add white's share, 255*(255-a)/255.
		return (cr + 255 - ca) * 255, (cg + 255 - ca) * 255, (cb + 255 - ca) * 255
	}
	return 255*255 - (255-cr)*ca, 255*255 - (255-cg)*ca, 255*255 - (255-cb)*ca
}

// YIQ luma weights scaled by 1e8, so that brightness is an exact integer and
// two pixels have the same brightness only when the sums are equal.
const (
	lumaR = 29889531
	lumaG = 58662247
	lumaB = 11448223
)

// brightness is the luma of the pixel at byte offset i, blended onto white,
// in units of 1/(255*1e8).
func (r raster) brightness(i int) int64 {
	cr, cg, cb := r.blended(i)
	return cr*lumaR + cg*lumaG + cb*lumaB
}

// luma is brightness with the common case, an opaque pixel, first.
func (r raster) luma(i int) int64 {
	if p := r.pix[i : i+4 : i+4]; p[3] == 255 {
		return (int64(p[0])*lumaR + int64(p[1])*lumaG + int64(p[2])*lumaB) * 255
	}
	return r.brightness(i)
}

// word is the pixel at byte offset i as one number, for equality tests.
func word(p []byte, i int) uint32 {
	p = p[i : i+4 : i+4]
	return uint32(p[0]) | uint32(p[1])<<8 | uint32(p[2])<<16 | uint32(p[3])<<24
}
