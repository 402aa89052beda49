package chrome

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"journeyproof"
	"journeyproof/journeys"
)

// action is the browser side of one kind of step, chromedp style: a small
// value that actionOf makes from a step (its selectors and values expanded
// for the cell) and that runs in the cell's tab. run performs the action,
// waits for what the action itself needs and causes (the element to be
// visible, a navigation it started to load, the text or URL it expects)
// and reports what it saw. The life around it (the trigger's evidence
// before an interaction, the settle wait, the screenshots and checks) is
// the same for every kind and is in step.go; the journey-format side of
// each kind (its key, how it is read and described) is journeys.stepKinds.
type action interface {
	run(ctx context.Context, c *cellRun) (seen, error)
}

// seen is what an action saw: the iAM Smart outcome (approved, denied,
// timed out, closed), where its click landed and the phone side's screen
// (phone.go).
type seen struct {
	outcome string
	point   *journeyproof.Point
	phone   []byte
}

// actionOf returns the action of step s in the cell: the one place that
// maps a step kind to its browser side (TestActions checks that every kind
// of journeys.Actions has one).
func (c *cellRun) actionOf(s *journeys.Step) (action, error) {
	x := func(v string) string { return c.cell.Expand(v, c.r.BaseURL) }
	switch s.Action {
	case journeys.ActGoto:
		return gotoAction{url: s.Value}, nil
	case journeys.ActClick:
		return clickAction{sel: x(s.Selector)}, nil
	case journeys.ActFill:
		return fillAction{sel: x(s.Selector), value: x(s.Value)}, nil
	case journeys.ActSelect:
		return selectAction{sel: x(s.Selector), value: x(s.Value), option: s.Value}, nil
	case journeys.ActPress:
		return pressAction{sel: x(s.Selector), key: s.Value}, nil
	case journeys.ActWait:
		return waitAction{d: s.Duration, until: condition{sel: x(s.Selector), text: x(s.Text), url: x(s.URL)}}, nil
	case journeys.ActExpect:
		return condition{sel: x(s.Selector), text: x(s.Text), url: x(s.URL)}, nil
	case journeys.ActSnapshot:
		return snapshotAction{}, nil
	case journeys.ActIAMSmart:
		return iamsmartAction{outcome: s.Value, callback: x(s.URL)}, nil
	}
	return nil, fmt.Errorf("unknown action %q", s.Action)
}

// gotoAction navigates to a URL, relative to the base URL, and waits for
// its load.
type gotoAction struct{ url string }

func (a gotoAction) run(ctx context.Context, c *cellRun) (seen, error) {
	u, err := c.resolve(a.url)
	if err != nil {
		return seen{}, err
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		return seen{}, fmt.Errorf("go to %s: %w", u, err)
	}
	return seen{}, nil
}

// clickAction clicks the element sel once it is visible (in a frame of
// another process too), and waits for a navigation the click starts. It
// sees where the click lands.
type clickAction struct{ sel string }

func (a clickAction) run(ctx context.Context, c *cellRun) (seen, error) {
	sel := a.sel
	if fw, id, rest, ok, err := c.oopifTarget(ctx, sel); err != nil {
		return seen{}, err
	} else if ok {
		m := c.log.mark()
		if err := c.clickInFrame(ctx, fw, id, rest); err != nil {
			return seen{}, fmt.Errorf("click %s: %w", sel, err)
		}
		return seen{}, c.settle(ctx, m)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(sel, query(sel)...), chromedp.ScrollIntoView(sel, query(sel)...)); err != nil {
		return seen{}, fmt.Errorf("no visible element %s to click: %w", sel, err)
	}
	pt := c.clickPoint(ctx, sel)
	m := c.log.mark()
	if err := chromedp.Do(ctx, chromedp.Click(sel, query(sel)...)); err != nil {
		return seen{}, fmt.Errorf("click %s: %w", sel, err)
	}
	return seen{point: pt}, c.settle(ctx, m)
}

// fillAction types a value into the field sel once it is visible; fields
// that take no typing (dates, colours, ranges, selects) get the value set
// and a change event.
type fillAction struct{ sel, value string }

