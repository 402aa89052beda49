package chrome

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
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
	// DOM.describeNode, unlike DOM.getDocument, leaves the node ids that
	// chromedp's queries hold as they are.
	const group = "journeyproof-closed"
	defer chromedp.Call(ctx, cdpruntime.ReleaseObjectGroup, cdpruntime.ReleaseObjectGroupParams{ObjectGroup: group})
	docObj, err := chromedp.Call(ctx, cdpruntime.Evaluate, cdpruntime.EvaluateParams{Expression: "document", UniqueContextID: u, ObjectGroup: group})
	if err != nil {
		return fmt.Errorf("closed shadow roots: %w", err)
	}
	depth, yes := int64(-1), true
	doc, err := chromedp.Call(ctx, dom.DescribeNode, dom.DescribeNodeParams{ObjectID: docObj.Result.ObjectID, Depth: &depth, Pierce: &yes})
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
	walk(doc.Node)
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

// ownerScript runs on a frame's iframe element in the top document's
// isolated world: it gives the element's selector (after its shadow
// hosts, " >> ") and where the frame's viewport starts in the top page's
// document coordinates; null when the iframe is not rendered or not in the
// top document.
const ownerScript = `function() {
  const el = this;
  if (el.ownerDocument !== document || !el.getClientRects().length) return null;
  const esc = (s) => CSS.escape(s);
  const local = (e) => {
    const rt = e.getRootNode();
    if (e.id && rt.querySelectorAll("#" + esc(e.id)).length === 1) return (e.localName === "iframe" ? "iframe" : "") + "#" + esc(e.id);
    if (rt.querySelectorAll(e.localName).length === 1) return e.localName;
    const path = [];
    for (let n = e; n && n.parentElement; n = n.parentElement) {
      let i = 1;
      for (let s = n.previousElementSibling; s; s = s.previousElementSibling) if (s.localName === n.localName) i++;
      path.unshift(n.localName + ":nth-of-type(" + i + ")");
    }
    return path.join(" > ");
  };
  let sel = local(el);
  for (let rt = el.getRootNode(); rt.host; rt = rt.host.getRootNode()) sel = local(rt.host) + " >> " + sel;
  const r = el.getBoundingClientRect();
  const s = getComputedStyle(el);
  return {sel, x: r.left + el.clientLeft + parseFloat(s.paddingLeft) + scrollX, y: r.top + el.clientTop + parseFloat(s.paddingTop) + scrollY};
}`

// FrameWorld is the isolated world of a frame Chromium runs in another
// process (a target of its own): it evaluates through the frame's own
// DevTools session.
type FrameWorld struct {
	w   *World
	ctx context.Context // the frame target's chromedp context
}

// in returns the frame's context, ended when ctx ends.
func (f FrameWorld) in(ctx context.Context) (context.Context, context.CancelFunc) {
	cctx, cancel := context.WithCancel(f.ctx)
	stop := context.AfterFunc(ctx, cancel)
	return cctx, func() { stop(); cancel() }
}

// Eval evaluates in the frame's isolated world (see World.Eval).
func (f FrameWorld) Eval(ctx context.Context, expression string) ([]byte, error) {
	cctx, cancel := f.in(ctx)
	defer cancel()
	return f.w.Eval(cctx, expression)
}

// ExposeClosedShadowRoots hands the frame's closed shadow roots to its
// world (see World.ExposeClosedShadowRoots).
func (f FrameWorld) ExposeClosedShadowRoots(ctx context.Context) error {
	cctx, cancel := f.in(ctx)
	defer cancel()
	return f.w.ExposeClosedShadowRoots(cctx)
}

