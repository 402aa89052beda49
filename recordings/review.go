package recordings

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Decisions a reviewer takes on one change of a comparison.
const (
	DecisionAccepted = "accepted"
	DecisionRejected = "rejected"
)

// Actions of an Approval.
const (
	ActionApprove  = "approve"
	ActionRollback = "rollback"
)

// Review is one reviewer's decision on one change of a comparison: a
// changed, added or removed screen, or an added or removed cell, between a
// base run and a head run. Decisions are never updated: a new decision on
// the same change is a new row, and the newest one counts.
type Review struct {
	ID uint `gorm:"primaryKey" json:"id"`
	// BaseRunID is 0 for a cell only in the head; HeadRunID is 0 for a cell
	// only in the base.
	BaseRunID uint `gorm:"index:idx_review_pair" json:"baseRun"`
	HeadRunID uint `gorm:"index:idx_review_pair" json:"headRun"`
	// Change is the change's key in the comparison (compare.Change.Key).
	Change   string    `gorm:"not null" json:"change"`
	Decision string    `gorm:"not null" json:"decision"`
	By       string    `json:"by"`
	Note     string    `json:"note,omitempty"`
	At       time.Time `gorm:"index" json:"at"`
}

// Approval is one entry of a baseline's history: a release approved as the
// baseline of a journey ("*" for every journey), or a roll back to an
// earlier approval, with who did it, when, and what had been reviewed.
type Approval struct {
	ID        uint   `gorm:"primaryKey" json:"id"`
	JourneyID string `gorm:"index;not null" json:"journey"`
	Release   string `gorm:"not null" json:"release"`
	// Previous is the release that was the baseline before ("" for none).
	Previous string `json:"previous,omitempty"`
	// Action is "approve" or "rollback"; RollbackTo is the approval a roll
	// back returned to.
	Action     string    `gorm:"not null" json:"action"`
	RollbackTo uint      `json:"rollbackTo,omitempty"`
	By         string    `json:"by"`
	Note       string    `json:"note,omitempty"`
	At         time.Time `gorm:"index" json:"at"`
	// ComparedWith says what the release was compared with when approved
	// (for example `baseline` or `release "r1"`), "" when it was approved
	// without a comparison (the command line's baseline set).
	ComparedWith string `json:"comparedWith,omitempty"`
	// Changes, Accepted, Rejected and Unreviewed count the comparison's
	// changes and their decisions at the time of approval.
	Changes    int `json:"changes"`
	Accepted   int `json:"accepted"`
	Rejected   int `json:"rejected"`
	Unreviewed int `json:"unreviewed"`
}

// Who names the approver for people ("unknown" when no name was given).
func (a *Approval) Who() string {
	if a.By == "" {
		return "unknown"
	}
	return a.By
}

// Reviewed says in words what had been reviewed when the release was
// approved.
func (a *Approval) Reviewed() string {
	if a.Action == ActionRollback {
		return fmt.Sprintf("rolled back to approval %d", a.RollbackTo)
	}
	if a.ComparedWith == "" {
		return "approved without a review"
	}
	s := fmt.Sprintf("compared with %s: %d changes, %d accepted, %d rejected", a.ComparedWith, a.Changes, a.Accepted, a.Rejected)
	if a.Unreviewed > 0 {
		s += fmt.Sprintf(", %d approved unreviewed", a.Unreviewed)
	}
	return s
}

// ErrBadDecision is returned for a decision other than accepted or
// rejected.
var ErrBadDecision = errors.New("a decision is accepted or rejected")

// AddReview stores a reviewer's decision.
func (s *Store) AddReview(r *Review) error {
	if r.Decision != DecisionAccepted && r.Decision != DecisionRejected {
		return fmt.Errorf("store review of %q: %w, not %q", r.Change, ErrBadDecision, r.Decision)
	}
	if r.Change == "" || (r.BaseRunID == 0 && r.HeadRunID == 0) {
		return fmt.Errorf("store review: no change or no run given")
	}
	if r.At.IsZero() {
		r.At = time.Now()
	}
	r.ID = 0
	if err := s.DB.Create(r).Error; err != nil {
		return fmt.Errorf("store review of %q: %w", r.Change, err)
	}
	return nil
}

// RunPair is a base run and a head run of a comparison (0 for a side with
// no run).
type RunPair struct{ Base, Head uint }

// Reviews returns every decision taken on the changes between the run
// pairs, oldest first (the last one of a change is the one that counts).
func (s *Store) Reviews(pairs []RunPair) ([]Review, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	var out []Review
	// SQLite limits the number of variables: query in batches.
	for i := 0; i < len(pairs); i += 200 {
		batch := pairs[i:min(i+200, len(pairs))]
		var conds []string
		var args []any
		for _, p := range batch {
			conds = append(conds, "(base_run_id = ? AND head_run_id = ?)")
			args = append(args, p.Base, p.Head)
		}
		var rs []Review
		if err := s.DB.Where(strings.Join(conds, " OR "), args...).Order("id").Find(&rs).Error; err != nil {
			return nil, fmt.Errorf("read reviews: %w", err)
		}
		out = append(out, rs...)
	}
	return out, nil
}

