package chrome

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
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
// the simulator's app screen at phoneURL, in a browser context of its own
// (the phone is another device) on PhoneDevice, in the cell's language.
// It returns the viewport PNG. The phone's tab is kept for the next
// iamsmart step of this browser (phonePool): opening a browser context
// starts a renderer process, about a second of processor time per step.
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
	pool := &c.r.Browser.phones
	tab, err := pool.take(c.r.Browser.Context())
	if err != nil {
		return nil, err
	}
	// A call the step's end cuts short leaves the tab in an unknown state:
	// it is closed rather than kept.
	tctx, cancel := context.WithCancel(tab.ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	png, err := c.capturePhone(tctx, u)
	if err != nil || ctx.Err() != nil {
		tab.close()
		return nil, err
	}
	pool.give(tab, u)
	return png, nil
}

// capturePhone opens u in the phone's tab and captures its viewport once
// its fonts are loaded and a frame is drawn.
func (c *cellRun) capturePhone(tab context.Context, u *url.URL) ([]byte, error) {
	phone := journeys.Cell{Journey: c.cell.Journey, Lang: c.cell.Lang, Device: PhoneDevice}
	if err := chromedp.Do(tab, c.r.emulate(phone)); err != nil {
		return nil, fmt.Errorf("set up the phone view: %w", err)
	}
	if err := chromedp.Do(tab, chromedp.Navigate(u.String()), chromedp.WaitReady("body")); err != nil {
		return nil, fmt.Errorf("open the phone side %s: %w", u.Redacted(), err)
	}
	chromedp.Run(tab, chromedp.Evaluate[bool](`document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => r(true))))`, chromedp.EvalAwaitPromise))
	png, err := chromedp.Run(tab, viewportPNG())
	if err != nil {
		return nil, fmt.Errorf("capture the phone side: %w", err)
	}
	return png, nil
}

// phoneTab is a phone-side tab in a browser context of its own.
type phoneTab struct {
	ctx   context.Context
	close context.CancelFunc
}

// phonePool keeps a browser's idle phone-side tabs. A tab is taken by one
// step at a time; when it is given back its cookies and the site data of
// the page it showed are cleared and it is left on about:blank, so that no
// step's phone sees another's.
type phonePool struct {
	mu   sync.Mutex
	idle []*phoneTab
}

// take returns an idle tab, or opens one in a new browser context of the
// browser of bctx.
func (p *phonePool) take(bctx context.Context) (*phoneTab, error) {
	p.mu.Lock()
	for len(p.idle) > 0 {
		t := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if t.ctx.Err() == nil {
			p.mu.Unlock()
			return t, nil
		}
	}
	p.mu.Unlock()
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	// The tab opens here, on its own context: a tab that a step's context
	// opened would close when that context ends.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		return nil, fmt.Errorf("open the phone's tab: %w", err)
	}
	return &phoneTab{ctx: ctx, close: cancel}, nil
}

// give clears what the page at u left in the tab and keeps the tab for
// the next step; a tab that cannot be cleared is closed.
func (p *phonePool) give(t *phoneTab, u *url.URL) {
	ctx, cancel := context.WithTimeout(t.ctx, 5*time.Second)
	defer cancel()
	origin := u.Scheme + "://" + u.Host
	err := chromedp.Do(ctx, chromedp.Navigate("about:blank"))
	if err == nil {
		_, err = chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{})
	}
	if err == nil {
		_, err = chromedp.Call(ctx, storage.ClearDataForOrigin, storage.ClearDataForOriginParams{Origin: origin, StorageTypes: "all"})
	}
	if err != nil {
		t.close()
		return
	}
	p.mu.Lock()
	p.idle = append(p.idle, t)
	p.mu.Unlock()
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
