package chrome

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"journeyproof"
	"journeyproof/journeys"
)

// cellRun is the state of one cell while its steps run.
type cellRun struct {
	r    *Runner
	cell journeys.Cell
	ctx  context.Context
	log  *pageLog
	// world is the isolated world every read of the page runs in.
	world *World
	// quiet follows the tab's requests for the settle wait (quiet.go).
	quiet *netQuiet
	// gone says why the tab cannot go on (crashed, closed, or the browser
	// exited), nil while it can.
	gone func() error
	// frames holds the video's frames while a step is captured; nil
	// without a video.
	frames journeys.FrameHolder
	// prev is the last step's captures while nothing has acted on the
	// page since (unchanged.go).
	prev *observation
}

func (c *cellRun) timeout(s *journeys.Step) time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	if d := s.Action.DefaultTimeout(); d > 0 {
		return d
	}
	if c.r.StepTimeout > 0 {
		return c.r.StepTimeout
	}
	return 15 * time.Second
}

// step runs one step and observes its screen. A trigger step that acts on
// the page (click, press) is observed before its action: its evidence is
// the screen on which iAM Smart is triggered.
func (c *cellRun) step(i int, s *journeys.Step, started time.Time, pendingTrigger *int, last bool) *journeys.StepResult {
	sr := &journeys.StepResult{Index: i, Step: s, Started: started, Status: journeyproof.StatusPassed, Scale: c.cell.Device.Scale}
	m := c.log.mark()
	observeFirst := s.Trigger && s.IsInteraction()
	if observeFirst {
		if err := c.observe(i, s, sr); err != nil {
			return c.fail(sr, m, err)
		}
	}
	act, err := c.actionOf(s)
	if err != nil {
		return c.fail(sr, m, err)
	}
	acted := time.Now()
	if !readsOnly(s.Action) {
		c.prev = nil
	}
	actx, cancel := context.WithTimeout(c.ctx, c.timeout(s))
	saw, err := act.run(actx, c)
	cancel()
	sr.Point, sr.Phone = saw.point, saw.phone
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("timed out after %s: %w", c.timeout(s), err)
		}
		return c.fail(sr, m, err)
	}
	sr.Outcome = saw.outcome
	c.waitFrame()
	if !observeFirst {
		if err := c.observe(i, s, sr); err != nil {
			return c.fail(sr, m, err)
		}
	}
	if s.Trigger {
		*pendingTrigger = 3 // look for the trigger's request in this and the next two steps
	}
	if *pendingTrigger > 0 && c.r.Checker != nil {
		if err := c.checkTrigger(i, s, sr, m, acted, pendingTrigger, last); err != nil {
			return c.fail(sr, m, fmt.Errorf("check trigger request: %w", err))
		}
	}
	console, failed, requests := c.log.since(m)
	sr.Console, sr.FailedRequests, sr.Navigations = console, failed, requests
	sr.Ended = time.Now()
	return sr
}

// checkTrigger looks for the authorisation request of a pending trigger
// among the document requests since m. A trigger that acts (click, press)
// sends it: the runner asks the Checker again at each new document request
// or popup until the step's timeout, then lets it report that none came.
// Another trigger step (a goto) is looked after in this and the next two
// steps.
func (c *cellRun) checkTrigger(i int, s *journeys.Step, sr *journeys.StepResult, m mark, acted time.Time, pending *int, last bool) error {
	wait := s.Trigger && s.IsInteraction()
	deadline := acted.Add(c.timeout(s))
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		final := (wait && !time.Now().Before(deadline)) || (!wait && (*pending == 1 || last))
		next := c.log.changed()
		sent, seen := c.log.sentSince(m)
		tc, err := c.r.Checker.CheckTrigger(c.ctx, TriggerInput{Cell: c.cell, Step: s, Index: i, Requests: sent, Seen: seen,
			Final: final, Waited: time.Since(acted).Round(100 * time.Millisecond)})
		if err != nil {
			return err
		}
		if tc.Request != "" || final {
			sr.Request = tc.Request
			sr.Findings = append(sr.Findings, waive(tc.Findings, s.Waive)...)
			*pending = 0
			return nil
		}
		if !wait {
			*pending--
			return nil
		}
		select {
		case <-c.ctx.Done():
			return c.ctx.Err()
		case <-next:
		case <-timer.C:
		}
	}
}

