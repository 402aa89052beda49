package verifier

import (
	"context"
	"fmt"
	"strings"
)

// FramePiercer is an Evaluator that reaches the page's frames the probe
// cannot enter from the top document: frames of another origin, which
// Chromium may run in another process (an out-of-process iframe, a target
// of its own).
type FramePiercer interface {
	OtherFrames(ctx context.Context) ([]Frame, error)
}

// Frame is a frame of another origin: an isolated world of its document,
// the selector of its iframe element in the top page, and where its
// viewport starts in the top page's document coordinates (CSS px).
type Frame struct {
	Selector string
	X, Y     float64
	World    Evaluator
}

// mergeFrames probes each frame of another origin and adds what it saw to
// f: boxes moved into the top page's coordinates, selectors after the
// iframe's ("iframe#login >> #iamsmart"), the text after the page's.
func mergeFrames(ctx context.Context, f *PageFacts, fp FramePiercer) error {
	frames, err := fp.OtherFrames(ctx)
	if err != nil {
		return fmt.Errorf("probe page: frames: %w", err)
	}
	for _, fr := range frames {
		sub, err := ProbeIn(ctx, fr.World)
		if err != nil {
			return fmt.Errorf("probe frame %s: %w", fr.Selector, err)
		}
		dx, dy := fr.X-sub.ScrollPos.W, fr.Y-sub.ScrollPos.H
		prefix := fr.Selector + " >> "
		base := len(f.Elements)
		for _, e := range sub.Elements {
			e.Box.X += dx
			e.Box.Y += dy
			e.Selector = prefix + e.Selector
			if e.CoveredBy != "" {
				e.CoveredBy = prefix + e.CoveredBy
			}
			for k := range e.Images {
				e.Images[k].Selector = prefix + e.Images[k].Selector
			}
			if e.Parent >= 0 {
				e.Parent += base
			}
			f.Elements = append(f.Elements, e)
		}
		if t := strings.TrimSpace(sub.Text); t != "" {
			f.Text += "\n" + t
		}
	}
	return nil
}
