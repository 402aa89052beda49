package engine

import (
	"context"
	"sync"

	"journeyproof/journeys"
)

// Starter starts the web app's runs with the engine (it is the web app's
// web.Starter): one invocation at a time, in the engine's browser or
// through its queue.
type Starter struct {
	Engine *Engine
	// Runnable are the journeys the web app offers: the bundled ones and
	// the files the server was started with.
	Runnable []*journeys.Journey

	mu sync.Mutex
}

// Journeys returns the journeys that can be run.
func (s *Starter) Journeys() []*journeys.Journey { return s.Runnable }

// Run runs the cells under the release against baseURL and returns the
// ids of the runs it stored, in cell order (0 for a cell that stored
// none); progress gets the runner's events, each with its run's id once
// the run is stored.
func (s *Starter) Run(ctx context.Context, release, baseURL string, cells []journeys.Cell, progress func(journeys.Event)) ([]uint, error) {
	if err := journeys.CheckBaseURL(baseURL); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out, err := s.Engine.Run(ctx, Invocation{Release: release, BaseURL: baseURL, Cells: cells, Progress: progress})
	if out == nil {
		return nil, err
	}
	return out.RunIDs(), err
}
