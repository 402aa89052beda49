package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"journeyproof/recordings"
)

// attach stores a phone recording with the run (content-addressed, the
// video's facts read with ffprobe) and refuses what is not a video or not
// a run, with one line and exit 2.
func TestAttachPhoneVideo(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	store, err := recordings.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	run := recordings.Run{Release: "ite", JourneyID: "login", Lang: "en", Device: "mobile", Status: "passed", StartedAt: time.Now()}
	if err := store.DB.Create(&run).Error; err != nil {
		t.Fatal(err)
	}
	store.Close()
	video := filepath.Join(dir, "phone.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=390x844:rate=10:duration=1.5",
		"-pix_fmt", "yuv420p", video).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	id := strconv.Itoa(int(run.ID))

	code, out, errOut := runCLI(t, "attach", id, "--phone-video", video, "--by", "alice", "--note", "ITE, iPhone 15", "--data", data)
	if code != exitOK || !strings.Contains(out, "attached phone.mp4 to run "+id) {
		t.Fatalf("attach: exit %d\n%s%s", code, out, errOut)
	}
	store, err = recordings.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	a, err := store.PhoneVideo(run.ID)
	if err != nil || a == nil {
		t.Fatalf("phone video: %+v, %v", a, err)
	}
	if a.ContentType != "video/mp4" || a.Width != 390 || a.Height != 844 || a.DurationMS < 1400 || a.DurationMS > 1600 || a.By != "alice" || a.Note != "ITE, iPhone 15" {
		t.Errorf("attachment = %+v", a)
	}
	want, _ := os.ReadFile(video)
	if got, err := store.ReadArtifact(a.SHA256); err != nil || string(got) != string(want) {
		t.Errorf("stored file differs from the recording (%v)", err)
	}

	notVideo := filepath.Join(dir, "notes.txt")
	os.WriteFile(notVideo, []byte("not a video"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"attach", id, "--phone-video", notVideo, "--data", data}, "not a video ffprobe can read"},
		{[]string{"attach", "999", "--phone-video", video, "--data", data}, "run 999 is not in the store"},
		{[]string{"attach", "latest", "--phone-video", video, "--data", data}, `"latest" is not a run id`},
		{[]string{"attach", id, "--data", data}, "give one run and a file"},
		{[]string{"attach", id, "--phone-video", filepath.Join(dir, "missing.mp4"), "--data", data}, "no such file"},
	} {
		code, _, errOut := runCLI(t, c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line with %q", c.args[1:], code, errOut, c.want)
		}
	}
	if as, _ := store.Attachments(run.ID, ""); len(as) != 1 {
		t.Errorf("%d attachments after the refused ones, want 1", len(as))
	}
}
