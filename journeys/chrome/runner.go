// Package chrome runs journeys in Chromium with chromedp: the Browser (one
// per invocation, started or attached over CDP), the Runner (one browser
// context per cell, several cells at once), the step actions and
// selectors, the isolated World every read of a page runs in, and the
// waits for a page to settle before its screen is judged.
//
// It reports what it observes to a journeys.Observer and asks a Checker
// (a small interface defined here) for each screen's findings; the
// command line hands it the evidence store and the verifier.
package chrome

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"journeyproof"
	"journeyproof/journeys"
)

// ScreenInput is what a Checker gets to check one step's screen.
type ScreenInput struct {
	Cell  journeys.Cell
	Step  *journeys.Step
	Index int
	// Screenshot is the viewport PNG and FullPage the full-page PNG, at
	// Cell.Device.Scale pixels per CSS px (nil when screenshots are off).
	// Element boxes are in document coordinates, as FullPage shows them.
	Screenshot []byte
	FullPage   []byte
	// World is the tab's isolated world, where a Checker reads the page
	// (never in the page's own JavaScript world, which the page controls).
	World *World
}

// ScreenCheck is a Checker's verdict on one screen.
type ScreenCheck struct {
	Findings []journeyproof.Finding
	Entries  []journeyproof.Entry
}

// TriggerInput is what a Checker gets to check the request a trigger sent.
type TriggerInput struct {
	Cell  journeys.Cell
	Step  *journeys.Step
	Index int
	// Requests are the URLs of the document requests made since the
	// trigger action began, in order (read from the network events), and
	// of the pages popup tabs it opened reached. A urlencoded POST form's
	// fields are added to its URL's query.
	Requests []string
	// Seen names the same requests for messages: "GET URL", "POST URL"
	// (without the form's fields) or "POPUP URL".
	Seen []string
	// Final is set on the last look for the trigger's request: the step's
	// timeout has passed (or the steps after the trigger have run) and a
	// Checker that still finds none reports it.
	Final bool
	// Waited is how long the runner waited for the request.
	Waited time.Duration
}

// TriggerCheck is a Checker's verdict on a trigger's request.
type TriggerCheck struct {
	// Request is the authorisation request found, "" when none yet.
	Request  string
	Findings []journeyproof.Finding
}

// Checker checks each step's screen and a trigger's request. The verifier
// implements it; the runner only calls it.
type Checker interface {
	CheckScreen(ctx context.Context, in ScreenInput) (ScreenCheck, error)
	CheckTrigger(ctx context.Context, in TriggerInput) (TriggerCheck, error)
}

// Runner runs cells in one shared browser.
type Runner struct {
	Browser *Browser
	// BaseURL is the origin relative URLs resolve against.
	BaseURL string
	// Parallel bounds the cells run at once; 0 means the number of CPUs.
	Parallel int
	// Screenshots turns per-step screenshots off when false.
	NoScreenshots bool
	Observer      journeys.Observer
	Checker       Checker
	// Animations is AnimationsDisabled ("" too: finite CSS animations and
	// transitions finished, infinite ones paused while the screenshots are
	// taken) or AnimationsAllow.
	Animations string
	// NoSettle judges each screen as soon as the action is done, without
	// waiting for the network and the DOM to be quiet (quiet.go).
	NoSettle bool
	// StepTimeout is the default step timeout (15s when zero).
	StepTimeout time.Duration
	// Progress, when set, gets progress events (called from many goroutines).
	Progress func(journeys.Event)
	Logger   *slog.Logger
}

