package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"journeyproof/recordings"
	"journeyproof/recordings/compare"
)

// The review queue of a comparison: a decision (accept or reject) on each
// change, who took it and when, approving the head as the baseline only
// once every change is reviewed (or with an explicit confirmation), and
// the baseline's history with roll back.

// reviewerCookie holds the name given at login, signed by the server.
const reviewerCookie = "journeyproof_by"

// maxNameLength and maxNoteLength bound what a reviewer types.
const (
	maxNameLength = 80
	maxNoteLength = 2000
)

// reviewRoutes registers the review queue's routes.
func (s *Server) reviewRoutes(r *gin.Engine) {
	r.POST("/compare/review", s.reviewSubmit)
	r.POST("/compare/rollback", s.rollbackSubmit)
	r.POST("/api/reviews", s.apiReview)
	r.GET("/api/baselines/history", s.apiBaselineHistory)
	r.POST("/api/baselines/rollback", s.apiRollback)
}

// Reviewer is who decisions are recorded under, and where the name comes
// from (shown next to the review queue).
type Reviewer struct {
	Name, Source string
}

// reviewer returns the name a request's decisions are recorded under: the
// name given at login when the server has a token, else Options.Reviewer.
func (s *Server) reviewer(c *gin.Context) Reviewer {
	if s.o.Token != "" {
		if ck, err := c.Request.Cookie(reviewerCookie); err == nil {
			if name, ok := s.verifyName(ck.Value); ok {
				return Reviewer{name, "the name given at login"}
			}
		}
		return Reviewer{"token holder", "no name was given at login; log out and in again to give one"}
	}
	if s.o.Reviewer != "" {
		return Reviewer{s.o.Reviewer, s.o.ReviewerSource}
	}
	return Reviewer{"unknown", "the server was started without a reviewer name (--by)"}
}

// signName is the cookie value for a reviewer name: the name and a MAC
// under the server's secret, so the name cannot be changed in the browser.
func (s *Server) signName(name string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("reviewer " + name))
	return url.QueryEscape(name) + "." + hex.EncodeToString(m.Sum(nil))
}

func (s *Server) verifyName(v string) (string, bool) {
	i := strings.LastIndexByte(v, '.')
	if i < 0 {
		return "", false
	}
	name, err := url.QueryUnescape(v[:i])
	if err != nil || !hmac.Equal([]byte(s.signName(name)), []byte(v)) {
		return "", false
	}
	return name, true
}

// setReviewerCookie keeps the name typed at login; an empty name clears
// a name kept before.
func (s *Server) setReviewerCookie(c *gin.Context, name string) {
	name = cleanText(name, maxNameLength)
	if name == "" {
		if _, err := c.Request.Cookie(reviewerCookie); err != nil {
			return // nothing to clear
		}
		http.SetCookie(c.Writer, &http.Cookie{Name: reviewerCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: reviewerCookie, Value: s.signName(name), Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.Request.TLS != nil})
}

// cleanText collapses white space and cuts the text to max characters.
func cleanText(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max])
	}
	return s
}

// ReviewQueue is the review queue of a comparison with its decisions.
func (s *Server) ReviewQueue(rep *compare.Report) (*compare.Queue, error) {
	q := compare.NewQueue(rep, nil)
	reviews, err := s.store.Reviews(q.Pairs())
	if err != nil {
		return nil, err
	}
	q.Apply(reviews)
	return q, nil
}

// ReviewRequest is one decision on one change.
type ReviewRequest struct {
	BaseRun  uint   `json:"baseRun"`
	HeadRun  uint   `json:"headRun"`
	Change   string `json:"change"`
	Decision string `json:"decision"`
	Note     string `json:"note"`
}

// Review stores a decision by who. The runs must exist and the change must
// name a cell of one of them.
func (s *Server) Review(req ReviewRequest, who string) (*recordings.Review, error) {
	if req.Decision != recordings.DecisionAccepted && req.Decision != recordings.DecisionRejected {
		return nil, errorf(http.StatusBadRequest, "decision must be %q or %q, not %q", recordings.DecisionAccepted, recordings.DecisionRejected, req.Decision)
	}
	if req.BaseRun == 0 && req.HeadRun == 0 {
		return nil, errorf(http.StatusBadRequest, "give the runs of the change: baseRun and headRun")
	}
	var cells []string
	for _, id := range []uint{req.BaseRun, req.HeadRun} {
		if id == 0 {
			continue
		}
		r, err := s.store.RunSummary(id)
		if err != nil {
			if statusOf(err) == http.StatusNotFound {
				return nil, errorf(http.StatusNotFound, "run %d is not in the store", id)
			}
			return nil, err
		}
		cells = append(cells, r.Cell())
	}
	ok := false
	for _, cell := range cells {
		ok = ok || strings.HasPrefix(req.Change, cell+" ")
	}
	if !ok || len(req.Change) > 500 {
		return nil, errorf(http.StatusBadRequest, "change %q is not a change of run %d or %d", req.Change, req.BaseRun, req.HeadRun)
	}
	r := &recordings.Review{BaseRunID: req.BaseRun, HeadRunID: req.HeadRun, Change: req.Change, Decision: req.Decision,
		By: who, Note: cleanText(req.Note, maxNoteLength)}
	if err := s.store.AddReview(r); err != nil {
		return nil, err
	}
	return r, nil
}

