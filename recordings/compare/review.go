package compare

import (
	"fmt"
	"strings"

	"journeyproof/recordings"
)

// Kind is what a change in a review queue is about: a screen, a cell on
// one side only, or a run's URL paths.
type Kind string

// Kinds of change in a review queue.
const (
	// KindScreen is a step pair that differs, or a step on one side only.
	KindScreen Kind = "screen"
	// KindCellAdded and KindCellRemoved are cells run on one side only.
	KindCellAdded   Kind = "cell added"
	KindCellRemoved Kind = "cell removed"
	// KindPaths is a run whose sequence of URL paths changed.
	KindPaths Kind = "paths"
)

// Change is one item of a comparison's review queue: something a reviewer
// accepts or rejects before the head becomes the baseline.
type Change struct {
	// N is the change's place in the queue, from 1.
	N int `json:"n"`
	// Key names the change in its run pair: the cell, then the step's
	// pairing key or the kind ("login/en/desktop id:start"); it stays the
	// same when the comparison is made again.
	Key  string `json:"key"`
	Kind Kind   `json:"kind"`
	// What lists what differs: "visual", "text", "new findings",
	// "resolved findings", "step added", "step removed", "reordered".
	What    []string `json:"what"`
	Cell    string   `json:"cell"`
	Journey string   `json:"journey"`
	// Title says in a few words which screen or cell it is.
	Title   string `json:"title"`
	BaseRun uint   `json:"baseRun"`
	HeadRun uint   `json:"headRun"`
	// Run and Step are where the change is in Report.Runs and its Steps
	// (Step is -1 for a change of the whole cell).
	Run  int `json:"run"`
	Step int `json:"step"`
	// Decision is the newest decision on the change ("" when unreviewed);
	// By, Note and At come with it.
	Decision string `json:"decision"`
	By       string `json:"by,omitempty"`
	Note     string `json:"note,omitempty"`
	At       string `json:"at,omitempty"`
}

// StepKey is the key of a step pair's change.
func StepKey(rd *RunDiff, sd *StepDiff) string { return rd.Cell + " " + sd.Key }

// CellKey is the key of a change of a whole cell (added, removed, paths).
func CellKey(rd *RunDiff, kind Kind) string { return rd.Cell + " " + string(kind) }

// Changes lists the changes of a report in review order: the runs in
// report order, each run's cell change first, then its screens.
func Changes(rep *Report) []Change {
	var out []Change
	for i := range rep.Runs {
		rd := &rep.Runs[i]
		c := Change{Cell: rd.Cell, Journey: rd.Journey, Run: i, Step: -1}
		if rd.Base != nil {
			c.BaseRun = rd.Base.ID
		}
		if rd.Head != nil {
			c.HeadRun = rd.Head.ID
		}
		switch rd.Status {
		case StatusAdded:
			c.Kind, c.Key, c.Title = KindCellAdded, CellKey(rd, KindCellAdded), rd.Cell+": only in the head"
			out = append(out, c)
			continue
		case StatusRemoved:
			c.Kind, c.Key, c.Title = KindCellRemoved, CellKey(rd, KindCellRemoved), rd.Cell+": only in the base"
			out = append(out, c)
			continue
		}
		if rd.Paths.Changed {
			p := c
			p.Kind, p.Key, p.Title, p.What = KindPaths, CellKey(rd, KindPaths), rd.Cell+": URL paths changed", []string{"paths"}
			out = append(out, p)
		}
		for k := range rd.Steps {
			sd := &rd.Steps[k]
			if sd.Status == StatusUnchanged {
				continue
			}
			s := c
			s.Kind, s.Key, s.Step = KindScreen, StepKey(rd, sd), k
			s.Title = fmt.Sprintf("%s: %s", rd.Cell, stepLabel(sd))
			s.What = what(sd)
			out = append(out, s)
		}
	}
	for i := range out {
		out[i].N = i + 1
	}
	return out
}

func stepLabel(sd *StepDiff) string {
	switch {
	case sd.Head != nil:
		return fmt.Sprintf("step %d %s", sd.Head.Index+1, sd.Name)
	case sd.Base != nil:
		return fmt.Sprintf("base step %d %s", sd.Base.Index+1, sd.Name)
	}
	return sd.Name
}