// Run runs the cells, at most Parallel at a time, and returns their
// results in the order given. A failing cell does not stop the others.
func (r *Runner) Run(ctx context.Context, cells []journeys.Cell) []journeys.CellResult {
	par := r.Parallel
	if par <= 0 {
		par = runtime.NumCPU()
	}
	results := make([]journeys.CellResult, len(cells))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(par, len(cells)) {
		wg.Go(func() {
			for i := range next {
				if ctx.Err() != nil {
					results[i] = journeys.CellResult{Cell: cells[i], Status: journeyproof.StatusInterrupted, Error: "interrupted before it started"}
					continue
				}
				results[i] = r.RunCell(ctx, cells[i])
			}
		})
	}
	for i := range cells {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

func (r *Runner) emit(ev journeys.Event) {
	if r.Progress != nil {
		r.Progress(ev)
	}
}

// runID is the id of the run the Observer stored for cell, 0 when it
// stores no runs (journeys.RunIDs).
func (r *Runner) runID(cell journeys.Cell) uint {
	if ids, ok := r.Observer.(journeys.RunIDs); ok {
		return ids.RunID(cell)
	}
	return 0
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

// RunCell runs one cell in a new browser context.
func (r *Runner) RunCell(ctx context.Context, cell journeys.Cell) (res journeys.CellResult) {
	res = journeys.CellResult{Cell: cell, Started: time.Now(), Findings: map[string]int{}}
	r.emit(journeys.Event{Kind: journeys.EventCellStart, Cell: cell})
	defer func() {
		res.Ended = time.Now()
		r.emit(journeys.Event{Kind: journeys.EventCellEnd, Cell: cell, RunID: res.RunID, Status: res.Status, Error: res.Error, Result: &res})
	}()

	// A crashed tab cancels the cell's context with the crash as its cause.
	cellCtx, crashed := context.WithCancelCause(r.Browser.Context())
	defer crashed(nil)
	tabCtx, cancel := chromedp.NewContext(cellCtx, chromedp.WithNewBrowserContext())
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	gone := func() error { return r.gone(cellCtx) }
	// early ends a cell that failed before its first step, and records it.
	early := func(what string, err error) journeys.CellResult {
		res.Status, res.Error = journeyproof.StatusFailed, fmt.Sprintf("%s %s: %v", what, cell, err)
		if g := gone(); g != nil {
			res.Error = fmt.Sprintf("%s %s: %v", what, cell, g)
		} else if ctx.Err() != nil {
			res.Status = journeyproof.StatusInterrupted
		}
		res.Ended = time.Now()
		if r.Observer != nil {
			if err := r.Observer.CellFailed(cell, &res); err != nil {
				res.ObserverError = err
				r.logger().Error("evidence not stored", "cell", cell.String(), "err", err)
			}
			res.RunID = r.runID(cell)
		}
		return res
	}
	if err := r.Browser.Exited(); err != nil {
		return early("start", err)
	}

	if err := chromedp.Do(tabCtx, r.emulate(cell)); err != nil {
		return early("set up", err)
	}
	pl := newPageLog(cdp.FrameID(chromedp.FromContext(tabCtx).Target.TargetID))
	pl.tab = chromedp.FromContext(tabCtx).Target.TargetID
	if err := chromedp.Listen(tabCtx, pl.listen); err != nil {
		return early("listen to", err)
	}
	if err := watchCrash(tabCtx, crashed); err != nil {
		return early("listen to", err)
	}
	if err := chromedp.ListenBrowser(tabCtx, pl.listenBrowser); err != nil {
		return early("listen to popups of", err)
	}

	world, err := NewWorld(tabCtx)
	if err != nil {
		return early("set up", err)
	}
	quiet, err := listenQuiet(tabCtx)
	if err != nil {
		return early("listen to", err)
	}
	// frames of other processes: their requests count too (a trigger in a
	// cross-site iframe)
	world.OnFrame = func(fctx context.Context) {
		_ = chromedp.Listen(fctx, pl.listen)
		_ = chromedp.Listen(fctx, quiet.listen)
		// a frame's own target does not take the tab's user agent: its
		// requests (a trigger's source) must name the cell's device. Sent
		// apart: OnFrame runs under the world's lock.
		lang, _ := journeyproof.LookupLanguage(cell.Lang)
		ua := cell.Device.UserAgent
		if ua == "" {
			ua = r.desktopUserAgent()
		}
		go chromedp.Call(fctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: ua, AcceptLanguage: lang.AcceptLanguage})
	}

	var obs journeys.CellObserver
	if r.Observer != nil {
		o, err := r.Observer.StartCell(tabCtx, cell, res.Started)
		res.RunID = r.runID(cell) // a run that could not start may be stored failed
		if err != nil {
			res.Status, res.Error = journeyproof.StatusFailed, fmt.Sprintf("record %s: %v", cell, err)
			return res
		}
		obs = o
	}

	c := &cellRun{r: r, cell: cell, ctx: tabCtx, log: pl, world: world, quiet: quiet, gone: gone}
	if fh, ok := obs.(journeys.FrameHolder); ok {
		c.frames = fh
	}
	res.Status = journeyproof.StatusPassed
	pendingTrigger := 0
	var obsErr []error
	steps := cell.Steps() // the cell's branch
	for i := range steps {
		s := &steps[i]
		started := time.Now()
		if obs != nil {
			obs.StepStarted(i, s, started)
		}
		r.emit(journeys.Event{Kind: journeys.EventStep, Cell: cell, RunID: res.RunID, Index: i, Step: s.Name})
		sr := c.step(i, s, started, &pendingTrigger, i == len(steps)-1)
		res.Steps++
		for _, f := range sr.Findings {
			if !f.Waived {
				res.Findings[f.Severity]++
			}
		}
		if obs != nil {
			if err := obs.StepDone(sr); err != nil {
				// Evidence that cannot be stored fails the run; what was
				// stored so far is kept.
				obsErr = append(obsErr, err)
				res.Status, res.Error = journeyproof.StatusFailed, fmt.Sprintf("step %d %q: evidence not stored: %s", i+1, s.Name, oneLine(err.Error()))
				break
			}
		}
		if sr.Status != journeyproof.StatusPassed {
			res.Status = journeyproof.StatusFailed
			if ctx.Err() != nil {
				res.Status = journeyproof.StatusInterrupted
			}
			res.Error = fmt.Sprintf("step %d %q: %s", i+1, s.Name, sr.Error)
			break
		}
	}
	res.Ended = time.Now()
	if obs != nil {
		if err := obs.CellDone(&res); err != nil {
			obsErr = append(obsErr, err)
		}
	}
	res.ObserverError = errors.Join(obsErr...)
	if res.ObserverError != nil && res.Status == journeyproof.StatusPassed {
		res.Status, res.Error = journeyproof.StatusFailed, "evidence not stored: "+oneLine(res.ObserverError.Error())
	}
	if res.ObserverError != nil {
		r.logger().Error("evidence not stored", "cell", cell.String(), "err", res.ObserverError)
	}
	return res
}

// DesktopUserAgent is the user agent of desktop cells: Chromium's own, without
// the "Headless" marker that some services treat differently.
func (r *Runner) desktopUserAgent() string {
	v := r.Browser.Version()
	if i := strings.Index(v, "/"); i >= 0 {
		v = v[i+1:]
	}
	major := v
	if i := strings.Index(v, "."); i >= 0 {
		major = v[:i]
	}
	return "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/" + major + ".0.0.0 Safari/537.36"
}

// emulate sets the device, language and time zone of a cell's tab.
func (r *Runner) emulate(cell journeys.Cell) chromedp.Action[chromedp.Void] {
	lang, _ := journeyproof.LookupLanguage(cell.Lang)
	d := cell.Device
	ua := d.UserAgent
	if ua == "" {
		ua = r.desktopUserAgent()
	}
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		var opts []chromedp.EmulateViewportOption
		opts = append(opts, chromedp.EmulateScale(d.Scale))
		if d.Mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		if d.Touch {
			opts = append(opts, chromedp.EmulateTouch)
		}
		if _, err := chromedp.EmulateViewport(d.Width, d.Height, opts...)(ctx, t); err != nil {
			return chromedp.Void{}, fmt.Errorf("viewport: %w", err)
		}
		if _, err := chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
			UserAgent: ua, AcceptLanguage: lang.AcceptLanguage,
		}); err != nil {
			return chromedp.Void{}, fmt.Errorf("user agent: %w", err)
		}
		if _, err := chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: lang.Locale}); err != nil {
			return chromedp.Void{}, fmt.Errorf("locale: %w", err)
		}
		if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: journeys.TimeZone}); err != nil {
			return chromedp.Void{}, fmt.Errorf("time zone: %w", err)
		}
		return chromedp.Void{}, nil
	}
}
