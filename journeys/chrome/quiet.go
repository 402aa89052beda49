package chrome

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Settling before the checks ("settled before judged"): a step's screen is
// judged once the network has been quiet for NetworkQuiet, the DOM has not
// changed for DOMQuiet and the fonts are ready, bounded by the step's
// timeout. The network is followed from the start of the cell through the
// DevTools protocol's Network events, so a page that went quiet during the
// action does not wait the quiet period again from scratch.
const (
	// NetworkQuiet is how long no request may have been in flight.
	NetworkQuiet = 500 * time.Millisecond
	// DOMQuiet is how long the document may not have changed.
	DOMQuiet = 50 * time.Millisecond
)

// netQuiet follows the tab's requests: how many are in flight and when
// the last one started or ended. A fetch or XMLHttpRequest of a URL the
// document has already requested is a poll (a status check every few
// hundred ms) and is not followed, nor are WebSockets and event streams,
// which stay open: they would keep the page from ever being quiet.
type netQuiet struct {
	mu       sync.Mutex
	inflight map[network.RequestID]time.Time // when each request started
	polled   map[string]bool
	last     time.Time
	// ended is closed and replaced when a request ends, for waitNetwork.
	ended chan struct{}
}

func newNetQuiet() *netQuiet {
	return &netQuiet{inflight: map[network.RequestID]time.Time{}, polled: map[string]bool{}, last: time.Now(), ended: make(chan struct{})}
}

// listen runs in the tab's event loop: it must return fast.
func (q *netQuiet) listen(ev any) {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		switch e.Type {
		case network.ResourceTypeWebSocket, network.ResourceTypeEventSource:
			return
		case network.ResourceTypeDocument:
			clear(q.polled) // a new document: its polls start again
		case network.ResourceTypeXHR, network.ResourceTypeFetch:
			key := e.Request.Method + " " + e.Request.URL
			if _, redirected := q.inflight[e.RequestID]; q.polled[key] && !redirected {
				return
			}
			q.polled[key] = true
		}
		q.inflight[e.RequestID] = time.Now()
		q.last = time.Now()
	case *network.EventResponseReceived:
		// A frame's document: an iframe that Chromium runs in another
		// process reports the rest of its load in its own session.
		if e.Type == network.ResourceTypeDocument {
			q.done(e.RequestID)
		}
	case *network.EventLoadingFinished:
		q.done(e.RequestID)
	case *network.EventLoadingFailed:
		q.done(e.RequestID)
	}
}

// done ends a request. The caller holds q.mu.
func (q *netQuiet) done(id network.RequestID) {
	if _, ok := q.inflight[id]; ok {
		delete(q.inflight, id)
		q.last = time.Now()
		close(q.ended)
		q.ended = make(chan struct{})
	}
}

// lastChange is when a followed request last started or ended; the zero
// time while one is in flight.
func (q *netQuiet) lastChange() time.Time {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.inflight) > 0 {
		return time.Time{}
	}
	return q.last
}

// hungAfter is how long a request may be in flight before the settle wait
// stops waiting for it (a long poll, a stalled beacon).
const hungAfter = 5 * time.Second

// quietFor is how long the network has been quiet; 0 while a request is in
// flight (for less than hungAfter). Then hung is when the oldest request
// in flight counts as hung, and ended is closed when a request ends.
func (q *netQuiet) quietFor() (quiet time.Duration, hung time.Time, ended <-chan struct{}) {
	q.mu.Lock()
	defer q.mu.Unlock()
	last := q.last
	for id, at := range q.inflight {
		if time.Since(at) < hungAfter {
			if h := at.Add(hungAfter); hung.IsZero() || h.Before(hung) {
				hung = h
			}
			continue
		}
		delete(q.inflight, id)
		if end := at.Add(hungAfter); end.After(last) {
			last = end
		}
	}
	if !hung.IsZero() {
		return 0, hung, q.ended
	}
	return time.Since(last), hung, q.ended
}

