package chrome

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
)

// Limits of what a page under test can put in the log: a page that logs
// in a loop must not fill the store. Past them, entries are counted and a
// step reports "N more ... dropped".
const (
	// maxLogPerStep is the most entries of one kind a step keeps.
	maxLogPerStep = 100
	// maxLogPerRun is the most entries of one kind a run keeps.
	maxLogPerRun = 1000
	// maxLogEntry is the longest entry kept, in bytes.
	maxLogEntry = 2000
	// maxRequestURLs is the most request URLs remembered to name failed
	// requests.
	maxRequestURLs = 20000
)

// pageLog collects, from the tab's events, what each step reports besides
// its screenshots: console errors, failed requests and document requests.
type pageLog struct {
	mu       sync.Mutex
	console  []string
	failed   []string
	requests []string // document requests, in order
	// dropped counts the entries of each kind past maxLogPerRun.
	dropped mark
	// sent holds, for each of requests, the URL the trigger check reads:
	// with the fields of a urlencoded POST body added to its query (never
	// stored: a body may hold a password); seen names it for messages
	// ("METHOD URL", "POPUP URL").
	sent, seen []string
	urls       map[network.RequestID]string
	// tab is the target id of the cell's tab: popups it opens are followed.
	tab target.ID
	// popups holds the last URL seen of each popup tab.
	popups map[target.ID]string

	// mainFrame is the tab's main frame; started and stopped count the
	// times it started and stopped loading (they alternate). wake is
	// closed and replaced at each, at each navigation within the document
	// and at each document request or popup URL, for the waiters of
	// changed.
	mainFrame        cdp.FrameID
	started, stopped int
	wake             chan struct{}
}

// newPageLog returns the log of the tab whose main frame is mainFrame.
func newPageLog(mainFrame cdp.FrameID) *pageLog {
	return &pageLog{mainFrame: mainFrame, wake: make(chan struct{})}
}

// add appends an entry, cut to maxLogEntry, unless the run's limit is
// reached, in which case it is counted in *dropped. It reports whether the
// entry was kept.
func add(list *[]string, dropped *int, entry string) bool {
	if len(*list) >= maxLogPerRun {
		*dropped++
		return false
	}
	if len(entry) > maxLogEntry {
		cut := maxLogEntry
		for cut > 0 && !utf8.RuneStart(entry[cut]) {
			cut--
		}
		entry = entry[:cut] + "…"
	}
	*list = append(*list, entry)
	return true
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
			add(&p.console, &p.dropped.console, "console."+string(e.Type)+": "+strings.Join(parts, " "))
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
		add(&p.console, &p.dropped.console, fmt.Sprintf("uncaught exception: %s (%s:%d)", msg, d.URL, d.LineNumber+1))
	case *cdplog.EventEntryAdded:
		if e.Entry.Level == cdplog.EntryLevelError && e.Entry.Source != cdplog.EntrySourceNetwork {
			add(&p.console, &p.dropped.console, string(e.Entry.Source)+": "+e.Entry.Text)
		}
	case *network.EventRequestWillBeSent:
		if p.urls == nil {
			p.urls = map[network.RequestID]string{}
		}
		if len(p.urls) < maxRequestURLs {
			p.urls[e.RequestID] = e.Request.Method + " " + e.Request.URL
		}
		if e.Type == network.ResourceTypeDocument {
			// sent and seen stay aligned with requests: past the run's
			// limit, none of the three keeps the request.
			if add(&p.requests, &p.dropped.requests, e.Request.URL) {
				p.sent = append(p.sent, withForm(e.Request))
				p.seen = append(p.seen, e.Request.Method+" "+e.Request.URL)
				p.notify()
			}
		}
	case *network.EventResponseReceived:
		if e.Response.Status >= 400 {
			add(&p.failed, &p.dropped.failed, fmt.Sprintf("%s -> %d %s", p.urls[e.RequestID], e.Response.Status, e.Response.StatusText))
		}
	case *network.EventLoadingFailed:
		if !e.Canceled {
			add(&p.failed, &p.dropped.failed, fmt.Sprintf("%s -> %s", p.urls[e.RequestID], e.ErrorText))
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
	case *page.EventNavigatedWithinDocument:
		if e.FrameID == p.mainFrame {
			p.notify()
		}
	}
}

