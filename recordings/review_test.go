package recordings

import (
	"errors"
	"testing"
	"time"
)

// TestApprovalHistory approves releases, rolls back and reads the history
// from a real SQLite store.
func TestApprovalHistory(t *testing.T) {
	st, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i, rel := range []string{"r1", "r2"} {
		if err := st.DB.Create(&Run{Release: rel, JourneyID: "login", Lang: "en", Device: "desktop", Status: "passed", StartedAt: time.Now()}).Error; err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	if _, err := st.Rollback("login", 0, "x", ""); !errors.Is(err, ErrNoEarlierApproval) {
		t.Errorf("roll back with no history: %v", err)
	}
	if _, err := st.Approve("nope", "login", Approval{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("approve a release with no runs: %v", err)
	}
	a1, err := st.Approve("r1", "login", Approval{By: "alice", Note: "first"})
	if err != nil {
		t.Fatal(err)
	}
	a2, err := st.Approve("r2", "login", Approval{By: "bob", ComparedWith: `release "r1"`, Changes: 2, Accepted: 1, Unreviewed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if a2.Previous != "r1" || a2.Reviewed() != `compared with release "r1": 2 changes, 1 accepted, 0 rejected, 1 approved unreviewed` {
		t.Errorf("second approval: previous %q, reviewed %q", a2.Previous, a2.Reviewed())
	}
	if la, err := st.LatestApproval("login"); err != nil || la == nil || la.ID != a2.ID {
		t.Errorf("latest approval of login: %+v (%v)", la, err)
	}
	rb, err := st.Rollback("login", 0, "carol", "oops")
	if err != nil {
		t.Fatal(err)
	}
	if rb.Release != "r1" || rb.RollbackTo != a1.ID || rb.Previous != "r2" || rb.Action != ActionRollback {
		t.Errorf("roll back: %+v", rb)
	}
	if got, _ := st.BaselineFor("login"); got != "r1" {
		t.Errorf("baseline after the roll back: %q", got)
	}
	hist, err := st.Approvals("login")
	if err != nil || len(hist) != 3 || hist[0].ID != rb.ID || hist[2].ID != a1.ID {
		t.Errorf("history: %+v (%v)", hist, err)
	}
	if _, err := st.Rollback("login", 999, "x", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("roll back to an approval not in the history: %v", err)
	}
	// Reviews: the newest decision on a change is the last one returned.
	for _, d := range []string{DecisionRejected, DecisionAccepted} {
		if err := st.AddReview(&Review{BaseRunID: 1, HeadRunID: 2, Change: "login/en/desktop id:start", Decision: d, By: "alice"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.AddReview(&Review{BaseRunID: 1, HeadRunID: 2, Change: "x", Decision: "maybe"}); !errors.Is(err, ErrBadDecision) {
		t.Errorf("a decision that is neither: %v", err)
	}
	rs, err := st.Reviews([]RunPair{{Base: 1, Head: 2}, {Base: 0, Head: 9}})
	if err != nil || len(rs) != 2 || rs[1].Decision != DecisionAccepted {
		t.Errorf("reviews: %+v (%v)", rs, err)
	}
}
