package chrome

import (
	"context"

	"github.com/chromedp/chromedp"
)

// StableViewportPNG and ViewportPNG let the external tests measure the
// stable capture against one capture.
func StableViewportPNG(ctx context.Context, changing bool) ([]byte, int, error) {
	c, err := stableViewportPNG(ctx, changing)
	return c.PNG, c.Captures, err
}

// ViewportPNG captures the viewport once.
func ViewportPNG(ctx context.Context) ([]byte, error) {
	return chromedp.Run(ctx, viewportPNG())
}
