package web

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"journeyproof/recordings"
	"journeyproof/recordings/compare"
)

// compareRoutes registers the release comparison: the page, its style and
// script, the JSON API, and setting a baseline (a form with the CSRF token,
// or JSON under /api; both pass the app's authentication and cross-site
// checks like every state-changing request).
func (s *Server) compareRoutes(r *gin.Engine) {
	r.GET("/compare", s.comparePage)
	r.POST("/compare/baseline", s.compareBaselineSubmit)
	r.GET("/compare/report.css", s.compareAsset)
	r.GET("/compare/report.js", s.compareAsset)
	r.GET("/api/compare", s.apiCompare)
	r.GET("/api/baselines", s.apiBaselines)
	r.POST("/api/baseline", s.apiSetBaseline)
	s.reviewRoutes(r) // the review queue, approvals and roll back (review.go)
}

// CompareRequest says what to compare: a base release or run (none: each
// journey's baseline), a head release or run, the image diff threshold and
// the limit.
type CompareRequest struct {
	Base, Head       string
	BaseRun, HeadRun uint
	Threshold        float64
	Limit            compare.Limit
}

// compareRequest reads a CompareRequest from the query string: base, head,
// baseRun, headRun, threshold, maxDiffPixels, maxDiffRatio.
func compareRequest(c *gin.Context) (CompareRequest, error) {
	q := CompareRequest{Base: c.Query("base"), Head: c.Query("head")}
	var err error
	num := func(name string, set func(string) error) {
		if v := c.Query(name); v != "" && err == nil {
			if e := set(v); e != nil {
				err = errorf(http.StatusBadRequest, "%s must be a number, not %q", name, v)
			}
		}
	}
	num("baseRun", func(v string) error { n, e := strconv.ParseUint(v, 10, 32); q.BaseRun = uint(n); return e })
	num("headRun", func(v string) error { n, e := strconv.ParseUint(v, 10, 32); q.HeadRun = uint(n); return e })
	num("threshold", func(v string) error { f, e := strconv.ParseFloat(v, 64); q.Threshold = f; return e })
	num("maxDiffPixels", func(v string) error { n, e := strconv.Atoi(v); q.Limit.MaxDiffPixels = n; return e })
	num("maxDiffRatio", func(v string) error { f, e := strconv.ParseFloat(v, 64); q.Limit.MaxDiffRatio = f; return e })
	if err != nil {
		return q, err
	}
	switch {
	case q.Threshold < 0 || q.Threshold > 1:
		return q, errorf(http.StatusBadRequest, "threshold must be between 0 and 1")
	case q.Limit.MaxDiffPixels < 0 || q.Limit.MaxDiffRatio < 0 || q.Limit.MaxDiffRatio > 1:
		return q, errorf(http.StatusBadRequest, "maxDiffPixels must be at least 0 and maxDiffRatio between 0 and 1")
	case q.Limit.MaxDiffPixels > 0 && q.Limit.MaxDiffRatio > 0:
		return q, errorf(http.StatusBadRequest, "give either maxDiffPixels or maxDiffRatio, not both")
	case q.Base != "" && q.BaseRun != 0, q.Head != "" && q.HeadRun != 0:
		return q, errorf(http.StatusBadRequest, "give a release or a run for each side, not both")
	}
	return q, nil
}

// Compare compares the head against the base (or the baseline) and stores
// the diff images as artifacts.
func (s *Server) Compare(req CompareRequest) (*compare.Report, error) {
	if req.Head == "" && req.HeadRun == 0 {
		return nil, errorf(http.StatusBadRequest, "give the head: a release (head) or a run (headRun)")
	}
	rep, err := compare.Compare(s.ctx, s.store, compare.Side{Release: req.Base, RunID: req.BaseRun},
		compare.Side{Release: req.Head, RunID: req.HeadRun}, compare.Options{Threshold: req.Threshold, Limit: req.Limit})
	if errors.Is(err, compare.ErrUsage) {
		return nil, errorf(http.StatusNotFound, "%s", err.Error())
	}
	return rep, err
}

