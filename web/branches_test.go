package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// The run page shows the phone side's screen beside the step where the
// user acts on the phone, and a phone recording attached to the run beside
// the browser video (on a run of its own: the shared passRun stays
// without one); the coverage page has a row per branch.
func TestRunPagePhoneSide(t *testing.T) {
	shared.Need(t)
	s := newServer(t, Options{Starter: starter})
	page := func(id uint) string {
		w := request(t, s.Handler(), "GET", fmt.Sprintf("/runs/%d", id), nil)
		if w.Code != http.StatusOK {
			t.Fatalf("run page: %d", w.Code)
		}
		return w.Body.String()
	}
	body := page(passRun)
	if n := strings.Count(body, `class="shot phone-shot"`); n != 1 {
		t.Errorf("%d phone screens on the login run's page, want 1 (the iamsmart step)", n)
	}
	if !strings.Contains(body, `alt="The iAM Smart app on the phone at step 4"`) {
		t.Errorf("the phone screen is not on step 4")
	}
	if strings.Contains(body, "Phone recording") {
		t.Errorf("a phone recording shown on a run without one")
	}

	// A run of its own gets the recording: the shared runs stay without one.
	id, a := phoneRun(t)
	body = page(id)
	if !strings.Contains(body, "Phone recording") || !strings.Contains(body, `src="/artifacts/`+a.SHA256+`"`) || !strings.Contains(body, "attached by alice") {
		t.Errorf("the attached phone recording is not on the run page")
	}
	if !strings.Contains(body, `class="side has-video has-phone"`) || strings.Index(body, `id="phone-video"`) < strings.Index(body, `class="sticky"`) {
		t.Errorf("the phone recording is not in the sticky block beside the browser video")
	}
	if strings.Contains(body, "phone <b>.webm") || !strings.Contains(body, "phone &lt;b&gt;.webm") {
		t.Errorf("the recording's file name is not escaped")
	}
	w := request(t, s.Handler(), "GET", fmt.Sprintf("/api/runs/%d", id), nil)
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
