package chrome

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"journeyproof/journeys"
)

// namedKey returns the chromedp key string of a key name a journey may
// press.
func namedKey(name string) (string, bool) {
	switch name {
	case "Enter":
		return kb.Enter, true
	case "Tab":
		return kb.Tab, true
	case "Escape":
		return kb.Escape, true
	case "Backspace":
		return kb.Backspace, true
	case "Delete":
		return kb.Delete, true
	case "Space":
		return " ", true
	case "ArrowUp":
		return kb.ArrowUp, true
	case "ArrowDown":
		return kb.ArrowDown, true
	case "ArrowLeft":
		return kb.ArrowLeft, true
	case "ArrowRight":
		return kb.ArrowRight, true
	case "Home":
		return kb.Home, true
	case "End":
		return kb.End, true
	case "PageUp":
		return kb.PageUp, true
	case "PageDown":
		return kb.PageDown, true
	}
	return "", false
}

func keyString(k string) string {
	if s, ok := namedKey(k); ok {
		return s
	}
	return k
}

// act performs the step's action. For an iamsmart step it returns the
// outcome (approved, denied, timed out).
func (c *cellRun) act(ctx context.Context, s *journeys.Step) (string, error) {
	switch s.Action {
	case journeys.ActGoto:
		u, err := c.resolve(s.Value)
		if err != nil {
			return "", err
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
			return "", fmt.Errorf("go to %s: %w", u, err)
		}
		return "", nil
	case journeys.ActClick:
		sel := c.cell.Expand(s.Selector, c.r.BaseURL)
		if fw, id, rest, ok, err := c.oopifTarget(ctx, sel); err != nil {
			return "", err
		} else if ok {
			m := c.log.mark()
			if err := c.clickInFrame(ctx, fw, id, rest); err != nil {
				return "", fmt.Errorf("click %s: %w", sel, err)
			}
			return "", c.settle(ctx, m)
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(sel, query(sel)...), chromedp.ScrollIntoView(sel, query(sel)...)); err != nil {
			return "", fmt.Errorf("no visible element %s to click: %w", sel, err)
		}
		pt := c.clickPoint(ctx, sel)
		m := c.log.mark()
		if err := chromedp.Do(ctx, chromedp.Click(sel, query(sel)...)); err != nil {
			return "", fmt.Errorf("click %s: %w", sel, err)
		}
		c.point = pt
		return "", c.settle(ctx, m)
	case journeys.ActFill:
		return "", c.fill(ctx, c.cell.Expand(s.Selector, c.r.BaseURL), c.cell.Expand(s.Value, c.r.BaseURL))
	case journeys.ActSelect:
		sel := c.cell.Expand(s.Selector, c.r.BaseURL)
		if err := chromedp.Do(ctx, chromedp.WaitVisible(sel, query(sel)...), chromedp.SetValue(sel, c.cell.Expand(s.Value, c.r.BaseURL), query(sel)...)); err != nil {
			return "", fmt.Errorf("select %q in %s: %w", s.Value, sel, err)
		}
		return "", chromedp.Do(ctx, dispatchChange(sel))
	case journeys.ActPress:
		if s.Selector != "" {
			sel := c.cell.Expand(s.Selector, c.r.BaseURL)
			if err := chromedp.Do(ctx, chromedp.WaitVisible(sel, query(sel)...), chromedp.Focus(sel, query(sel)...)); err != nil {
				return "", fmt.Errorf("focus %s: %w", sel, err)
			}
		}
		m := c.log.mark()
		if err := chromedp.Do(ctx, chromedp.KeyEvent(keyString(s.Value))); err != nil {
			return "", fmt.Errorf("press %s: %w", s.Value, err)
		}
		return "", c.settle(ctx, m)
	case journeys.ActWait:
		if s.Duration > 0 {
			select {
			case <-time.After(s.Duration):
				return "", nil
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
		return "", c.waitFor(ctx, s)
	case journeys.ActExpect:
		return "", c.waitFor(ctx, s)
	case journeys.ActSnapshot:
		return "", nil
	case journeys.ActIAMSmart:
		return c.iamsmart(ctx, s)
	}
	return "", fmt.Errorf("unknown action %q", s.Action)
}

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

// pollInterval is how often the runner reads the URL and the document's
// state while it waits for them.
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

func (c *cellRun) fill(ctx context.Context, sel, value string) error {
	if err := chromedp.Do(ctx, chromedp.WaitVisible(sel, query(sel)...)); err != nil {
		return fmt.Errorf("no visible field %s to fill: %w", sel, err)
	}
	typ, err := fieldType(ctx, sel)
	if err != nil {
		return fmt.Errorf("fill %s: %w", sel, err)
	}
	switch typ {
	case "date", "time", "datetime-local", "month", "week", "color", "range", "select-one", "select-multiple":
		if err := chromedp.Do(ctx, chromedp.SetValue(sel, value, query(sel)...)); err != nil {
			return fmt.Errorf("fill %s: %w", sel, err)
		}
		return chromedp.Do(ctx, dispatchChange(sel))
	}
	if err := chromedp.Do(ctx, chromedp.Clear(sel, query(sel)...), chromedp.SendKeys(sel, value, query(sel)...)); err != nil {
		return fmt.Errorf("fill %s: %w", sel, err)
	}
	return nil
}

// waitFor waits until the step's selector is visible, its text is on the
// page and the URL matches, whichever of those it names.
func (c *cellRun) waitFor(ctx context.Context, s *journeys.Step) error {
	if s.Selector != "" {
		sel := c.cell.Expand(s.Selector, c.r.BaseURL)
		if err := c.waitVisible(ctx, sel); err != nil {
			return fmt.Errorf("expected %s to be visible: %w", sel, err)
		}
	}
	if s.Text != "" {
		text := c.cell.Expand(s.Text, c.r.BaseURL)
		expr := fmt.Sprintf(`!!document.body && document.body.innerText.includes(%s)`, jsString(text))
		if err := c.poll(ctx, expr); err != nil {
			return fmt.Errorf("expected text %q on the page: %w", text, err)
		}
	}
	if s.URL != "" {
		pat := c.cell.Expand(s.URL, c.r.BaseURL)
		match, err := journeys.URLPattern(pat)
		if err != nil {
			return err
		}
		if err := c.waitURL(ctx, match); err != nil {
			loc, _ := EvalAs[string](c.ctx, c.world, `location.href`)
			return fmt.Errorf("expected the URL to match %q, it is %s: %w", pat, loc, err)
		}
	}
	return nil
}

// waitURL waits until the URL matches and the document has loaded. While a
// navigation replaces the document, reads fail; those are retried.
func (c *cellRun) waitURL(ctx context.Context, match func(string) bool) error {
	for {
		st, err := EvalAs[[2]string](ctx, c.world, `[location.href, document.readyState]`)
		if err == nil && match(st[0]) && st[1] == "complete" {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollInterval):
		}
	}
}

// poll evaluates a boolean expression in the isolated world every 100 ms
// until it is true. Evaluations that fail while a navigation replaces the
// document are retried.
func (c *cellRun) poll(ctx context.Context, expr string) error {
	for {
		ok, err := EvalAs[bool](ctx, c.world, expr)
		if err == nil && ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollInterval):
		}
	}
}

