// Package enginetest opens the engine that the tests of the packages which
// read evidence (the pack, the comparison) make their runs with, and runs
// cells with it, so that they run the wiring of `journeyproof run` and not
// a copy of it.
package enginetest

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"journeyproof"
	"journeyproof/engine"
	"journeyproof/journeys"
)

// Open opens an engine on the data folder dir as `journeyproof run` does
// (Chromium, the queue and this process's worker of it, two cells at
// once), without workflow video and with a logger that discards. The
// caller closes it.
func Open(ctx context.Context, dir string) (*engine.Engine, error) {
	eng, err := engine.Open(ctx, engine.Config{DataDir: dir, Parallel: 2, Work: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, fmt.Errorf("open the engine in %s: %w", dir, err)
	}
	eng.Video = engine.Video{Mode: "off"}
	return eng, nil
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
