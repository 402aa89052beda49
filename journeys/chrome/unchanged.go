package chrome

import (
	"context"
	"time"

	"journeyproof/journeys"
)

// Some steps are observed with nothing acting on the page since the
// previous step's captures: a trigger step that acts (click, press), which
// is observed before its action, and a step that only reads the page
// (wait, expect, snapshot). When the page is provably unchanged since the
// previous step's captures, that step's last viewport capture counts as
// the first of this step's stable capture (two consecutive identical
// captures, so a settled page takes one capture instead of two), and its
// full-page capture is this step's too. Unchanged means: no DOM mutation,
// element scroll, resize or focus change (a watcher in the isolated world,
// installed after the previous step's captures), no request started or
// ended (the settle wait's network log), the same URL, title, document
// scroll position and sizes, the page not still changing by the settle
// script's judgement, and no frame, canvas, video or plugin on the page,
// whose content the watcher cannot see. Anything else, and the step
// captures afresh.

// readsOnly says whether a step's action only reads the page, so that the
// previous step's captures may still show it.
func readsOnly(a journeys.Action) bool {
	switch a {
	case journeys.ActWait, journeys.ActExpect, journeys.ActSnapshot:
		return true
	}
	return false
}

// observation is what a step's captures saw, for the next step to reuse.
type observation struct {
	viewport, fullPage []byte
	geometry           geometry
	// net is when the network log last saw a request start or end.
	net time.Time
}

// watchScript installs the watcher of the isolated world's document.
const watchScript = `(() => {
  const old = window.__journeyproofWatch;
  if (old) old.stop();
  const st = {dirty: false};
  const mark = () => { st.dirty = true; };
  const mo = new MutationObserver(mark);
  const opts = {subtree: true, childList: true, attributes: true, characterData: true};
  mo.observe(document, opts);
  const walk = (root) => { for (const el of root.querySelectorAll("*")) if (el.shadowRoot) { mo.observe(el.shadowRoot, opts); walk(el.shadowRoot); } };
  walk(document);
  // The document's own scroll position is compared by the runner (a
  // full-page capture makes Chromium report a scroll of the document
  // after it); an element's scroll is a change.
  const scrolled = (e) => { if (e.target !== document && e.target !== document.scrollingElement) mark(); };
  const on = [[window, "scroll", scrolled], [window, "resize", mark], [document, "focusin", mark], [document, "focusout", mark]];
  for (const [t, e, f] of on) t.addEventListener(e, f, {capture: true, passive: true});
  st.stop = () => {
    if (mo.takeRecords().length) st.dirty = true;
    mo.disconnect();
    for (const [t, e, f] of on) t.removeEventListener(e, f, {capture: true});
  };
  window.__journeyproofWatch = st;
  return true;
})()`

// unwatchScript stops the watcher and says whether the page is unchanged
// since it was installed and holds nothing it cannot see into.
const unwatchScript = `(() => {
  const st = window.__journeyproofWatch;
  if (!st) return false;
  st.stop();
  window.__journeyproofWatch = null;
  return !st.dirty && !document.querySelector("iframe, frame, canvas, video, embed, object");
})()`

// keep remembers a step's captures for the next step and starts watching
// the page. Without a network log (NoSettle) nothing is kept.
func (c *cellRun) keep(ctx context.Context, viewport, fullPage []byte, g geometry) {
	c.prev = nil
	if c.quiet == nil {
		return
	}
	if _, err := c.world.Eval(ctx, watchScript); err != nil {
		return
	}
	if net := c.quiet.lastChange(); !net.IsZero() {
		c.prev = &observation{viewport: viewport, fullPage: fullPage, geometry: g, net: net}
	}
}

// unchanged returns the previous step's observation when the page is
// provably as it was then (see above), nil otherwise. It stops the
// watcher either way, and forgets the observation.
func (c *cellRun) unchanged(ctx context.Context) *observation {
	prev := c.prev
	c.prev = nil
	if prev == nil {
		return nil
	}
	clean, err := EvalAs[bool](ctx, c.world, unwatchScript)
	if err != nil || !clean || !c.quiet.lastChange().Equal(prev.net) {
		return nil
	}
	return prev
}
