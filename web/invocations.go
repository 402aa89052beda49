package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"

	"journeyproof"
	"journeyproof/journeys"
)

// StartRequest is what POST /api/runs and the start form take: one journey
// over some of its matrix, under a release, against a base URL.
type StartRequest struct {
	// Journey is one journey's id; Journeys several ("*" for every journey
	// the server can run). Both may be given: the journeys of both run.
	Journey  string   `json:"journey"`
	Journeys []string `json:"journeys,omitempty"`
	// Release is the release label; "dev" when empty.
	Release string `json:"release"`
	// Languages and Devices narrow the journey's matrix; empty means all.
	Languages []string `json:"languages"`
	Devices   []string `json:"devices"`
	// BaseURL is the service under test; empty means the server's default
	// (the sandbox).
	BaseURL string `json:"baseURL"`
}

// Label names the journeys of the request for people: the journey's id,
// or how many journeys and which.
func (r StartRequest) Label() string {
	ids := r.ids()
	switch {
	case len(ids) == 1:
		return ids[0]
	case len(ids) <= 4:
		return fmt.Sprintf("%d journeys: %s", len(ids), strings.Join(ids, ", "))
	}
	return fmt.Sprintf("%d journeys", len(ids))
}

// ids is the request's journey ids, Journey first, without repeats.
func (r StartRequest) ids() []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range append([]string{r.Journey}, r.Journeys...) {
		if id = strings.TrimSpace(id); id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// Invocation is a set of cells started together from the web app. It runs
// in the background; its runs appear in the store as they start.
type Invocation struct {
	ID      int              `json:"id"`
	Request StartRequest     `json:"request"`
	State   string           `json:"state"` // queued, running, done, interrupted
	Error   string           `json:"error,omitempty"`
	Cells   []InvocationCell `json:"cells"`
	Created time.Time        `json:"created"`
	Started *time.Time       `json:"started,omitempty"`
	Ended   *time.Time       `json:"ended,omitempty"`
	Passed  int              `json:"passed"`
	Failed  int              `json:"failed"`
}

// InvocationCell is the progress of one cell of an invocation.
type InvocationCell struct {
	Cell    string `json:"cell"`
	Journey string `json:"journey"`
	Lang    string `json:"lang"`
	Device  string `json:"device"`
	// Status is queued, running, or the run's final status.
	Status string `json:"status"`
	RunID  uint   `json:"runId,omitempty"`
	// Step is the number (from 1) of the step in progress or last done;
	// Steps the number of steps of the journey.
	Step     int    `json:"step"`
	StepName string `json:"stepName,omitempty"`
	Steps    int    `json:"steps"`
	Error    string `json:"error,omitempty"`
	Errors   int    `json:"errors"`
	Warnings int    `json:"warnings"`
}

// Done reports whether the invocation has ended.
func (inv *Invocation) Done() bool {
	return inv.State == stateDone || inv.State == journeyproof.StatusInterrupted
}

// maxQueued bounds the invocations waiting to run.
const maxQueued = 20

// keepInvocations is how many invocations the server remembers.
const keepInvocations = 100

// invocations queues the invocations and runs them one at a time.
type invocations struct {
	s     *Server
	mu    sync.Mutex
	next  int
	all   []*invocation // oldest first
	queue chan *invocation
	done  chan struct{} // closed when the worker ends
	// the event streams that watch an invocation or a run.
	invWatch watchers[int]
	runWatch watchers[uint]
	active   map[uint]bool // runs of this process in progress
}

type invocation struct {
	Invocation
	cells []journeys.Cell
}

func newInvocations(s *Server) *invocations {
	iv := &invocations{s: s, queue: make(chan *invocation, maxQueued), done: make(chan struct{}),
		active: map[uint]bool{}}
	go iv.work()
	return iv
}

// Start validates a request and queues its invocation.
func (s *Server) Start(req StartRequest) (*Invocation, error) {
	if s.o.Starter == nil {
		return nil, errorf(http.StatusServiceUnavailable, "this server cannot start runs")
	}
	req.Release = strings.TrimSpace(req.Release)
	req.BaseURL = strings.TrimSpace(req.BaseURL)
	if req.Release == "" {
		req.Release = "dev"
	}
	if err := checkRelease(req.Release); err != nil {
		return nil, err
	}
	if req.BaseURL == "" {
		req.BaseURL = s.o.BaseURL
	}
	if req.BaseURL == "" {
		return nil, errorf(http.StatusBadRequest, "give a base URL: this server has no sandbox to run against")
	}
	if err := journeys.CheckBaseURL(req.BaseURL); err != nil {
		return nil, &apiError{http.StatusBadRequest, err.Error()}
	}
	available := s.o.Starter.Journeys()
	ids := req.ids()
	if len(ids) == 0 {
		return nil, errorf(http.StatusBadRequest, "choose a journey to run (or every journey)")
	}
	var js []*journeys.Journey
	for _, id := range ids {
		if id == "*" {
			js = append(js[:0], available...)
			break
		}
		var j *journeys.Journey
		for _, cand := range available {
			if cand.ID == id {
				j = cand
			}
		}
		if j == nil {
			return nil, errorf(http.StatusBadRequest, "unknown journey %q; choose one of the journeys this server can run", id)
		}
		js = append(js, j)
	}
	if len(js) == 0 {
		return nil, errorf(http.StatusBadRequest, "this server has no journey to run")
	}
	req.Journey, req.Journeys = "", nil
	if len(js) == 1 {
		req.Journey = js[0].ID
	} else {
		for _, j := range js {
			req.Journeys = append(req.Journeys, j.ID)
		}
	}
	cells, err := journeys.Expand(js, req.Languages, req.Devices)
	if err != nil {
		return nil, &apiError{http.StatusBadRequest, err.Error()}
	}
	if len(cells) == 0 {
		return nil, errorf(http.StatusBadRequest, "no cell to run: the languages and devices chosen are not in the matrix of %s", req.Label())
	}
	return s.inv.add(req, cells)
}

// checkRelease accepts a release label of printable characters.
func checkRelease(r string) error {
	if len(r) > 100 {
		return errorf(http.StatusBadRequest, "the release label is longer than 100 characters")
	}
	for _, c := range r {
		if !unicode.IsPrint(c) {
			return errorf(http.StatusBadRequest, "the release label has a character that cannot be printed")
		}
	}
	return nil
}

func (iv *invocations) add(req StartRequest, cells []journeys.Cell) (*Invocation, error) {
	iv.mu.Lock()
	defer iv.mu.Unlock()
	if iv.s.ctx.Err() != nil {
		return nil, errorf(http.StatusServiceUnavailable, "the server is shutting down")
	}
	iv.next++
	inv := &invocation{Invocation: Invocation{ID: iv.next, Request: req, State: stateQueued, Created: time.Now()}, cells: cells}
	inv.Request.Languages, inv.Request.Devices = nonNil(req.Languages), nonNil(req.Devices)
	for _, c := range cells {
		inv.Cells = append(inv.Cells, InvocationCell{Cell: c.String(), Journey: c.Journey.ID, Lang: c.Lang, Device: c.Device.Name,
			Status: stateQueued, Steps: len(c.Steps())})
	}
	select {
	case iv.queue <- inv:
	default:
		iv.next--
		return nil, errorf(http.StatusTooManyRequests, "%d invocations are already waiting; start more when they have run", maxQueued)
	}
	iv.all = append(iv.all, inv)
	if len(iv.all) > keepInvocations {
		iv.all = iv.all[len(iv.all)-keepInvocations:]
	}
	snap := inv.snapshot()
	return &snap, nil
}

// snapshot copies the invocation; call with the lock held.
func (inv *invocation) snapshot() Invocation {
	c := inv.Invocation
	c.Cells = append([]InvocationCell(nil), inv.Cells...)
	return c
}

// Invocation returns a snapshot of an invocation.
func (s *Server) Invocation(id int) (*Invocation, error) {
	s.inv.mu.Lock()
	defer s.inv.mu.Unlock()
	for _, inv := range s.inv.all {
		if inv.ID == id {
			snap := inv.snapshot()
			return &snap, nil
		}
	}
	return nil, errorf(http.StatusNotFound, "there is no invocation %d (the server remembers the last %d since it started)", id, keepInvocations)
}

// recentInvocations returns snapshots of the invocations, newest first.
func (s *Server) recentInvocations(n int) []Invocation {
	s.inv.mu.Lock()
	defer s.inv.mu.Unlock()
	var out []Invocation
	for i := len(s.inv.all) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, s.inv.all[i].snapshot())
	}
	return out
}