// waitNetwork waits until no request has been in flight for period, or
// until ctx is done (which is not an error: the page is judged as it is).
// While requests are in flight it waits for one to end (or to count as
// hung); then for the rest of the period, and looks again.
func (q *netQuiet) waitNetwork(ctx context.Context, period time.Duration) {
	for {
		quiet, hung, ended := q.quietFor()
		if quiet >= period {
			return
		}
		wait := period - quiet
		if !hung.IsZero() {
			wait = time.Until(hung)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-ended:
		case <-t.C:
		}
		t.Stop()
	}
}

// domQuietScript waits, in the isolated world, until the fonts are ready
// and the document has not changed for quiet ms (a MutationObserver over
// the document and the open shadow roots it can see), or until max ms
// have passed. It returns the ms it waited.
const domQuietScript = `(async (quiet, max) => {
  const t0 = performance.now();
  const left = () => max - (performance.now() - t0);
  const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
  if (document.fonts && document.fonts.status !== "loaded") await Promise.race([document.fonts.ready, sleep(left())]);
  let last = performance.now();
  const mo = new MutationObserver(() => { last = performance.now(); });
  const opts = {subtree: true, childList: true, attributes: true, characterData: true};
  mo.observe(document, opts);
  const walk = (root) => { for (const el of root.querySelectorAll("*")) if (el.shadowRoot) { mo.observe(el.shadowRoot, opts); walk(el.shadowRoot); } };
  walk(document);
  try {
    for (;;) {
      const since = performance.now() - last;
      if (since >= quiet || left() <= 0) break;
      await sleep(Math.min(quiet - since, left()));
    }
  } finally { mo.disconnect(); }
  return Math.round(performance.now() - t0);
})`

// waitSettled waits until the step's page is settled: the network quiet
// for NetworkQuiet, fonts ready and the DOM quiet for DOMQuiet, bounded by
// timeout. A page that never settles is judged as it is when the time is up.
func (c *cellRun) waitSettled(ctx context.Context, timeout time.Duration) error {
	if c.r.NoSettle || c.quiet == nil {
		return nil
	}
	deadline := time.Now().Add(timeout)
	nctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	c.quiet.waitNetwork(nctx, NetworkQuiet)
	left := time.Until(deadline)
	if left <= 0 {
		return nil
	}
	// The document's first check costs an evaluation; DOMQuiet is waited
	// only from the last change the observer sees, which for a quiet page
	// is the whole of it.
	_, err := c.world.Eval(nctx, fmt.Sprintf("%s(%d, %d)", domQuietScript, DOMQuiet.Milliseconds(), left.Milliseconds()))
	if err != nil && nctx.Err() == nil && ctx.Err() == nil {
		return fmt.Errorf("wait for the page to settle: %w", err)
	}
	return nil
}

// ScreenWaiter is a Checker that knows what a screen must show before it
// is judged: the verifier's checker waits for the iAM Smart entry of a
// trigger step before it reports the entry absent. The runner asks it
// after the page has settled, every 200 ms until it says ready or the
// step's timeout has passed, and then lets the page settle again.
type ScreenWaiter interface {
	ScreenReady(ctx context.Context, in ScreenInput) (bool, error)
}

// waitReady settles the page and, when the Checker is a ScreenWaiter,
// waits until it says the screen is ready; both bounded by timeout.
func (c *cellRun) waitReady(ctx context.Context, in ScreenInput, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	if err := c.waitSettled(ctx, timeout); err != nil {
		return err
	}
	sw, ok := c.r.Checker.(ScreenWaiter)
	if !ok {
		return nil
	}
	for waited := false; ; waited = true {
		ready, err := sw.ScreenReady(ctx, in)
		if err != nil {
			return fmt.Errorf("wait for the screen to be ready: %w", err)
		}
		if ready {
			if waited {
				return c.waitSettled(ctx, time.Until(deadline))
			}
			return nil
		}
		if time.Until(deadline) <= 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(min(200*time.Millisecond, time.Until(deadline))):
		}
	}
}

// listenQuiet starts following the requests of the tab of ctx.
func listenQuiet(ctx context.Context) (*netQuiet, error) {
	q := newNetQuiet()
	if err := chromedp.Listen(ctx, q.listen); err != nil {
		return nil, err
	}
	return q, nil
}
