package journeys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// cellRun is the state of one cell while its steps run.
type cellRun struct {
	r    *Runner
	cell Cell
	ctx  context.Context
	log  *pageLog
	// gone says why the tab cannot go on (crashed, closed, or the browser
	// exited), nil while it can.
	gone func() error
}

func (c *cellRun) timeout(s *Step) time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	if s.Action == ActIAMSmart {
		return 2 * time.Minute
	}
	if c.r.StepTimeout > 0 {
		return c.r.StepTimeout
	}
	return 15 * time.Second
}

// step runs one step and observes its screen. A trigger step that acts on
// the page (click, press) is observed before its action: its evidence is
// the screen on which iAM Smart is triggered.
func (c *cellRun) step(i int, s *Step, started time.Time, pendingTrigger *int) *StepResult {
	sr := &StepResult{Index: i, Step: s, Started: started, Status: StatusPassed, Scale: c.cell.Device.Scale}
	m := c.log.mark()
	observeFirst := s.Trigger && s.IsInteraction()
	if observeFirst {
		if err := c.observe(i, s, sr); err != nil {
			return c.fail(sr, m, err)
		}
	}
	actx, cancel := context.WithTimeout(c.ctx, c.timeout(s))
	outcome, err := c.act(actx, s)
	cancel()
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("timed out after %s: %w", c.timeout(s), err)
		}
		return c.fail(sr, m, err)
	}
	sr.Outcome = outcome
	time.Sleep(settleDelay)
	if !observeFirst {
		if err := c.observe(i, s, sr); err != nil {
			return c.fail(sr, m, err)
		}
	}
	if s.Trigger {
		*pendingTrigger = 3 // look for the trigger's request in this and the next two steps
	}
	console, failed, requests := c.log.since(m)
	sr.Console, sr.FailedRequests, sr.Navigations = console, failed, requests
	if *pendingTrigger > 0 && c.r.Checker != nil {
		tc, err := c.r.Checker.CheckTrigger(c.ctx, TriggerInput{Cell: c.cell, Step: s, Index: i, Requests: requests})
		if err != nil {
			return c.fail(sr, m, fmt.Errorf("check trigger request: %w", err))
		}
		if tc.Request != "" {
			sr.Request = tc.Request
			sr.Findings = append(sr.Findings, waive(tc.Findings, s.Waive)...)
			*pendingTrigger = 0
		} else {
			*pendingTrigger--
		}
	}
	sr.Ended = time.Now()
	return sr
}

// fail records a failing step: the error, a failure screenshot, and what
// the page logged so far.
func (c *cellRun) fail(sr *StepResult, m mark, err error) *StepResult {
	if g := c.gone(); g != nil {
		err = g // what the step saw (a cancelled call) follows from it
	}
	sr.Status = StatusFailed
	sr.Error = oneLine(err.Error())
	// The cell's own context may be done (a timeout of the step is not).
	octx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	if sr.URL == "" {
		sr.URL, _ = chromedp.Run(octx, chromedp.Location())
		sr.Title, _ = chromedp.Run(octx, chromedp.Title())
	}
	if !c.r.NoScreenshots {
		if png, e := chromedp.Run(octx, viewportPNG()); e == nil {
			sr.Screenshot = png
		}
	}
	sr.Console, sr.FailedRequests, sr.Navigations = c.log.since(m)
	sr.Ended = time.Now()
	return sr
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// observe takes the step's evidence: URL, title, screenshots, mask boxes
// and the checker's findings.
func (c *cellRun) observe(i int, s *Step, sr *StepResult) error {
	octx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	var err error
	if sr.URL, err = chromedp.Run(octx, chromedp.Location()); err != nil {
		return fmt.Errorf("read URL: %w", err)
	}
	if sr.Title, err = chromedp.Run(octx, chromedp.Title()); err != nil {
		return fmt.Errorf("read title: %w", err)
	}
	geo, err := chromedp.Run(octx, chromedp.Evaluate[[]float64](`[window.scrollX, window.scrollY, document.documentElement.scrollWidth, document.documentElement.scrollHeight, window.innerWidth, window.innerHeight]`))
	if err != nil {
		return fmt.Errorf("read scroll position: %w", err)
	}
	sr.ScrollX, sr.ScrollY = geo[0], geo[1]
	// A page that fits the viewport needs no second, full-page capture.
	fits := geo[0] == 0 && geo[1] == 0 && geo[2] <= geo[4] && geo[3] <= geo[5]
	if len(s.Mask) > 0 {
		boxes, err := chromedp.Run(octx, chromedp.Evaluate[[]Box](maskScript(s.Mask)))
		if err != nil {
			return fmt.Errorf("read mask boxes: %w", err)
		}
		sr.Masks = boxes
	}
	if !c.r.NoScreenshots {
		start := time.Now()
		if sr.Screenshot, err = chromedp.Run(octx, viewportPNG()); err != nil {
			return fmt.Errorf("viewport screenshot: %w", err)
		}
		if fits {
			sr.FullPage = sr.Screenshot
		} else if sr.FullPage, err = chromedp.Run(octx, fullPagePNG()); err != nil {
			return fmt.Errorf("full-page screenshot: %w", err)
		}
		sr.Times.Screenshots = time.Since(start)
	}
	if c.r.Checker != nil {
		start := time.Now()
		sc, err := c.r.Checker.CheckScreen(octx, ScreenInput{Cell: c.cell, Step: s, Index: i, Screenshot: sr.Screenshot, FullPage: sr.FullPage})
		if err != nil {
			return fmt.Errorf("check screen: %w", err)
		}
		sr.Times.Check = time.Since(start)
		sr.Findings = append(sr.Findings, waive(sc.Findings, s.Waive)...)
		sr.Entries = sc.Entries
	}
	return nil
}

// waive marks the findings that a step waives; they are kept, never dropped.
func waive(fs []Finding, ws []Waiver) []Finding {
	for i := range fs {
		for _, w := range ws {
			if fs[i].Rule == w.Rule {
				fs[i].Waived, fs[i].WaiverReason = true, w.Reason
			}
		}
	}
	return fs
}

func maskScript(sels []string) string {
	var b strings.Builder
	b.WriteString("(() => { const out = []; for (const s of ")
	b.WriteString(jsString(sels))
	b.WriteString(`) { let els = []; try { els = document.querySelectorAll(s); } catch (e) {} for (const el of els) { const r = el.getBoundingClientRect(); if (r.width > 0 && r.height > 0) out.push({x: r.x, y: r.y, w: r.width, h: r.height}); } } return out; })()`)
	return b.String()
}

// jsString returns v as a JavaScript literal (JSON is valid JavaScript).
func jsString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// resolve makes a step URL absolute against the base URL.
func (c *cellRun) resolve(raw string) (string, error) {
	raw = c.cell.Expand(raw, c.r.BaseURL)
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("bad URL %q: %w", raw, err)
	}
	if u.IsAbs() {
		return u.String(), nil
	}
	if c.r.BaseURL == "" {
		return "", fmt.Errorf("relative URL %q needs a base URL (--base-url)", raw)
	}
	base, err := url.Parse(c.r.BaseURL)
	if err != nil {
		return "", fmt.Errorf("bad base URL %q: %w", c.r.BaseURL, err)
	}
	return base.ResolveReference(u).String(), nil
}
