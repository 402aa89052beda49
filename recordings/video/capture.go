package video

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"journeyproof"
	"journeyproof/journeys"
)

// jpegQuality is the quality of the screencast frames. Chromium encodes
// every frame it sends: at 60 it spends a quarter less time on each than at
// 80, and the frames are re-encoded by x264 anyway.
const jpegQuality = 60

// capture is the screencast of one cell. The tab's event loop queues what
// it sees; one goroutine (loop) writes the frames and acknowledges them, so
// the browser sends the next frames only when the last ones are on disk and
// memory stays flat whatever the length of the journey.
type capture struct {
	src    *Source
	runID  uint
	cell   journeys.Cell
	dir    string
	t0     time.Time
	tab    context.Context
	cancel context.CancelFunc // ends the listeners

	q    queue
	done chan struct{} // closed when loop returns
	end  time.Time     // the end of the cell, set by loop at the stop event

	// Owned by loop until done is closed.
	fw        *frameWriter
	tabs      []*tabSource // the cell's tab first, then the tabs it opened; the last is in front
	frames    int          // frames written
	received  int          // frames the screencasts sent
	refreshes int          // screencasts restarted (see refreshAfter)
	holding   *tabSource   // the tab whose screencast HoldFrames stopped
	err       error

	mu    sync.Mutex
	steps []stepSpan
	// poster is the viewport screenshot the poster is made from: the first
	// trigger step's, else the first step's; posterTrigger says which.
	poster        []byte
	posterTrigger bool
	// held is set by HoldFrames until StepDone: the step's full-page
	// screenshot was taken with the screencast stopped, and the restarted
	// screencast sent the screen as it is.
	held bool
}

// tabSource is a tab whose frames the capture uses while it is in front.
type tabSource struct {
	id     target.ID
	ctx    context.Context
	cancel context.CancelFunc // nil for the cell's own tab
	last   []byte             // its latest frame
	// live is set once the tab shows a page: before its first navigation a
	// new tab's screencast sends what is left on its surface, not a page.
	live bool
	// stale is set while the tab's latest frame is not of the device's size
	// (a full-page screenshot made the page taller); gen counts those
	// frames, so that only the last one's refresh runs.
	stale bool
	gen   int
}

// refreshAfter is how long a tab may go without a frame of the device's
// size, after one that was not or after a full-page screenshot, before its
// screencast is restarted. Chromium's screencast sends a frame only when
// the page changes; it drops the first frame after the screen changes size,
// and frames while too many are unacknowledged (a loaded machine). A
// full-page screenshot resizes the page and back, and the frame of the
// restored page can be lost that way: nothing more comes until the page
// changes again, and the video would go on showing what was on screen
// before (a CI run's poster showed the login page's bare background). A
// restarted screencast sends the screen as it is.
const refreshAfter = 150 * time.Millisecond

// shows reports whether a URL is a page (not the blank start of a tab).
func shows(url string) bool { return url != "" && !strings.HasPrefix(url, "about:") }

// event is one thing the event loops of the tabs saw.
type event struct {
	tab    *tabSource
	frame  *page.EventScreencastFrame
	at     time.Time
	opened *target.Info
	closed target.ID
	live   bool // the tab navigated to a page
	stop   bool
	// refresh restarts the tab's screencast if its frame gen is still
	// the latest and still not of the device's size.
	refresh bool
	gen     int
	// resized: a step took a full-page screenshot, which resizes the page
	// and back.
	resized bool
	// hold stops the screencast of the tab in front, resume starts it
	// again (HoldFrames); ack is closed when the loop has done it.
	hold, resume bool
	ack          chan struct{}
}

// queue is an unbounded FIFO that never blocks a tab's event loop. The
// screencast sends at most a few frames before they are acknowledged, so it
// stays short.
type queue struct {
	mu    sync.Mutex
	items []event
	wake  chan struct{}
}

func (q *queue) push(e event) {
	q.mu.Lock()
	q.items = append(q.items, e)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *queue) take() []event {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = nil
	return items
}

func (q *queue) wait() []event {
	for {
		if items := q.take(); len(items) > 0 {
			return items
		}
		<-q.wake
	}
}

