package engine

import (
	"context"
	"fmt"
	"math"

	"journeyproof"
	"journeyproof/journeys"
	"journeyproof/journeys/chrome"
	"journeyproof/recordings"
	"journeyproof/verifier"
)

// Checker adapts the verifier to the runner's chrome.Checker: it probes
// each step's screen, applies the rule pack, crops the screenshot around
// each finding, and checks the request a trigger sends. It is also a
// chrome.ScreenWaiter.
type Checker struct {
	Pack  *verifier.Pack
	Store *recordings.Store // for the states of earlier runs; may be nil
}

func vcontext(cell journeys.Cell, step *journeys.Step) verifier.Context {
	return verifier.Context{Process: cell.Journey.Process, Lang: cell.Lang, Device: deviceKind(cell.Device), Trigger: step != nil && step.Trigger}
}

// deviceKind maps a device profile to the verifier's desktop or mobile.
func deviceKind(d journeyproof.Device) string {
	if d.Mobile {
		return "mobile"
	}
	return "desktop"
}

// CheckScreen probes the screen in the runner's isolated world (closed
// shadow roots and other processes' frames included) and applies the
// rule pack; each finding with a box gets its crop of the full page.
func (c *Checker) CheckScreen(ctx context.Context, in chrome.ScreenInput) (chrome.ScreenCheck, error) {
	facts, err := verifier.ProbeIn(ctx, Pierced{in.World})
	if err != nil {
		return chrome.ScreenCheck{}, err
	}
	res := c.Pack.CheckPage(facts, vcontext(in.Cell, in.Step))
	out := chrome.ScreenCheck{Findings: res.Findings}
	// Boxes are in document coordinates, as the full-page screenshot.
	var boxes []journeyproof.Box
	var at []int
	for i, f := range res.Findings {
		if f.Box.W > 0 && f.Box.H > 0 {
			boxes, at = append(boxes, f.Box), append(at, i)
		}
	}
	if len(in.FullPage) > 0 && len(boxes) > 0 {
		// A box it cannot crop gets none.
		crops, _ := verifier.Crops(in.FullPage, in.Cell.Device.Scale, boxes)
		for k, crop := range crops {
			out.Findings[at[k]].Crop = crop
		}
	}
	for _, e := range res.Entries {
		out.Entries = append(out.Entries, journeyproof.Entry{Selector: e.Selector, Text: e.Text, Box: e.Box})
	}
	return out, nil
}

// ScreenReady says whether a screen can be judged: a trigger step's screen
// is ready once it shows an iAM Smart entry (a page that renders late is
// waited for before its entry is reported absent); any other at once.
func (c *Checker) ScreenReady(ctx context.Context, in chrome.ScreenInput) (bool, error) {
	if in.Step == nil || !in.Step.Trigger {
		return true, nil
	}
	facts, err := verifier.ProbeIn(ctx, Pierced{in.World})
	if err != nil {
		return false, err
	}
	return len(c.Pack.CheckPage(facts, vcontext(in.Cell, in.Step)).Entries) > 0, nil
}

// CheckTrigger checks the first authorisation request among those the
// trigger sent; on the last look, none found is a finding.
func (c *Checker) CheckTrigger(ctx context.Context, in chrome.TriggerInput) (chrome.TriggerCheck, error) {
	for _, u := range in.Requests {
		if !c.Pack.IsAuthorizeURL(u) {
			continue
		}
		var prev []string
		if c.Store != nil {
			var err error
			prev, err = c.Store.PreviousStates(in.Cell.Journey.ID, in.Cell.Lang, in.Cell.Device.Name, math.MaxInt32)
			if err != nil {
				return chrome.TriggerCheck{}, fmt.Errorf("read earlier states: %w", err)
			}
		}
		fs := c.Pack.CheckRedirect(verifier.Request{URL: u, PreviousStates: prev}, vcontext(in.Cell, in.Step))
		return chrome.TriggerCheck{Request: u, Findings: fs}, nil
	}
	if in.Final {
		return chrome.TriggerCheck{Findings: c.Pack.CheckNoRedirect(in.Seen, in.Waited.String())}, nil
	}
	return chrome.TriggerCheck{}, nil
}

// Pierced is the runner's isolated world as the verifier's probe uses it
// (verifier.FramePiercer, verifier.ShadowPiercer): it also hands over the
// closed shadow roots and the frames Chromium runs in other processes.
type Pierced struct{ *chrome.World }

// OtherFrames returns the tab's frames that run in other processes, each
// with its world.
func (p Pierced) OtherFrames(ctx context.Context) ([]verifier.Frame, error) {
	fs, err := p.World.OtherFrames(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]verifier.Frame, len(fs))
	for i, f := range fs {
		out[i] = verifier.Frame{Selector: f.Selector, X: f.X, Y: f.Y, World: f.World}
	}
	return out, nil
}
