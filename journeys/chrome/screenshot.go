package chrome

import (
	"context"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// viewportPNG captures the viewport as a PNG at the device's scale.
// Chromium encodes it for speed rather than size: on a 3x mobile screen
// that is about 40% faster for about a third more bytes, and a step's
// screenshots are most of what the runner adds to a step's time.
func viewportPNG() chromedp.Action[[]byte] {
	return capturePNG(false)
}

// fullPagePNG captures the whole document as a PNG.
func fullPagePNG() chromedp.Action[[]byte] {
	return capturePNG(true)
}

func capturePNG(beyondViewport bool) chromedp.Action[[]byte] {
	return func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		yes := true
		p := page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng, OptimizeForSpeed: &yes, FromSurface: &yes}
		if beyondViewport {
			p.CaptureBeyondViewport = &yes
		}
		res, err := cdp.Call(ctx, t, page.CaptureScreenshot, p)
		if err != nil {
			return nil, err
		}
		return res.Data, nil
	}
}