func startCapture(ctx context.Context, s *Source, runID uint, cell journeys.Cell, dir string, tabID target.ID) (*capture, error) {
	fw, err := newFrameWriter(dir, s.fps)
	if err != nil {
		return nil, err
	}
	lctx, cancel := context.WithCancel(ctx)
	c := &capture{src: s, runID: runID, cell: cell, dir: dir, t0: time.Now(), tab: ctx, cancel: cancel,
		q: queue{wake: make(chan struct{}, 1)}, done: make(chan struct{}), fw: fw}
	main := &tabSource{id: tabID, ctx: ctx}
	c.tabs = []*tabSource{main}
	if err := chromedp.Listen(lctx, c.listener(main)); err != nil {
		cancel()
		fw.close()
		return nil, fmt.Errorf("video: listen to the tab: %w", err)
	}
	if url, err := chromedp.Run(ctx, chromedp.Location()); err == nil && shows(url) {
		main.live = true
	}
	// Until the first page shows, the tab is blank.
	if err := fw.add(blankFrame(cell.Device), 0); err != nil {
		cancel()
		fw.close()
		return nil, err
	}
	c.frames++
	go c.loop()
	if err := c.startScreencast(ctx); err != nil {
		c.q.push(event{stop: true, at: time.Now()})
		<-c.done
		cancel()
		return nil, fmt.Errorf("video: start the screencast: %w", err)
	}
	return c, nil
}

// startScreencast asks for JPEG frames at the device's CSS size (a mobile
// device's frames are not three times larger).
func (c *capture) startScreencast(ctx context.Context) error {
	q := int64(jpegQuality)
	d := c.cell.Device
	_, err := chromedp.Call(ctx, page.StartScreencast, page.StartScreencastParams{
		Format: page.StartScreencastFormatJpeg, Quality: &q, MaxWidth: d.Width, MaxHeight: d.Height,
	})
	return err
}

// listener runs in a tab's event loop: it only queues.
func (c *capture) listener(ts *tabSource) func(ev any) {
	return func(ev any) {
		switch e := ev.(type) {
		case *page.EventScreencastFrame:
			c.q.push(event{tab: ts, frame: e, at: time.Now()})
		case *target.EventTargetCreated:
			if e.TargetInfo != nil && e.TargetInfo.Type == "page" && e.TargetInfo.OpenerID != "" {
				c.q.push(event{opened: e.TargetInfo})
			}
		case *target.EventTargetDestroyed:
			c.q.push(event{closed: e.TargetID})
		case *page.EventFrameNavigated:
			if e.Frame != nil && e.Frame.ParentID == "" && shows(e.Frame.URL) {
				c.q.push(event{tab: ts, live: true})
			}
		}
	}
}

func (c *capture) front() *tabSource { return c.tabs[len(c.tabs)-1] }

func (c *capture) find(id target.ID) int {
	for i, t := range c.tabs {
		if t.id == id {
			return i
		}
	}
	return -1
}

// loop handles the queued events until the stop event.
func (c *capture) loop() {
	defer close(c.done)
	for {
		for _, e := range c.q.wait() {
			switch {
			case e.frame != nil:
				c.onFrame(e, true)
			case e.opened != nil:
				c.onOpened(e.opened)
			case e.closed != "":
				c.onClosed(e.closed)
			case e.live:
				e.tab.live = true
			case e.refresh:
				c.refresh(e.tab, e.gen)
			case e.resized:
				c.watch(c.front(), false)
			case e.hold:
				c.hold()
				close(e.ack)
			case e.resume:
				c.unhold()
				close(e.ack)
			case e.stop:
				c.end = e.at
				c.stop()
				return
			}
		}
	}
}

// frameTime is when the browser drew the frame (when it arrived, if the
// browser does not say).
func frameTime(e event) time.Time {
	if m := e.frame.Metadata; m != nil && m.Timestamp > 0 {
		sec := float64(m.Timestamp)
		return time.Unix(0, int64(math.Round(sec*1e9)))
	}
	return e.at
}

// onFrame keeps the frame as its tab's latest, writes it when its tab is in
// front, and acknowledges it.
func (c *capture) onFrame(e event, ack bool) {
	c.received++
	at := frameTime(e)
	ok := e.tab.live && c.fits(e.frame)
	if e.tab.live && ack {
		c.watch(e.tab, ok)
	}
	if ok && (c.end.IsZero() || !at.After(c.end)) {
		e.tab.last = e.frame.Data
		if e.tab == c.front() {
			c.write(e.frame.Data, at)
		}
	}
	if ack {
		c.ack(e)
	}
}

// ack acknowledges a frame, so that the screencast sends more.
func (c *capture) ack(e event) {
	call := func() {
		ctx, cancel := context.WithTimeout(e.tab.ctx, 5*time.Second)
		chromedp.Call(ctx, page.ScreencastFrameAck, page.ScreencastFrameAckParams{SessionID: e.frame.SessionID})
		cancel()
	}
	if d := c.src.ackDelay - time.Since(e.at); c.src.ackDelay > 0 && d > 0 {
		time.AfterFunc(d, call)
		return
	}
	call()
}

