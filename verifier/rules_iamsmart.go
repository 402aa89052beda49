package verifier

import (
	"math"
	"slices"
	"strings"
)

// isEntry reports whether element e is an iAM Smart entry point: an element
// of the pack's entry selectors whose text, name or contained image's alt or
// title names iAM Smart, and which is not a link to information about it.
func (p *Pack) isEntry(e *Element) bool {
	if !slices.ContainsFunc(p.entry.selectors, func(s simpleSelector) bool { return s.match(e) }) {
		return false
	}
	texts := []string{e.Text, e.Name, e.Value}
	for _, im := range e.Images {
		texts = append(texts, im.Alt, im.Title)
	}
	if !matchesAny(p.entry.patterns, texts...) {
		return false
	}
	return !matchesAny(p.moreInfo.patterns, e.Text, e.Name)
}

// entries finds the iAM Smart entries and runs the rules about them.
func (k *checker) entries() {
	var all []int
	k.isEntry = map[int]bool{}
	for i := range k.f.Elements {
		e := &k.f.Elements[i]
		if !k.p.isEntry(e) {
			continue
		}
		k.isEntry[i] = true
		// an entry inside another entry is part of it
		if slices.ContainsFunc(all, func(j int) bool { return k.isAncestor(j, i) }) {
			continue
		}
		all = append(all, i)
	}
	if len(all) == 0 {
		if k.c.Trigger {
			k.add(RuleEntryPresent, nil, "no iAM Smart entry on this trigger step; expected a button or link labelled with iAM Smart (%s)", k.expectedLabels())
		}
		return
	}
	// A page may hold a copy of its entry for another screen size, hidden
	// with display:none. When one entry is fully visible, entries that are
	// not rendered at all are such copies and are left out.
	fullyVisible := slices.ContainsFunc(all, func(i int) bool {
		e := &k.f.Elements[i]
		return e.Visible && e.InViewportScrollableArea && e.CoveredBy == ""
	})
	for _, i := range all {
		e := &k.f.Elements[i]
		if fullyVisible && !e.Visible {
			continue
		}
		k.res.Entries = append(k.res.Entries, Entry{Selector: e.Selector, Text: label(e), Name: e.Name, Box: e.Box})
		if !k.entryVisible(e) && (!e.Visible || !e.InViewportScrollableArea) {
			// a hidden entry has no size or logo to judge, and one off the
			// page has no neighbours: one defect, one finding
			continue
		}
		k.entryLabel(e)
		k.entryLogo(e)
		k.entrySize(e)
		k.prominence(i)
		k.moreInfo(e)
	}
}

func (k *checker) expectedLabels() string {
	proc := k.c.Process
	var out []string
	for _, pr := range processes() {
		if proc != "" && proc != ProcessOther && pr != proc {
			continue
		}
		for _, l := range cellLangs() {
			if k.lang != "" && l != k.lang {
				continue
			}
			for _, lb := range k.p.labels[pr][l] {
				if !slices.Contains(out, lb) {
					out = append(out, lb)
				}
			}
		}
	}
	return quoteList(out)
}

// entryVisible runs iamsmart.visible and reports whether the entry passed.
func (k *checker) entryVisible(e *Element) bool {
	switch {
	case !e.Visible:
		why := map[string]string{
			"display":    "display: none",
			"visibility": "visibility: hidden",
			"opacity":    "opacity: 0",
			"size":       "zero size",
		}[e.HiddenBy]
		if why == "" {
			why = "not rendered"
		}
		k.add(RuleVisible, e, "iAM Smart entry %q is not visible (%s); expected it rendered on the screen", label(e), why)
	case !e.InViewportScrollableArea:
		k.add(RuleVisible, e, "iAM Smart entry %q is outside the page's scrollable area (at %s,%s, page %sx%s); expected it where the user can scroll to it",
			label(e), fmtPx(e.Box.X), fmtPx(e.Box.Y), fmtPx(k.f.Scroll.W), fmtPx(k.f.Scroll.H))
	case e.CoveredBy != "":
		k.add(RuleVisible, e, "iAM Smart entry %q is covered by %s at its centre; expected nothing on top of it", label(e), e.CoveredBy)
	default:
		return true
	}
	return false
}

