package chrome

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// WorldName is the name of the isolated world in which journeyproof reads
// the page; DevTools shows it in its list of JavaScript contexts.
const WorldName = "journeyproof"

// World is an isolated JavaScript world in the top frame of one tab, as
// Playwright's utility world: it shares the page's DOM but not its
// JavaScript globals, so a page that replaces JSON.stringify,
// querySelectorAll, getComputedStyle, Map or Array.prototype cannot change
// what the probe, the waits, the mask boxes and the scroll reads see.
//
// A world lives as long as its document: Chromium creates one in each new
// document of the tab (Page.addScriptToEvaluateOnNewDocument with a world
// name), World creates one (Page.createIsolatedWorld) in a document that
// has none, and it follows the page's execution contexts to know which is
// current after a navigation. Create a World with NewWorld before the tab
// navigates.
type World struct {
	mu sync.Mutex
	// cur is the unique id of the world's context in the current document,
	// "" when there is none yet.
	cur string
	// uniques maps the ids of our worlds' contexts to their unique ids, as
	// the context-created events report them.
	uniques map[cdpruntime.ExecutionContextID]string
	created chan struct{} // closed and replaced when a context is created
	// frame is the tab's top frame (a page target's top frame has the
	// target's id).
	frame cdp.FrameID
	// tab is the tab's chromedp context; frames the worlds of its frames
	// in other processes, by target (pierce.go).
	tab    context.Context
	frames map[target.ID]FrameWorld
	// OnFrame, when set, is called with the chromedp context of each frame
	// of another process the world attaches to, so that its events (its
	// requests) can be followed too.
	OnFrame func(ctx context.Context)
}

// NewWorld starts following the execution contexts of the tab of ctx (a
// chromedp context whose tab exists) and returns its isolated world. It
// asks Chromium to create the world in every new document of the tab, as
// Puppeteer does, so that a step's first read finds it there; a document
// that has none (the one already loaded) gets one on its first read.
func NewWorld(ctx context.Context) (*World, error) {
	c := chromedp.FromContext(ctx)
	if c == nil || c.Target == nil {
		return nil, errors.New("isolated world: no tab")
	}
	w := &World{uniques: map[cdpruntime.ExecutionContextID]string{}, created: make(chan struct{}), frame: cdp.FrameID(c.Target.TargetID), tab: ctx}
	if err := chromedp.Listen(ctx, w.listen); err != nil {
		return nil, fmt.Errorf("follow the page's JavaScript contexts: %w", err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: "", WorldName: WorldName}); err != nil {
		return nil, fmt.Errorf("create isolated worlds in new documents: %w", err)
	}
	return w, nil
}

// listen runs in the tab's event loop: it must return fast.
func (w *World) listen(ev any) {
	switch e := ev.(type) {
	case *cdpruntime.EventExecutionContextCreated:
		if e.Context.Name != WorldName {
			return
		}
		var aux struct {
			FrameID cdp.FrameID `json:"frameId"`
		}
		_ = json.Unmarshal(e.Context.AuxData, &aux)
		w.mu.Lock()
		if aux.FrameID == w.frame {
			w.cur = e.Context.UniqueID
		}
		w.uniques[e.Context.ID] = e.Context.UniqueID
		close(w.created)
		w.created = make(chan struct{})
		w.mu.Unlock()
	case *cdpruntime.EventExecutionContextDestroyed:
		w.mu.Lock()
		if e.ExecutionContextUniqueID == w.cur {
			w.cur = ""
		}
		for id, u := range w.uniques {
			if u == e.ExecutionContextUniqueID {
				delete(w.uniques, id)
			}
		}
		w.mu.Unlock()
	case *cdpruntime.EventExecutionContextsCleared:
		w.mu.Lock()
		w.cur = ""
		clear(w.uniques)
		w.mu.Unlock()
	}
}

// context returns the unique id of the world's context in the current
// document, creating the world when the document has none.
func (w *World) context(ctx context.Context) (string, error) {
	w.mu.Lock()
	cur := w.cur
	w.mu.Unlock()
	if cur != "" {
		return cur, nil
	}
	res, err := chromedp.Call(ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{
		FrameID: w.frame, WorldName: WorldName,
	})
	if err != nil {
		return "", fmt.Errorf("create isolated world: %w", err)
	}
	// The context-created event names its unique id; it usually arrives
	// before the command's answer, and always soon after it.
	deadline := time.After(2 * time.Second)
	for {
		w.mu.Lock()
		u, ok := w.uniques[res.ExecutionContextID]
		created := w.created
		if ok {
			w.cur = u
		}
		w.mu.Unlock()
		if ok {
			return u, nil
		}
		select {
		case <-created:
		case <-deadline:
			return "", errors.New("create isolated world: Chromium did not report its context")
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

// forget drops the world's context u after an evaluation found it gone.
func (w *World) forget(u string) {
	w.mu.Lock()
	if w.cur == u {
		w.cur = ""
	}
	w.mu.Unlock()
}

// Eval evaluates a JavaScript expression in the isolated world of the
// tab's current document, awaits it when it is a promise, and returns its
// value as JSON ("null" for undefined). When the document went away
// during the call (a navigation), it evaluates once more in the new one.
func (w *World) Eval(ctx context.Context, expression string) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		u, err := w.context(ctx)
		if err != nil {
			return nil, err
		}
		yes := true
		r, err := chromedp.Call(ctx, cdpruntime.Evaluate, cdpruntime.EvaluateParams{
			Expression: expression, UniqueContextID: u, ReturnByValue: &yes, AwaitPromise: &yes,
		})
		if err == nil && r.ExceptionDetails != nil {
			err = &chromedp.ExceptionError{ExceptionDetails: r.ExceptionDetails}
		}
		if err != nil {
			if attempt == 0 && contextGone(err) {
				w.forget(u)
				continue
			}
			return nil, err
		}
		if r.Result == nil || len(r.Result.Value) == 0 {
			return []byte("null"), nil
		}
		return r.Result.Value, nil
	}
}

// contextGone reports whether an evaluation failed because its document
// (and so its world) went away.
func contextGone(err error) bool {
	s := err.Error()
	return strings.Contains(s, "Cannot find context") || strings.Contains(s, "context was destroyed") ||
		strings.Contains(s, "Execution context was destroyed") || strings.Contains(s, "Inspected target navigated")
}

// EvalAs evaluates expression in the world and decodes its JSON value into
// a T.
func EvalAs[T any](ctx context.Context, w *World, expression string) (T, error) {
	var v T
	raw, err := w.Eval(ctx, expression)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("decode %s: %w", abbreviate(string(raw), 80), err)
	}
	return v, nil
}

func abbreviate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
