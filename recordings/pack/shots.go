package pack

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"strings"

	"journeyproof/recordings"
)

// thumbWidth is the width in pixels of the screenshot thumbnails that
// report.html shows (each links to the full screenshot in the pack).
const thumbWidth = 360

// stepShot is one step's screenshot in the pack: the full image as stored
// and a small JPEG thumbnail, both by path relative to the pack's root.
type stepShot struct {
	Step   int // number from 1
	Name   string
	Failed bool
	Full   string
	Thumb  string
	sha    string
}

// collectShots lists each run's step screenshots whose files are in the
// store, under screenshots/PROCESS/JOURNEY-LANG-DEVICE/.
func collectShots(store *recordings.Store, sel *selection) map[uint][]stepShot {
	out := map[uint][]stepShot{}
	for _, r := range sel.runs {
		dir := "screenshots" + strings.TrimPrefix(videoPath(r), "videos")
		for _, s := range r.Steps {
			if !exists(store.ArtifactPath(s.ScreenshotSHA)) {
				continue
			}
			base := fmt.Sprintf("%s/step-%02d", dir, s.Index+1)
			out[r.ID] = append(out[r.ID], stepShot{Step: s.Index + 1, Name: s.Name, Failed: s.Status != "passed",
				Full: base + ".png", Thumb: base + ".thumb.jpg", sha: s.ScreenshotSHA})
		}
	}
	return out
}

// thumbnail reads a stored PNG screenshot and returns it shrunk to at most
// thumbWidth pixels wide (whole-factor block averages) as a JPEG.
func thumbnail(path string) ([]byte, error) {
	img, err := readScreenshot(path)
	if err != nil {
		return nil, err
	}
	f := max(1, (img.Bounds().Dx()+thumbWidth-1)/thumbWidth)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, shrink(img, f), &jpeg.Options{Quality: 80}); err != nil {
		return nil, fmt.Errorf("encode thumbnail: %w", err)
	}
	return buf.Bytes(), nil
}