// fits reports whether a frame shows the device's screen. A full-page
// screenshot briefly makes the page as large as the document, and a new tab
// starts at another size before it takes the device's: the screencast sends
// those frames too, and they are not what the user sees.
func (c *capture) fits(f *page.EventScreencastFrame) bool {
	d := c.cell.Device
	near := func(a, b float64) bool { return math.Abs(a-b) <= 2 }
	if m := f.Metadata; m != nil && (!near(m.DeviceWidth, float64(d.Width)) || !near(m.DeviceHeight, float64(d.Height))) {
		return false
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(f.Data))
	return err == nil && near(float64(cfg.Width), float64(d.Width)) && near(float64(cfg.Height), float64(d.Height))
}

func (c *capture) write(data []byte, at time.Time) {
	if c.err != nil {
		return
	}
	if err := c.fw.add(data, at.Sub(c.t0)); err != nil {
		c.err = err
		return
	}
	c.frames++
}

// watch notes whether a tab's latest frame is of the device's size; after
// one that is not, or a full-page screenshot (whose frames Chromium may
// drop, as it drops the first frame after any change of size), it asks for
// a refresh unless a frame of the device's size comes within refreshAfter.
func (c *capture) watch(ts *tabSource, fits bool) {
	if fits {
		ts.stale = false
		return
	}
	ts.stale = true
	ts.gen++
	gen := ts.gen
	time.AfterFunc(refreshAfter, func() { c.q.push(event{tab: ts, refresh: true, gen: gen}) })
}

// refresh restarts the screencast of a tab that is still without a frame
// of the device's size since frame gen.
func (c *capture) refresh(ts *tabSource, gen int) {
	if !ts.stale || ts.gen != gen || c.find(ts.id) < 0 || c.holding == ts {
		return
	}
	c.refreshes++
	ctx, cancel := context.WithTimeout(ts.ctx, 5*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, page.StopScreencast, cdp.Empty{}); err != nil {
		return
	}
	if err := c.startScreencast(ctx); err != nil {
		c.src.logger.Debug("video: restart the screencast", "err", err)
	}
}

// HoldFrames stops the screencast of the tab in front while the runner
// captures a still page (journeys.FrameHolder): each capture would make
// Chromium draw and encode a screencast frame of the same picture, which
// doubles the capture's cost. The func it returns starts the screencast
// again; a restarted screencast sends the screen as it is, so the video
// goes on from the page as it was captured.
func (c *capture) HoldFrames() func() {
	if c.src.noHold || !c.call(event{hold: true}) {
		return func() {}
	}
	c.mu.Lock()
	c.held = true
	c.mu.Unlock()
	return func() { c.call(event{resume: true}) }
}

// call queues e for the loop and waits until the loop has handled it; it
// reports false when the loop had ended (the cell's capture finished).
func (c *capture) call(e event) bool {
	e.ack = make(chan struct{})
	c.q.push(e)
	select {
	case <-e.ack:
		return true
	case <-c.done:
		return false
	}
}

// hold stops the screencast of the tab in front.
func (c *capture) hold() {
	if c.holding != nil {
		return
	}
	ts := c.front()
	ctx, cancel := context.WithTimeout(ts.ctx, 2*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, page.StopScreencast, cdp.Empty{}); err != nil {
		c.src.logger.Debug("video: hold the screencast", "err", err)
		return
	}
	c.holding = ts
}

// unhold starts the screencast that hold stopped.
func (c *capture) unhold() {
	ts := c.holding
	if ts == nil {
		return
	}
	c.holding = nil
	if c.find(ts.id) < 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ts.ctx, 5*time.Second)
	defer cancel()
	if err := c.startScreencast(ctx); err != nil {
		c.src.logger.Debug("video: start the screencast again", "err", err)
	}
}

// onOpened follows a tab that a captured tab opened: it shows the tab at
// the cell's device size and captures it while it is in front.
func (c *capture) onOpened(info *target.Info) {
	if c.find(info.OpenerID) < 0 || c.find(info.TargetID) >= 0 {
		return
	}
	pctx, cancel := chromedp.NewContext(c.tab, chromedp.WithTargetID(info.TargetID))
	ts := &tabSource{id: info.TargetID, ctx: pctx, cancel: cancel}
	if err := chromedp.Listen(pctx, c.listener(ts)); err != nil {
		cancel()
		c.src.logger.Warn("video: cannot follow a new tab", "run", c.runID, "err", err)
		return
	}
	d := c.cell.Device
	if _, err := chromedp.Call(pctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: d.Width, Height: d.Height, DeviceScaleFactor: d.Scale, Mobile: d.Mobile,
	}); err != nil {
		c.src.logger.Debug("video: new tab size", "err", err)
	}
	if err := c.startScreencast(pctx); err != nil {
		cancel()
		c.src.logger.Debug("video: new tab closed before its screencast started", "err", err)
		return
	}
	if url, err := chromedp.Run(pctx, chromedp.Location()); err == nil && shows(url) {
		ts.live = true
	}
	c.tabs = append(c.tabs, ts)
}

