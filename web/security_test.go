package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/recordings"
)

func TestArtifacts(t *testing.T) {
	shared.Need(t)
	s := newServer(t, Options{})
	run, err := store.Run(passRun)
	if err != nil {
		t.Fatal(err)
	}
	shot := run.Steps[0].ScreenshotSHA
	tests := []struct {
		name, path string
		headers    []string
		status     int
		ctype      string
	}{
		{"screenshot", "/artifacts/" + shot, nil, http.StatusOK, "image/png"},
		{"not modified", "/artifacts/" + shot, []string{"If-None-Match", `"` + shot + `"`}, http.StatusNotModified, ""},
		{"unknown hash", "/artifacts/" + strings.Repeat("ab", 32), nil, http.StatusNotFound, ""},
		{"upper-case hash", "/artifacts/" + strings.ToUpper(shot), nil, http.StatusNotFound, ""},
		{"short hash", "/artifacts/" + shot[:40], nil, http.StatusNotFound, ""},
		{"not hex", "/artifacts/" + strings.Repeat("zz", 32), nil, http.StatusNotFound, ""},
		{"the database", "/artifacts/journeyproof.db", nil, http.StatusNotFound, ""},
		{"traversal", "/artifacts/..%2f..%2fjourneyproof.db", nil, http.StatusNotFound, ""},
		{"traversal in two segments", "/artifacts/../journeyproof.db", nil, http.StatusNotFound, ""},
		{"encoded traversal", "/artifacts/%2e%2e%2fjourneyproof.db", nil, http.StatusNotFound, ""},
		{"hash with a path", "/artifacts/" + shot[:2] + "/" + shot, nil, http.StatusNotFound, ""},
		{"hash and a suffix", "/artifacts/" + shot + "%00.png", nil, http.StatusNotFound, ""},
		{"static traversal", "/static/..%2fweb.go", nil, http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := request(t, s.Handler(), "GET", tt.path, nil, tt.headers...)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if tt.status != http.StatusOK {
				return
			}
			h := w.Header()
			if h.Get("Content-Type") != tt.ctype || h.Get("ETag") != `"`+shot+`"` || h.Get("Cache-Control") != "public, max-age=31536000, immutable" || h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers %v", h)
			}
		})
	}
	if run.Video == nil {
		return
	}
	// Video: ranges, for seeking.
	w := request(t, s.Handler(), "GET", "/artifacts/"+run.Video.SHA256, nil, "Range", "bytes=100-199")
	if w.Code != http.StatusPartialContent || w.Body.Len() != 100 || !strings.HasPrefix(w.Header().Get("Content-Range"), "bytes 100-199/") || w.Header().Get("Content-Type") != "video/mp4" {
		t.Errorf("range of the video: status %d, %d bytes, Content-Range %q, type %q", w.Code, w.Body.Len(), w.Header().Get("Content-Range"), w.Header().Get("Content-Type"))
	}
}

func TestSecurityHeaders(t *testing.T) {
	shared.Need(t)
	s := newServer(t, Options{})
	for _, p := range []string{"/", "/runs/" + itoa(passRun), "/api/releases", "/static/app.css"} {
		w := request(t, s.Handler(), "GET", p, nil)
		h := w.Header()
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: Content-Security-Policy %q", p, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no X-Content-Type-Options: nosniff", p)
		}
	}
	// No inline script on any page (the policy would block it anyway).
	w := request(t, s.Handler(), "GET", "/runs/"+itoa(passRun), nil)
	if strings.Contains(w.Body.String(), "<script>") || strings.Contains(w.Body.String(), " onclick=") {
		t.Errorf("the run page has inline script")
	}
}

func TestHostCheck(t *testing.T) {
	s := newServer(t, Options{})
	for _, tt := range []struct {
		host string
		ok   bool
	}{{"127.0.0.1:8080", true}, {"localhost:8080", true}, {"[::1]:8080", true}, {"evil.example", false}, {"evil.example:8080", false}, {"10.0.0.1:8080", false}} {
		w := request(t, s.Handler(), "GET", "/api/releases", nil, "Host", tt.host)
		if (w.Code == http.StatusOK) != tt.ok {
			t.Errorf("Host %s: status %d; want allowed %v", tt.host, w.Code, tt.ok)
		}
	}
}

