package main

import (
	"flag"
	"fmt"
	"io"

	"journeyproof/engine"
)

// evidenceFlags are --video and --fps, and --screenshots where a command
// has it: the evidence the cells a command runs record.
type evidenceFlags struct {
	video       *string
	fps         *int
	screenshots *bool // nil: the command has no --screenshots
}

// addEvidenceFlags adds --video (whose help names what, such as "workflow
// video"), --fps and, with screenshots, --screenshots.
func addEvidenceFlags(fs *flag.FlagSet, what string, screenshots bool) evidenceFlags {
	f := evidenceFlags{
		video: fs.String("video", "on", what+": on, off or failed-only"),
		fps:   fs.Int("fps", 10, "video frame rate"),
	}
	if screenshots {
		f.screenshots = fs.Bool("screenshots", true, "take per-step screenshots")
	}
	return f
}

// check checks --video and --fps.
func (f evidenceFlags) check() error {
	switch *f.video {
	case "on", "off", "failed-only":
	default:
		return fmt.Errorf("--video must be on, off or failed-only, not %q", *f.video)
	}
	if *f.fps < 1 || *f.fps > 60 {
		return fmt.Errorf("--fps must be between 1 and 60, not %d", *f.fps)
	}
	return nil
}

// apply makes the engine record what the flags ask for; notice gets the
// video's warnings.
func (f evidenceFlags) apply(e *engine.Engine, notice io.Writer) {
	if f.screenshots != nil {
		e.NoScreenshots = !*f.screenshots
	}
	e.Video = engine.Video{Mode: *f.video, FPS: *f.fps, Notice: notice}
}
