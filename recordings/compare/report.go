// Package compare tells a reviewer what changed in each journey between two
// releases (or two runs), screen by screen: it pairs the runs of both sides
// by cell (journey x language x device), pairs their steps by step id (else
// position and name), and for every step pair diffs the viewport
// screenshots (recordings/imagediff), the visible text of the iAM Smart
// entries and the page title, and the findings. It also compares the
// sequence of URL paths of each run.
//
// Compare reads a recordings store and writes only the diff images, as
// artifacts; WriteHTML turns a Report into one self-contained HTML page.
package compare

import (
	"time"

	"journeyproof"
)

// Status says how a run pair or a step pair differs: unchanged, changed,
// or on one side only (added, removed).
type Status string

// Statuses of a run pair and of a step pair.
const (
	StatusUnchanged Status = "unchanged"
	StatusChanged   Status = "changed"
	StatusAdded     Status = "added"
	StatusRemoved   Status = "removed"
)

// Report is the comparison of two sides.
type Report struct {
	// Base and Head say what was compared, e.g. `release "demo"`,
	// `baseline` or `run 12`.
	Base string `json:"base"`
	Head string `json:"head"`
	// BaseReleases are the releases the base runs come from (several when
	// journeys have different baselines).
	BaseReleases []string `json:"baseReleases"`
	// HeadReleases are the releases the head runs come from.
	HeadReleases []string  `json:"headReleases"`
	Threshold    float64   `json:"threshold"`
	Limit        Limit     `json:"limit"`
	Summary      Summary   `json:"summary"`
	Runs         []RunDiff `json:"runs"`
	Generated    time.Time `json:"generated"`
}

// Limit says when a step's visual difference counts as over the limit. The
// zero value means any differing pixel (outside the masks) is over it.
type Limit struct {
	// MaxDiffPixels: over the limit when more pixels than this differ.
	MaxDiffPixels int `json:"maxDiffPixels,omitempty"`
	// MaxDiffRatio: over the limit when the share of differing pixels
	// (0..1) is above this. Used when MaxDiffPixels is 0.
	MaxDiffRatio float64 `json:"maxDiffRatio,omitempty"`
}

// Over reports whether a visual difference exceeds the limit.
func (l Limit) Over(v *Visual) bool {
	if v == nil {
		return false
	}
	if v.SizeChanged {
		return true
	}
	switch {
	case l.MaxDiffPixels > 0:
		return v.DiffPixels > l.MaxDiffPixels
	case l.MaxDiffRatio > 0:
		return v.Ratio > l.MaxDiffRatio
	default:
		return v.DiffPixels > 0
	}
}

// String describes the limit for people.
func (l Limit) String() string {
	switch {
	case l.MaxDiffPixels > 0:
		return "more than " + itoa(l.MaxDiffPixels) + " differing pixels"
	case l.MaxDiffRatio > 0:
		return "more than " + ftoa(l.MaxDiffRatio*100) + "% differing pixels"
	default:
		return "any differing pixel"
	}
}

// Summary counts what the comparison found.
type Summary struct {
	Runs      int `json:"runs"`
	Unchanged int `json:"unchanged"`
	Changed   int `json:"changed"`
	Added     int `json:"added"`
	Removed   int `json:"removed"`
	StepCounts
	// Failed is what the exit code reports: a step over the limit, a step
	// added, removed or reordered in a paired run, or a new error finding.
	Failed bool `json:"failed"`
}

// StepCounts counts what changed among the steps of a comparison: of one
// run pair (RunDiff) or of all of them (Summary).
type StepCounts struct {
	// StepsOverLimit counts step pairs whose visual difference exceeds the
	// limit; StepsChanged counts step pairs with any difference.
	StepsOverLimit int `json:"stepsOverLimit"`
	StepsChanged   int `json:"stepsChanged"`
	StepsAdded     int `json:"stepsAdded"`
	StepsRemoved   int `json:"stepsRemoved"`
	StepsReordered int `json:"stepsReordered"`
	// NewErrors counts new findings of severity error that are not waived.
	NewErrors        int `json:"newErrors"`
	NewFindings      int `json:"newFindings"`
	ResolvedFindings int `json:"resolvedFindings"`
}

// add adds o's counts to c's.
func (c *StepCounts) add(o StepCounts) {
	c.StepsOverLimit += o.StepsOverLimit
	c.StepsChanged += o.StepsChanged
	c.StepsAdded += o.StepsAdded
	c.StepsRemoved += o.StepsRemoved
	c.StepsReordered += o.StepsReordered
	c.NewErrors += o.NewErrors
	c.NewFindings += o.NewFindings
	c.ResolvedFindings += o.ResolvedFindings
}