// Approve makes release the baseline of a journey ("" or "*" for every
// journey) and records a in its history (Release, JourneyID, Previous,
// Action and At are set here). It returns the stored approval.
func (s *Store) Approve(release, journeyID string, a Approval) (*Approval, error) {
	ok, err := s.HasRelease(release)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("release %q: %w", release, ErrNotFound)
	}
	if journeyID == "" {
		journeyID = "*"
	}
	a.ID, a.JourneyID, a.Release, a.Action, a.At = 0, journeyID, release, ActionApprove, time.Now()
	if err := s.setBaseline(&a); err != nil {
		return nil, fmt.Errorf("approve release %q: %w", release, err)
	}
	return &a, nil
}

// setBaseline writes the baseline row and the history entry a in one
// transaction; it fills a.Previous.
func (s *Store) setBaseline(a *Approval) error {
	return s.DB.Transaction(func(tx *gorm.DB) error {
		var prev Baseline
		err := tx.First(&prev, "journey_id = ?", a.JourneyID).Error
		switch {
		case err == nil:
			a.Previous = prev.Release
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return err
		}
		b := Baseline{JourneyID: a.JourneyID, Release: a.Release, SetAt: a.At}
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&b).Error; err != nil {
			return err
		}
		return tx.Create(a).Error
	})
}

// Approvals returns the baseline history of a journey ("*" for the
// baseline of every journey, "" for every history), newest first.
func (s *Store) Approvals(journeyID string) ([]Approval, error) {
	var out []Approval
	q := s.DB.Order("id DESC")
	if journeyID != "" {
		q = q.Where("journey_id = ?", journeyID)
	}
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("read baseline history: %w", err)
	}
	return out, nil
}

// LatestApproval returns the approval that made the current baseline of a
// journey (its own, else the one for every journey); nil when there is
// none or the baseline was set before approvals were recorded.
func (s *Store) LatestApproval(journeyID string) (*Approval, error) {
	for _, j := range []string{journeyID, "*"} {
		var b Baseline
		err := s.DB.First(&b, "journey_id = ?", j).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var a Approval
		err = s.DB.Where("journey_id = ? AND release = ?", j, b.Release).Order("id DESC").First(&a).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return &a, nil
	}
	return nil, nil
}

// ErrNoEarlierApproval is returned by Rollback when the history has no
// approval to go back to.
var ErrNoEarlierApproval = errors.New("no earlier approval to roll back to")

// Rollback makes the release of an earlier approval the journey's baseline
// again ("" or "*" for every journey) and records the roll back in the
// history. to is the approval to return to; 0 means the approval before
// the current baseline's.
func (s *Store) Rollback(journeyID string, to uint, by, note string) (*Approval, error) {
	if journeyID == "" {
		journeyID = "*"
	}
	hist, err := s.Approvals(journeyID)
	if err != nil {
		return nil, err
	}
	var target *Approval
	if to != 0 {
		for i := range hist {
			if hist[i].ID == to {
				target = &hist[i]
			}
		}
		if target == nil {
			return nil, fmt.Errorf("roll back %s: approval %d is not in its history: %w", journeyID, to, ErrNotFound)
		}
	} else {
		// The newest entry is the current baseline; go to the newest
		// approval of a different release before it.
		for i := 1; i < len(hist) && len(hist) > 0; i++ {
			if hist[i].Action == ActionApprove && hist[i].Release != hist[0].Release {
				target = &hist[i]
				break
			}
		}
		if target == nil {
			return nil, fmt.Errorf("roll back %s: %w", journeyID, ErrNoEarlierApproval)
		}
	}
	ok, err := s.HasRelease(target.Release)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("roll back %s: release %q of approval %d has no runs any more: %w", journeyID, target.Release, target.ID, ErrNotFound)
	}
	a := Approval{JourneyID: journeyID, Release: target.Release, Action: ActionRollback, RollbackTo: target.ID,
		By: by, Note: note, At: time.Now()}
	if err := s.setBaseline(&a); err != nil {
		return nil, fmt.Errorf("roll back %s: %w", journeyID, err)
	}
	return &a, nil
}

// RunSummary returns a run without its steps, findings and video.
func (s *Store) RunSummary(id uint) (*Run, error) {
	var r Run
	if err := s.DB.First(&r, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, fmt.Errorf("run %d: %w", id, ErrNotFound)
		}
		return nil, fmt.Errorf("read run %d: %w", id, err)
	}
	return &r, nil
}
