package web

import (
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"journeyproof/recordings"
)

// The run page shows the phone side's screen beside the step where the
// user acts on the phone, and a phone recording attached to the run beside
// the browser video; the coverage page has a row per branch.
func TestRunPagePhoneSide(t *testing.T) {
	s := newServer(t, Options{Starter: engine})
	page := func() string {
		w := request(t, s.Handler(), "GET", fmt.Sprintf("/runs/%d", passRun), nil)
		if w.Code != http.StatusOK {
			t.Fatalf("run page: %d", w.Code)
		}
		return w.Body.String()
	}
	body := page()
	if n := strings.Count(body, `class="shot phone-shot"`); n != 1 {
		t.Errorf("%d phone screens on the login run's page, want 1 (the iamsmart step)", n)
	}
	if !strings.Contains(body, `alt="The iAM Smart app on the phone at step 4"`) {
		t.Errorf("the phone screen is not on step 4")
	}
	if strings.Contains(body, "Phone recording") {
		t.Errorf("a phone recording shown before one is attached")
	}

	video := filepath.Join(t.TempDir(), "phone.webm")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=390x844:rate=10:duration=1",
		"-c:v", "libvpx", "-b:v", "200k", video).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	a := &recordings.Attachment{RunID: passRun, Kind: "phone-video", Name: "phone <b>.webm", ContentType: "video/webm", DurationMS: 1000, Width: 390, Height: 844, By: "alice"}
	if err := store.Attach(video, a); err != nil {
		t.Fatal(err)
	}
	body = page()
	if !strings.Contains(body, "Phone recording") || !strings.Contains(body, `src="/artifacts/`+a.SHA256+`"`) || !strings.Contains(body, "attached by alice") {
		t.Errorf("the attached phone recording is not on the run page")
	}
	if strings.Contains(body, "phone <b>.webm") {
		t.Errorf("the recording's file name is not escaped")
	}
	w := request(t, s.Handler(), "GET", fmt.Sprintf("/api/runs/%d", passRun), nil)
	if !strings.Contains(w.Body.String(), `"phoneVideo":{"url":"/artifacts/`+a.SHA256) || !strings.Contains(w.Body.String(), `"phoneUrl":"/artifacts/`) {
		t.Errorf("the run's JSON lacks the phone side")
	}

	w = request(t, s.Handler(), "GET", "/?release="+release, nil)
	cov := w.Body.String()
	for _, want := range []string{`data-journey="login" data-lang="en" data-device="desktop" data-branch="deny"`, `<span class="branch-name">timeout</span>`, `<span class="branch-name">close</span>`} {
		if !strings.Contains(cov, want) {
			t.Errorf("coverage page lacks %s", want)
		}
	}
}