func (s *Server) apiReview(c *gin.Context) {
	var req ReviewRequest
	if !s.readJSON(c, &req, 1<<14, "baseRun, headRun, change, decision and, optionally, note") {
		return
	}
	r, err := s.Review(req, s.reviewer(c).Name)
	s.answer(c, r, err)
}

// reviewSubmit is a decision from the page's buttons without script: it
// stores it and goes back to the comparison, at the next change.
func (s *Server) reviewSubmit(c *gin.Context) {
	num := func(name string) uint {
		n, _ := strconv.ParseUint(c.PostForm(name), 10, 32)
		return uint(n)
	}
	_, err := s.Review(ReviewRequest{BaseRun: num("baseRun"), HeadRun: num("headRun"), Change: c.PostForm("change"),
		Decision: c.PostForm("decision"), Note: c.PostForm("note")}, s.reviewer(c).Name)
	if err != nil {
		s.apiError(c, err)
		return
	}
	back := safeNext(c.PostForm("back"))
	if !strings.HasPrefix(back, "/compare") {
		back = "/compare"
	}
	if n := c.PostForm("next"); n != "" {
		back += "#change-" + url.PathEscape(n)
	}
	c.Redirect(http.StatusSeeOther, back)
}

// approvalBlocked is the error of an approval that needs a confirmation.
func approvalBlocked(q *compare.Queue) error {
	return errorf(http.StatusConflict, "not approved: %d of %d changes are unreviewed and %d rejected; review them, or confirm that you approve with them",
		q.Unreviewed, len(q.Changes), q.Rejected)
}

// ApproveRelease makes the head release the baseline of each journey it
// ran, after its comparison with the base (the baseline when base is "").
// When changes are unreviewed or rejected, confirmed must be their number
// (what the page showed); otherwise nothing is approved.
func (s *Server) ApproveRelease(req CompareRequest, confirmed int, who, note string) ([]recordings.Approval, error) {
	release := req.Head
	if err := s.releaseExists(release); err != nil {
		return nil, err
	}
	bs, err := s.store.Baselines()
	if err != nil {
		return nil, err
	}
	note = cleanText(note, maxNoteLength)
	var out []recordings.Approval
	if req.Base == "" && req.BaseRun == 0 && len(bs) == 0 {
		// The first baseline: nothing to compare with.
		runs, _, err := s.store.Runs(recordings.RunFilter{Release: release})
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for _, r := range runs {
			if !seen[r.JourneyID] {
				seen[r.JourneyID] = true
				a, err := s.store.Approve(release, r.JourneyID, recordings.Approval{By: who, Note: note, ComparedWith: "nothing: no baseline was set"})
				if err != nil {
					return out, err
				}
				out = append(out, *a)
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].JourneyID < out[j].JourneyID })
		return out, nil
	}
	rep, err := compare.Compare(s.ctx, s.store, compare.Side{Release: req.Base, RunID: req.BaseRun}, compare.Side{Release: release},
		compare.Options{Threshold: req.Threshold, Limit: req.Limit, NoDiffImages: true})
	if err != nil {
		return nil, err
	}
	q, err := s.ReviewQueue(rep)
	if err != nil {
		return nil, err
	}
	if open := q.Unreviewed + q.Rejected; open > 0 && confirmed != open {
		return nil, approvalBlocked(q)
	}
	seen := map[string]bool{}
	for _, r := range rep.Runs {
		if r.Head == nil || seen[r.Journey] {
			continue
		}
		seen[r.Journey] = true
		a, err := s.store.Approve(release, r.Journey, q.Approval(rep, r.Journey, who, note))
		if err != nil {
			return out, err
		}
		out = append(out, *a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].JourneyID < out[j].JourneyID })
	return out, nil
}

// rollbackSubmit is the history's "Roll back to this" button.
func (s *Server) rollbackSubmit(c *gin.Context) {
	to, _ := strconv.ParseUint(c.PostForm("to"), 10, 32)
	a, err := s.store.Rollback(c.PostForm("journey"), uint(to), s.reviewer(c).Name, c.PostForm("note"))
	if err != nil {
		s.apiError(c, rollbackError(err))
		return
	}
	v := url.Values{"rolledBack": {fmt.Sprintf("%s:%s", a.JourneyID, a.Release)}}
	if h := c.PostForm("head"); h != "" {
		v.Set("head", h)
	}
	c.Redirect(http.StatusSeeOther, "/compare?"+v.Encode()+"#history")
}

func rollbackError(err error) error {
	if statusOf(err) == http.StatusNotFound {
		return errorf(http.StatusNotFound, "%s", err.Error())
	}
	if strings.Contains(err.Error(), recordings.ErrNoEarlierApproval.Error()) {
		return errorf(http.StatusConflict, "%s", err.Error())
	}
	return err
}

// rollbackRequest is the body of POST /api/baselines/rollback.
type rollbackRequest struct {
	Journey string `json:"journey"`
	To      uint   `json:"to"`
	Note    string `json:"note"`
}

func (s *Server) apiRollback(c *gin.Context) {
	var req rollbackRequest
	if !s.readJSON(c, &req, 1<<13, "journey and, optionally, to and note") {
		return
	}
	a, err := s.store.Rollback(req.Journey, req.To, s.reviewer(c).Name, cleanText(req.Note, maxNoteLength))
	if err != nil {
		s.apiError(c, rollbackError(err))
		return
	}
	c.JSON(http.StatusOK, a)
}

func (s *Server) apiBaselineHistory(c *gin.Context) {
	hist, err := s.store.Approvals(c.Query("journey"))
	if err != nil {
		s.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"history": nonNil(hist)})
}
