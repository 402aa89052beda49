package chrome_test

import (
	"bytes"
	"testing"
)

// Clean re-runs of the same cell capture the same pixels: the same page,
// run again in a new browser context, gives byte-identical screenshots.
// Mobile form pages in Chinese are the ones whose text used to land a
// third of a device pixel apart from one run to the next.
func TestCleanRerunsCaptureSameScreens(t *testing.T) {
	src := "id: rerun\nname: Re-run\nprocess: form-filling\nsteps:\n  - goto: /form?lang=${lang}\n"
	first := map[string][]byte{}
	for round := range 5 {
		col, results := run(t, src, []string{"zh-HK", "zh-CN"}, []string{"mobile"})
		for _, res := range results {
			cell := res.Cell.String()
			steps := col.steps[cell]
			if len(steps) != 1 || len(steps[0].Screenshot) == 0 {
				t.Fatalf("round %d, %s: %s %s, %d steps", round, cell, res.Status, res.Error, len(steps))
			}
			shot := steps[0].Screenshot
			if round == 0 {
				first[cell] = shot
			} else if !bytes.Equal(shot, first[cell]) {
				t.Errorf("round %d, %s: the screenshot differs from the first run's", round, cell)
			}
		}
	}
}