// entryLabel runs iamsmart.label.approved and iamsmart.lang.consistent. When
// the label is an approved label for the process in another language, the
// defect is the language, and only iamsmart.lang.consistent is reported.
func (k *checker) entryLabel(e *Element) {
	lb := label(e)
	procs := processes()
	if p := k.c.Process; p != "" && p != ProcessOther {
		procs = []string{p}
	}
	approvedHere, approvedElsewhere := false, ""
	var want []string
	for _, pr := range procs {
		for _, l := range cellLangs() {
			labels := k.p.labels[pr][l]
			if k.lang == "" || l == k.lang {
				want = append(want, labels...)
				if slices.Contains(labels, lb) {
					approvedHere = true
				}
			} else if slices.Contains(labels, lb) && approvedElsewhere == "" {
				approvedElsewhere = l
			}
		}
	}
	want = slices.Compact(want)
	process := k.c.Process
	if process == "" || process == ProcessOther {
		process = "any process"
	}
	langNote := k.lang
	if langNote == "" {
		langNote = "any language"
	}

	sc := k.p.script(lb)
	fits := scriptFits(sc, k.lang)
	switch {
	case approvedElsewhere != "" && !approvedHere:
		k.add(RuleLangConsistent, e, "label %q%s is the %s label but the page language is %s (lang=%q); expected %s",
			lb, labelSource(e), approvedElsewhere, k.lang, k.f.Lang, quoteList(want))
		return
	case !fits:
		k.add(RuleLangConsistent, e, "label %q%s is written in %s but the page language is %s (lang=%q); expected a %s label such as %s",
			lb, labelSource(e), scriptName(sc), k.lang, k.f.Lang, k.lang, quoteList(want))
	}
	if approvedHere {
		return
	}
	if lb == "" {
		k.add(RuleLabelApproved, e, "iAM Smart entry has no label; expected one of %s for %s (%s)", quoteList(want), process, langNote)
		return
	}
	k.add(RuleLabelApproved, e, "label %q%s is not an approved label for %s (%s); approved: %s", lb, labelSource(e), process, langNote, quoteList(want))
}

// entryLogo runs iamsmart.logo.present and iamsmart.logo.aspect.
func (k *checker) entryLogo(e *Element) {
	var logos []Image
	for _, im := range e.Images {
		if im.Visible {
			logos = append(logos, im)
		}
	}
	if len(logos) == 0 {
		k.add(RuleLogoPresent, e, "iAM Smart entry %q shows no logo; expected the iAM Smart logo (img, inline svg or background image) inside it", label(e))
		return
	}
	tol := k.p.logo.aspectTolerance
	for _, im := range logos {
		want, got, what := 0.0, 0.0, ""
		switch {
		case im.Tag == "svg":
			// an svg keeps its ratio unless preserveAspectRatio says none,
			// or the author did not set it: the guide compares with the viewBox.
			if im.ViewBoxW <= 0 || im.ViewBoxH <= 0 || im.RenderedH <= 0 {
				continue
			}
			par := strings.TrimSpace(im.PreserveAspectRatio)
			if par != "" && !strings.HasPrefix(par, "none") {
				continue
			}
			want, got, what = im.ViewBoxW/im.ViewBoxH, im.RenderedW/im.RenderedH, "viewBox"
		default:
			if im.NaturalW <= 0 || im.NaturalH <= 0 || im.RenderedW <= 0 || im.RenderedH <= 0 {
				continue
			}
			switch im.ObjectFit {
			case "contain", "cover", "none", "scale-down":
				continue // the browser keeps the ratio
			}
			want, got, what = im.NaturalW/im.NaturalH, im.RenderedW/im.RenderedH, "natural size"
		}
		if diff := math.Abs(got-want) / want; diff > tol {
			sel := im.Selector
			k.add(RuleLogoAspect, e, "logo %s is stretched: drawn %sx%s (ratio %.2f) but its %s ratio is %.2f (%.1f%% off); expected within %.0f%%",
				sel, fmtPx(im.RenderedW), fmtPx(im.RenderedH), got, what, want, diff*100, tol*100)
		}
	}
}

// entrySize runs iamsmart.button.size.
func (k *checker) entrySize(e *Element) {
	dev := k.c.Device
	if dev != DeviceMobile {
		dev = DeviceDesktop
	}
	min := k.p.button.min[dev]
	if e.Box.W+0.01 < min.W || e.Box.H+0.01 < min.H {
		k.add(RuleButtonSize, e, "iAM Smart entry %q is %sx%s CSS px; expected at least %sx%s on %s",
			label(e), fmtPx(e.Box.W), fmtPx(e.Box.H), fmtPx(min.W), fmtPx(min.H), dev)
	}
}

