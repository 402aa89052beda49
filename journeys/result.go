package journeys

import (
	"context"
	"time"

	"journeyproof"
)

// StepResult is everything observed in one step.
type StepResult struct {
	Index   int
	Step    *Step
	Status  string
	Error   string
	URL     string
	Title   string
	Started time.Time
	Ended   time.Time
	// Screenshot is the viewport PNG (on failure: the failure screenshot);
	// FullPage the full-page PNG. Both nil when screenshots are off.
	Screenshot []byte
	FullPage   []byte
	// Scale is the device pixels per CSS pixel of the screenshots.
	Scale float64
	// ScrollX and ScrollY are the page's scroll position when the viewport
	// screenshot was taken (document boxes minus these are viewport boxes).
	ScrollX, ScrollY float64
	Console          []string
	FailedRequests   []string
	// Navigations are the document requests made during the step.
	Navigations []string
	// Masks are the boxes (viewport CSS px) of the step's mask selectors.
	Masks    []journeyproof.Box
	Findings []journeyproof.Finding
	Entries  []journeyproof.Entry
	// Outcome of an iamsmart step: approved, denied, timed out or closed.
	Outcome string
	// Point is where the step's click landed (viewport CSS px), nil when
	// it did not click.
	Point *journeyproof.Point
	// Phone is the phone side's screen (PNG on chrome.PhoneDevice) of an iamsmart
	// step the sandbox's simulator handled, nil otherwise.
	Phone []byte
	// Request is the iAM Smart authorisation request a trigger sent.
	Request string
	// Times says where the step's time went.
	Times StepTimes
}

// StepTimes is where a step's time went.
type StepTimes struct {
	// Screenshots is the time of the viewport and full-page captures, Check
	// that of the chrome.Checker's screen check, Settle that of waiting for the page
	// to settle before the screenshots (with the URL, title, scroll and mask
	// reads).
	Screenshots, Check, Settle time.Duration
	// Captures is how many viewport captures the stable capture took: 2
	// for a settled page, 1 when the previous step's last capture of the
	// same, unchanged page counted as the first, up to 4 for a changing one.
	Captures int
}

// CellResult is how one cell ended.
type CellResult struct {
	Cell Cell
	// RunID is the id of the run the Observer stored for the cell (see
	// RunIDs), 0 when none was stored.
	RunID    uint
	Status   string
	Error    string
	Started  time.Time
	Ended    time.Time
	Steps    int
	Findings map[string]int // by severity, waived not counted
	// Observer errors (evidence that could not be stored) are joined here.
	ObserverError error
}

// Observer receives what the runner observes; the evidence store and the
// video capture implement it.
type Observer interface {
	// StartCell is called with the cell's tab context (a chromedp context)
	// before the first step.
	StartCell(ctx context.Context, cell Cell, started time.Time) (CellObserver, error)
	// CellFailed records a cell that failed before StartCell could be
	// called (its tab could not be set up, or the browser had exited), so
	// that every cell has a run.
	CellFailed(cell Cell, res *CellResult) error
}

// RunIDs is an Observer that stores each cell as a run (the evidence
// store's recorder): the runner's events and results then carry the run's
// id, from the first event after StartCell or CellFailed stored it.
type RunIDs interface {
	// RunID returns the id of the run stored for cell, 0 before it is.
	RunID(cell Cell) uint
}

// CellObserver receives the steps of one cell.
type CellObserver interface {
	StepStarted(index int, step *Step, at time.Time)
	StepDone(res *StepResult) error
	CellDone(res *CellResult) error
}

// FrameHolder is a CellObserver that records the tab as a video (the
// evidence store's recorder with a video capture): HoldFrames stops its
// frames while the runner captures a still page, since each capture would
// make the browser draw and encode a video frame of the same picture, and
// returns the func that starts them again.
type FrameHolder interface {
	HoldFrames() (resume func())
}

// EventKind says what an Event reports.
type EventKind string

// The kinds of Event, in the order a cell sends them.
const (
	// EventCellStart: the cell starts (its run is not stored yet).
	EventCellStart EventKind = "cell-start"
	// EventStep: the cell starts step Index.
	EventStep EventKind = "step"
	// EventCellEnd: the cell ended with Status and Error; Result is the
	// whole result.
	EventCellEnd EventKind = "cell-end"
)

// Event is a progress report of the runner.
type Event struct {
	Kind EventKind
	Cell Cell
	// RunID is the id of the cell's stored run once the Observer has
	// stored it (see RunIDs): on EventStep and EventCellEnd, 0 on
	// EventCellStart and when the Observer stores no runs.
	RunID  uint
	Index  int    // step index
	Step   string // step name
	Status string
	Error  string
	Result *CellResult
}
