package compare

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"journeyproof"
	"journeyproof/recordings"
)

// textChanges lists what differs in the page title, the visible text of
// the iAM Smart entries (paired by selector, in order of appearance) and
// the step's status. Either step may be nil.
func textChanges(base, head *recordings.Step) []TextChange {
	var out []TextChange
	var bt, ht, bs, hs string
	var be, he []journeyproof.Entry
	if base != nil {
		bt, bs, be = collapse(base.Title), base.Status, base.Entries
	}
	if head != nil {
		ht, hs, he = collapse(head.Title), head.Status, head.Entries
	}
	if base != nil && head != nil && bs != hs {
		out = append(out, TextChange{Field: "status", Before: bs, After: hs})
	}
	if bt != ht {
		out = append(out, TextChange{Field: "title", Before: bt, After: ht})
	}
	used := make([]bool, len(he))
	for _, b := range be {
		after, sel := "", b.Selector
		for i, h := range he {
			if !used[i] && h.Selector == b.Selector {
				used[i], after = true, collapse(h.Text)
				break
			}
		}
		if before := collapse(b.Text); before != after {
			out = append(out, TextChange{Field: "entry", Selector: sel, Before: before, After: after})
		}
	}
	for i, h := range he {
		if !used[i] && collapse(h.Text) != "" {
			out = append(out, TextChange{Field: "entry", Selector: h.Selector, After: collapse(h.Text)})
		}
	}
	return out
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// diffFindings sorts the findings of a step pair into new, resolved and
// unchanged: a base and a head finding are the same when they have the
// same rule and selector, or else the same rule and message.
func diffFindings(base, head []recordings.FindingRow) FindingDiff {
	d := FindingDiff{New: []FindingInfo{}, Resolved: []FindingInfo{}, Unchanged: []FindingInfo{}}
	bUsed := make([]bool, len(base))
	hUsed := make([]bool, len(head))
	match := func(same func(b, h *recordings.FindingRow) bool) {
		for i := range head {
			if hUsed[i] {
				continue
			}
			for j := range base {
				if !bUsed[j] && same(&base[j], &head[i]) {
					bUsed[j], hUsed[i] = true, true
					d.Unchanged = append(d.Unchanged, findingInfo(&head[i]))
					break
				}
			}
		}
	}
	match(func(b, h *recordings.FindingRow) bool {
		return b.Rule == h.Rule && b.Selector != "" && b.Selector == h.Selector
	})
	match(func(b, h *recordings.FindingRow) bool { return b.Rule == h.Rule && b.Message == h.Message })
	for i := range head {
		if !hUsed[i] {
			d.New = append(d.New, findingInfo(&head[i]))
		}
	}
	for j := range base {
		if !bUsed[j] {
			d.Resolved = append(d.Resolved, findingInfo(&base[j]))
		}
	}
	return d
}

func findingInfo(f *recordings.FindingRow) FindingInfo {
	return FindingInfo{Rule: f.Rule, Severity: f.Severity, Message: f.Message, Selector: f.Selector,
		Box: f.Box, Waived: f.Waived, Crop: f.CropSHA}
}

// newErrors counts the new findings of severity error that are not waived.
func (d FindingDiff) newErrors() int {
	n := 0
	for _, f := range d.New {
		if f.Severity == "error" && !f.Waived {
			n++
		}
	}
	return n
}

// findingsByStep groups a run's findings by step index.
func findingsByStep(r *recordings.Run) map[int][]recordings.FindingRow {
	out := map[int][]recordings.FindingRow{}
	if r == nil {
		return out
	}
	for _, f := range r.Findings {
		out[f.StepIndex] = append(out[f.StepIndex], f)
	}
	return out
}

// pathSequence is the run's sequence of step URLs reduced to their paths:
// the host is left out when it is the run's base URL's host, query keys are
// kept (sorted) without their values, and repeats are collapsed.
func pathSequence(r *recordings.Run) []string {
	out := []string{}
	if r == nil {
		return out
	}
	var baseHost string
	if u, err := url.Parse(r.BaseURL); err == nil {
		baseHost = u.Host
	}
	for _, s := range r.Steps {
		p := urlPath(s.URL, baseHost)
		if p == "" || (len(out) > 0 && out[len(out)-1] == p) {
			continue
		}
		out = append(out, p)
	}
	return out
}

func urlPath(raw, baseHost string) string {
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return raw
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.Host != "" && u.Host != baseHost && !isLoopback(u.Hostname()) {
		p = u.Scheme + "://" + u.Host + p
	}
	if q := u.Query(); len(q) > 0 {
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		p += "?" + strings.Join(keys, "&")
	}
	return p
}

// isLoopback tells a local test server's host, whose port changes from run
// to run.
func isLoopback(host string) bool {
	return host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1"
}

func itoa(n int) string { return strconv.Itoa(n) }

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', 4, 64) }