// prominence runs iamsmart.prominence against the other sign-in options.
func (k *checker) prominence(entry int) {
	e := &k.f.Elements[entry]
	var biggest *Element
	bigFont := 0.0
	for i := range k.f.Elements {
		o := &k.f.Elements[i]
		if i == entry || !shown(o) || !isButtonOrLink(o) || k.isEntry[i] || k.isAncestor(entry, i) || k.isAncestor(i, entry) {
			continue
		}
		if !matchesAny(k.p.prominence.signIn, o.Text, o.Name, o.Value) {
			continue
		}
		if biggest == nil || o.Box.Area() > biggest.Box.Area() {
			biggest = o
		}
		bigFont = math.Max(bigFont, fontOf(o))
	}
	if biggest == nil {
		return
	}
	ratio := k.p.prominence.minAreaRatio
	if e.Box.Area() < ratio*biggest.Box.Area() {
		k.add(RuleProminence, e, "iAM Smart entry %q is %sx%s (%s px²) but sign-in option %q (%s) is %sx%s (%s px²); expected at least %.0f%% of its area",
			label(e), fmtPx(e.Box.W), fmtPx(e.Box.H), fmtPx(e.Box.Area()), label(biggest), biggest.Selector,
			fmtPx(biggest.Box.W), fmtPx(biggest.Box.H), fmtPx(biggest.Box.Area()), ratio*100)
		return
	}
	if f := fontOf(e); f+0.01 < k.p.prominence.minFontRatio*bigFont {
		k.add(RuleProminence, e, "iAM Smart entry %q has %spx text but another sign-in option has %spx; expected at least %spx",
			label(e), fmtPx(f), fmtPx(bigFont), fmtPx(k.p.prominence.minFontRatio*bigFont))
	}
}

func fontOf(e *Element) float64 {
	if e.TextFontSize > 0 {
		return e.TextFontSize
	}
	return e.FontSize
}

func isButtonOrLink(e *Element) bool {
	switch e.Role {
	case "button", "link":
		return true
	}
	return e.Tag == "button" || (e.Tag == "a" && e.Href != "")
}

// moreInfo runs iamsmart.more-info: a link about iAM Smart near the entry.
func (k *checker) moreInfo(e *Element) {
	maxD := k.p.moreInfo.maxDistance
	nearest := math.Inf(1)
	for i := range k.f.Elements {
		o := &k.f.Elements[i]
		if !shown(o) || !o.Interactive || !matchesAny(k.p.moreInfo.patterns, o.Text, o.Name) {
			continue
		}
		nearest = math.Min(nearest, boxGap(e.Box, o.Box))
	}
	switch {
	case math.IsInf(nearest, 1):
		k.add(RuleMoreInfo, e, "no link to information about iAM Smart near entry %q; expected one (such as \"What is iAM Smart\" or 了解更多) within %spx", label(e), fmtPx(maxD))
	case nearest > maxD:
		k.add(RuleMoreInfo, e, "the link to information about iAM Smart is %spx from entry %q; expected within %spx", fmtPx(nearest), label(e), fmtPx(maxD))
	}
}

// brandSpelling runs iamsmart.brand.spelling on the page's visible text.
func (k *checker) brandSpelling() {
	text := k.f.Text
	for _, re := range k.p.brand.ignore {
		text = re.ReplaceAllStringFunc(text, func(s string) string { return strings.Repeat(" ", len(s)) })
	}
	seen := map[string]bool{}
	for _, m := range k.p.brand.find.FindAllString(text, -1) {
		// a name split over lines or elements (iAM<br>Smart, flex items)
		// is read with one space
		if slices.Contains(k.p.brand.correct, collapseSpace(m)) || seen[m] {
			continue
		}
		seen[m] = true
		e := k.textElement(m)
		k.add(RuleBrandSpelling, e, "the name is written %q; expected %s", m, quoteList(k.p.brand.correct))
	}
	// Chinese: the name stands in corner brackets.
	name, open, close := k.p.brand.chinese.name, k.p.brand.chinese.open, k.p.brand.chinese.close
	if name == "" {
		return
	}
	bare := 0
	for rest := text; ; {
		i := strings.Index(rest, name)
		if i < 0 {
			break
		}
		before, after := rest[:i], rest[i+len(name):]
		for _, s := range k.p.brand.chinese.suffixes {
			if strings.HasPrefix(after, s) {
				after = after[len(s):]
				break
			}
		}
		if !strings.HasSuffix(before, open) || !strings.HasPrefix(after, close) {
			bare++
			ctx := snippet(rest, i, len(name))
			if !seen[ctx] {
				seen[ctx] = true
				k.addSeverity(RuleBrandSpelling, k.p.brand.chinese.severity, k.textElement(ctx), "the name 智方便 stands without corner brackets in %q; expected %s%s%s", ctx, open, name, close)
			}
		}
		rest = rest[i+len(name):]
	}
}

// snippet is the text around s[i:i+n], a few characters each side, on one line.
func snippet(s string, i, n int) string {
	r := []rune(s[:i])
	start := max(0, len(r)-4)
	after := []rune(s[i+n:])
	end := min(len(after), 4)
	out := string(r[start:]) + s[i:i+n] + string(after[:end])
	return strings.TrimSpace(strings.Join(strings.Fields(out), " "))
}

// textElement finds the smallest visible element whose text holds s.
func (k *checker) textElement(s string) *Element {
	var best *Element
	for i := range k.f.Elements {
		e := &k.f.Elements[i]
		if !e.Visible || !strings.Contains(collapseSpace(e.Text), collapseSpace(s)) {
			continue
		}
		if best == nil || e.Box.Area() < best.Box.Area() {
			best = e
		}
	}
	return best
}
