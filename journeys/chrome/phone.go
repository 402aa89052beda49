package chrome

import (
	"context"
	"fmt"
	"net/url"

	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/chromedp"

	"journeyproof"
	"journeyproof/journeys"
)

// PhoneDevice is the phone-sized view the phone side is captured on: what
// the user sees in the iAM Smart app (390x844 CSS px at 2x: 780x1688 PNGs).
var PhoneDevice = journeyproof.Device{Name: "phone", Width: 390, Height: 844, Scale: 2, Mobile: true, Touch: true,
	UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 iAMSmart"}

// clickPoint is where chromedp's click on sel lands: the centre of the
// first content quad of the first element, in the viewport as it is now
// (the element scrolled into view). Nil when it cannot be read; the click
// itself reports a missing element.
func (c *cellRun) clickPoint(ctx context.Context, sel string) *journeyproof.Point {
	nodes, err := chromedp.Run(ctx, chromedp.Nodes(sel, append(query(sel), chromedp.AtLeast(0))...))
	if err != nil || len(nodes) == 0 {
		return nil
	}
	res, err := chromedp.Call(ctx, dom.GetContentQuads, dom.GetContentQuadsParams{NodeID: nodes[0].NodeID})
	if err != nil || len(res.Quads) == 0 || len(res.Quads[0]) < 2 || len(res.Quads[0])%2 != 0 {
		return nil
	}
	q := res.Quads[0]
	var x, y float64
	for i := 0; i < len(q); i += 2 {
		x += q[i]
		y += q[i+1]
	}
	n := float64(len(q) / 2)
	return &journeyproof.Point{X: x / n, Y: y / n}
}

// phoneScreen captures the phone side of the pending iAM Smart request:
// the simulator's app screen at phoneURL, opened in a browser context of
// its own (the phone is another device) on PhoneDevice, in the cell's
// language. It returns the viewport PNG.
func (c *cellRun) phoneScreen(ctx context.Context, phoneURL string) ([]byte, error) {
	u, err := url.Parse(phoneURL)
	if err != nil {
		return nil, fmt.Errorf("phone side URL %q: %w", phoneURL, err)
	}
	q := u.Query()
	if q.Get("lang") == "" {
		q.Set("lang", c.cell.Lang)
		u.RawQuery = q.Encode()
	}
	// The phone's tab lives in the browser, for as long as the step may.
	pctx, cancel := context.WithCancel(c.r.Browser.Context())
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	tab, closeTab := chromedp.NewContext(pctx, chromedp.WithNewBrowserContext())
	defer closeTab()
	phone := journeys.Cell{Journey: c.cell.Journey, Lang: c.cell.Lang, Device: PhoneDevice}
	if err := chromedp.Do(tab, c.r.emulate(phone)); err != nil {
		return nil, fmt.Errorf("set up the phone view: %w", err)
	}
	if err := chromedp.Do(tab, chromedp.Navigate(u.String()), chromedp.WaitReady("body")); err != nil {
		return nil, fmt.Errorf("open the phone side %s: %w", u.Redacted(), err)
	}
	// Web fonts loaded and a frame drawn, so that the text is in its font.
	chromedp.Run(tab, chromedp.Evaluate[bool](`document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => r(true))))`, chromedp.EvalAwaitPromise))
	png, err := chromedp.Run(tab, viewportPNG())
	if err != nil {
		return nil, fmt.Errorf("capture the phone side: %w", err)
	}
	return png, nil
}

// closeIAMSmart is the user closing the iAM Smart page without deciding:
// the browser goes back to the page before it.
func (c *cellRun) closeIAMSmart(ctx context.Context) error {
	m := c.log.mark()
	if err := chromedp.Do(ctx, chromedp.NavigateBack()); err != nil {
		return fmt.Errorf("go back from the iAM Smart page: %w", err)
	}
	return c.settle(ctx, m)
}