func TestToken(t *testing.T) {
	shared.Need(t)
	const token = "s3cret-token-for-the-tests-0123"
	s := newServer(t, Options{Token: token})
	h := s.Handler()
	run, err := store.Run(passRun)
	if err != nil {
		t.Fatal(err)
	}
	art := "/artifacts/" + run.Steps[0].ScreenshotSHA
	tests := []struct {
		name, method, path string
		headers            []string
		status             int
	}{
		{"API without the token", "GET", "/api/releases", nil, http.StatusUnauthorized},
		{"API with a wrong token", "GET", "/api/releases", []string{"Authorization", "Bearer not-the-token-at-all-xx"}, http.StatusUnauthorized},
		{"API with the token", "GET", "/api/releases", []string{"Authorization", "Bearer " + token}, http.StatusOK},
		{"API with the token as a cookie value", "GET", "/api/releases", []string{"Cookie", sessionCookie + "=" + token}, http.StatusUnauthorized},
		{"artifact without the token", "GET", art, nil, http.StatusUnauthorized},
		{"artifact with the token", "GET", art, []string{"Authorization", "Bearer " + token}, http.StatusOK},
		{"page without the token", "GET", "/runs", nil, http.StatusSeeOther},
		{"event stream without the token", "GET", "/api/runs/" + itoa(passRun) + "/events", nil, http.StatusUnauthorized},
		{"POST without the token", "POST", "/api/runs", []string{"Content-Type", "application/json"}, http.StatusUnauthorized},
		{"login form", "GET", "/login", nil, http.StatusOK},
		{"static file", "GET", "/static/app.css", nil, http.StatusOK},
		{"other host name with the token", "GET", "/api/releases", []string{"Authorization", "Bearer " + token, "Host", "jp.example:8080"}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := request(t, h, tt.method, tt.path, strings.NewReader("{}"), tt.headers...)
			if w.Code != tt.status {
				t.Errorf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
		})
	}
	if w := request(t, h, "GET", "/runs?status=failed", nil); w.Header().Get("Location") != "/login?next=%2Fruns%3Fstatus%3Dfailed" {
		t.Errorf("redirect to %q, want the login form with next", w.Header().Get("Location"))
	}

	// Log in: the form needs its CSRF token; a wrong token is refused; the
	// right one sets an HttpOnly, SameSite=Strict cookie that opens the pages.
	login := request(t, h, "GET", "/login", nil)
	csrf := s.csrfToken(httptestRequest())
	if !strings.Contains(login.Body.String(), csrf) {
		t.Fatalf("the login form has no CSRF token")
	}
	form := func(tok string) *strings.Reader {
		return strings.NewReader(url.Values{"token": {tok}, "next": {"/runs"}, csrfField: {csrf}}.Encode())
	}
	ct := []string{"Content-Type", "application/x-www-form-urlencoded"}
	if w := request(t, h, "POST", "/login", form("wrong-token-wrong-token"), ct...); w.Code != http.StatusUnauthorized || len(w.Result().Cookies()) != 0 {
		t.Errorf("wrong token: status %d, cookies %v", w.Code, w.Result().Cookies())
	}
	if w := request(t, h, "POST", "/login", strings.NewReader(url.Values{"token": {token}}.Encode()), ct...); w.Code != http.StatusForbidden {
		t.Errorf("login without the CSRF token: status %d, want 403", w.Code)
	}
	w := request(t, h, "POST", "/login", form(token), ct...)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/runs" {
		t.Fatalf("login: status %d to %q", w.Code, w.Header().Get("Location"))
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode || cookies[0].Value == token || cookies[0].Name != sessionCookie {
		t.Fatalf("cookie %+v: want one HttpOnly SameSite=Strict session cookie that is not the token", cookies)
	}
	cookie := cookies[0].Name + "=" + cookies[0].Value
	for _, p := range []string{"/runs", "/", "/runs/" + itoa(passRun), "/api/releases", art} {
		if w := request(t, h, "GET", p, nil, "Cookie", cookie); w.Code != http.StatusOK {
			t.Errorf("GET %s with the session cookie: status %d", p, w.Code)
		}
	}
	if w := request(t, h, "POST", "/login", strings.NewReader(url.Values{"token": {token}, "next": {"//evil.example/"}, csrfField: {csrf}}.Encode()), ct...); w.Header().Get("Location") != "/" {
		t.Errorf("login with next=//evil.example/ goes to %q, want /", w.Header().Get("Location"))
	}
}

