package compare

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/recordings"
)

// steps makes step rows from "id:name" ("name" alone for a step without
// an id).
func steps(specs ...string) []recordings.Step {
	out := make([]recordings.Step, len(specs))
	for i, s := range specs {
		id, name, ok := strings.Cut(s, ":")
		if !ok {
			id, name = "", s
		}
		out[i] = recordings.Step{Index: i, StepID: id, Name: name}
	}
	return out
}

// describe renders pairs as "base>head" positions (1-based, - for none),
// with * for a reordered pair.
func describe(pairs []StepPair) string {
	var parts []string
	for _, p := range pairs {
		b, h := "-", "-"
		if p.Base != nil {
			b = fmt.Sprint(p.Base.Index + 1)
		}
		if p.Head != nil {
			h = fmt.Sprint(p.Head.Index + 1)
		}
		s := b + ">" + h
		if p.Reordered {
			s += "*"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func TestPairSteps(t *testing.T) {
	for _, tc := range []struct {
		name       string
		base, head []string
		want       string
	}{
		{"same", []string{"a:A", "b:B", "c:C"}, []string{"a:A", "b:B", "c:C"}, "1>1 2>2 3>3"},
		{"added in the middle", []string{"a:A", "c:C"}, []string{"a:A", "b:B", "c:C"}, "1>1 ->2 2>3"},
		{"removed in the middle", []string{"a:A", "b:B", "c:C"}, []string{"a:A", "c:C"}, "1>1 2>- 3>2"},
		{"removed first", []string{"x:X", "a:A"}, []string{"a:A"}, "1>- 2>1"},
		{"removed last", []string{"a:A", "x:X"}, []string{"a:A"}, "1>1 2>-"},
		{"replaced", []string{"a:A", "b:B", "c:C"}, []string{"a:A", "x:X", "c:C"}, "1>1 2>- ->2 3>3"},
		{"moved up", []string{"a:A", "b:B", "c:C", "d:D"}, []string{"a:A", "d:D", "b:B", "c:C"}, "1>1 4>2* 2>3 3>4"},
		{"swapped", []string{"a:A", "b:B"}, []string{"b:B", "a:A"}, "2>1* 1>2"},
		{"renamed step keeps its id", []string{"a:A", "b:Old name"}, []string{"a:A", "b:New name"}, "1>1 2>2"},
		{"no ids: position and name", []string{"Open", "Click", "Done"}, []string{"Open", "Click", "Done"}, "1>1 2>2 3>3"},
		{"no ids: inserted step, then by name", []string{"Open", "Click", "Done"}, []string{"Open", "Accept cookies", "Click", "Done"}, "1>1 ->2 2>3 3>4"},
		{"no ids: renamed at the same position", []string{"Open", "Click"}, []string{"Open", "Press"}, "1>1 2>- ->2"},
		{"repeated names pair in order", []string{"Wait", "Click", "Wait"}, []string{"Click", "Wait", "Wait"}, "2>1* 1>2 3>3"},
		{"empty base", nil, []string{"a:A"}, "->1"},
		{"empty head", []string{"a:A"}, nil, "1>-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := describe(PairSteps(steps(tc.base...), steps(tc.head...)))
			if got != tc.want {
				t.Errorf("PairSteps(%v, %v) = %q, want %q", tc.base, tc.head, got, tc.want)
			}
		})
	}
}

// The report of a run pair counts the pairing's added, removed and
// reordered steps, and fails the comparison.
func TestStepFlowInReport(t *testing.T) {
	mk := func(release string, specs ...string) *recordings.Run {
		return &recordings.Run{Release: release, JourneyID: "j", Lang: "en", Device: "desktop", Status: journeyproof.StatusPassed, Steps: steps(specs...)}
	}
	rd, jobs := diffRun(mk("1", "a:A", "b:B", "c:C", "d:D"), mk("2", "a:A", "c:C", "b:B", "e:E"))
	if len(jobs) != 0 {
		t.Fatalf("%d visual diffs for steps without screenshots", len(jobs))
	}
	finishRun(&rd, Limit{})
	if rd.Status != StatusChanged || rd.StepsAdded != 1 || rd.StepsRemoved != 1 || rd.StepsReordered != 1 {
		t.Errorf("run diff: status %s, added %d, removed %d, reordered %d; want changed, 1, 1, 1", rd.Status, rd.StepsAdded, rd.StepsRemoved, rd.StepsReordered)
	}
	var got []string
	for _, s := range rd.Steps {
		got = append(got, s.Key+"="+string(s.Status))
	}
	want := []string{"id:a=unchanged", "id:c=changed", "id:b=unchanged", "id:d=removed", "id:e=added"}
	if !slices.Equal(got, want) {
		t.Errorf("steps %v, want %v", got, want)
	}
	if s := summarise([]RunDiff{rd}); !s.Failed {
		t.Errorf("summary %+v does not fail on a changed flow", s)
	}
}

func TestPairRuns(t *testing.T) {
	at := func(min int) time.Time { return time.Date(2026, 1, 1, 10, min, 0, 0, time.UTC) }
	run := func(id uint, journey, lang, device, status string, min int) recordings.Run {
		return recordings.Run{ID: id, JourneyID: journey, Lang: lang, Device: device, Status: status, StartedAt: at(min)}
	}
	// Each side is the run of each cell (Store.CellRuns picks it; its
	// rule is tested in package recordings).
	base := []recordings.Run{
		run(2, "login", "en", "desktop", "failed", 5),
		run(3, "login", "zh-HK", "desktop", "passed", 1),
		run(4, "sign", "en", "mobile", "passed", 1), // removed
	}
	head := []recordings.Run{
		run(13, "form", "en", "desktop", "running", 20), // added
		run(10, "login", "en", "desktop", "passed", 20),
		run(12, "login", "zh-HK", "desktop", "passed", 20),
	}
	got := pairIDs(base, head)
	want := []string{"form/en/desktop 0>13", "login/en/desktop 2>10", "login/zh-HK/desktop 3>12", "sign/en/mobile 4>0"}
	if !slices.Equal(got, want) {
		t.Errorf("PairRuns = %v, want %v", got, want)
	}
}

// pairIDs is PairRuns(base, head) written "cell base>head", 0 for a
// missing side.
func pairIDs(base, head []recordings.Run) []string {
	var got []string
	for _, p := range PairRuns(base, head) {
		var b, h uint
		if p.Base != nil {
			b = p.Base.ID
		}
		if p.Head != nil {
			h = p.Head.ID
		}
		got = append(got, fmt.Sprintf("%s %d>%d", p.Cell, b, h))
	}
	return got
}

func TestTextChanges(t *testing.T) {
	entry := func(sel, text string) journeyproof.Entry { return journeyproof.Entry{Selector: sel, Text: text} }
	for _, tc := range []struct {
		name       string
		base, head recordings.Step
		want       []TextChange
	}{
		{"same after collapsing space",
			recordings.Step{Title: "Log in", Status: "passed", Entries: []journeyproof.Entry{entry("#a", "Log in with\n  iAM Smart")}},
			recordings.Step{Title: "Log in ", Status: "passed", Entries: []journeyproof.Entry{entry("#a", "Log in with iAM Smart")}}, nil},
		{"label and title",
			recordings.Step{Title: "Log in", Status: "passed", Entries: []journeyproof.Entry{entry("#a", "Log in with iAM Smart")}},
			recordings.Step{Title: "Sign in", Status: "passed", Entries: []journeyproof.Entry{entry("#a", "Login by iAM Smart")}},
			[]TextChange{{Field: "title", Before: "Log in", After: "Sign in"}, {Field: "entry", Selector: "#a", Before: "Log in with iAM Smart", After: "Login by iAM Smart"}}},
		{"entry gone and new",
			recordings.Step{Status: "passed", Entries: []journeyproof.Entry{entry("#a", "A")}},
			recordings.Step{Status: "passed", Entries: []journeyproof.Entry{entry("#b", "B")}},
			[]TextChange{{Field: "entry", Selector: "#a", Before: "A"}, {Field: "entry", Selector: "#b", After: "B"}}},
		{"status",
			recordings.Step{Status: "passed"}, recordings.Step{Status: "failed"},
			[]TextChange{{Field: "status", Before: "passed", After: "failed"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := textChanges(&tc.base, &tc.head); !slices.Equal(got, tc.want) {
				t.Errorf("textChanges = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestDiffFindings(t *testing.T) {
	f := func(rule, sel, msg string) recordings.FindingRow {
		return recordings.FindingRow{Finding: journeyproof.Finding{Rule: rule, Severity: "error", Selector: sel, Message: msg}}
	}
	rules := func(fs []FindingInfo) string {
		var s []string
		for _, f := range fs {
			s = append(s, f.Rule+"@"+f.Selector)
		}
		return strings.Join(s, ",")
	}
	for _, tc := range []struct {
		name                      string
		base, head                []recordings.FindingRow
		newF, resolved, unchanged string
	}{
		{"same rule and selector, message differs",
			[]recordings.FindingRow{f("a11y.contrast", "#x", "2.1:1")}, []recordings.FindingRow{f("a11y.contrast", "#x", "2.3:1")}, "", "", "a11y.contrast@#x"},
		{"selector changed, same message",
			[]recordings.FindingRow{f("a11y.name", "#old", "button has no name")}, []recordings.FindingRow{f("a11y.name", "#new", "button has no name")}, "", "", "a11y.name@#new"},
		{"new and resolved",
			[]recordings.FindingRow{f("a11y.name", "#x", "m1")}, []recordings.FindingRow{f("iamsmart.label.approved", "#iamsmart-login", "m2")},
			"iamsmart.label.approved@#iamsmart-login", "a11y.name@#x", ""},
		{"two of a rule, one gone",
			[]recordings.FindingRow{f("a11y.contrast", "#a", "m"), f("a11y.contrast", "#b", "m")}, []recordings.FindingRow{f("a11y.contrast", "#b", "m")},
			"", "a11y.contrast@#a", "a11y.contrast@#b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := diffFindings(tc.base, tc.head)
			if got := rules(d.New); got != tc.newF {
				t.Errorf("new = %q, want %q", got, tc.newF)
			}
			if got := rules(d.Resolved); got != tc.resolved {
				t.Errorf("resolved = %q, want %q", got, tc.resolved)
			}
			if got := rules(d.Unchanged); got != tc.unchanged {
				t.Errorf("unchanged = %q, want %q", got, tc.unchanged)
			}
		})
	}
	waived := recordings.FindingRow{Finding: journeyproof.Finding{Rule: "r", Severity: "error", Waived: true}}
	warning := recordings.FindingRow{Finding: journeyproof.Finding{Rule: "w", Severity: "warning"}}
	if n := diffFindings(nil, []recordings.FindingRow{waived, warning, f("e", "#e", "")}).newErrors(); n != 1 {
		t.Errorf("new errors = %d, want 1 (waived and warnings do not count)", n)
	}
}

func TestPathSequence(t *testing.T) {
	r := &recordings.Run{BaseURL: "http://127.0.0.1:4321", Steps: []recordings.Step{
		{URL: "http://127.0.0.1:4321/login?lang=en"},
		{URL: "http://127.0.0.1:4321/login?lang=en"},
		{URL: "http://127.0.0.1:4321/iamsmart/authorize?state=abc&clientID=x&lang=en-US"},
		{URL: "http://127.0.0.1:4321/account"},
		{URL: "https://idp.example.gov.hk/authorize?state=zzz"},
	}}
	want := []string{"/login?lang", "/iamsmart/authorize?clientID&lang&state", "/account", "https://idp.example.gov.hk/authorize?state"}
	if got := pathSequence(r); !slices.Equal(got, want) {
		t.Errorf("pathSequence = %q, want %q", got, want)
	}
}

func TestLimitOver(t *testing.T) {
	for _, tc := range []struct {
		limit Limit
		v     Visual
		want  bool
	}{
		{Limit{}, Visual{DiffPixels: 0}, false},
		{Limit{}, Visual{DiffPixels: 1, Ratio: 1e-6}, true},
		{Limit{MaxDiffPixels: 10}, Visual{DiffPixels: 10}, false},
		{Limit{MaxDiffPixels: 10}, Visual{DiffPixels: 11}, true},
		{Limit{MaxDiffRatio: 0.01}, Visual{DiffPixels: 500, Ratio: 0.01}, false},
		{Limit{MaxDiffRatio: 0.01}, Visual{DiffPixels: 501, Ratio: 0.0101}, true},
		{Limit{MaxDiffPixels: 1000}, Visual{SizeChanged: true}, true},
	} {
		if got := tc.limit.Over(&tc.v); got != tc.want {
			t.Errorf("%s over %+v = %v, want %v", tc.limit, tc.v, got, tc.want)
		}
	}
}