// oopifs returns the frames of the tab that Chromium runs in other
// processes and whose iframe is in the top document, attached to (once per
// frame) and each with its isolated world.
func (w *World) oopifs(ctx context.Context) (map[target.ID]FrameWorld, error) {
	infos, err := chromedp.Targets(ctx)
	if err != nil {
		return nil, fmt.Errorf("list the page's frames: %w", err)
	}
	var bc cdp.BrowserContextID
	for _, in := range infos {
		if in.TargetID == target.ID(w.frame) {
			bc = in.BrowserContextID
		}
	}
	out := map[target.ID]FrameWorld{}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, in := range infos {
		if in.Type != "iframe" || in.BrowserContextID != bc || in.ParentFrameID != w.frame {
			continue
		}
		fw, ok := w.frames[in.TargetID]
		if !ok {
			if w.tab == nil {
				continue
			}
			fctx, _ := chromedp.NewContext(w.tab, chromedp.WithTargetID(in.TargetID), chromedp.WithDetachOnCancel())
			if err := chromedp.Do(fctx); err != nil {
				continue // gone meanwhile
			}
			sub, err := NewWorld(fctx)
			if err != nil {
				continue
			}
			if w.OnFrame != nil {
				w.OnFrame(fctx)
			}
			fw = FrameWorld{w: sub, ctx: fctx}
			if w.frames == nil {
				w.frames = map[target.ID]FrameWorld{}
			}
			w.frames[in.TargetID] = fw
		}
		out[in.TargetID] = fw
	}
	for id := range w.frames {
		if _, ok := out[id]; !ok {
			delete(w.frames, id)
		}
	}
	return out, nil
}

// frameOwner is where a frame's iframe is in the top document.
type frameOwner struct {
	Sel string  `json:"sel"`
	X   float64 `json:"x"`
	Y   float64 `json:"y"`
}

