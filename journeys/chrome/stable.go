package chrome

import (
	"bytes"
	"context"
	"time"

	"github.com/chromedp/chromedp"
)

// maxCaptures bounds the viewport captures of a step: the viewport is
// captured until two consecutive captures are identical, at most this many
// times.
const maxCaptures = 4

// captureGap is the pause between two captures of a page that was still
// changing (something loading or moving when it settled, or two captures
// that differed).
const captureGap = 50 * time.Millisecond

// stableCapture is the viewport screenshot of a step and how it was taken.
type stableCapture struct {
	PNG []byte
	// Captures is how many viewport captures were taken (2 when the first
	// two were identical, 1 when the first was identical to the previous
	// step's last).
	Captures int
	// Stable is false when no two consecutive captures were identical.
	Stable bool
}

// stableViewportPNG captures the viewport until two consecutive captures
// are identical, at most maxCaptures times, as Playwright's
// toHaveScreenshot does, and returns the last. The second capture follows
// the first at once when the page had settled (changing false) and after
// captureGap when it was still changing; later ones only come when the
// last two differed. last, when not nil, is a capture of this same page
// taken just before with nothing changed since (unchanged.go): it counts as
// the first, so a still page takes one capture.
func stableViewportPNG(ctx context.Context, changing bool, last []byte) (stableCapture, error) {
	png, n := last, 0
	if png == nil {
		var err error
		if png, err = chromedp.Run(ctx, viewportPNG()); err != nil {
			return stableCapture{}, err
		}
		n = 1
	}
	for n < maxCaptures {
		if changing {
			select {
			case <-ctx.Done():
				return stableCapture{}, ctx.Err()
			case <-time.After(captureGap):
			}
		}
		next, err := chromedp.Run(ctx, viewportPNG())
		if err != nil {
			return stableCapture{}, err
		}
		n++
		if bytes.Equal(next, png) {
			return stableCapture{PNG: next, Captures: n, Stable: true}, nil
		}
		png, changing = next, true
	}
	return stableCapture{PNG: png, Captures: n}, nil
}