func what(sd *StepDiff) []string {
	var w []string
	switch sd.Status {
	case StatusAdded:
		w = append(w, "step added")
	case StatusRemoved:
		w = append(w, "step removed")
	}
	if sd.OverLimit {
		w = append(w, "visual")
	}
	if len(sd.Text) > 0 {
		w = append(w, "text")
	}
	if len(sd.Findings.New) > 0 {
		w = append(w, "new findings")
	}
	if len(sd.Findings.Resolved) > 0 {
		w = append(w, "resolved findings")
	}
	if sd.Reordered {
		w = append(w, "reordered")
	}
	return w
}

// Queue is the review state of a comparison.
type Queue struct {
	Changes    []Change `json:"changes"`
	Accepted   int      `json:"accepted"`
	Rejected   int      `json:"rejected"`
	Unreviewed int      `json:"unreviewed"`
}

// Pairs are the run pairs whose decisions a queue needs.
func (q *Queue) Pairs() []recordings.RunPair {
	seen := map[recordings.RunPair]bool{}
	var out []recordings.RunPair
	for _, c := range q.Changes {
		p := recordings.RunPair{Base: c.BaseRun, Head: c.HeadRun}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// NewQueue lists the report's changes with the newest decision on each
// (reviews oldest first, as recordings.Store.Reviews returns them).
func NewQueue(rep *Report, reviews []recordings.Review) *Queue {
	q := &Queue{Changes: Changes(rep)}
	if q.Changes == nil {
		q.Changes = []Change{}
	}
	q.Apply(reviews)
	return q
}

// Apply sets each change's decision from the reviews (oldest first) and
// counts them.
func (q *Queue) Apply(reviews []recordings.Review) {
	type id struct {
		pair recordings.RunPair
		key  string
	}
	newest := map[id]*recordings.Review{}
	for i := range reviews {
		r := &reviews[i]
		newest[id{recordings.RunPair{Base: r.BaseRunID, Head: r.HeadRunID}, r.Change}] = r
	}
	q.Accepted, q.Rejected, q.Unreviewed = 0, 0, 0
	for i := range q.Changes {
		c := &q.Changes[i]
		c.Decision, c.By, c.Note, c.At = "", "", "", ""
		if r := newest[id{recordings.RunPair{Base: c.BaseRun, Head: c.HeadRun}, c.Key}]; r != nil {
			c.Decision, c.By, c.Note, c.At = r.Decision, r.By, r.Note, r.At.UTC().Format("2006-01-02T15:04:05Z")
		}
		switch c.Decision {
		case recordings.DecisionAccepted:
			q.Accepted++
		case recordings.DecisionRejected:
			q.Rejected++
		default:
			q.Unreviewed++
		}
	}
}

// Find returns the change with the number (as shown, "3") or the key.
func (q *Queue) Find(ref string) *Change {
	ref = strings.TrimSpace(ref)
	for i := range q.Changes {
		c := &q.Changes[i]
		if c.Key == ref || fmt.Sprint(c.N) == ref || "#"+fmt.Sprint(c.N) == ref {
			return c
		}
	}
	return nil
}

// Summary says what is still to review, for people.
func (q *Queue) Summary() string {
	if len(q.Changes) == 0 {
		return "No change to review."
	}
	if q.Unreviewed == 0 && q.Rejected == 0 {
		return fmt.Sprintf("All %d changes accepted.", len(q.Changes))
	}
	return fmt.Sprintf("%d of %d changes unreviewed, %d accepted, %d rejected.", q.Unreviewed, len(q.Changes), q.Accepted, q.Rejected)
}

// Approval is the history entry of approving the head as the baseline of a
// journey after this review: what it was compared with and the decisions
// on the journey's changes.
func (q *Queue) Approval(rep *Report, journey, by, note string) recordings.Approval {
	a := recordings.Approval{By: by, Note: note, ComparedWith: rep.Base}
	if rep.Base == "baseline" && len(rep.BaseReleases) > 0 {
		a.ComparedWith = "the baseline (release " + strings.Join(rep.BaseReleases, ", ") + ")"
	}
	for _, c := range q.Changes {
		if c.Journey != journey {
			continue
		}
		a.Changes++
		switch c.Decision {
		case recordings.DecisionAccepted:
			a.Accepted++
		case recordings.DecisionRejected:
			a.Rejected++
		default:
			a.Unreviewed++
		}
	}
	return a
}