// onClosed drops a closed tab; when it was in front, the tab behind it
// comes back on screen.
func (c *capture) onClosed(id target.ID) {
	i := c.find(id)
	if i <= 0 {
		return
	}
	wasFront := i == len(c.tabs)-1
	c.tabs[i].cancel()
	c.tabs = append(c.tabs[:i], c.tabs[i+1:]...)
	if f := c.front(); wasFront && f.last != nil {
		c.write(f.last, time.Now())
	}
}

// stop ends the screencasts, writes the frames that were already sent and
// closes the index.
func (c *capture) stop() {
	for _, t := range c.tabs {
		ctx, cancel := context.WithTimeout(t.ctx, 2*time.Second)
		chromedp.Call(ctx, page.StopScreencast, cdp.Empty{})
		cancel()
	}
	// The frames sent before the screencast stopped are queued by now.
	for _, e := range c.q.take() {
		if e.frame != nil {
			c.onFrame(e, false)
		}
	}
	for _, t := range c.tabs[1:] {
		t.cancel()
	}
	if err := c.fw.close(); err != nil && c.err == nil {
		c.err = err
	}
}

// StepStarted marks the start of a step (and of its chapter).
func (c *capture) StepStarted(index int, step *journeys.Step, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.steps = append(c.steps, stepSpan{Index: index, Name: step.Name, Start: at.Sub(c.t0), Trigger: step.Trigger, Interaction: step.IsInteraction()})
}

// StepDone records how the step ended.
func (c *capture) StepDone(res *journeys.StepResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.steps {
		if c.steps[i].Index == res.Index {
			c.steps[i].End = res.Ended.Sub(c.t0)
			c.steps[i].Failed = res.Status != journeyproof.StatusPassed
			c.steps[i].Error = res.Error
		}
	}
	if res.FullPage != nil && !bytes.Equal(res.FullPage, res.Screenshot) && !c.held {
		c.q.push(event{resized: true})
	}
	c.held = false
	if res.Screenshot != nil && !c.posterTrigger && (c.poster == nil || res.Step.Trigger) {
		c.poster, c.posterTrigger = res.Screenshot, res.Step.Trigger
	}
}

// Finish ends the capture at the end of the cell; the video is encoded in
// the background, and stored is called when it is stored (or will not be).
func (c *capture) Finish(res *journeys.CellResult, stored func(error)) {
	end := res.Ended
	if end.IsZero() {
		end = time.Now()
	}
	c.q.push(event{stop: true, at: end})
	<-c.done
	c.cancel()
	c.src.logger.Debug("video captured", "run", c.runID, "cell", c.cell.String(), "received", c.received, "kept", c.fw.written, "refreshes", c.refreshes, "seconds", c.end.Sub(c.t0).Seconds())
	c.src.mu.Lock()
	c.src.encoded.received += c.received
	c.src.encoded.kept += c.fw.written
	c.src.mu.Unlock()
	c.src.finish(c, res, stored)
}

// job is what the encode of one capture needs.
type job struct {
	runID uint
	cell  journeys.Cell
	dir   string
	// lead is how many video frames come before the capture started: the
	// cell's set-up (opening the tab), shown as the first frame, so that the
	// video lasts as long as the run.
	lead int64
	// captured is how long the capture ran.
	captured time.Duration
	steps    []stepSpan
	poster   []byte // viewport screenshot (PNG) of the poster's step, nil without screenshots
}

func (c *capture) job(res *journeys.CellResult) *job {
	c.mu.Lock()
	defer c.mu.Unlock()
	var lead int64
	if !res.Started.IsZero() && res.Started.Before(c.t0) {
		lead = int64(math.Round(c.t0.Sub(res.Started).Seconds() * float64(c.src.fps)))
	}
	return &job{runID: c.runID, cell: c.cell, dir: c.dir, lead: lead, captured: c.end.Sub(c.t0), steps: append([]stepSpan(nil), c.steps...), poster: c.poster}
}

// blankFrame is a white frame of the device's size: the tab before its
// first page.
func blankFrame(d journeyproof.Device) []byte {
	// RGBA, so that the JPEG is YCbCr 4:2:0 like the screencast's frames:
	// ffmpeg restarts its filters at a change of format, and loses time there.
	img := image.NewRGBA(image.Rect(0, 0, int(d.Width), int(d.Height)))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	var buf bytes.Buffer
	jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality})
	return buf.Bytes()
}
