package verifier

import (
	"fmt"
	"math"
	"strings"
	"unicode"

	"journeyproof"
)

// contrast runs a11y.contrast on every visible element with text of its own.
func (k *checker) contrast() {
	for i := range k.f.Elements {
		e := &k.f.Elements[i]
		text := e.OwnText
		if e.Tag == "input" && (e.Type == "submit" || e.Type == "button" || e.Type == "reset") {
			text = e.Value
		}
		if !e.Visible || e.Disabled || strings.TrimSpace(text) == "" || e.Background == "" {
			continue
		}
		fg, err1 := ParseColor(e.Color)
		bg, err2 := ParseColor(e.Background)
		if err1 != nil || err2 != nil {
			continue
		}
		ratio := Contrast(fg, bg)
		large := e.FontSize >= k.p.contrast.largePx || (e.FontSize >= k.p.contrast.largeBoldPx && e.FontWeight >= k.p.contrast.boldWeight)
		need, kind := k.p.contrast.normal, "normal"
		if large {
			need, kind = k.p.contrast.large, "large"
		}
		if ratio < need {
			shown := fg
			if fg.A < 1 {
				shown = fg.Over(bg)
			}
			k.add(RuleContrast, e, "text %q has contrast %s:1 (%s on %s, %spx %s text); expected at least %s:1",
				clip(text, 40), ratioText(ratio, need), shown.Hex(), bg.Hex(), fmtPx(e.FontSize), kind, fmtPx(need))
		}
	}
}

// ratioText formats a contrast ratio with two decimals; a ratio below need
// is rounded down so that it never shows as need itself (4.499 is 4.49).
func ratioText(ratio, need float64) string {
	v := math.Round(ratio*100) / 100
	if ratio < need && v >= need {
		v = math.Floor(ratio*100) / 100
	}
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

func clip(s string, n int) string {
	r := []rune(collapseSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

// names runs a11y.name and a11y.label-in-name on buttons and links.
func (k *checker) names() {
	for i := range k.f.Elements {
		e := &k.f.Elements[i]
		if !shown(e) || !isButtonOrLink(e) {
			continue
		}
		kind := e.Role
		if kind == "" {
			kind = e.Tag
		}
		if strings.TrimSpace(e.Name) == "" {
			hint := "visible text, aria-label, aria-labelledby, or alt text on its image"
			for _, im := range e.Images {
				if im.Tag == "img" && im.HasAlt && im.Alt == "" {
					hint = "alt text on its image " + im.Selector + " (its alt is empty, which marks it decorative)"
					break
				}
			}
			k.add(RuleName, e, "%s %s has no accessible name; expected %s", kind, e.Selector, hint)
			continue
		}
		visible := collapseSpace(e.Text)
		if visible == "" || !hasWordChars(visible) {
			continue
		}
		if !strings.Contains(nameKey(e.Name), nameKey(visible)) {
			k.add(RuleLabelInName, e, "%s shows %q but its accessible name is %q; expected the name to contain the visible label",
				kind, clip(visible, 60), clip(e.Name, 60))
		}
	}
}

// nameKey folds a name for comparison: lower case, letters, digits and
// ideographs only, single spaces.
func nameKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		} else {
			b.WriteRune(' ')
		}
	}
	return " " + collapseSpace(b.String()) + " "
}

func hasWordChars(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// targetSize runs a11y.target-size (WCAG 2.5.8): a target is at least
// min x min CSS px, or a circle of diameter min centred on it intersects no
// other target and no other undersized target's circle. Inline targets in a
// sentence are exempt.
func (k *checker) targetSize() {
	min := k.p.targetSize.min
	r := min / 2
	var targets []int
	for i := range k.f.Elements {
		e := &k.f.Elements[i]
		if shown(e) && e.Interactive && !e.Inline && e.Box.W > 0 && e.Box.H > 0 {
			targets = append(targets, i)
		}
	}
	undersized := func(e *Element) bool { return e.Box.W+0.01 < min || e.Box.H+0.01 < min }
	for _, i := range targets {
		e := &k.f.Elements[i]
		if !undersized(e) {
			continue
		}
		cx, cy := e.Box.Center()
		for _, j := range targets {
			if i == j || k.isAncestor(i, j) || k.isAncestor(j, i) {
				continue
			}
			o := &k.f.Elements[j]
			clash := false
			if distToBox(cx, cy, o.Box) < r-0.01 {
				clash = true
			} else if undersized(o) {
				ox, oy := o.Box.Center()
				clash = math.Hypot(cx-ox, cy-oy) < 2*r-0.01
			}
			if clash {
				k.add(RuleTargetSize, e, "target %q is %sx%s CSS px and %s is within %spx of its centre; expected at least %sx%s, or a %spx circle around it clear of other targets",
					clip(label(e), 40), fmtPx(e.Box.W), fmtPx(e.Box.H), o.Selector, fmtPx(r), fmtPx(min), fmtPx(min), fmtPx(min))
				break
			}
		}
	}
}

// distToBox is the distance from a point to the nearest point of a box.
func distToBox(x, y float64, b journeyproof.Box) float64 {
	dx := math.Max(0, math.Max(b.X-x, x-(b.X+b.W)))
	dy := math.Max(0, math.Max(b.Y-y, y-(b.Y+b.H)))
	return math.Hypot(dx, dy)
}

// formLabels runs a11y.form-label.
func (k *checker) formLabels() {
	for i := range k.f.Elements {
		e := &k.f.Elements[i]
		if !shown(e) || !e.IsField || e.HasLabel {
			continue
		}
		what := e.Tag
		if e.Tag == "input" {
			what = "input type=" + e.Type
		}
		note := ""
		if e.Placeholder != "" {
			note = " (placeholder " + fmt.Sprintf("%q", e.Placeholder) + " is not a label)"
		}
		k.add(RuleFormLabel, e, "field %s (%s) has no programmatic label%s; expected <label for>, a wrapping <label>, aria-label or aria-labelledby",
			e.Selector, what, note)
	}
}

// imageAlt runs a11y.image-alt: every visible img has an alt attribute.
func (k *checker) imageAlt() {
	for i := range k.f.Elements {
		e := &k.f.Elements[i]
		if e.Tag != "img" || !shown(e) || e.HasAlt || e.Role == "presentation" || e.Role == "none" {
			continue
		}
		src := ""
		if len(e.Images) > 0 {
			src = e.Images[0].Src
		}
		k.add(RuleImageAlt, e, "image %s (%s) has no alt attribute; expected alt text, or alt=\"\" when it is decorative", e.Selector, clip(src, 80))
	}
}