func (a fillAction) run(ctx context.Context, c *cellRun) (seen, error) {
	sel := a.sel
	if err := chromedp.Do(ctx, chromedp.WaitVisible(sel, query(sel)...)); err != nil {
		return seen{}, fmt.Errorf("no visible field %s to fill: %w", sel, err)
	}
	typ, err := fieldType(ctx, sel)
	if err != nil {
		return seen{}, fmt.Errorf("fill %s: %w", sel, err)
	}
	switch typ {
	case "date", "time", "datetime-local", "month", "week", "color", "range", "select-one", "select-multiple":
		if err := chromedp.Do(ctx, chromedp.SetValue(sel, a.value, query(sel)...)); err != nil {
			return seen{}, fmt.Errorf("fill %s: %w", sel, err)
		}
		return seen{}, chromedp.Do(ctx, dispatchChange(sel))
	}
	if err := chromedp.Do(ctx, chromedp.Clear(sel, query(sel)...), chromedp.SendKeys(sel, a.value, query(sel)...)); err != nil {
		return seen{}, fmt.Errorf("fill %s: %w", sel, err)
	}
	return seen{}, nil
}

// selectAction chooses an option of the select sel once it is visible and
// sends a change event; option is the value as the journey writes it.
type selectAction struct{ sel, value, option string }

func (a selectAction) run(ctx context.Context, c *cellRun) (seen, error) {
	if err := chromedp.Do(ctx, chromedp.WaitVisible(a.sel, query(a.sel)...), chromedp.SetValue(a.sel, a.value, query(a.sel)...)); err != nil {
		return seen{}, fmt.Errorf("select %q in %s: %w", a.option, a.sel, err)
	}
	return seen{}, chromedp.Do(ctx, dispatchChange(a.sel))
}

// pressAction presses a key, in the element sel when it is given (focused
// once visible), and waits for a navigation the key starts.
type pressAction struct{ sel, key string }

func (a pressAction) run(ctx context.Context, c *cellRun) (seen, error) {
	if a.sel != "" {
		if err := chromedp.Do(ctx, chromedp.WaitVisible(a.sel, query(a.sel)...), chromedp.Focus(a.sel, query(a.sel)...)); err != nil {
			return seen{}, fmt.Errorf("focus %s: %w", a.sel, err)
		}
	}
	m := c.log.mark()
	if err := chromedp.Do(ctx, chromedp.KeyEvent(keyString(a.key))); err != nil {
		return seen{}, fmt.Errorf("press %s: %w", a.key, err)
	}
	return seen{}, c.settle(ctx, m)
}

// keyString is what chromedp types for a key a journey presses: a named
// key (journeys.KeyNames, the key codes of the DOM) or a character.
func keyString(k string) string {
	if s, ok := namedKey(k); ok {
		return s
	}
	return k
}

// namedKey returns chromedp's string for the key whose DOM code is name
// (Enter, ArrowUp, Space...): the journey format names keys by their code,
// so the list of names is journeys.KeyNames alone.
func namedKey(name string) (string, bool) {
	for r, k := range kb.Keys {
		if k.Code == name && len([]rune(name)) > 1 {
			return string(r), true
		}
	}
	return "", false
}

// waitAction is a user's wait: for a fixed time when d is given (the
// journey asks for it), else until the condition holds.
type waitAction struct {
	d     time.Duration
	until condition
}

func (a waitAction) run(ctx context.Context, c *cellRun) (seen, error) {
	if a.d <= 0 {
		return a.until.run(ctx, c)
	}
	select {
	case <-time.After(a.d):
		return seen{}, nil
	case <-ctx.Done():
		return seen{}, ctx.Err()
	}
}

// condition is what a wait or an expect step waits for: sel visible, text
// on the page and the URL matching url, whichever of those it names. An
// expect step is a condition.
type condition struct{ sel, text, url string }

func (w condition) run(ctx context.Context, c *cellRun) (seen, error) {
	if w.sel != "" {
		if err := c.waitVisible(ctx, w.sel); err != nil {
			return seen{}, fmt.Errorf("expected %s to be visible: %w", w.sel, err)
		}
	}
	if w.text != "" {
		expr := fmt.Sprintf(`!!document.body && document.body.innerText.includes(%s)`, jsString(w.text))
		if err := c.poll(ctx, expr); err != nil {
			return seen{}, fmt.Errorf("expected text %q on the page: %w", w.text, err)
		}
	}
	if w.url != "" {
		match, err := journeys.URLPattern(w.url)
		if err != nil {
			return seen{}, err
		}
		if err := c.waitURL(ctx, match); err != nil {
			loc, _ := EvalAs[string](c.ctx, c.world, `location.href`)
			return seen{}, fmt.Errorf("expected the URL to match %q, it is %s: %w", w.url, loc, err)
		}
	}
	return seen{}, nil
}

