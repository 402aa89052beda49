package verifier

import (
	"fmt"
	"math"
	"strings"
	"unicode"

	"journeyproof"
)

// Context is what the verifier knows about the step it checks.
type Context struct {
	Process string // authentication, form-filling, signing or other ("" is other)
	Lang    string // the cell's language: en, zh-HK or zh-CN
	Device  string // desktop or mobile ("" is desktop)
	Trigger bool   // the step is marked trigger: it must offer an iAM Smart entry
}

// Entry is an iAM Smart entry point found on a page.
type Entry struct {
	Selector string           `json:"selector"`
	Text     string           `json:"text"` // visible label
	Name     string           `json:"name"` // accessible name
	Box      journeyproof.Box `json:"box"`
}

// Result is what CheckPage found on one page.
type Result struct {
	Findings []journeyproof.Finding `json:"findings"`
	Entries  []Entry                `json:"entries"`
}

// checker holds one CheckPage call.
type checker struct {
	p    *Pack
	f    *PageFacts
	c    Context
	lang string // the page language for label checks: en, zh-HK, zh-CN or ""
	res  Result

	isEntry map[int]bool // element indexes of the iAM Smart entries

}

// CheckPage runs the pack's page rules on what the probe saw.
func (p *Pack) CheckPage(f *PageFacts, c Context) Result {
	if f == nil {
		return Result{}
	}
	k := &checker{p: p, f: f, c: c, lang: p.pageLang(f.Lang, c.Lang)}
	k.entries()
	k.brandSpelling()
	k.contrast()
	k.names()
	k.targetSize()
	k.formLabels()
	k.imageAlt()
	return k.res
}

// add records a finding for rule on element e (nil for the page).
func (k *checker) add(rule string, e *Element, format string, args ...any) {
	k.addSeverity(rule, "", e, format, args...)
}

func (k *checker) addSeverity(rule, severity string, e *Element, format string, args ...any) {
	sev := k.p.severity(rule)
	if sev == SeverityOff {
		return
	}
	if severity != "" {
		sev = severity
	}
	if sev == SeverityOff {
		return
	}
	f := journeyproof.Finding{Rule: rule, Severity: sev, Message: fmt.Sprintf(format, args...)}
	if e != nil {
		f.Selector, f.Box = e.Selector, e.Box
	}
	k.res.Findings = append(k.res.Findings, f)
}

// pageLang maps the page's lang attribute to a cell language, falling back
// to the cell's language when the attribute is missing or unknown.
func (p *Pack) pageLang(attr, cell string) string {
	a := strings.ToLower(strings.TrimSpace(attr))
	if a != "" {
		for _, l := range cellLangs() {
			for _, v := range p.languages[l] {
				if a == v {
					return l
				}
			}
		}
	}
	for _, l := range cellLangs() {
		if strings.EqualFold(cell, l) {
			return l
		}
	}
	return ""
}

func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

func quoteList(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

// matchesAny reports whether any pattern matches any of the texts.
func matchesAny[R interface{ MatchString(string) bool }](patterns []R, texts ...string) bool {
	for _, t := range texts {
		if t == "" {
			continue
		}
		for _, re := range patterns {
			if re.MatchString(t) {
				return true
			}
		}
	}
	return false
}

// label is the visible label of an element: its visible text, else its
// accessible name (an image-only button).
func label(e *Element) string {
	if t := collapseSpace(e.Text); t != "" {
		return t
	}
	if e.Tag == "input" && e.Value != "" {
		return collapseSpace(e.Value)
	}
	return collapseSpace(e.Name)
}

// labelSource says where label(e) read the label, for the label rules'
// messages: " (visible text)", with the accessible name when it differs
// (CSS text-transform, an aria-label), " (value)" of an input, or
// " (accessible name: no visible text)" for an image-only entry (an img's
// alt, an svg's <title>).
func labelSource(e *Element) string {
	if t := collapseSpace(e.Text); t != "" {
		if n := collapseSpace(e.Name); n != "" && n != t {
			return fmt.Sprintf(" (visible text; accessible name %q)", n)
		}
		return " (visible text)"
	}
	if e.Tag == "input" && e.Value != "" {
		return " (value)"
	}
	return " (accessible name: no visible text)"
}

// shown reports whether an element is visible and exposed, which is what the
// a11y rules consider.
func shown(e *Element) bool { return e.Visible && !e.AriaHidden }

// isAncestor reports whether element a is an ancestor of element b.
func (k *checker) isAncestor(a, b int) bool {
	for i := k.f.Elements[b].Parent; i >= 0 && i < len(k.f.Elements); i = k.f.Elements[i].Parent {
		if i == a {
			return true
		}
	}
	return false
}

// boxGap is the distance between two boxes (0 when they touch or overlap).
func boxGap(a, b journeyproof.Box) float64 {
	dx := math.Max(0, math.Max(a.X-(b.X+b.W), b.X-(a.X+a.W)))
	dy := math.Max(0, math.Max(a.Y-(b.Y+b.H), b.Y-(a.Y+a.H)))
	return math.Hypot(dx, dy)
}

func fmtPx(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", v), "0"), ".")
}

// ---- scripts ----------------------------------------------------------------

// script names the writing of a label: "en" (Latin letters only), "zh-HK"
// (traditional characters), "zh-CN" (simplified characters), "zh" (Chinese
// without characters that tell the scripts apart), "mixed" or "".
func (p *Pack) script(s string) string {
	han, latin, trad, simp := false, false, false, false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			han = true
			trad = trad || p.scripts.traditional[r]
			simp = simp || p.scripts.simplified[r]
		case unicode.IsLetter(r) && r < 0x250:
			latin = true
		}
	}
	switch {
	case !han && latin:
		return LangEN
	case !han:
		return ""
	case trad && simp:
		return "mixed"
	case trad:
		return LangZHHK
	case simp:
		return LangZHCN
	}
	return "zh"
}

// scriptFits reports whether a label written in script fits a page in lang.
func scriptFits(script, lang string) bool {
	switch {
	case script == "" || lang == "":
		return true
	case lang == LangEN:
		return script == LangEN
	case script == "zh":
		return true
	}
	return script == lang
}

func scriptName(s string) string {
	switch s {
	case LangEN:
		return "English"
	case LangZHHK:
		return "Traditional Chinese"
	case LangZHCN:
		return "Simplified Chinese"
	case "mixed":
		return "mixed Traditional and Simplified Chinese"
	}
	return "Chinese"
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
