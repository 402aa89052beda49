package main

import (
	"context"
	"log/slog"
	"time"

	"journeyproof/recordings"
	"journeyproof/recordings/video"
)

// reapEvery is how often serve looks for runs whose process is gone.
const reapEvery = 2 * time.Second

// removeLeftovers removes what killed processes left in the data folder
// (frames folders of interrupted runs); the store marked their runs
// interrupted when it opened.
func removeLeftovers(store *recordings.Store, logger *slog.Logger) {
	if n, err := video.RemoveLeftovers(store); err != nil {
		logger.Warn("leftover video frames not removed", "err", err)
	} else if n > 0 {
		logger.Info("leftover video frames removed", "folders", n)
	}
}

// watchRuns marks interrupted, every reapEvery until ctx ends, the runs
// that other processes left running when they died or stopped sending
// their heartbeat, and removes their leftovers: a run killed while serve
// is up is shown interrupted within seconds.
func watchRuns(ctx context.Context, store *recordings.Store, logger *slog.Logger) {
	t := time.NewTicker(reapEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := store.ReapRuns()
		if err != nil {
			logger.Warn("runs in progress not checked", "err", err)
			continue
		}
		if n > 0 {
			logger.Warn("runs whose process is gone were marked interrupted", "runs", n)
			removeLeftovers(store, logger)
		}
	}
}