// listenBrowser follows the popup tabs the cell's tab opens (window.open,
// target=_blank): each URL a popup reaches counts as a navigation of the
// step. It runs in the browser's event loop.
func (p *pageLog) listenBrowser(ev any) {
	var info *target.Info
	switch e := ev.(type) {
	case *target.EventTargetCreated:
		info = e.TargetInfo
	case *target.EventTargetInfoChanged:
		info = e.TargetInfo
	default:
		return
	}
	if info == nil || info.OpenerID == "" || info.OpenerID != p.tab || info.URL == "" || info.URL == "about:blank" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.popups == nil {
		p.popups = map[target.ID]string{}
	}
	if p.popups[info.TargetID] == info.URL {
		return
	}
	p.popups[info.TargetID] = info.URL
	if add(&p.requests, &p.dropped.requests, info.URL) {
		p.sent = append(p.sent, info.URL)
		p.seen = append(p.seen, "POPUP "+info.URL)
		p.notify()
	}
}

// withForm returns the request's URL, with the fields of its body added to
// the query when it is a urlencoded form.
func withForm(r *network.Request) string {
	if r.Method != "POST" || len(r.PostDataEntries) == 0 {
		return r.URL
	}
	ct := ""
	for k, v := range r.Headers {
		if strings.EqualFold(k, "Content-Type") {
			ct, _ = v.(string)
		}
	}
	if !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
		return r.URL
	}
	var body []byte
	for _, e := range r.PostDataEntries {
		body = append(body, e.Bytes...)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return r.URL
	}
	u, err := url.Parse(r.URL)
	if err != nil {
		return r.URL
	}
	q := u.Query()
	for k, vs := range form {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// sentSince returns, for the document requests and popups since m, what
// the trigger check reads (see sent and seen).
func (p *pageLog) sentSince(m mark) (sent, seen []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return clone(p.sent[m.requests:]), clone(p.seen[m.requests:])
}

// changed returns a channel that is closed at the next change of the main
// frame's loading or URL, document request or popup URL. Take it before reading
// what it guards, so that a change in between is not missed.
func (p *pageLog) changed() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.wake
}

// notify wakes the waiters of changed and waitLoad; p.mu is held.
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

// mark is a position in the log: the entries kept and dropped so far;
// started counts the main frame's loads so far, and loading tells that one
// was under way.
type mark struct {
	console, failed, requests int
	dropped                   struct{ console, failed, requests int }
	started                   int
	loading                   bool
}

func (p *pageLog) mark() mark {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := mark{console: len(p.console), failed: len(p.failed), requests: len(p.requests)}
	m.dropped.console, m.dropped.failed, m.dropped.requests = p.dropped.console, p.dropped.failed, p.dropped.requests
	m.started, m.loading = p.started, p.started > p.stopped
	return m
}

// since returns what was logged after m: at most maxLogPerStep entries of
// each kind, then a last entry saying how many more were dropped.
func (p *pageLog) since(m mark) (console, failed, requests []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return capStep(p.console[m.console:], p.dropped.console-m.dropped.console, "console messages"),
		capStep(p.failed[m.failed:], p.dropped.failed-m.dropped.failed, "failed requests"),
		capStep(p.requests[m.requests:], 0, "")
}

// capStep keeps the first maxLogPerStep entries and notes how many more
// there were (beyond them, and beyond the run's limit). Document requests
// (what = "") get no note: they are read as URLs.
func capStep(list []string, droppedInRun int, what string) []string {
	more := droppedInRun
	if len(list) > maxLogPerStep {
		more += len(list) - maxLogPerStep
		list = list[:maxLogPerStep]
	}
	out := clone(list)
	if more > 0 && what != "" {
		out = append(out, fmt.Sprintf("… %d more %s dropped (a step keeps %d, a run %d)", more, what, maxLogPerStep, maxLogPerRun))
	}
	return out
}

func clone(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return append([]string(nil), s...)
}
