package chrome

import (
	"context"
	"errors"
	"fmt"

	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// ErrTabCrashed is why a cell fails when its tab's renderer process died
// (killed, out of memory, or a Chromium bug): the steps stop at once
// instead of waiting for their timeout.
var ErrTabCrashed = errors.New("tab crashed")

// ErrBrowserExited is why cells fail when the Chromium process exited
// while they ran or before they started.
var ErrBrowserExited = errors.New("browser exited")

// watchCrash cancels the cell (with ErrTabCrashed, or the reason the tab
// was closed) as soon as its tab crashes or goes away.
func watchCrash(tabCtx context.Context, crashed context.CancelCauseFunc) error {
	c := chromedp.FromContext(tabCtx)
	if c == nil || c.Target == nil {
		return errors.New("watch for crashes: the context has no tab")
	}
	id := c.Target.TargetID
	return chromedp.Listen(tabCtx, func(ev any) {
		switch e := ev.(type) {
		case *inspector.EventTargetCrashed:
			crashed(ErrTabCrashed)
		case *target.EventTargetCrashed:
			if e.TargetID == id {
				crashed(fmt.Errorf("%w (%s)", ErrTabCrashed, e.Status))
			}
		case *inspector.EventDetached:
			if e.Reason == "Render process gone." {
				crashed(ErrTabCrashed)
			}
		}
	})
}

// gone says why a cell's tab cannot go on: the browser exited or the tab
// crashed; nil while it can (or when the cell was only cancelled).
func (r *Runner) gone(cellCtx context.Context) error {
	if err := r.Browser.Exited(); err != nil {
		return err
	}
	if cause := context.Cause(cellCtx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return nil
}
