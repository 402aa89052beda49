package main

import (
	"fmt"
	"io"
	"log/slog"

	"journeyproof/recordings"
	"journeyproof/recordings/video"
)

// videoConfig is how runs capture video (--video, --fps).
type videoConfig struct {
	mode string // on, off, failed-only
	fps  int
	warn io.Writer // where the one "video skipped" notice goes
}

func checkVideoFlags(mode string, fps int) error {
	switch mode {
	case "on", "off", "failed-only":
	default:
		return fmt.Errorf("--video must be on, off or failed-only, not %q", mode)
	}
	if fps < 1 || fps > 60 {
		return fmt.Errorf("--fps must be between 1 and 60, not %d", fps)
	}
	return nil
}

// source returns the video capture for an invocation, nil when off. An
// engine whose video was never configured (mode "") records video as
// --video=on would.
func (v videoConfig) source(store *recordings.Store, parallel int, logger *slog.Logger) recordings.VideoSource {
	if v.mode == "off" {
		return nil
	}
	return video.New(store, video.Options{FPS: v.fps, FailedOnly: v.mode == "failed-only", Parallel: parallel, Notice: v.warn, Logger: logger})
}
