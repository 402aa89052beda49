package web

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/recordings"
	"journeyproof/recordings/pack"
)

// request sends a request to h as a browser on this machine would (Host
// 127.0.0.1), with the extra headers given as name, value pairs.
func request(t *testing.T, h http.Handler, method, path string, body io.Reader, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, body)
	req.Host = "127.0.0.1:8080"
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func decode[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON; body %s", ct, w.Body)
	}
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %s: %v", w.Body, err)
	}
	return v
}

func TestAPIReleases(t *testing.T) {
	shared.Need(t)
	s := newServer(t, Options{})
	w := request(t, s.Handler(), "GET", "/api/releases", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	got := decode[struct{ Releases []recordings.Release }](t, w)
	var rel *recordings.Release
	for i := range got.Releases {
		if got.Releases[i].Name == release {
			rel = &got.Releases[i]
		}
	}
	if rel == nil {
		t.Fatalf("release %s not listed: %+v", release, got.Releases)
	}
	if rel.Runs != 2 || rel.Passed != 1 || rel.Failed != 1 {
		t.Errorf("release %s: %d runs, %d passed, %d failed; want 2, 1, 1", release, rel.Runs, rel.Passed, rel.Failed)
	}
}

func TestAPICoverage(t *testing.T) {
	shared.Need(t)
	s := newServer(t, Options{Starter: starter})
	w := request(t, s.Handler(), "GET", "/api/releases/"+release+"/coverage", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	cov := decode[Coverage](t, w)
	cells := map[string]CoverageCell{}
	var processes []string
	for _, g := range cov.Groups {
		processes = append(processes, g.Process)
		for _, r := range g.Rows {
			for _, c := range r.Cells {
				k := r.Journey + "/" + c.Lang + "/" + c.Device
				if r.Branch != "" {
					k += "/" + r.Branch
				}
				cells[k] = c
			}
		}
	}
	if strings.Join(processes, ",") != "authentication,form-filling,signing" {
		t.Errorf("groups %v, want authentication, form-filling, signing in that order", processes)
	}
	if len(cov.Columns) != 6 {
		t.Errorf("%d columns, want 6 (3 languages x 2 devices): %+v", len(cov.Columns), cov.Columns)
	}
	tests := []struct {
		cell   string
		state  string
		run    uint
		errors bool
	}{
		{"login/en/desktop", journeyproof.StatusPassed, passRun, true},
		{"xss/en/desktop", journeyproof.StatusFailed, failRun, false},
		{"login/zh-HK/mobile", stateMissing, 0, false},
		{"login/en/desktop/deny", stateMissing, 0, false}, // each branch of each cell is a run
		{"sign/zh-CN/mobile/timeout", stateMissing, 0, false},
		{"sign/en/desktop", stateMissing, 0, false},
		{"quick/en/desktop", stateMissing, 0, false},
		{"xss/zh-CN/mobile", stateNotInMatrix, 0, false},
	}
	for _, tt := range tests {
		c, ok := cells[tt.cell]
		if !ok {
			t.Errorf("%s: no such cell in the matrix", tt.cell)
			continue
		}
		if c.State != tt.state || c.RunID != tt.run || (c.Errors > 0) != tt.errors {
			t.Errorf("%s: state %s run %d errors %d; want %s run %d errors>0 %v", tt.cell, c.State, c.RunID, c.Errors, tt.state, tt.run, tt.errors)
		}
		// A passed workflow with error findings has failed guidelines.
		if tt.errors && c.Guidelines != "failed" {
			t.Errorf("%s: guidelines verdict %q, want failed", tt.cell, c.Guidelines)
		}
	}
	// 3 bundled journeys x 6 cells on their main paths and branches (login
	// 3, form 2, sign 2), quick and xss 1 each.
	if cov.Totals.Cells != 62 || cov.Totals.Passed != 1 || cov.Totals.Failed != 1 || cov.Totals.Missing != 60 {
		t.Errorf("totals %+v; want 62 cells, 1 passed, 1 failed, 60 missing", cov.Totals)
	}

	if w := request(t, s.Handler(), "GET", "/api/releases/no-such-release/coverage", nil); w.Code != http.StatusNotFound {
		t.Errorf("coverage of an unknown release: status %d, want 404", w.Code)
	}
}

func TestAPIRuns(t *testing.T) {
	shared.Need(t)
	s := newServer(t, Options{})
	// The two runs of TestMain start at once: the list is newest first
	// (latest start, then highest id), whichever started first.
	newer, older := passRun, failRun
	if p, f := mustRun(t, passRun), mustRun(t, failRun); f.StartedAt.After(p.StartedAt) || (f.StartedAt.Equal(p.StartedAt) && f.ID > p.ID) {
		newer, older = failRun, passRun
	}
	tests := []struct {
		query string
		total int64
		ids   []uint
		pages int
	}{
		{"release=" + release, 2, []uint{newer, older}, 1},
		{"release=" + release + "&status=failed", 1, []uint{failRun}, 1},
		{"release=" + release + "&journey=login&lang=en&device=desktop&process=authentication", 1, []uint{passRun}, 1},
		{"release=" + release + "&limit=1", 2, []uint{newer}, 2},
		{"release=" + release + "&limit=1&page=2", 2, []uint{older}, 2},
		{"release=" + release + "&lang=zh-HK", 0, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			w := request(t, s.Handler(), "GET", "/api/runs?"+tt.query, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			list := decode[RunList](t, w)
			var ids []uint
			for _, r := range list.Runs {
				ids = append(ids, r.ID)
			}
			if list.Total != tt.total || list.Pages != tt.pages || len(ids) != len(tt.ids) {
				t.Fatalf("total %d pages %d runs %v; want %d, %d, %v", list.Total, list.Pages, ids, tt.total, tt.pages, tt.ids)
			}
			for i := range ids {
				if ids[i] != tt.ids[i] {
					t.Errorf("runs %v, want %v (newest first)", ids, tt.ids)
				}
			}
		})
	}
}

func TestAPIRun(t *testing.T) {
	shared.Need(t)
	s := newServer(t, Options{})
	w := request(t, s.Handler(), "GET", "/api/runs/"+itoa(passRun), nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	v := decode[RunView](t, w)
	if v.Run.ID != passRun || v.Run.Status != journeyproof.StatusPassed || len(v.Steps) != 5 || v.FailedStep != 0 {
		t.Fatalf("run %d status %s, %d steps, failed step %d; want run %d passed with 5 steps", v.Run.ID, v.Run.Status, len(v.Steps), v.FailedStep, passRun)
	}
	trigger := v.Steps[1]
	if !trigger.Trigger || trigger.Screenshot == "" || trigger.FullPage == "" {
		t.Fatalf("step 2 trigger %v screenshot %q full page %q; want the trigger with both screenshots", trigger.Trigger, trigger.Screenshot, trigger.FullPage)
	}
	// The wrong-label defect: a finding of iamsmart.label.approved on the
	// trigger's entry, drawn as a box at its place on the screenshot.
	var label *FindingView
	for i, f := range trigger.Findings {
		if f.Rule == "iamsmart.label.approved" {
			label = &trigger.Findings[i]
		}
	}
	if label == nil {
		t.Fatalf("no iamsmart.label.approved finding on the trigger step: %+v", trigger.Findings)
	}
	if !label.OnScreen || label.CropURL == "" || label.Number < 1 {
		t.Errorf("finding %+v: want it numbered, on screen, with a crop", label)
	}
	var mark *Mark
	for i, m := range trigger.Marks {
		for _, n := range strings.Split(m.Label, ",") {
			if n == itoa(uint(label.Number)) {
				mark = &trigger.Marks[i]
			}
		}
	}
	if mark == nil {
		t.Fatalf("no mark numbered %d among %+v", label.Number, trigger.Marks)
	}
	if b := label.Box; !near(mark.X, b.X-trigger.ScrollX, 0.01) || !near(mark.Y, b.Y-trigger.ScrollY, 0.01) || !near(mark.W, b.W, 0.01) {
		t.Errorf("mark %+v; want the finding's box %v minus the scroll %v,%v", mark, b, trigger.ScrollX, trigger.ScrollY)
	}
	if trigger.Width != 1366 || trigger.Height != 768 {
		t.Errorf("marks in a %vx%v viewport, want 1366x768", trigger.Width, trigger.Height)
	}
	if v.Video != nil {
		if len(v.Video.Chapters) != len(v.Steps) || v.Video.URL == "" {
			t.Errorf("video %+v: want a chapter per step", v.Video)
		}
		for i, st := range v.Steps {
			if st.VideoStart < 0 {
				t.Errorf("step %d has no place in the video", i+1)
			}
		}
	}

	w = request(t, s.Handler(), "GET", "/api/runs/"+itoa(failRun), nil)
	f := decode[RunView](t, w)
	if f.Run.Status != journeyproof.StatusFailed || f.FailedStep != 2 || !strings.Contains(f.Run.Error, "This text is not on the page") {
		t.Errorf("failed run: status %s, failed step %d, error %q", f.Run.Status, f.FailedStep, f.Run.Error)
	}

	for _, p := range []string{"/api/runs/999999", "/api/runs/abc", "/api/runs/0", "/api/runs/-1", "/runs/999999", "/runs/abc", "/runs/" + itoa(passRun) + "/steps/99"} {
		if w := request(t, s.Handler(), "GET", p, nil); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, w.Code)
		}
	}
}

func itoa(n uint) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestAPIJourneys(t *testing.T) {
	shared.Need(t)
	s := newServer(t, Options{Starter: starter})
	w := request(t, s.Handler(), "GET", "/api/journeys", nil)
	got := decode[struct{ Journeys []JourneyView }](t, w)
	byID := map[string]JourneyView{}
	for _, j := range got.Journeys {
		byID[j.ID] = j
	}
	login, ok := byID["login"]
	if !ok || !login.Runnable || login.Runs < 1 || len(login.Steps) != 5 || !strings.Contains(login.Source, "iamsmart") || len(login.Languages) != 3 {
		t.Errorf("login: %+v; want it runnable, run, 5 steps, its source and 3 languages", login)
	}
	if q := byID["quick"]; !q.Runnable || q.Runs != 0 && q.LastRun == nil {
		t.Errorf("quick: %+v", q)
	}
}

// TestPages checks that every page renders with what it must show.
func TestPages(t *testing.T) {
	shared.Need(t)
	s := newServer(t, Options{Starter: starter, BaseURL: siteURL})
	tests := []struct {
		path   string
		status int
		want   []string
	}{
		{"/", http.StatusOK, []string{"Coverage", `<option value="` + release + `"`, "Log in with iAM Smart", "繁體中文"}},
		{"/?release=" + release, http.StatusOK, []string{`href="/runs/` + itoa(passRun) + `"`, "state-passed", "state-failed", "state-missing", "state-not-in-matrix", `state-passed guidelines-failed`, `verdict guidelines-failed`}},
		{"/?release=nothing-here", http.StatusNotFound, []string{"No run carries the release label"}},
		{"/runs", http.StatusOK, []string{"#" + itoa(passRun), "#" + itoa(failRun), `name="status"`}},
		{"/runs?status=failed&release=" + release, http.StatusOK, []string{"#" + itoa(failRun), "Clear"}},
		{"/runs/" + itoa(passRun), http.StatusOK, []string{`verdict guidelines-failed`, "Choose iAM Smart", "iAM Smart trigger", "iamsmart.label.approved", `class="marks"`, "/runs/" + itoa(passRun) + "/steps/2"}},
		{"/runs/" + itoa(failRun), http.StatusOK, []string{"banner-failure", "This text is not on the page", "#step-2"}},
		{"/runs/" + itoa(passRun) + "/steps/2", http.StatusOK, []string{"Full-page screenshot", "iamsmart.label.approved", "Step 3 →"}},
		{"/journeys", http.StatusOK, []string{"login.yaml", "Matrix", "xss"}},
		{"/start", http.StatusOK, []string{`name="_csrf"`, `value="quick"`, siteURL}},
		{"/nowhere", http.StatusNotFound, []string{"404"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			w := request(t, s.Handler(), "GET", tt.path, nil)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			body := w.Body.String()
			for _, want := range tt.want {
				if !strings.Contains(body, want) {
					t.Errorf("page has no %q", want)
				}
			}
		})
	}
}

// TestMarkupFromPagesIsEscaped: a page's title, console messages and the
// journey's caption carry markup; the run page shows it as text.
func TestMarkupFromPagesIsEscaped(t *testing.T) {
	shared.Need(t)
	s := newServer(t, Options{})
	w := request(t, s.Handler(), "GET", "/runs/"+itoa(failRun), nil)
	body := w.Body.String()
	for _, bad := range []string{"<script>window.pwned", `<img src=x onerror`, `<img src="x"`} {
		if strings.Contains(body, bad) {
			t.Errorf("the run page contains %q unescaped", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;window.pwned = 1&lt;/script&gt;", "console.error: &lt;img src=x onerror="} {
		if !strings.Contains(body, want) {
			t.Errorf("the run page does not show %q as text", want)
		}
	}
}

func TestStartRefused(t *testing.T) {
	shared.Need(t)
	s := newServer(t, Options{Starter: starter, BaseURL: siteURL})
	json := "application/json"
	tests := []struct {
		name    string
		body    string
		headers []string
		status  int
	}{
		{"file URL", `{"journey":"quick","baseURL":"file:///etc/passwd"}`, []string{"Content-Type", json}, http.StatusBadRequest},
		{"javascript URL", `{"journey":"quick","baseURL":"javascript:alert(1)"}`, []string{"Content-Type", json}, http.StatusBadRequest},
		{"no host", `{"journey":"quick","baseURL":"http://"}`, []string{"Content-Type", json}, http.StatusBadRequest},
		{"unknown journey", `{"journey":"nope"}`, []string{"Content-Type", json}, http.StatusBadRequest},
		{"unknown language", `{"journey":"quick","languages":["fr"]}`, []string{"Content-Type", json}, http.StatusBadRequest},
		{"not in the matrix", `{"journey":"quick","devices":["mobile"]}`, []string{"Content-Type", json}, http.StatusBadRequest},
		{"unknown field", `{"journey":"quick","shell":"rm -rf /"}`, []string{"Content-Type", json}, http.StatusBadRequest},
		{"release with a control character", `{"journey":"quick","release":"a\u0007b"}`, []string{"Content-Type", json}, http.StatusBadRequest},
		{"form body", `{"journey":"quick"}`, []string{"Content-Type", "text/plain"}, http.StatusUnsupportedMediaType},
		{"cross-site origin", `{"journey":"quick"}`, []string{"Content-Type", json, "Origin", "https://evil.example"}, http.StatusForbidden},
		{"cross-site fetch", `{"journey":"quick"}`, []string{"Content-Type", json, "Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"same-site other origin", `{"journey":"quick"}`, []string{"Content-Type", json, "Sec-Fetch-Site", "same-site"}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := request(t, s.Handler(), "POST", "/api/runs", strings.NewReader(tt.body), tt.headers...)
			if w.Code != tt.status {
				t.Errorf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
		})
	}
	if got := s.recentInvocations(10); len(got) != 0 {
		t.Errorf("refused requests queued %d invocations", len(got))
	}
	// Forms need the CSRF token and this origin.
	form := "journey=quick&release=x"
	for _, h := range [][]string{
		{"Content-Type", "application/x-www-form-urlencoded"},
		{"Content-Type", "application/x-www-form-urlencoded", "Origin", "https://evil.example"},
	} {
		if w := request(t, s.Handler(), "POST", "/start", strings.NewReader(form), h...); w.Code != http.StatusForbidden {
			t.Errorf("form POST %v without the CSRF token: status %d, want 403", h, w.Code)
		}
	}
	if w := request(t, s.Handler(), "POST", "/start", strings.NewReader(form+"&_csrf=00"), "Content-Type", "application/x-www-form-urlencoded"); w.Code != http.StatusForbidden {
		t.Errorf("form POST with a wrong CSRF token: status %d, want 403", w.Code)
	}
}

// TestStartAndFollow starts a run through the API and follows it through
// the invocation's event stream until it lands in the store.
func TestStartAndFollow(t *testing.T) {
	shared.Need(t)
	s := newServer(t, Options{Starter: starter, BaseURL: siteURL})
	base := serve(t, s)
	resp, err := http.Post(base+"/api/runs", "application/json", strings.NewReader(`{"journey":"quick","release":"api-start"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST /api/runs: status %d: %s", resp.StatusCode, b)
	}
	var inv Invocation
	if err := json.NewDecoder(resp.Body).Decode(&inv); err != nil {
		t.Fatal(err)
	}
	if len(inv.Cells) != 1 || inv.Cells[0].Cell != "quick/en/desktop" || inv.Request.BaseURL != siteURL {
		t.Fatalf("invocation %+v: want one cell quick/en/desktop against the sandbox", inv)
	}
	events, end := readEvents(t, base+"/api/invocations/"+itoa(uint(inv.ID))+"/events", 3*time.Minute)
	if end.event != "end" {
		t.Fatalf("the stream ended without an end event; events %v", events)
	}
	var done Invocation
	if err := json.Unmarshal([]byte(end.data), &done); err != nil {
		t.Fatal(err)
	}
	c := done.Cells[0]
	if done.State != stateDone || c.Status != journeyproof.StatusPassed || c.RunID == 0 || c.Step != 2 {
		t.Fatalf("end: %+v; want done, the cell passed with its run after 2 steps", done)
	}
	sawStep := false
	for _, e := range events {
		var snap Invocation
		if json.Unmarshal([]byte(e.data), &snap) != nil || len(snap.Cells) != 1 || snap.Cells[0].StepName == "" {
			continue
		}
		sawStep = true
		// The runner's step events carry the run's id: the cell names its
		// run while it runs, and it is the run that lands in the store.
		if got := snap.Cells[0].RunID; got != c.RunID {
			t.Errorf("while at step %q the cell names run %d, want %d", snap.Cells[0].StepName, got, c.RunID)
		}
	}
	if !sawStep {
		t.Errorf("no progress event named a step: %v", events)
	}
	// The run is in the store and in the coverage of its release.
	run, err := store.Run(c.RunID)
	if err != nil || run.Status != journeyproof.StatusPassed || run.Release != "api-start" {
		t.Fatalf("run %d: %+v %v", c.RunID, run, err)
	}
	cov, err := s.Coverage("api-start")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, g := range cov.Groups {
		for _, r := range g.Rows {
			for _, cell := range r.Cells {
				found = found || (r.Journey == "quick" && cell.RunID == c.RunID && cell.State == journeyproof.StatusPassed)
			}
		}
	}
	if !found {
		t.Errorf("the run is not in the coverage of its release")
	}
	// The run's own stream ends at once for a run that has ended.
	_, end = readEvents(t, base+"/api/runs/"+itoa(c.RunID)+"/events", 10*time.Second)
	if end.event != "end" || !strings.Contains(end.data, `"status":"passed"`) {
		t.Errorf("run events: last %+v, want end with status passed", end)
	}
}

type sseEvent struct{ event, data string }

// readEvents reads a server-sent event stream until it ends; it returns
// the events and the last one.
func readEvents(t *testing.T, url string, timeout time.Duration) ([]sseEvent, sseEvent) {
	t.Helper()
	client := &http.Client{Timeout: timeout}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("GET %s: Content-Type %q", url, ct)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	var out []sseEvent
	for _, block := range strings.Split(string(b), "\n\n") {
		var e sseEvent
		for _, line := range strings.Split(block, "\n") {
			if v, ok := strings.CutPrefix(line, "event: "); ok {
				e.event = v
			}
			if v, ok := strings.CutPrefix(line, "data: "); ok {
				e.data = v
			}
		}
		if e.event != "" {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		t.Fatalf("GET %s: no event in %q", url, b)
	}
	return out, out[len(out)-1]
}

// testPacker writes packs with the real pack export, printing the
// wireframes in the shared browser.
type testPacker struct{}

func (testPacker) WritePack(ctx context.Context, name string, w io.Writer) error {
	_, err := pack.Write(ctx, pack.Options{Store: store, Browser: browser, Release: name, Version: "test"}, w)
	return err
}

func TestPack(t *testing.T) {
	shared.Need(t)
	without := newServer(t, Options{})
	if w := request(t, without.Handler(), "GET", "/api/releases/"+release+"/pack", nil); w.Code != http.StatusNotFound {
		t.Errorf("pack without a Packer: status %d, want 404", w.Code)
	}
	if strings.Contains(request(t, without.Handler(), "GET", "/?release="+release, nil).Body.String(), "evidence pack") {
		t.Errorf("the coverage offers a pack that the server cannot write")
	}
	s := newServer(t, Options{Packer: testPacker{}})
	if !strings.Contains(request(t, s.Handler(), "GET", "/?release="+release, nil).Body.String(), `href="/api/releases/`+release+`/pack"`) {
		t.Errorf("the coverage has no pack button")
	}
	if w := request(t, s.Handler(), "GET", "/api/releases/no-such-release/pack", nil); w.Code != http.StatusNotFound {
		t.Errorf("pack of an unknown release: status %d, want 404", w.Code)
	}
	w := request(t, s.Handler(), "GET", "/api/releases/"+release+"/pack", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if ct, cd := w.Header().Get("Content-Type"), w.Header().Get("Content-Disposition"); ct != "application/zip" || cd != `attachment; filename="journeyproof-t1.zip"` {
		t.Errorf("Content-Type %q, Content-Disposition %q", ct, cd)
	}
	z, err := zip.NewReader(bytes.NewReader(w.Body.Bytes()), int64(w.Body.Len()))
	if err != nil {
		t.Fatalf("the pack is not a zip: %v", err)
	}
	names := map[string]bool{}
	for _, f := range z.File {
		names[f.Name] = true
	}
	if !names[pack.ManifestName] {
		t.Errorf("the pack has no %s: %v", pack.ManifestName, names)
	}
}

// TestRunEventsOfAnotherProcess: a run that another process (journeyproof
// run) is writing streams its steps as they are stored, then its end.
func TestRunEventsOfAnotherProcess(t *testing.T) {
	s := newServer(t, Options{})
	base := serve(t, s)
	run := recordings.Run{Release: "elsewhere", JourneyID: "login", JourneyName: "Log in with iAM Smart", Lang: "en", Device: "desktop",
		Width: 1366, Height: 768, Scale: 1, Status: journeyproof.StatusRunning, StartedAt: time.Now()}
	if err := store.DB.Create(&run).Error; err != nil {
		t.Fatal(err)
	}
	step := func(i int, name string) {
		if err := store.DB.Create(&recordings.Step{RunID: run.ID, Index: i, Name: name, Status: journeyproof.StatusPassed, StartedAt: time.Now(), EndedAt: time.Now()}).Error; err != nil {
			t.Error(err)
		}
	}
	step(0, "Open the login page")
	if w := request(t, s.Handler(), "GET", "/runs/"+itoa(run.ID), nil); !strings.Contains(w.Body.String(), "banner-running") {
		t.Errorf("the page of a running run does not say it runs")
	}
	go func() {
		time.Sleep(1500 * time.Millisecond)
		step(1, "Choose iAM Smart")
		time.Sleep(1500 * time.Millisecond)
		now := time.Now()
		store.DB.Model(&recordings.Run{}).Where("id = ?", run.ID).Updates(map[string]any{"status": journeyproof.StatusPassed, "ended_at": now, "step_count": 2})
	}()
	events, end := readEvents(t, base+"/api/runs/"+itoa(run.ID)+"/events", 30*time.Second)
	var names []string
	for _, e := range events {
		var p RunProgress
		if err := json.Unmarshal([]byte(e.data), &p); err != nil {
			t.Fatal(err)
		}
		names = append(names, e.event+":"+p.StepName)
	}
	want := "progress:Open the login page progress:Choose iAM Smart end:Choose iAM Smart"
	if strings.Join(names, " ") != want || !strings.Contains(end.data, `"status":"passed"`) {
		t.Errorf("events %v (last %s); want %s", names, end.data, want)
	}
}

// mustRun reads a run from the shared store.
func mustRun(t *testing.T, id uint) *recordings.Run {
	t.Helper()
	r, err := store.Run(id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
