// Package enginetest opens what the tests that store real runs share: an
// engine opened as `journeyproof run` opens it, but with video off and a
// quiet logger; cells run with it; a bundled journey. Its functions return
// errors, so that a package's browsertest.Shared set-up can call them as
// well as a test. The sandbox they run against is chrometest.Sandbox.
package enginetest

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"journeyproof"
	"journeyproof/engine"
	"journeyproof/journeys"
	"journeyproof/journeys/examples"
)

// Open opens an engine on a store in dir, with cfg's other settings, video
// off and a logger that discards the engine's warnings. The caller closes
// it.
func Open(ctx context.Context, dir string, cfg engine.Config) (*engine.Engine, error) {
	cfg.DataDir = dir
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	e, err := engine.Open(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open the engine in %s: %w", dir, err)
	}
	e.Video = engine.Video{Mode: "off"}
	return e, nil
}

// Run runs the cells under release against baseURL with eng and returns
// the outcome. It fails when a cell stored no run or its run was
// interrupted: the machinery failed, whatever the journey did.
func Run(ctx context.Context, eng *engine.Engine, release, baseURL string, cells []journeys.Cell) (*engine.Outcome, error) {
	out, err := eng.Run(ctx, engine.Invocation{Release: release, BaseURL: baseURL, Cells: cells})
	if err != nil {
		return nil, fmt.Errorf("release %s: %w", release, err)
	}
	for _, res := range out.Results {
		if res.Status == journeyproof.StatusInterrupted || res.RunID == 0 {
			return nil, fmt.Errorf("release %s: %s %s: %s", release, res.Cell, res.Status, res.Error)
		}
	}
	return out, nil
}

// Journey is the bundled journey with the id (login, form, sign).
func Journey(id string) (*journeys.Journey, error) {
	js, err := examples.Load()
	if err != nil {
		return nil, fmt.Errorf("load the bundled journeys: %w", err)
	}
	for _, j := range js {
		if j.ID == id {
			return j, nil
		}
	}
	return nil, fmt.Errorf("no bundled journey %q", id)
}