// visibleScript is true when the selector matches an element that is
// rendered: it has a box, and is not visibility:hidden.
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

func visibleScript(sel string) string {
	return fmt.Sprintf(`(() => { let el = null; try { el = document.querySelector(%s); } catch (e) { return false; } if (!el) return false; if (!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)) return false; return getComputedStyle(el).visibility !== "hidden"; })()`, jsString(sel))
}

// iamsmart decides the pending iAM Smart request. Against the sandbox (or
// any simulator that names its phone side in <meta name="iamsmart-phone">)
// it posts the decision to the phone side; against a real integration
// environment it waits for the callback while a person decides on a phone.
// Either way it returns when the browser has left the iAM Smart page.
func (c *cellRun) iamsmart(ctx context.Context, s *journeys.Step) (string, error) {
	page, err := EvalAs[[2]string](ctx, c.world, simulatorScript)
	start, phone := page[0], page[1]
	if err != nil {
		return "", fmt.Errorf("read the iAM Smart page: %w", err)
	}
	if s.Value == journeys.OutcomeClose {
		return "closed", c.closeIAMSmart(ctx)
	}
	if phone != "" && !c.r.NoScreenshots {
		if c.phone, err = c.phoneScreen(ctx, phone); err != nil {
			return "", err
		}
	}
	if phone != "" {
		action := map[string]string{journeys.OutcomeApprove: "approve", journeys.OutcomeDeny: "deny", journeys.OutcomeTimeout: "timeout"}[s.Value]
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(phone, "/")+"/"+action, nil)
		if err != nil {
			return "", err
		}
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			return "", fmt.Errorf("tell the simulator's phone side to %s: %w", action, err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			return "", fmt.Errorf("the simulator's phone side answered %s to %s", resp.Status, action)
		}
	}
	match := func(u string) bool { return u != start }
	if framed, _ := EvalAs[bool](ctx, c.world, fmt.Sprintf(`location.href !== %s`, jsString(start))); framed && s.URL == "" {
		// the iAM Smart page is in a frame: wait for that frame to leave it
		if err := c.poll(ctx, fmt.Sprintf(`!%s.includes(%s)`, frameURLs, jsString(start))); err != nil {
			return "", fmt.Errorf("the frame did not leave the iAM Smart page after %s: %w", s.Value, err)
		}
		return map[string]string{journeys.OutcomeApprove: "approved", journeys.OutcomeDeny: "denied", journeys.OutcomeTimeout: "timed out"}[s.Value], nil
	}
	if s.URL != "" {
		m, err := journeys.URLPattern(c.cell.Expand(s.URL, c.r.BaseURL))
		if err != nil {
			return "", err
		}
		match = m
	}
	if err := c.waitURL(ctx, match); err != nil {
		if phone == "" {
			return "", fmt.Errorf("no iAM Smart callback: approve the request on the phone within the step's timeout: %w", err)
		}
		return "", fmt.Errorf("the browser did not leave the iAM Smart page after %s: %w", s.Value, err)
	}
	return map[string]string{journeys.OutcomeApprove: "approved", journeys.OutcomeDeny: "denied", journeys.OutcomeTimeout: "timed out"}[s.Value], nil
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