// work runs the queued invocations one at a time until the server stops.
func (iv *invocations) work() {
	defer close(iv.done)
	for {
		select {
		case <-iv.s.ctx.Done():
			iv.dropQueued()
			return
		case inv := <-iv.queue:
			if iv.s.ctx.Err() != nil {
				iv.finish(inv, journeyproof.StatusInterrupted, "the server stopped before the invocation started")
				iv.dropQueued()
				return
			}
			iv.execute(inv)
		}
	}
}

func (iv *invocations) dropQueued() {
	for {
		select {
		case inv := <-iv.queue:
			iv.finish(inv, journeyproof.StatusInterrupted, "the server stopped before the invocation started")
		default:
			return
		}
	}
}

func (iv *invocations) execute(inv *invocation) {
	iv.mu.Lock()
	now := time.Now()
	inv.State, inv.Started = journeyproof.StatusRunning, &now
	iv.mu.Unlock()
	iv.invWatch.notify(inv.ID)
	progress := func(ev journeys.Event) { iv.progress(inv, ev) }
	ids, err := iv.s.o.Starter.Run(iv.s.ctx, inv.Request.Release, inv.Request.BaseURL, inv.cells, progress)
	iv.claim(inv, ids)
	state, msg := stateDone, ""
	if err != nil {
		msg = err.Error()
		iv.s.log.Error("invocation failed", "invocation", inv.ID, "err", err)
	}
	if iv.s.ctx.Err() != nil {
		state = journeyproof.StatusInterrupted
		if msg == "" {
			msg = "the server stopped while the invocation was running"
		}
	}
	iv.finish(inv, state, msg)
}

