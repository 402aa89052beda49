package main

import (
	"bytes"
	"image/png"
	"math"
	"testing"

	"journeyproof"
	"journeyproof/journeys"
)

// TestFindingCropsShowTheirElements runs a step on a sandbox page with two
// defects on a 3x mobile screen: each finding with a box gets its own crop
// of the full-page screenshot, and the crop shows the element's pixels at
// the box.
func TestFindingCropsShowTheirElements(t *testing.T) {
	shared.Need(t)
	j := &journeys.Journey{ID: "crops", Name: "crops", Process: journeyproof.ProcessAuthentication,
		Steps:  []journeys.Step{{Name: "load", Action: journeys.ActGoto, Value: "/login?lang=en&defects=small-button,brand-spelling", Trigger: true}},
		Matrix: journeys.Matrix{Languages: []string{"en"}, Devices: []string{"mobile"}}}
	results, steps := runJourneys(t, true, nil, j)
	if res := results[0]; res.Status != journeyproof.StatusPassed {
		t.Fatalf("run: %s", res.Error)
	}
	step := steps[j.ID][0]
	full, err := png.Decode(bytes.NewReader(step.FullPage))
	if err != nil {
		t.Fatalf("full-page screenshot: %v", err)
	}
	scale := results[0].Cell.Device.Scale
	boxes := map[journeyproof.Box]bool{}
	for _, f := range step.Findings {
		if f.Box.W == 0 || f.Box.H == 0 {
			continue
		}
		boxes[f.Box] = true
		if len(f.Crop) == 0 {
			t.Errorf("%s at %+v: no crop", f.Rule, f.Box)
			continue
		}
		crop, err := png.Decode(bytes.NewReader(f.Crop))
		if err != nil {
			t.Fatalf("%s: crop: %v", f.Rule, err)
		}
		// The crop starts 24 CSS px above and left of the box (clamped at
		// the page's edge); a few points inside the box are the page's.
		pad := math.Round(24 * scale)
		x0, y0 := math.Max(0, math.Floor(f.Box.X*scale)-pad), math.Max(0, math.Floor(f.Box.Y*scale)-pad)
		for _, p := range [][2]float64{{0.5, 0.5}, {0.25, 0.5}, {0.75, 0.5}} {
			fx, fy := int((f.Box.X+f.Box.W*p[0])*scale), int((f.Box.Y+f.Box.H*p[1])*scale)
			want, got := full.At(fx, fy), crop.At(fx-int(x0), fy-int(y0))
			wr, wg, wb, _ := want.RGBA()
			gr, gg, gb, _ := got.RGBA()
			if wr != gr || wg != gg || wb != gb {
				t.Errorf("%s: crop pixel at %v of the box is %v, the page's is %v", f.Rule, p, got, want)
			}
		}
	}
	if len(boxes) < 2 {
		t.Fatalf("findings on %d boxes, want at least 2: %+v", len(boxes), step.Findings)
	}
}