// httptestRequest is a request with no cookie, as the login form sees it.
func httptestRequest() *http.Request {
	r, _ := http.NewRequest("GET", "/login", nil)
	return r
}

func TestTokenTooShort(t *testing.T) {
	if _, err := New(Options{Store: store, Token: "short"}); err == nil {
		t.Errorf("New with a 5-character token: no error")
	}
}

// TestInterrupted: runs left marked running by a crash are marked
// interrupted when the app starts, and a run in progress when the app shuts
// down is never left running.
func TestInterrupted(t *testing.T) {
	shared.Need(t)
	orphan := recordings.Run{Release: "crashed", JourneyID: "login", Lang: "en", Device: "desktop", Status: journeyproof.StatusRunning, StartedAt: time.Now()}
	if err := store.DB.Create(&orphan).Error; err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Store: store, Starter: starter, BaseURL: siteURL, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := store.Run(orphan.ID); err != nil || r.Status != journeyproof.StatusInterrupted || r.EndedAt == nil {
		t.Fatalf("orphan run after start-up: %+v %v; want interrupted", r, err)
	}

	// Start the login journey and shut down while it runs.
	inv, err := s.Start(StartRequest{Journey: "login", Release: "shutdown", Languages: []string{"en"}, Devices: []string{"desktop"}})
	if err != nil {
		t.Fatal(err)
	}
	var runID uint
	for deadline := time.Now().Add(2 * time.Minute); runID == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the run never started")
		}
		time.Sleep(100 * time.Millisecond)
		got, err := s.Invocation(inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		runID = got.Cells[0].RunID
	}
	// A second invocation waits in the queue and is dropped.
	queued, err := s.Start(StartRequest{Journey: "quick", Release: "shutdown"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := store.Run(runID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status == journeyproof.StatusRunning || r.EndedAt == nil {
		t.Errorf("run %d after shutdown: status %s; want it ended", runID, r.Status)
	}
	for _, id := range []int{inv.ID, queued.ID} {
		got, _ := s.Invocation(id)
		if !got.Done() {
			t.Errorf("invocation %d after shutdown: %s", id, got.State)
		}
	}
	if got, _ := s.Invocation(queued.ID); got.State != journeyproof.StatusInterrupted || got.Cells[0].RunID != 0 {
		t.Errorf("queued invocation: %+v; want interrupted before it ran", got)
	}
	if _, err := s.Start(StartRequest{Journey: "quick"}); err == nil {
		t.Errorf("Start after shutdown: no error")
	}
}

// TestServe serves on a free port and shuts down on cancel, even with an
// event stream open.
func TestServe(t *testing.T) {
	s, err := New(Options{Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	addr, cancel, served := serveOn(t, s)
	base := "http://" + addr
	resp, err := http.Get(base + "/api/releases")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/releases: %v %v", resp, err)
	}
	resp.Body.Close()
	run := recordings.Run{Release: "serve", JourneyID: "login", Lang: "en", Device: "desktop", Status: journeyproof.StatusRunning, StartedAt: time.Now()}
	if err := store.DB.Create(&run).Error; err != nil {
		t.Fatal(err)
	}
	defer store.MarkInterrupted(run.ID)
	stream, err := http.Get(base + "/api/runs/" + itoa(run.ID) + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
	if _, err := io.ReadAll(stream.Body); err != nil {
		t.Logf("the stream ended with %v", err)
	}
	if _, err := http.Get(base + "/api/releases"); err == nil {
		t.Errorf("the server still answers after shutting down")
	}
}
