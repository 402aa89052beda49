package main

import (
	"fmt"
)

// checkVideoFlags checks --video and --fps.
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
