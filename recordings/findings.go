package recordings

import (
	"math"
	"sort"
)

// FindingGroup is one finding as people count it: the same rule on the
// same element of an unchanged screen is one finding, however many steps
// showed it. Finding is its first occurrence; Steps are the indexes of
// every step it appears on.
type FindingGroup struct {
	FindingRow
	Steps []int
}

// GroupFindings joins the findings of a run that repeat on an unchanged
// screen: a finding on step i is the one on step i-1 when both name the
// same rule, element, message and waiver, and step i shows the same page
// (the same URL) with the same screenshot or with the element in the same
// place. That is the case of a trigger step photographed before its click,
// which shows the screen of the step before.
func GroupFindings(steps []Step, findings []FindingRow) []FindingGroup {
	byIndex := map[int]*Step{}
	for i := range steps {
		byIndex[steps[i].Index] = &steps[i]
	}
	unchanged := func(a, b int, fa, fb *FindingRow) bool {
		sa, sb := byIndex[a], byIndex[b]
		if sa == nil || sb == nil || b != a+1 || sa.URL != sb.URL {
			return false
		}
		if sa.ScreenshotSHA != "" && sa.ScreenshotSHA == sb.ScreenshotSHA {
			return true
		}
		return math.Abs(fa.Box.X-fb.Box.X) < 1 && math.Abs(fa.Box.Y-fb.Box.Y) < 1 && math.Abs(fa.Box.W-fb.Box.W) < 1 && math.Abs(fa.Box.H-fb.Box.H) < 1
	}
	findings = append([]FindingRow(nil), findings...)
	sort.SliceStable(findings, func(a, b int) bool { return findings[a].StepIndex < findings[b].StepIndex })
	var out []FindingGroup
	type key struct {
		rule, sel, msg string
		waived         bool
	}
	open := map[key]int{} // the group a finding may still join, by key
	last := map[int]FindingRow{}
	for _, f := range findings {
		k := key{f.Rule, f.Selector, f.Message, f.Waived}
		if i, ok := open[k]; ok {
			g := &out[i]
			prev := g.Steps[len(g.Steps)-1]
			lf := last[i]
			if f.StepIndex == prev {
				// The same finding twice on one step stays one.
				continue
			}
			if unchanged(prev, f.StepIndex, &lf, &f) {
				g.Steps = append(g.Steps, f.StepIndex)
				last[i] = f
				continue
			}
		}
		open[k] = len(out)
		last[len(out)] = f
		out = append(out, FindingGroup{FindingRow: f, Steps: []int{f.StepIndex}})
	}
	return out
}

// CountFindings counts a run's findings once each (GroupFindings): the
// errors and warnings that are not waived, and the waived ones.
func CountFindings(steps []Step, findings []FindingRow) (errs, warns, waived int) {
	for _, g := range GroupFindings(steps, findings) {
		switch {
		case g.Waived:
			waived++
		case g.Severity == "error":
			errs++
		default:
			warns++
		}
	}
	return errs, warns, waived
}
