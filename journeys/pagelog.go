package journeys

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
)

// pageLog collects, from the tab's events, what each step reports besides
// its screenshots: console errors, failed requests and document requests.
type pageLog struct {
	mu       sync.Mutex
	console  []string
	failed   []string
	requests []string // document requests, in order
	urls     map[network.RequestID]string

	// mainFrame is the tab's main frame; started and stopped count the
	// times it started and stopped loading (they alternate), and wake is
	// closed and replaced at each, for waitLoad.
	mainFrame        cdp.FrameID
	started, stopped int
	wake             chan struct{}
}

// newPageLog returns the log of the tab whose main frame is mainFrame.
func newPageLog(mainFrame cdp.FrameID) *pageLog {
	return &pageLog{mainFrame: mainFrame, wake: make(chan struct{})}
}

// listen runs in the tab's event loop: it must return fast.
func (p *pageLog) listen(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e := ev.(type) {
	case *cdpruntime.EventConsoleAPICalled:
		if e.Type == cdpruntime.ConsoleAPICalledTypeError || e.Type == cdpruntime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range e.Args {
				if len(a.Value) > 0 {
					parts = append(parts, strings.Trim(string(a.Value), `"`))
				} else if a.Description != "" {
					parts = append(parts, a.Description)
				}
			}
			p.console = append(p.console, "console."+string(e.Type)+": "+strings.Join(parts, " "))
		}
	case *cdpruntime.EventExceptionThrown:
		d := e.ExceptionDetails
		msg := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg = d.Exception.Description
			if i := strings.Index(msg, "\n"); i > 0 {
				msg = msg[:i]
			}
		}
		p.console = append(p.console, fmt.Sprintf("uncaught exception: %s (%s:%d)", msg, d.URL, d.LineNumber+1))
	case *cdplog.EventEntryAdded:
		if e.Entry.Level == cdplog.EntryLevelError && e.Entry.Source != cdplog.EntrySourceNetwork {
			p.console = append(p.console, string(e.Entry.Source)+": "+e.Entry.Text)
		}
	case *network.EventRequestWillBeSent:
		if p.urls == nil {
			p.urls = map[network.RequestID]string{}
		}
		p.urls[e.RequestID] = e.Request.Method + " " + e.Request.URL
		if e.Type == network.ResourceTypeDocument {
			p.requests = append(p.requests, e.Request.URL)
		}
	case *network.EventResponseReceived:
		if e.Response.Status >= 400 {
			p.failed = append(p.failed, fmt.Sprintf("%s -> %d %s", p.urls[e.RequestID], e.Response.Status, e.Response.StatusText))
		}
	case *network.EventLoadingFailed:
		if !e.Canceled {
			p.failed = append(p.failed, fmt.Sprintf("%s -> %s", p.urls[e.RequestID], e.ErrorText))
		}
	case *page.EventFrameStartedLoading:
		if e.FrameID == p.mainFrame {
			p.started++
			p.notify()
		}
	case *page.EventFrameStoppedLoading:
		if e.FrameID == p.mainFrame {
			p.stopped++
			p.notify()
		}
	}
}

// notify wakes the waiters of waitLoad; p.mu is held.
func (p *pageLog) notify() {
	close(p.wake)
	p.wake = make(chan struct{})
}

// waitLoad waits, after an action that began at m, for a load of the main
// frame that the action may have started: if the frame starts loading
// within window (or was loading at m), until it stops; otherwise for window.
// A click that follows a link returns when the next page has loaded rather
// than after a fixed delay.
func (p *pageLog) waitLoad(ctx context.Context, m mark, window time.Duration) error {
	timer := time.NewTimer(window)
	defer timer.Stop()
	expired := false
	for {
		p.mu.Lock()
		began := p.started > m.started || m.loading
		idle := p.stopped >= p.started
		wake := p.wake
		p.mu.Unlock()
		switch {
		case began && idle:
			return nil
		case !began && expired:
			return nil
		}
		select {
		case <-wake:
		case <-timer.C:
			expired = true
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// mark is a position in the log: started counts the main frame's loads so
// far, and loading tells that one was under way.
type mark struct {
	console, failed, requests int
	started                   int
	loading                   bool
}

func (p *pageLog) mark() mark {
	p.mu.Lock()
	defer p.mu.Unlock()
	return mark{len(p.console), len(p.failed), len(p.requests), p.started, p.started > p.stopped}
}

// since returns what was logged after m.
func (p *pageLog) since(m mark) (console, failed, requests []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return clone(p.console[m.console:]), clone(p.failed[m.failed:]), clone(p.requests[m.requests:])
}

func clone(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return append([]string(nil), s...)
}
