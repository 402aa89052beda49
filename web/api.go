package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"journeyproof"
	"journeyproof/recordings"
)

// The JSON API. Every handler calls a service function and writes its
// view; the pages call the same functions.

func (s *Server) apiError(c *gin.Context, err error) {
	s.fail(c, statusOf(err), oneLine(err.Error()))
}

// failMissing answers 404 with msg when err is missing (errors.Is), else
// the error answer of err.
func (s *Server) failMissing(c *gin.Context, err, missing error, msg string) {
	if errors.Is(err, missing) {
		s.fail(c, http.StatusNotFound, msg)
		return
	}
	s.apiError(c, err)
}

// answer writes v as the JSON answer, or err as the error answer.
func (s *Server) answer(c *gin.Context, v any, err error) {
	if err != nil {
		s.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// readJSON decodes the request's body, at most limit bytes of one JSON
// object with no unknown field, into v; when it cannot it answers 400,
// saying that the body must be an object with fields, and returns false.
func (s *Server) readJSON(c *gin.Context, v any, limit int64, fields string) bool {
	dec := json.NewDecoder(io.LimitReader(c.Request.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		s.fail(c, http.StatusBadRequest, "the body must be a JSON object with "+fields+": "+oneLine(err.Error()))
		return false
	}
	return true
}

// idParam reads a positive integer path parameter; when there is none it
// answers 404 and returns false.
func (s *Server) idParam(c *gin.Context, name string) (uint, bool) {
	n, err := strconv.ParseUint(c.Param(name), 10, 32)
	if err != nil || n == 0 {
		s.notFound(c)
		return 0, false
	}
	return uint(n), true
}

func (s *Server) apiReleases(c *gin.Context) {
	rels, err := s.Releases()
	s.answer(c, gin.H{"releases": rels}, err)
}

// releaseExists answers 404 when no run carries the release label.
func (s *Server) releaseExists(name string) error {
	ok, err := s.store.HasRelease(name)
	if err != nil {
		return err
	}
	if !ok {
		return errorf(http.StatusNotFound, "no run carries the release label %q", name)
	}
	return nil
}

// releaseParam reads the release label of the path (:name); when no run
// carries it, it answers 404 and returns false.
func (s *Server) releaseParam(c *gin.Context) (string, bool) {
	name := c.Param("name")
	if err := s.releaseExists(name); err != nil {
		s.apiError(c, err)
		return "", false
	}
	return name, true
}

func (s *Server) apiCoverage(c *gin.Context) {
	name, ok := s.releaseParam(c)
	if !ok {
		return
	}
	cov, err := s.Coverage(name)
	s.answer(c, cov, err)
}

// apiPack writes the evidence pack of a release. The pack is written to a
// temporary file first, so that a failure is an error answer and not half
// an archive.
func (s *Server) apiPack(c *gin.Context) {
	if s.o.Packer == nil {
		s.fail(c, http.StatusNotFound, "this server cannot write evidence packs")
		return
	}
	name, ok := s.releaseParam(c)
	if !ok {
		return
	}
	if !s.packs.acquire() {
		c.Header("Retry-After", "30")
		s.fail(c, http.StatusTooManyRequests, fmt.Sprintf("%d evidence packs are being written already; try again in a minute", maxPackDownloads))
		return
	}
	defer s.packs.release()
	noWriteDeadline(c)
	tmp, err := os.CreateTemp("", "journeyproof-pack-*")
	if err != nil {
		s.apiError(c, fmt.Errorf("write pack of %s: %w", name, err))
		return
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := s.o.Packer.WritePack(c.Request.Context(), name, tmp); err != nil {
		s.apiError(c, fmt.Errorf("write pack of %s: %w", name, err))
		return
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		s.apiError(c, err)
		return
	}
	c.Header("Content-Type", "application/zip")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="journeyproof-%s.zip"`, safeFileName(name)))
	c.Header("Cache-Control", "no-store")
	http.ServeContent(c.Writer, c.Request, "", time.Time{}, tmp)
}

// apiPackCompleteness says what the release's evidence pack would lack
// (404 when the server's Packer cannot tell).
func (s *Server) apiPackCompleteness(c *gin.Context) {
	pc, ok := s.o.Packer.(PackChecker)
	if !ok {
		s.fail(c, http.StatusNotFound, "this server cannot check evidence packs")
		return
	}
	name, ok := s.releaseParam(c)
	if !ok {
		return
	}
	res, err := pc.CheckPack(c.Request.Context(), name)
	if err != nil {
		s.apiError(c, fmt.Errorf("check the pack of %s: %w", name, err))
		return
	}
	res.Lines = nonNil(res.Lines)
	c.JSON(http.StatusOK, res)
}

// safeFileName keeps letters, digits, dot, dash and underscore.
func safeFileName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return strings.TrimLeft(b.String(), ".")
}

// runFilter reads the filters of a runs list from the query.
func runFilter(c *gin.Context) (recordings.RunFilter, int, int) {
	f := recordings.RunFilter{Release: c.Query("release"), Journey: c.Query("journey"), Process: c.Query("process"),
		Lang: c.Query("lang"), Device: c.Query("device"), Status: c.Query("status")}
	page, _ := strconv.Atoi(c.Query("page"))
	per, _ := strconv.Atoi(c.Query("limit"))
	return f, page, per
}

func (s *Server) apiRuns(c *gin.Context) {
	f, page, per := runFilter(c)
	list, err := s.Runs(f, page, per)
	s.answer(c, list, err)
}

func (s *Server) apiRun(c *gin.Context) {
	id, ok := s.idParam(c, "id")
	if !ok {
		return
	}
	v, err := s.Run(id)
	s.answer(c, v, err)
}

func (s *Server) apiJourneys(c *gin.Context) {
	js, err := s.Journeys()
	s.answer(c, gin.H{"journeys": js}, err)
}

// apiStart queues an invocation: 202 with the invocation, whose events
// stream at /api/invocations/:id/events.
func (s *Server) apiStart(c *gin.Context) {
	var req StartRequest
	if !s.readJSON(c, &req, 1<<16, "journey, release, languages, devices and baseURL") {
		return
	}
	inv, err := s.Start(req)
	if err != nil {
		s.apiError(c, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/invocations/%d", inv.ID))
	c.JSON(http.StatusAccepted, inv)
}

func (s *Server) apiInvocation(c *gin.Context) {
	id, ok := s.idParam(c, "id")
	if !ok {
		return
	}
	inv, err := s.Invocation(int(id))
	s.answer(c, inv, err)
}

// RunProgress is the event that GET /api/runs/:id/events streams.
type RunProgress struct {
	ID       uint   `json:"id"`
	Status   string `json:"status"`
	Step     int    `json:"step"`
	StepName string `json:"stepName,omitempty"`
	Steps    int    `json:"steps"`
	Errors   int    `json:"errors"`
	Warnings int    `json:"warnings"`
	Error    string `json:"error,omitempty"`
}

// runProgress reads where a run is: from this process's invocations while
// it runs here, else from the store (a run of another process).
func (s *Server) runProgress(id uint) (*RunProgress, error) {
	if c, ok := s.inv.runProgress(id); ok && c.Status == journeyproof.StatusRunning {
		return &RunProgress{ID: id, Status: c.Status, Step: c.Step, StepName: c.StepName, Steps: c.Steps, Errors: c.Errors, Warnings: c.Warnings}, nil
	}
	r, err := s.store.Run(id)
	if err != nil {
		return nil, err
	}
	p := &RunProgress{ID: id, Status: r.Status, Step: len(r.Steps), Errors: r.Errors, Warnings: r.Warnings, Error: r.Error, Steps: r.StepCount}
	if n := len(r.Steps); n > 0 {
		p.StepName = r.Steps[n-1].Name
	}
	if j, err := s.store.Journey(r.JourneyID); err == nil && len(j.StepNames) > p.Steps {
		p.Steps = len(j.StepNames)
	}
	return p, nil
}

// eventStream is an open server-sent event stream.
type eventStream struct {
	c    *gin.Context
	stop <-chan struct{} // the server stops
	idle *time.Timer     // fires after keepAlive without an event
}

// openEvents starts an event stream; close it when done.
func (s *Server) openEvents(c *gin.Context) *eventStream {
	h := c.Writer.Header()
	noWriteDeadline(c)
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	c.Writer.WriteHeaderNow()
	c.Writer.Flush()
	return &eventStream{c: c, stop: s.ctx.Done(), idle: time.NewTimer(keepAlive)}
}

// close stops the stream's keep-alive timer.
func (e *eventStream) close() { e.idle.Stop() }

// send writes one event with data as JSON (a keep-alive comment when
// event is empty) and says whether the client still reads.
func (e *eventStream) send(event string, data any) bool {
	var b []byte
	if data != nil {
		var err error
		if b, err = json.Marshal(data); err != nil {
			return false
		}
	}
	var err error
	if event == "" {
		_, err = io.WriteString(e.c.Writer, ": keep-alive\n\n")
	} else {
		_, err = fmt.Fprintf(e.c.Writer, "event: %s\ndata: %s\n\n", event, b)
	}
	e.c.Writer.Flush()
	e.idle.Reset(keepAlive)
	return err == nil
}

// wait blocks until wake or tick fires (either may be nil) or, after
// keepAlive without an event, a keep-alive comment has gone out; the
// caller then reads its state again, so a change nobody signalled shows
// at the latest by then. It returns false when the client has gone or the
// server stops.
func (e *eventStream) wait(wake <-chan struct{}, tick <-chan time.Time) bool {
	select {
	case <-wake:
	case <-tick:
	case <-e.idle.C:
		return e.send("", nil)
	case <-e.c.Request.Context().Done():
		return false
	case <-e.stop:
		return false
	}
	return true
}

// keepAlive is how often an idle event stream sends a comment.
const keepAlive = 15 * time.Second

// apiRunEvents streams a run's progress: "progress" events while it runs,
// then one "end" event with its final status (at once for a run that has
// ended).
func (s *Server) apiRunEvents(c *gin.Context) {
	id, ok := s.idParam(c, "id")
	if !ok {
		return
	}
	if _, err := s.runProgress(id); err != nil {
		s.apiError(c, err)
		return
	}
	ch, unwatch := s.inv.runWatch.watch(id)
	defer unwatch()
	p, err := s.runProgress(id)
	if err != nil { // read again: nothing is missed once watched
		s.apiError(c, err)
		return
	}
	ev := s.openEvents(c)
	defer ev.close()
	poll := time.NewTicker(time.Second) // for runs of another process
	defer poll.Stop()
	var last RunProgress
	for {
		if p.Status != journeyproof.StatusRunning {
			ev.send("end", p)
			return
		}
		if *p != last {
			if !ev.send("progress", p) {
				return
			}
			last = *p
		}
		if !ev.wait(ch, poll.C) {
			return
		}
		if p, err = s.runProgress(id); err != nil {
			return
		}
	}
}

// apiInvocationEvents streams an invocation: an "invocation" event with
// the whole invocation at every change, then "end" when it has ended.
func (s *Server) apiInvocationEvents(c *gin.Context) {
	id, ok := s.idParam(c, "id")
	if !ok {
		return
	}
	if _, err := s.Invocation(int(id)); err != nil {
		s.apiError(c, err)
		return
	}
	ch, unwatch := s.inv.invWatch.watch(int(id))
	defer unwatch()
	inv, err := s.Invocation(int(id))
	if err != nil { // read again: nothing is missed once watched
		s.apiError(c, err)
		return
	}
	ev := s.openEvents(c)
	defer ev.close()
	for {
		if inv.Done() {
			ev.send("end", inv)
			return
		}
		if !ev.send("invocation", inv) {
			return
		}
		if !ev.wait(ch, nil) {
			return
		}
		if inv, err = s.Invocation(int(id)); err != nil {
			return
		}
	}
}