// owner locates the iframe of frame id in the top document; nil when it is
// not rendered there.
func (w *World) owner(ctx context.Context, id target.ID) (*frameOwner, error) {
	ctxID, err := w.contextID(ctx)
	if err != nil {
		return nil, err
	}
	fo, err := chromedp.Call(ctx, dom.GetFrameOwner, dom.GetFrameOwnerParams{FrameID: cdp.FrameID(id)})
	if err != nil {
		return nil, nil // not a frame of this document
	}
	const group = "journeyproof-owner"
	defer chromedp.Call(ctx, cdpruntime.ReleaseObjectGroup, cdpruntime.ReleaseObjectGroupParams{ObjectGroup: group})
	obj, err := chromedp.Call(ctx, dom.ResolveNode, dom.ResolveNodeParams{BackendNodeID: fo.BackendNodeID, ExecutionContextID: ctxID, ObjectGroup: group})
	if err != nil {
		return nil, nil
	}
	yes := true
	r, err := chromedp.Call(ctx, cdpruntime.CallFunctionOn, cdpruntime.CallFunctionOnParams{ObjectID: obj.Object.ObjectID, FunctionDeclaration: ownerScript, ReturnByValue: &yes})
	if err != nil {
		return nil, err
	}
	if r.ExceptionDetails != nil {
		return nil, fmt.Errorf("locate a frame: %s", r.ExceptionDetails.Text)
	}
	if r.Result == nil || string(r.Result.Value) == "null" || len(r.Result.Value) == 0 {
		return nil, nil
	}
	var o frameOwner
	if err := json.Unmarshal(r.Result.Value, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// Frame is a frame of the page that Chromium runs in another process (a
// cross-site iframe): its isolated world, the selector of its iframe in
// the top document, and where its viewport starts in the top page's
// document coordinates (CSS px).
type Frame struct {
	Selector string
	X, Y     float64
	World    FrameWorld
}

// OtherFrames returns the frames of the page that Chromium runs in other
// processes (cross-site iframes) whose iframe is in the top document. The
// verifier probes each on its own and merges what it saw.
func (w *World) OtherFrames(ctx context.Context) ([]Frame, error) {
	fs, err := w.oopifs(ctx)
	if err != nil {
		return nil, err
	}
	var out []Frame
	for id, fw := range fs {
		o, err := w.owner(ctx, id)
		if err != nil {
			return nil, err
		}
		if o == nil {
			continue
		}
		out = append(out, Frame{Selector: o.Sel, X: o.X, Y: o.Y, World: fw})
	}
	slices.SortFunc(out, func(a, b Frame) int { return strings.Compare(a.Selector, b.Selector) })
	return out, nil
}

// contextID is the execution context id of the world in the current
// document.
func (w *World) contextID(ctx context.Context) (cdpruntime.ExecutionContextID, error) {
	u, err := w.context(ctx)
	if err != nil {
		return 0, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for k, v := range w.uniques {
		if v == u {
			return k, nil
		}
	}
	return 0, fmt.Errorf("the isolated world has no context")
}

// oopifTarget finds, for a " >> " selector whose leading parts name an
// iframe Chromium runs in another process, that frame's world and the rest
// of the selector; ok is false for any other selector.
func (c *cellRun) oopifTarget(ctx context.Context, sel string) (fw FrameWorld, id target.ID, rest string, ok bool, err error) {
	if !strings.Contains(sel, Pierce) {
		return fw, "", "", false, nil
	}
	frames, err := c.world.oopifs(ctx)
	if err != nil || len(frames) == 0 {
		return fw, "", "", false, err
	}
	owners := map[cdp.BackendNodeID]target.ID{}
	for fid := range frames {
		if fo, err := chromedp.Call(ctx, dom.GetFrameOwner, dom.GetFrameOwnerParams{FrameID: cdp.FrameID(fid)}); err == nil {
			owners[fo.BackendNodeID] = fid
		}
	}
	parts := strings.Split(sel, Pierce)
	for k := 1; k < len(parts); k++ {
		prefix := strings.Join(parts[:k], Pierce)
		nodes, err := chromedp.Run(ctx, chromedp.Nodes(prefix, append(query(prefix), chromedp.AtLeast(0))...))
		if err != nil || len(nodes) == 0 {
			continue
		}
		if fid, found := owners[nodes[0].BackendNodeID]; found {
			return frames[fid], fid, strings.Join(parts[k:], Pierce), true, nil
		}
	}
	return fw, "", "", false, nil
}

// clickInFrame clicks the element sel finds in a frame of another process:
// it waits for it there, scrolls it into view, and clicks the centre of
// its box with the mouse of the tab, where the frame is drawn.
func (c *cellRun) clickInFrame(ctx context.Context, fw FrameWorld, id target.ID, sel string) error {
	fctx, cancel := fw.in(ctx)
	defer cancel()
	if err := chromedp.Do(fctx, chromedp.WaitVisible(sel, query(sel)...), chromedp.ScrollIntoView(sel, query(sel)...)); err != nil {
		return fmt.Errorf("no visible element %s to click in the frame: %w", sel, err)
	}
	nodes, err := chromedp.Run(fctx, chromedp.Nodes(sel, query(sel)...))
	if err != nil || len(nodes) == 0 {
		return fmt.Errorf("no element %s in the frame: %w", sel, err)
	}
	q, err := chromedp.Call(fctx, dom.GetContentQuads, dom.GetContentQuadsParams{BackendNodeID: nodes[0].BackendNodeID})
	if err != nil || len(q.Quads) == 0 || len(q.Quads[0]) < 8 {
		return fmt.Errorf("no box for %s in the frame: %v", sel, err)
	}
	quad := q.Quads[0]
	x, y := (quad[0]+quad[2]+quad[4]+quad[6])/4, (quad[1]+quad[3]+quad[5]+quad[7])/4
	o, err := c.world.owner(ctx, id)
	if err != nil || o == nil {
		return fmt.Errorf("locate the frame of %s: %v", sel, err)
	}
	scroll, err := EvalAs[[2]float64](ctx, c.world, `[scrollX, scrollY]`)
	if err != nil {
		return err
	}
	return chromedp.Do(ctx, chromedp.MouseClickXY(o.X-scroll[0]+x, o.Y-scroll[1]+y))
}