// fail records a failing step: the error, a failure screenshot, and what
// the page logged so far.
func (c *cellRun) fail(sr *journeys.StepResult, m mark, err error) *journeys.StepResult {
	if g := c.gone(); g != nil {
		err = g // what the step saw (a cancelled call) follows from it
	}
	sr.Status = journeyproof.StatusFailed
	sr.Error = oneLine(err.Error())
	// The cell's own context may be done (a timeout of the step is not).
	octx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	if sr.URL == "" {
		if g, err := c.geometry(octx); err == nil {
			sr.URL, sr.Title = g.URL, g.Title
		} else {
			sr.URL, _ = chromedp.Run(octx, chromedp.Location())
		}
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
func (c *cellRun) observe(i int, s *journeys.Step, sr *journeys.StepResult) error {
	// the settle and the wait for the screen take up to the step's timeout
	octx, cancel := context.WithTimeout(c.ctx, 30*time.Second+c.timeout(s))
	defer cancel()
	// The page settles first, so that the scroll position and the mask
	// boxes are those of the screenshots.
	var changing bool
	settleStart := time.Now()
	if err := c.waitReady(octx, ScreenInput{Cell: c.cell, Step: s, Index: i, World: c.world}, c.timeout(s)); err != nil {
		return err
	}
	prev := c.unchanged(octx)
	if !c.r.NoScreenshots {
		var err error
		if changing, err = c.settleForCapture(octx); err != nil {
			return fmt.Errorf("settle the page before its screenshots: %w", err)
		}
	}
	g, err := c.geometry(octx)
	if err != nil {
		c.unsettle(octx)
		return fmt.Errorf("read URL, title and scroll position: %w", err)
	}
	sr.URL, sr.Title = g.URL, g.Title
	sr.ScrollX, sr.ScrollY = g.ScrollX, g.ScrollY
	// A page that fits the viewport needs no second, full-page capture.
	fits := g.ScrollX == 0 && g.ScrollY == 0 && g.ScrollW <= g.InnerW && g.ScrollH <= g.InnerH
	if prev != nil && (changing || g != prev.geometry) {
		prev = nil
	}
	if len(s.Mask) > 0 {
		boxes, err := EvalAs[[]journeyproof.Box](octx, c.world, maskScript(s.Mask))
		if err != nil {
			c.unsettle(octx)
			return fmt.Errorf("read mask boxes: %w", err)
		}
		sr.Masks = boxes
	}
	if !c.r.NoScreenshots {
		start := time.Now()
		sr.Times.Settle = start.Sub(settleStart)
		// The video's frames are held while the page is captured: it is
		// still, and each capture would draw a screencast frame of it.
		resume := c.holdFrames()
		stable, err := c.screenshots(octx, i, sr, changing, fits, prev)
		c.unsettle(octx)
		resume()
		if err != nil {
			return err
		}
		if stable {
			c.keep(octx, sr.Screenshot, sr.FullPage, g)
		}
		sr.Times.Screenshots = time.Since(start)
	}
	if c.r.Checker != nil {
		start := time.Now()
		sc, err := c.r.Checker.CheckScreen(octx, ScreenInput{Cell: c.cell, Step: s, Index: i, Screenshot: sr.Screenshot, FullPage: sr.FullPage, World: c.world})
		if err != nil {
			return fmt.Errorf("check screen: %w", err)
		}
		sr.Times.Check = time.Since(start)
		sr.Findings = append(sr.Findings, waive(sc.Findings, s.Waive)...)
		sr.Entries = sc.Entries
	}
	return nil
}

// screenshots takes the step's viewport screenshot (the stable capture)
// and, when the page does not fit the viewport, its full-page screenshot.
// prev, when not nil, is the previous step's observation of this same,
// unchanged page: its viewport capture counts as this one's first, and
// when this step's capture is identical to it, its full-page capture is
// this step's. It reports whether the viewport capture was stable.
func (c *cellRun) screenshots(ctx context.Context, i int, sr *journeys.StepResult, changing, fits bool, prev *observation) (bool, error) {
	var last []byte
	if prev != nil {
		last = prev.viewport
	}
	shot, err := stableViewportPNG(ctx, changing, last)
	if err != nil {
		return false, fmt.Errorf("viewport screenshot: %w", err)
	}
	if !shot.Stable {
		c.r.logger().Warn("the page kept changing: its screenshot is the last of its captures", "cell", c.cell.String(), "step", i+1, "captures", shot.Captures)
	}
	sr.Screenshot, sr.Times.Captures = shot.PNG, shot.Captures
	switch {
	case fits:
		sr.FullPage = sr.Screenshot
	case prev != nil && shot.Stable && shot.Captures == 1:
		sr.FullPage = prev.fullPage
	default:
		if sr.FullPage, err = chromedp.Run(ctx, fullPagePNG()); err != nil {
			return false, fmt.Errorf("full-page screenshot: %w", err)
		}
	}
	return shot.Stable, nil
}

// holdFrames holds the frames of the cell's video, when the observer
// records one (journeys.FrameHolder), and returns the func that lets them
// go on.
func (c *cellRun) holdFrames() func() {
	if c.frames == nil {
		return func() {}
	}
	return c.frames.HoldFrames()
}

// waive marks the findings that a step waives; they are kept, never dropped.
func waive(fs []journeyproof.Finding, ws []journeys.Waiver) []journeyproof.Finding {
	for i := range fs {
		for _, w := range ws {
			if fs[i].Rule == w.Rule {
				fs[i].Waived, fs[i].WaiverReason = true, w.Reason
			}
		}
	}
	return fs
}

// geometry is what observe reads of the page in one evaluation.
type geometry struct {
	URL, Title                         string
	ScrollX, ScrollY, ScrollW, ScrollH float64
	InnerW, InnerH                     float64
}

const geometryScript = `({URL: location.href, Title: document.title, ScrollX: scrollX, ScrollY: scrollY, ScrollW: document.documentElement.scrollWidth, ScrollH: document.documentElement.scrollHeight, InnerW: innerWidth, InnerH: innerHeight})`

// geometry reads the page's URL, title, scroll position and sizes in the
// isolated world.
func (c *cellRun) geometry(ctx context.Context) (geometry, error) {
	return EvalAs[geometry](ctx, c.world, geometryScript)
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
