package recorder

import (
	"regexp"
	"strings"

	"journeyproof/journeys/chrome"
)

// choice is the selector picked for a step.
type choice struct {
	// Selector is what the journey runs ("" when no alternative is usable).
	Selector string
	// Label is the element's name or text when the recording gives one.
	Label string
	// LangDependent is set when the selector is a name or text, which
	// changes with the page's language.
	LangDependent bool
	// Others are the other recorded alternatives, as recorded.
	Others []string
}

var (
	idCSS       = regexp.MustCompile(`^[a-zA-Z]*#(-?[_a-zA-Z][\w-]*)$`)
	dataAttrCSS = regexp.MustCompile(`^[a-zA-Z]*\[data-[\w-]+(?:[~|^$*]?=(?:"[^"]*"|'[^']*'|[\w-]+))?\]$`)
	attrCSS     = regexp.MustCompile(`^[a-zA-Z]*(?:\[[\w-]+(?:[~|^$*]?=(?:"[^"]*"|'[^']*'|[\w-]+))?\])+$`)
	classCSS    = regexp.MustCompile(`^[a-zA-Z]*(?:\.[_a-zA-Z][\w-]*)+$`)
	idXPath     = regexp.MustCompile(`^//\*\[@id=(?:"([^"]+)"|'([^']+)')\]$`)
	// An id with a run of digits or a long hex run is likely made by a
	// framework at each render (ember123, react-select-2-input, a1b2c3d4e5).
	generatedID = regexp.MustCompile(`\d{3,}|[0-9a-f]{8,}|^(ember|react|ng-|mui-|:r)`)
)

// rank scores a recorded selector by how stable it is (lower is better)
// and returns the form the runner takes; ok is false when the runner
// cannot use it.
func rank(sel string) (score int, runnable string, ok bool) {
	switch {
	case strings.HasPrefix(sel, "aria/"):
		name, _ := chrome.ParseARIASelector(sel)
		if name == "" {
			return 0, "", false
		}
		return 20, sel, true
	case strings.HasPrefix(sel, "text/"):
		if strings.TrimSpace(strings.TrimPrefix(sel, "text/")) == "" {
			return 0, "", false
		}
		return 40, sel, true
	case strings.HasPrefix(sel, "xpath/"):
		x := strings.TrimPrefix(sel, "xpath/")
		if m := idXPath.FindStringSubmatch(x); m != nil {
			id := m[1] + m[2]
			if cssIdent(id) && !generatedID.MatchString(id) {
				return 15, "#" + id, true
			}
			return 36, x, true
		}
		return 60, x, true
	case strings.HasPrefix(sel, "pierce/"):
		s, r, ok := rankCSS(strings.TrimPrefix(sel, "pierce/"))
		return s + 30, r, ok
	}
	return rankCSS(sel)
}

func rankCSS(css string) (int, string, bool) {
	css = strings.TrimSpace(css)
	if css == "" {
		return 0, "", false
	}
	if m := idCSS.FindStringSubmatch(css); m != nil {
		if generatedID.MatchString(m[1]) {
			return 35, css, true
		}
		return 10, css, true
	}
	switch {
	case dataAttrCSS.MatchString(css):
		return 10, css, true
	case attrCSS.MatchString(css):
		return 30, css, true
	case classCSS.MatchString(css):
		return 45, css, true
	}
	return 50, css, true
}

var identRE = regexp.MustCompile(`^-?[_a-zA-Z][\w-]*$`)

func cssIdent(s string) bool { return identRE.MatchString(s) }

// choose picks the most stable usable selector of a step.
func choose(s *Step) choice {
	var c choice
	best, chosen := 1<<30, ""
	for _, alt := range s.alternatives() {
		score, runnable, ok := rank(alt)
		if ok && score < best {
			best, c.Selector, chosen = score, runnable, alt
		}
	}
	for _, alt := range s.alternatives() {
		switch {
		case strings.HasPrefix(alt, "aria/") && c.Label == "":
			c.Label, _ = chrome.ParseARIASelector(alt)
		case strings.HasPrefix(alt, "text/") && c.Label == "":
			c.Label = strings.TrimSpace(strings.TrimPrefix(alt, "text/"))
		}
	}
	c.LangDependent = strings.HasPrefix(c.Selector, "aria/") || strings.HasPrefix(c.Selector, "text/")
	for _, alt := range s.allSelectors() {
		if alt != chosen {
			c.Others = append(c.Others, alt)
		}
	}
	return c
}

var selectTag = regexp.MustCompile(`(^|[\s>+~/(])select($|[#.\[:\s>)])`)

// isSelect reports whether a recorded CSS or XPath selector names a select
// element.
func isSelect(sels []string) bool {
	for _, s := range sels {
		if strings.HasPrefix(s, "aria/") || strings.HasPrefix(s, "text/") {
			continue
		}
		s = strings.TrimPrefix(strings.TrimPrefix(s, "pierce/"), "xpath/")
		if selectTag.MatchString(s) {
			return true
		}
	}
	return false
}