// RunDiff is the comparison of the runs of one cell.
type RunDiff struct {
	// Cell is journey/lang/device (of the head run when both exist).
	Cell        string   `json:"cell"`
	Journey     string   `json:"journey"`
	JourneyName string   `json:"journeyName"`
	Process     string   `json:"process"`
	Lang        string   `json:"lang"`
	Device      string   `json:"device"`
	Status      Status   `json:"status"`
	Base        *RunInfo `json:"base,omitempty"`
	Head        *RunInfo `json:"head,omitempty"`
	// Steps are in the head run's order; a removed step follows the step
	// that preceded it in the base run.
	Steps []StepDiff `json:"steps"`
	StepCounts
	Paths PathDiff `json:"paths"`

	// Branch is the path the runs took ("" the main path); Cell names it.
	Branch string `json:"branch,omitempty"`
}

// RunInfo names one run of a comparison.
type RunInfo struct {
	ID        uint      `json:"id"`
	Release   string    `json:"release"`
	Status    string    `json:"status"`
	Error     string    `json:"error,omitempty"`
	StartedAt time.Time `json:"startedAt"`
	Width     int64     `json:"width"`
	Height    int64     `json:"height"`
	Scale     float64   `json:"scale"`
}

// StepDiff is the comparison of one step pair (or one step that is only on
// one side).
type StepDiff struct {
	// Key is how the steps were paired: "id:<step id>", or
	// "step <n>: <name>" for steps without an id.
	Key    string `json:"key"`
	StepID string `json:"stepId,omitempty"`
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Reordered tells that the step moved relative to the other steps.
	Reordered bool      `json:"reordered,omitempty"`
	Base      *StepInfo `json:"base,omitempty"`
	Head      *StepInfo `json:"head,omitempty"`
	// Visual is nil when a side has no screenshot.
	Visual *Visual `json:"visual,omitempty"`
	// OverLimit tells that Visual exceeds the limit.
	OverLimit bool `json:"overLimit"`
	// Text lists the changes of the page title, the visible text of the
	// iAM Smart entries, and the step's status.
	Text     []TextChange `json:"text,omitempty"`
	Findings FindingDiff  `json:"findings"`
}

// StepInfo is one side's step.
type StepInfo struct {
	ID         uint    `json:"id"`
	Index      int     `json:"index"`
	Name       string  `json:"name"`
	Status     string  `json:"status"`
	Error      string  `json:"error,omitempty"`
	URL        string  `json:"url"`
	Title      string  `json:"title"`
	Trigger    bool    `json:"trigger,omitempty"`
	Screenshot string  `json:"screenshot,omitempty"`
	Scale      float64 `json:"scale"`
}

// Rect is a rectangle in pixels: [X, X+W) x [Y, Y+H).
type Rect struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
}

// Size is an image size in pixels.
type Size struct {
	W int `json:"w"`
	H int `json:"h"`
}

// Visual is the image diff of a step pair's viewport screenshots.
type Visual struct {
	DiffPixels  int     `json:"diffPixels"`
	AAPixels    int     `json:"aaPixels"`
	TotalPixels int     `json:"totalPixels"`
	Ratio       float64 `json:"ratio"`
	// Identical: same pixels (or same bytes) and same size.
	Identical   bool `json:"identical"`
	SizeChanged bool `json:"sizeChanged"`
	BaseSize    Size `json:"baseSize"`
	HeadSize    Size `json:"headSize"`
	// Boxes bound the changed regions in screenshot pixels; CSSBoxes are
	// the same boxes in the head page's CSS px (viewport coordinates).
	Boxes    []Rect             `json:"boxes"`
	CSSBoxes []journeyproof.Box `json:"cssBoxes"`
	// Masks are the ignored areas in screenshot pixels (both sides' masks).
	Masks []Rect `json:"masks,omitempty"`
	// Diff is the artifact sha256 of the diff image (changed pixels red
	// over a faded base), "" when no pixel differs.
	Diff string `json:"diff,omitempty"`
}

// TextChange is one text that differs between the sides.
type TextChange struct {
	// Field is "title", "entry" (an iAM Smart entry's visible text) or
	// "status" (the step's status).
	Field    string `json:"field"`
	Selector string `json:"selector,omitempty"`
	Before   string `json:"before"`
	After    string `json:"after"`
}

// FindingDiff sorts a step pair's findings.
type FindingDiff struct {
	New       []FindingInfo `json:"new"`
	Resolved  []FindingInfo `json:"resolved"`
	Unchanged []FindingInfo `json:"unchanged"`
}

// FindingInfo is one finding of a comparison.
type FindingInfo struct {
	Rule     string           `json:"rule"`
	Severity string           `json:"severity"`
	Message  string           `json:"message"`
	Selector string           `json:"selector"`
	Box      journeyproof.Box `json:"box"`
	Waived   bool             `json:"waived,omitempty"`
	Crop     string           `json:"crop,omitempty"`
}

// PathDiff is the sequence of URL paths of each run, query values left
// out and repeats collapsed.
type PathDiff struct {
	Base    []string `json:"base"`
	Head    []string `json:"head"`
	Changed bool     `json:"changed"`
}