// snapshotAction does nothing: the step is its screen's evidence.
type snapshotAction struct{}

func (snapshotAction) run(context.Context, *cellRun) (seen, error) { return seen{}, nil }

// navigationWindow is how long after a click or a key press a navigation
// it started may take to begin (a page may navigate from a timer or after
// a fetch); a navigation that begins in it is waited for until it loads.
const navigationWindow = 100 * time.Millisecond

// settle waits until a navigation that an action begun at m may have
// started has loaded: it returns as soon as the next page has loaded (the
// main frame stopped loading), or after navigationWindow when no load
// began, and then once the document is complete.
func (c *cellRun) settle(ctx context.Context, m mark) error {
	if err := c.log.waitLoad(ctx, m, navigationWindow); err != nil {
		return err
	}
	return c.waitURL(ctx, func(string) bool { return true })
}

// pollInterval is how often the runner looks again at the URL and the
// document's state, or at a condition on the page, when no event has said
// that they changed.
const pollInterval = 20 * time.Millisecond

// waitFrame waits until the page has drawn a frame after an action, so
// that the screenshots show what the action did and the events it caused
// are in the log (the reply comes after them). It gives up silently after
// a second, or when the page navigates away meanwhile.
func (c *cellRun) waitFrame() {
	ctx, cancel := context.WithTimeout(c.ctx, time.Second)
	defer cancel()
	chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(r => requestAnimationFrame(() => r(true)))`, chromedp.EvalAwaitPromise))
}

// waitURL waits until the URL matches and the document has loaded. It
// looks again when the main frame starts or stops loading, navigates
// within its document or sends a document request (the page log's
// events), and every pollInterval in case no event told. While a
// navigation replaces the document, reads fail; those are retried.
func (c *cellRun) waitURL(ctx context.Context, match func(string) bool) error {
	for {
		next := c.log.changed()
		st, err := EvalAs[[2]string](ctx, c.world, `[location.href, document.readyState]`)
		if err == nil && match(st[0]) && st[1] == "complete" {
			return nil
		}
		t := time.NewTimer(pollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-next:
		case <-t.C:
		}
		t.Stop()
	}
}

// untilScript resolves true as soon as check() is true, looked at when the
// document changes (a MutationObserver) and every every ms, or false after
// max ms. It runs in the isolated world, so the page sees no observer of
// its own.
const untilScript = `((check, max, every) => new Promise((resolve) => {
  let done = false, timer = 0;
  const mo = new MutationObserver(() => look());
  const finish = (v) => { if (done) return; done = true; mo.disconnect(); clearTimeout(timer); clearTimeout(end); resolve(v); };
  const look = () => { let ok = false; try { ok = !!check(); } catch (e) {} if (ok) finish(true); };
  const end = setTimeout(() => finish(false), max);
  mo.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  const tick = () => { look(); if (!done) timer = setTimeout(tick, every); };
  tick();
}))`

// untilSlice bounds one evaluation of untilScript, so that a wait whose
// context ends leaves no observer in the page for long.
const untilSlice = time.Second

// poll waits until a boolean expression is true in the isolated world: the
// page itself looks at each change of its document and every pollInterval
// (untilScript), for up to untilSlice per evaluation. Evaluations that
// fail while a navigation replaces the document are retried.
func (c *cellRun) poll(ctx context.Context, expr string) error {
	for {
		slice := untilSlice
		if d, ok := ctx.Deadline(); ok {
			slice = max(min(slice, time.Until(d)), pollInterval)
		}
		ok, err := EvalAs[bool](ctx, c.world, fmt.Sprintf("%s(() => (%s), %d, %d)", untilScript, expr, slice.Milliseconds(), pollInterval.Milliseconds()))
		if err == nil && ok {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			continue // the slice ended
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollInterval):
		}
	}
}

// waitVisible waits until sel is visible: a CSS selector is polled in the
// isolated world (the page cannot fake it); aria/, text/ and XPath
// selectors, which the DOM protocol resolves, through chromedp.
func (c *cellRun) waitVisible(ctx context.Context, sel string) error {
	if fw, _, rest, ok, err := c.oopifTarget(ctx, sel); err != nil {
		return err
	} else if ok {
		fctx, cancel := fw.in(ctx)
		defer cancel()
		return chromedp.Do(fctx, chromedp.WaitVisible(rest, query(rest)...))
	}
	if query(sel) != nil || strings.HasPrefix(sel, "/") || strings.HasPrefix(sel, "(") {
		return chromedp.Do(ctx, chromedp.WaitVisible(sel, query(sel)...))
	}
	return c.poll(ctx, visibleScript(sel))
}

// visibleScript is true when the selector matches an element that is
// rendered: it has a box, and is not visibility:hidden.
func visibleScript(sel string) string {
	return fmt.Sprintf(`(() => { let el = null; try { el = document.querySelector(%s); } catch (e) { return false; } if (!el) return false; if (!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)) return false; return getComputedStyle(el).visibility !== "hidden"; })()`, jsString(sel))
}

// iamsmartAction decides the pending iAM Smart request. Against the sandbox (or
// any simulator that names its phone side in <meta name="iamsmart-phone">)
// it posts the decision to the phone side; against a real integration
// environment it waits for the callback while a person decides on a phone.
// Either way it returns when the browser has left the iAM Smart page (for
// callback, when its URL matches that pattern). It sees the outcome and the
// phone side's screen.
type iamsmartAction struct{ outcome, callback string }

func (a iamsmartAction) run(ctx context.Context, c *cellRun) (seen, error) {
	page, err := EvalAs[[2]string](ctx, c.world, simulatorScript)
	start, phone := page[0], page[1]
	if err != nil {
		return seen{}, fmt.Errorf("read the iAM Smart page: %w", err)
	}
	if a.outcome == journeys.OutcomeClose {
		return seen{outcome: "closed"}, c.closeIAMSmart(ctx)
	}
	var saw seen
	if phone != "" && !c.r.NoScreenshots {
		if saw.phone, err = c.phoneScreen(ctx, phone); err != nil {
			return saw, err
		}
	}
	if phone != "" {
		if err := decideOnPhone(ctx, phone, a.outcome); err != nil {
			return saw, err
		}
	}
	match := func(u string) bool { return u != start }
	if framed, _ := EvalAs[bool](ctx, c.world, fmt.Sprintf(`location.href !== %s`, jsString(start))); framed && a.callback == "" {
		// the iAM Smart page is in a frame: wait for that frame to leave it
		if err := c.poll(ctx, fmt.Sprintf(`!%s.includes(%s)`, frameURLs, jsString(start))); err != nil {
			return saw, fmt.Errorf("the frame did not leave the iAM Smart page after %s: %w", a.outcome, err)
		}
		saw.outcome = decided(a.outcome)
		return saw, nil
	}
	if a.callback != "" {
		m, err := journeys.URLPattern(a.callback)
		if err != nil {
			return saw, err
		}
		match = m
	}
	if err := c.waitURL(ctx, match); err != nil {
		if phone == "" {
			return saw, fmt.Errorf("no iAM Smart callback: approve the request on the phone within the step's timeout: %w", err)
		}
		return saw, fmt.Errorf("the browser did not leave the iAM Smart page after %s: %w", a.outcome, err)
	}
	saw.outcome = decided(a.outcome)
	return saw, nil
}

// decided is the outcome an iamsmart step reports for a decision.
func decided(outcome string) string {
	switch outcome {
	case journeys.OutcomeApprove:
		return "approved"
	case journeys.OutcomeDeny:
		return "denied"
	case journeys.OutcomeTimeout:
		return "timed out"
	}
	return ""
}

// decideOnPhone tells the simulator's phone side at phone the user's
// decision (approve, deny, timeout).
func decideOnPhone(ctx context.Context, phone, outcome string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(phone, "/")+"/"+outcome, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("tell the simulator's phone side to %s: %w", outcome, err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("the simulator's phone side answered %s to %s", resp.Status, outcome)
	}
	return nil
}

// frameURLs is the URL of the document and of its same-origin frames.
const frameURLs = `[document, ...Array.from(document.querySelectorAll("iframe"), (f) => { try { return f.contentDocument; } catch (e) { return null; } })].filter((d) => d && d.readyState === "complete").map((d) => d.location.href)`

// simulatorScript finds the simulator's phone side (meta iamsmart-phone)
// in the document or in one of its same-origin frames (a login box in an
// iframe), and gives that document's URL with it.
const simulatorScript = `(() => {
  const docs = [document, ...Array.from(document.querySelectorAll("iframe"), (f) => { try { return f.contentDocument; } catch (e) { return null; } })];
  for (const d of docs) {
    const m = d && d.querySelector('meta[name="iamsmart-phone"]');
    if (m) return [d.location.href, m.content || ""];
  }
  return [location.href, ""];
})()`
