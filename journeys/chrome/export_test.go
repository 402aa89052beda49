package chrome

import (
	"context"

	"github.com/chromedp/chromedp"

	"journeyproof/journeys"
)

// StableViewportPNG and ViewportPNG let the external tests measure the
// stable capture against one capture.
func StableViewportPNG(ctx context.Context, changing bool) ([]byte, int, error) {
	c, err := stableViewportPNG(ctx, changing, nil)
	return c.PNG, c.Captures, err
}

// ViewportPNG captures the viewport once.
func ViewportPNG(ctx context.Context) ([]byte, error) {
	return chromedp.Run(ctx, viewportPNG())
}

// PhoneScreen captures the phone side at phoneURL as an iamsmart step of a
// cell in lang does, with the runner's browser.
func PhoneScreen(ctx context.Context, r *Runner, lang, phoneURL string) ([]byte, error) {
	c := &cellRun{r: r, cell: journeys.Cell{Journey: &journeys.Journey{ID: "phone"}, Lang: lang}}
	return c.phoneScreen(ctx, phoneURL)
}

// IdlePhones is how many phone-side tabs the browser keeps.
func IdlePhones(b *Browser) int {
	b.phones.mu.Lock()
	defer b.phones.mu.Unlock()
	return len(b.phones.idle)
}

// Watch starts the unchanged-page watcher in the page's main world.
func Watch(ctx context.Context) error {
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](watchScript))
	return err
}

// Unwatched stops the watcher and says whether the page is unchanged.
func Unwatched(ctx context.Context) (bool, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[bool](unwatchScript))
}
