// Package journeyproof holds the domain words every other package shares,
// each defined once and with no dependency beyond the standard library: the
// status of a run or a step, a finding and the box it points at, an iAM
// Smart entry, the languages, the devices and the business processes, with
// their display names and their order.
//
// The journey itself (a journey, its steps, branches and cells, and the
// loading of journey files) is package journeys, which builds on these
// words; running it in Chromium is package journeys/chrome; a stored run is
// recordings.Run. A package that only reads evidence (the store, the web
// app, the comparison) imports this package and journeys, never the browser.
package journeyproof

// Statuses of a run and of a step.
const (
	StatusRunning     = "running"
	StatusPassed      = "passed"
	StatusFailed      = "failed"
	StatusInterrupted = "interrupted"
)