// finish ends an invocation; cells that never ended take its state.
func (iv *invocations) finish(inv *invocation, state, msg string) {
	iv.mu.Lock()
	now := time.Now()
	inv.State, inv.Ended, inv.Error = state, &now, msg
	var runs []uint
	for i := range inv.Cells {
		c := &inv.Cells[i]
		if c.Status == stateQueued || c.Status == journeyproof.StatusRunning {
			c.Status = journeyproof.StatusInterrupted
			if c.Error == "" {
				c.Error = "interrupted"
			}
		}
		if c.RunID != 0 {
			delete(iv.active, c.RunID)
			runs = append(runs, c.RunID)
		}
	}
	iv.mu.Unlock()
	if state == journeyproof.StatusInterrupted && len(runs) > 0 {
		// Runs the runner could not finish are never left running.
		if _, err := iv.s.store.MarkInterrupted(runs...); err != nil {
			iv.s.log.Error("mark interrupted runs", "runs", runs, "err", err)
		}
	}
	iv.invWatch.notify(inv.ID)
	for _, id := range runs {
		iv.runWatch.notify(id)
	}
}

// progress applies a runner event to the invocation.
func (iv *invocations) progress(inv *invocation, ev journeys.Event) {
	name := ev.Cell.String()
	iv.mu.Lock()
	idx := -1
	for i := range inv.Cells {
		if inv.Cells[i].Cell == name {
			idx = i
		}
	}
	if idx < 0 {
		iv.mu.Unlock()
		return
	}
	c := &inv.Cells[idx]
	if ev.RunID != 0 && c.RunID == 0 {
		c.RunID = ev.RunID
		iv.active[ev.RunID] = true
	}
	switch ev.Kind {
	case journeys.EventCellStart:
		c.Status = journeyproof.StatusRunning
	case journeys.EventStep:
		c.Status = journeyproof.StatusRunning
		c.Step, c.StepName = ev.Index+1, ev.Step
	case journeys.EventCellEnd:
		c.Status, c.Error = ev.Status, ev.Error
		if ev.Result != nil {
			c.Step = ev.Result.Steps
			c.Errors, c.Warnings = ev.Result.Findings["error"], ev.Result.Findings["warning"]
		}
		if c.Status == journeyproof.StatusPassed {
			inv.Passed++
		} else {
			inv.Failed++
		}
	}
	run := c.RunID
	iv.mu.Unlock()
	iv.invWatch.notify(inv.ID)
	if run != 0 {
		iv.runWatch.notify(run)
	}
}