// Baselines lists the baselines: a release per journey, "*" for every
// journey.
func (s *Server) Baselines() ([]recordings.Baseline, error) {
	bs, err := s.store.Baselines()
	return nonNil(bs), err
}

// SetBaseline marks a release as the baseline of a journey, or of every
// journey when journey is "", and records by as the approver (without a
// review, as the command line's baseline set).
func (s *Server) SetBaseline(release, journey, by string) error {
	if release == "" {
		return errorf(http.StatusBadRequest, "give the release to approve")
	}
	if err := s.releaseExists(release); err != nil {
		return err
	}
	_, err := s.store.Approve(release, journey, recordings.Approval{By: by})
	return err
}

func (s *Server) apiCompare(c *gin.Context) {
	req, err := compareRequest(c)
	if err != nil {
		s.apiError(c, err)
		return
	}
	rep, err := s.Compare(req)
	s.answer(c, rep, err)
}

func (s *Server) apiBaselines(c *gin.Context) {
	bs, err := s.Baselines()
	s.answer(c, gin.H{"baselines": bs}, err)
}

// baselineRequest is the body of POST /api/baseline.
type baselineRequest struct {
	Release string `json:"release"`
	// Journey is a journey id; "" or "*" for every journey.
	Journey string `json:"journey"`
}

func (s *Server) apiSetBaseline(c *gin.Context) {
	var req baselineRequest
	if !s.readJSON(c, &req, 1<<12, "release and, optionally, journey") {
		return
	}
	if err := s.SetBaseline(req.Release, req.Journey, s.reviewer(c).Name); err != nil {
		s.apiError(c, err)
		return
	}
	bs, err := s.Baselines()
	s.answer(c, gin.H{"baselines": bs}, err)
}

// compareData is the data of compare.html.
type compareData struct {
	Releases []recordings.Release
	Req      CompareRequest
	// Baselines are shown above the report.
	Baselines []recordings.Baseline
	// Report is the rendered comparison; empty when there is nothing to
	// compare (no run at all, no baseline, or a side with no run).
	Report template.HTML
	Rep    *compare.Report
	// Notice explains why there is no report.
	Notice string
	// Approved lists the journeys just approved.
	Approved string
	// Queue is the review queue of the report; Open counts its changes
	// that are unreviewed or rejected.
	Queue *compare.Queue
	Open  int
	// Reviewer is who decisions are recorded under.
	Reviewer Reviewer
	// History is the baselines' history, newest first; Current is each
	// journey's baseline release ("*" for every journey).
	History []recordings.Approval
	Current map[string]string
	// RolledBack names the baseline just rolled back (journey:release).
	RolledBack string
	// Back is this page's address, where the forms return.
	Back string
}

