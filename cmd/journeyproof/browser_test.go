package main

import (
	"context"
	"sync"
	"testing"
	"time"

	"journeyproof/engine"
	"journeyproof/internal/browsertest"
	"journeyproof/internal/chrometest"
	"journeyproof/journeys"
	"journeyproof/journeys/chrome"
	"journeyproof/verifier"
)

// One browser and one loopback server for the package (the sandbox, and
// the hostile corpus's pages beside it), started by the first test that
// needs them (shared.Need) and stopped by TestMain.
var (
	site   *chrometest.Site
	shared = browsertest.Shared{Setup: startShared}
)

// startShared starts the package's browser and loopback server.
func startShared() (func(), error) {
	s, err := chrometest.Start(hostilePages)
	if err != nil {
		return nil, err
	}
	site = s
	return s.Close, nil
}

// runJourneys expands the journeys over langs (nil: each journey's matrix)
// and runs their cells in the package's browser against its server, two
// at a time and with 20 s a step (the machine may be loaded), with the
// real checker and the default rule pack. It takes screenshots only when
// asked (a finding's crop is cut from the full page). It returns each
// cell's result and, by journey id, the results of its steps.
func runJourneys(t *testing.T, screenshots bool, langs []string, js ...*journeys.Journey) ([]journeys.CellResult, map[string][]*journeys.StepResult) {
	t.Helper()
	shared.Need(t)
	cells, err := journeys.Expand(js, langs, nil)
	if err != nil {
		t.Fatal(err)
	}
	col := &stepCollector{steps: map[string][]*journeys.StepResult{}}
	r := &chrome.Runner{Browser: site.Browser, BaseURL: site.URL, Parallel: 2, StepTimeout: 20 * time.Second,
		Checker: &engine.Checker{Pack: verifier.DefaultPack()}, Observer: col, NoScreenshots: !screenshots}
	return r.Run(context.Background(), cells), col.steps
}

// stepCollector keeps every step result of every cell.
type stepCollector struct {
	mu    sync.Mutex
	steps map[string][]*journeys.StepResult
}

func (o *stepCollector) StartCell(ctx context.Context, cell journeys.Cell, started time.Time) (journeys.CellObserver, error) {
	return &stepCollectorCell{o: o, cell: cell}, nil
}

// CellFailed records nothing: a cell that could not start has no steps.
func (o *stepCollector) CellFailed(journeys.Cell, *journeys.CellResult) error { return nil }

type stepCollectorCell struct {
	o    *stepCollector
	cell journeys.Cell
}

func (c *stepCollectorCell) StepStarted(int, *journeys.Step, time.Time) {}
func (c *stepCollectorCell) StepDone(res *journeys.StepResult) error {
	c.o.mu.Lock()
	defer c.o.mu.Unlock()
	c.o.steps[c.cell.Journey.ID] = append(c.o.steps[c.cell.Journey.ID], res)
	return nil
}
func (c *stepCollectorCell) CellDone(*journeys.CellResult) error { return nil }
