package journeys

import (
	"context"
	"fmt"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// exposeScript stores a closed shadow root (this) in the isolated world,
// where the probe and the piercing selectors find it by its host; the page
// cannot see it there.
const exposeScript = `function() { (globalThis.__journeyproofClosed || (globalThis.__journeyproofClosed = new WeakMap())).set(this.host, this); }`

// ExposeClosedShadowRoots hands the closed shadow roots of the current
// document (and of its same-origin frames) to the world: no script can
// reach them, but the DevTools protocol's DOM view pierces them. The world
// keeps them in globalThis.__journeyproofClosed, a WeakMap from host to
// root. It implements verifier.ShadowPiercer.
func (w *World) ExposeClosedShadowRoots(ctx context.Context) error {
	u, err := w.context(ctx)
	if err != nil {
		return err
	}
	w.mu.Lock()
	var id cdpruntime.ExecutionContextID
	for k, v := range w.uniques {
		if v == u {
			id = k
		}
	}
	w.mu.Unlock()
	if id == 0 {
		return fmt.Errorf("closed shadow roots: the isolated world has no context")
	}
	depth, yes := int64(-1), true
	doc, err := chromedp.Call(ctx, dom.GetDocument, dom.GetDocumentParams{Depth: &depth, Pierce: &yes})
	if err != nil {
		return fmt.Errorf("read the DOM through its shadow roots: %w", err)
	}
	var closed []cdp.BackendNodeID
	var walk func(n *cdp.Node)
	walk = func(n *cdp.Node) {
		if n == nil {
			return
		}
		for _, sr := range n.ShadowRoots {
			if sr.ShadowRootType == cdp.ShadowRootTypeClosed {
				closed = append(closed, sr.BackendNodeID)
			}
			walk(sr)
		}
		walk(n.ContentDocument)
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(doc.Root)
	const group = "journeyproof-closed"
	defer chromedp.Call(ctx, cdpruntime.ReleaseObjectGroup, cdpruntime.ReleaseObjectGroupParams{ObjectGroup: group})
	for _, b := range closed {
		obj, err := chromedp.Call(ctx, dom.ResolveNode, dom.ResolveNodeParams{BackendNodeID: b, ExecutionContextID: id, ObjectGroup: group})
		if err != nil {
			continue // gone since, or in a frame the world cannot reach
		}
		r, err := chromedp.Call(ctx, cdpruntime.CallFunctionOn, cdpruntime.CallFunctionOnParams{ObjectID: obj.Object.ObjectID, FunctionDeclaration: exposeScript})
		if err != nil {
			return fmt.Errorf("hand a closed shadow root to the isolated world: %w", err)
		}
		if r.ExceptionDetails != nil {
			return fmt.Errorf("hand a closed shadow root to the isolated world: %s", r.ExceptionDetails.Text)
		}
	}
	return nil
}
