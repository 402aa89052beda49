package chrome

import (
	"context"
	"fmt"
)

// Animation policies of the screenshots (Runner.Animations).
const (
	// AnimationsDisabled finishes finite CSS animations and transitions and
	// pauses infinite ones while a step's screenshots are taken (the
	// default, as Playwright's animations: "disabled").
	AnimationsDisabled = "disabled"
	// AnimationsAllow leaves them running.
	AnimationsAllow = "allow"
)

// settleScript runs in the isolated world before a step's screenshots: it
// waits for the fonts and the images (2 s at most), hides the text caret of
// a focused field, and with animations disabled finishes the finite
// animations and pauses the infinite ones. It returns whether the page was
// still changing (something to wait for or a running animation left
// running), in which case the runner compares consecutive captures. When
// it changed the page's look it waits for a frame. undoScript restores
// what it changed.
const settleScript = `(async (disable) => {
  const doc = document;
  let pending = false, changed = false;
  const wait = [];
  if (doc.fonts && doc.fonts.status !== "loaded") { pending = true; wait.push(doc.fonts.ready); }
  for (const img of doc.images) {
    if (img.src && !img.complete) { pending = true; wait.push(img.decode().catch(() => {})); }
  }
  if (wait.length) await Promise.race([Promise.all(wait), new Promise((r) => setTimeout(r, 2000))]);
  const st = window.__journeyproofSettle = {style: null, paused: []};
  const a = doc.activeElement;
  if (a && (a.isContentEditable || a.tagName === "TEXTAREA" || (a.tagName === "INPUT" && !/^(button|submit|reset|checkbox|radio|image|range|color|file|hidden)$/i.test(a.type)))) {
    st.style = doc.createElement("style");
    st.style.textContent = "*, *::before, *::after { caret-color: transparent !important; }";
    (doc.head || doc.documentElement).appendChild(st.style);
    changed = true;
  }
  const anims = doc.getAnimations ? doc.getAnimations() : [];
  for (const an of anims) {
    if (an.playState !== "running") continue;
    if (!disable) { pending = true; continue; }
    const end = an.effect ? an.effect.getComputedTiming().endTime : Infinity;
    if (Number.isFinite(end)) { try { an.finish(); } catch (e) { an.pause(); st.paused.push(an); } }
    else { an.pause(); st.paused.push(an); }
    changed = true;
  }
  if (changed) await new Promise((r) => requestAnimationFrame(() => r()));
  return pending;
})`

const undoScript = `(() => {
  const st = window.__journeyproofSettle;
  if (!st) return true;
  if (st.style) st.style.remove();
  for (const an of st.paused) { try { an.play(); } catch (e) {} }
  window.__journeyproofSettle = null;
  return true;
})()`

// settleForCapture prepares the page for the step's screenshots; it
// reports whether the page was still changing.
func (c *cellRun) settleForCapture(ctx context.Context) (bool, error) {
	disable := c.r.Animations != AnimationsAllow
	return EvalAs[bool](ctx, c.world, fmt.Sprintf("%s(%v)", settleScript, disable))
}

// unsettle restores what settleForCapture changed.
func (c *cellRun) unsettle(ctx context.Context) {
	if _, err := c.world.Eval(ctx, undoScript); err != nil {
		c.r.logger().Debug("restore the page after its screenshots", "cell", c.cell.String(), "err", err)
	}
}