// claim gives the invocation's cells the runs the Starter says it stored
// (in cell order), for the cells no event named a run.
func (iv *invocations) claim(inv *invocation, ids []uint) {
	iv.mu.Lock()
	defer iv.mu.Unlock()
	for i, id := range ids {
		if i < len(inv.Cells) && id != 0 && inv.Cells[i].RunID == 0 {
			inv.Cells[i].RunID = id
		}
	}
}

// runProgress returns what this process knows of a run in progress.
func (iv *invocations) runProgress(id uint) (InvocationCell, bool) {
	iv.mu.Lock()
	defer iv.mu.Unlock()
	for i := len(iv.all) - 1; i >= 0; i-- {
		for _, c := range iv.all[i].Cells {
			if c.RunID == id {
				return c, true
			}
		}
	}
	return InvocationCell{}, false
}

// watchers are the event streams that watch something by its id (an
// invocation, a run): each gets a signal (never blocking) when something
// changed, then reads a snapshot. The zero value is ready to use.
type watchers[K comparable] struct {
	mu sync.Mutex
	m  map[K]map[chan struct{}]bool
}

// watch returns a channel signalled at each notify of id, and the function
// that ends the watch.
func (w *watchers[K]) watch(id K) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	w.mu.Lock()
	if w.m == nil {
		w.m = map[K]map[chan struct{}]bool{}
	}
	if w.m[id] == nil {
		w.m[id] = map[chan struct{}]bool{}
	}
	w.m[id][ch] = true
	w.mu.Unlock()
	return ch, func() {
		w.mu.Lock()
		delete(w.m[id], ch)
		if len(w.m[id]) == 0 {
			delete(w.m, id)
		}
		w.mu.Unlock()
	}
}

// notify signals the watchers of id.
func (w *watchers[K]) notify(id K) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for ch := range w.m[id] {
		signal(ch)
	}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// stop waits for the worker to end (the server's context is already
// cancelled) and marks the runs it left running as interrupted.
func (iv *invocations) stop(ctx context.Context) error {
	select {
	case <-iv.done:
	case <-ctx.Done():
		iv.s.log.Warn("runs in progress did not stop in time; marking them interrupted")
	}
	iv.mu.Lock()
	var ids []uint
	for id := range iv.active {
		ids = append(ids, id)
	}
	iv.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	if _, err := iv.s.store.MarkInterrupted(ids...); err != nil {
		return fmt.Errorf("web: mark interrupted runs: %w", err)
	}
	return nil
}

// Has reports whether the request names the journey (or every journey).
func (r StartRequest) Has(id string) bool {
	for _, x := range r.ids() {
		if x == id || x == "*" {
			return true
		}
	}
	return false
}
