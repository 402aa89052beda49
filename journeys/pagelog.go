package journeys

import (
	"fmt"
	"strings"
	"sync"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
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
	}
}

// mark is a position in the log.
type mark struct{ console, failed, requests int }

func (p *pageLog) mark() mark {
	p.mu.Lock()
	defer p.mu.Unlock()
	return mark{len(p.console), len(p.failed), len(p.requests)}
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

// settle gives the page a moment so that events of an action that just
// finished reach the log.
const settleDelay = 50 * time.Millisecond