func (s *Server) comparePage(c *gin.Context) {
	rels, err := s.Releases()
	if err != nil {
		s.apiError(c, err)
		return
	}
	bs, err := s.Baselines()
	if err != nil {
		s.apiError(c, err)
		return
	}
	req, err := compareRequest(c)
	if err != nil {
		s.apiError(c, err)
		return
	}
	d := compareData{Releases: rels, Baselines: bs, Approved: c.Query("approved"), RolledBack: c.Query("rolledBack"),
		Reviewer: s.reviewer(c), Back: c.Request.URL.RequestURI(), Current: map[string]string{}}
	for _, b := range bs {
		d.Current[b.JourneyID] = b.Release
	}
	if d.History, err = s.store.Approvals(""); err != nil {
		s.apiError(c, err)
		return
	}
	if len(d.History) > 50 {
		d.History = d.History[:50]
	}
	// By default the newest release is compared, which stores diff images:
	// not for a page another site sent the browser to.
	if req.Head == "" && req.HeadRun == 0 && len(rels) > 0 && !crossSiteWrite(c.Request) {
		req.Head = rels[0].Name
	}
	d.Req = req
	status := http.StatusOK
	switch {
	case len(rels) == 0:
		d.Notice = "There are no runs to compare yet."
	case req.Head == "" && req.HeadRun == 0:
		d.Notice = "Choose the releases to compare."
	case req.Base == "" && req.BaseRun == 0 && len(bs) == 0:
		d.Notice = "No baseline is set: choose a base release, or approve a release as the baseline."
	default:
		rep, err := s.Compare(req)
		if err != nil {
			if statusOf(err) >= 500 {
				s.apiError(c, err)
				return
			}
			status, d.Notice = statusOf(err), oneLine(err.Error())
			break
		}
		var buf bytes.Buffer
		err = compare.RenderFragment(&buf, rep, compare.FragmentOptions{Images: artifactImages{}, NoTitle: true,
			RunLink: func(id uint) template.URL { return template.URL("/runs/" + strconv.FormatUint(uint64(id), 10)) }})
		if err != nil {
			s.apiError(c, err)
			return
		}
		d.Rep, d.Report = rep, template.HTML(buf.String())
		if d.Queue, err = s.ReviewQueue(rep); err != nil {
			s.apiError(c, err)
			return
		}
		d.Open = d.Queue.Unreviewed + d.Queue.Rejected
	}
	title := "Compare"
	if d.Rep != nil {
		title = "Compare " + d.Rep.Head + " with " + d.Rep.Base
	}
	s.render(c, status, "compare.html", Page{Title: title, Nav: "compare", Data: d, Scripts: []string{"review.js"}})
}

// compareBaselineSubmit is the page's "Approve as baseline" form: it marks
// the head release as the baseline of each journey it ran, once every
// change of its comparison is reviewed or the form confirms the number of
// changes still unreviewed or rejected.
func (s *Server) compareBaselineSubmit(c *gin.Context) {
	req := CompareRequest{Head: c.PostForm("release"), Base: c.PostForm("base")}
	if v := c.PostForm("maxDiffPixels"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.fail(c, http.StatusBadRequest, "maxDiffPixels must be a number of at least 0")
			return
		}
		req.Limit.MaxDiffPixels = n
	}
	confirmed := -1
	if v := c.PostForm("confirm"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			s.fail(c, http.StatusBadRequest, "confirm must be the number of changes approved unreviewed")
			return
		}
		confirmed = n
	}
	if req.Head == "" {
		s.fail(c, http.StatusBadRequest, "give the release to approve")
		return
	}
	done, err := s.ApproveRelease(req, confirmed, s.reviewer(c).Name, c.PostForm("note"))
	if err != nil {
		s.apiError(c, err)
		return
	}
	v := url.Values{"head": {req.Head}}
	if req.Base != "" {
		v.Set("base", req.Base)
	}
	var names []string
	for _, a := range done {
		names = append(names, a.JourneyID)
	}
	v.Set("approved", strings.Join(names, ", "))
	c.Redirect(http.StatusSeeOther, "/compare?"+v.Encode())
}

// compareAsset serves the report's stylesheet and script.
func (s *Server) compareAsset(c *gin.Context) {
	c.Header("Cache-Control", "no-cache")
	if c.Request.URL.Path == "/compare/report.css" {
		c.Data(http.StatusOK, "text/css; charset=utf-8", []byte(compare.Stylesheet()))
		return
	}
	c.Data(http.StatusOK, "text/javascript; charset=utf-8", []byte(compare.Script()))
}

// artifactImages points the report's images at /artifacts/.
type artifactImages struct{}

func (artifactImages) Full(sha string) template.URL      { return template.URL(artifactURL(sha)) }
func (artifactImages) Thumbnail(sha string) template.URL { return template.URL(artifactURL(sha)) }
