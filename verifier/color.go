package verifier

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// RGBA is a colour with 0-255 channels and an alpha from 0 to 1.
type RGBA struct {
	R, G, B float64
	A       float64
}

// ParseColor reads a CSS colour in the forms the browser computes and the
// forms people write: rgb(), rgba() (comma or space separated, alpha as a
// number or a percentage), #rgb, #rgba, #rrggbb, #rrggbbaa, "transparent",
// "black" and "white".
func ParseColor(css string) (RGBA, error) {
	s := strings.ToLower(strings.TrimSpace(css))
	switch s {
	case "transparent":
		return RGBA{}, nil
	case "black":
		return RGBA{0, 0, 0, 1}, nil
	case "white":
		return RGBA{255, 255, 255, 1}, nil
	}
	if strings.HasPrefix(s, "#") {
		return parseHex(s[1:], css)
	}
	open := strings.IndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		return RGBA{}, fmt.Errorf("parse colour %q: expected rgb(), rgba() or #hex", css)
	}
	fn := s[:open]
	if fn != "rgb" && fn != "rgba" {
		return RGBA{}, fmt.Errorf("parse colour %q: expected rgb(), rgba() or #hex, found %s()", css, fn)
	}
	args := strings.FieldsFunc(s[open+1:len(s)-1], func(r rune) bool { return r == ',' || r == ' ' || r == '/' })
	if len(args) != 3 && len(args) != 4 {
		return RGBA{}, fmt.Errorf("parse colour %q: expected 3 or 4 values, found %d", css, len(args))
	}
	var c [4]float64
	c[3] = 1
	for i, a := range args {
		pct := strings.HasSuffix(a, "%")
		v, err := strconv.ParseFloat(strings.TrimSuffix(a, "%"), 64)
		if err != nil {
			return RGBA{}, fmt.Errorf("parse colour %q: value %q is not a number", css, a)
		}
		switch {
		case pct && i < 3:
			v = v * 255 / 100
		case pct:
			v /= 100
		}
		c[i] = v
	}
	return RGBA{clamp(c[0], 0, 255), clamp(c[1], 0, 255), clamp(c[2], 0, 255), clamp(c[3], 0, 1)}, nil
}

func parseHex(h, css string) (RGBA, error) {
	if len(h) == 3 || len(h) == 4 {
		var b strings.Builder
		for _, r := range h {
			b.WriteRune(r)
			b.WriteRune(r)
		}
		h = b.String()
	}
	if len(h) != 6 && len(h) != 8 {
		return RGBA{}, fmt.Errorf("parse colour %q: expected 3, 4, 6 or 8 hex digits", css)
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return RGBA{}, fmt.Errorf("parse colour %q: bad hex digits", css)
	}
	if len(h) == 6 {
		v = v<<8 | 0xff
	}
	return RGBA{float64(v >> 24 & 0xff), float64(v >> 16 & 0xff), float64(v >> 8 & 0xff), float64(v&0xff) / 255}, nil
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// Over composites c on top of the opaque-or-not colour under.
func (c RGBA) Over(under RGBA) RGBA {
	a := c.A + under.A*(1-c.A)
	if a == 0 {
		return RGBA{}
	}
	ch := func(top, bottom float64) float64 { return (top*c.A + bottom*under.A*(1-c.A)) / a }
	return RGBA{ch(c.R, under.R), ch(c.G, under.G), ch(c.B, under.B), a}
}

// String formats the colour as CSS rgba().
func (c RGBA) String() string {
	return fmt.Sprintf("rgba(%.0f, %.0f, %.0f, %.2g)", c.R, c.G, c.B, c.A)
}

// Hex formats the opaque part of the colour as #rrggbb.
func (c RGBA) Hex() string {
	return fmt.Sprintf("#%02x%02x%02x", int(math.Round(c.R)), int(math.Round(c.G)), int(math.Round(c.B)))
}

// luminance is the WCAG 2.x relative luminance of the opaque colour.
func (c RGBA) luminance() float64 {
	lin := func(v float64) float64 {
		v /= 255
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}

// Contrast is the WCAG 2.x contrast ratio of text colour fg on background bg,
// from 1 to 21. A translucent background is first put on white (the canvas),
// and a translucent fg on the background.
func Contrast(fg, bg RGBA) float64 {
	white := RGBA{255, 255, 255, 1}
	if bg.A < 1 {
		bg = bg.Over(white)
	}
	if fg.A < 1 {
		fg = fg.Over(bg)
	}
	l1, l2 := fg.luminance(), bg.luminance()
	if l1 < l2 {
		l1, l2 = l2, l1
	}
	return (l1 + 0.05) / (l2 + 0.05)
}
