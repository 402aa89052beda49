package recordings

import (
	"reflect"
	"testing"

	"journeyproof"
)

func TestGroupFindings(t *testing.T) {
	steps := []Step{
		{Index: 0, URL: "http://s/login", ScreenshotSHA: "a"},
		{Index: 1, URL: "http://s/login", ScreenshotSHA: "a"}, // the trigger, photographed before its click
		{Index: 2, URL: "http://s/login", ScreenshotSHA: "b"}, // same page, something else changed
		{Index: 3, URL: "http://s/account", ScreenshotSHA: "c"},
	}
	label := func(step int, x float64) FindingRow {
		return FindingRow{StepIndex: step, Finding: journeyproof.Finding{Rule: "iamsmart.label.approved", Severity: "error", Selector: "#iam", Message: "label", Box: journeyproof.Box{X: x, Y: 10, W: 100, H: 40}}}
	}
	tests := []struct {
		name     string
		findings []FindingRow
		want     [][]int // steps of each group
		errs     int
	}{
		{"same screen twice is one", []FindingRow{label(0, 5), label(1, 5)}, [][]int{{0, 1}}, 1},
		{"same element in the same place on a changed screenshot of the same page is one", []FindingRow{label(1, 5), label(2, 5)}, [][]int{{1, 2}}, 1},
		{"the element moved on a changed screen: two", []FindingRow{label(1, 5), label(2, 80)}, [][]int{{1}, {2}}, 2},
		{"another page: two", []FindingRow{label(2, 5), label(3, 5)}, [][]int{{2}}, 1},
		{"not consecutive: two", []FindingRow{label(0, 5), label(2, 5)}, [][]int{{0}, {2}}, 2},
		{"three in a row, given out of order", []FindingRow{label(2, 5), label(0, 5), label(1, 5)}, [][]int{{0, 1, 2}}, 1},
		{"another rule stays apart", []FindingRow{label(0, 5), {StepIndex: 1, Finding: journeyproof.Finding{Rule: "a11y.contrast", Severity: "warning", Selector: "#iam"}}}, [][]int{{0}, {1}}, 1},
	}
	// "another page": step 3's finding is on another URL, so it is its own group.
	tests[3].want = [][]int{{2}, {3}}
	tests[3].errs = 2
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got [][]int
			for _, g := range GroupFindings(steps, tc.findings) {
				got = append(got, g.Steps)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("groups %v, want %v", got, tc.want)
			}
			if errs, _, _ := CountFindings(steps, tc.findings); errs != tc.errs {
				t.Errorf("%d errors, want %d", errs, tc.errs)
			}
		})
	}
}
