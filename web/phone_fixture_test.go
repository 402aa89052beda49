package web

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"journeyproof/journeys"
	"journeyproof/recordings"
)

// phoneRelease is the release of the run that has a phone recording
// attached; the shared runs of TestMain stay without one.
const phoneRelease = "t1-phone"

// phoneFixture is a login/en/desktop run of its own with a person's phone
// recording attached, made once by the first test that asks for it.
var phoneFixture struct {
	once  sync.Once
	run   uint
	video *recordings.Attachment
	err   error
}

// phoneRun returns the run with a phone recording and the recording: the
// login journey's main path run again under phoneRelease, and a 390x844
// WebM made with ffmpeg attached to it as `journeyproof attach
// --phone-video` does.
func phoneRun(t *testing.T) (uint, *recordings.Attachment) {
	t.Helper()
	phoneFixture.once.Do(func() {
		phoneFixture.run, phoneFixture.video, phoneFixture.err = makePhoneRun(t.TempDir())
	})
	if phoneFixture.err != nil {
		t.Fatalf("the run with a phone recording: %v", phoneFixture.err)
	}
	return phoneFixture.run, phoneFixture.video
}

func makePhoneRun(dir string) (uint, *recordings.Attachment, error) {
	cells, err := journeys.Expand([]*journeys.Journey{journey("login")}, []string{"en"}, []string{"desktop"})
	if err == nil {
		cells, err = journeys.NarrowBranches(cells, []string{journeys.MainBranch})
	}
	if err != nil {
		return 0, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := starter.Run(ctx, phoneRelease, siteURL, cells, nil); err != nil {
		return 0, nil, err
	}
	runs, _, err := store.Runs(recordings.RunFilter{Release: phoneRelease})
	if err != nil {
		return 0, nil, err
	}
	if len(runs) != 1 {
		return 0, nil, fmt.Errorf("%d runs under %s, want 1", len(runs), phoneRelease)
	}
	video := filepath.Join(dir, "phone.webm")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=390x844:rate=10:duration=6",
		"-c:v", "libvpx", "-b:v", "200k", video).CombinedOutput(); err != nil {
		return 0, nil, fmt.Errorf("ffmpeg: %v\n%s", err, out)
	}
	a := &recordings.Attachment{RunID: runs[0].ID, Kind: "phone-video", Name: "phone <b>.webm", ContentType: "video/webm", DurationMS: 6000, Width: 390, Height: 844, By: "alice"}
	if err := store.Attach(video, a); err != nil {
		return 0, nil, err
	}
	return runs[0].ID, a, nil
}
