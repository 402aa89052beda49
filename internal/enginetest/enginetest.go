// Package enginetest opens the engine that the tests of the packages which
// read evidence (the pack, the comparison) make their runs with, so that
// they run the wiring of `journeyproof run` and not a copy of it.
package enginetest

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"journeyproof/engine"
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
