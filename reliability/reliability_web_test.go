//go:build reliability

package reliability

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"journeyproof"
	"journeyproof/recordings"
)

// secServer is a `journeyproof serve` process on a loopback port.
type secServer struct {
	url string
	cmd *exec.Cmd
	tmp string // the process's TMPDIR
}

// secServe starts the built binary's web app on data and waits until it
// answers.
func secServe(t *testing.T, data string, args ...string) *secServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	tmp := t.TempDir()
	cmd := exec.Command(secBinary(t), append([]string{"serve", "--data", data, "--addr", addr, "--sandbox=false", "--video", "off"}, args...)...)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	s := &secServer{url: "http://" + addr, cmd: cmd, tmp: tmp}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return s
		}
	}
	t.Fatalf("serve did not start: %s", logs.String())
	return nil
}

// secBigStore makes a store of n runs (20 per release, as 10 journeys in
// a few languages and devices give; six steps and two findings each),
// written straight into SQLite. The newest release but one is the
// baseline, so /compare compares.
func secBigStore(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	s, err := recordings.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	img := image.NewRGBA(image.Rect(0, 0, 320, 200))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var png1 bytes.Buffer
	if err := png.Encode(&png1, img); err != nil {
		t.Fatal(err)
	}
	shot, err := s.PutArtifact(png1.Bytes(), "image/png")
	if err != nil {
		t.Fatal(err)
	}
	journeysIDs := []string{"login", "form", "sign", "register", "renew", "pay", "apply", "update", "cancel", "appeal"}
	for _, j := range journeysIDs {
		s.DB.Create(&recordings.Journey{ID: j, Name: "Journey " + j, Process: "authentication", Languages: []string{"en", "zh-HK", "zh-CN"}, Devices: []string{"desktop", "mobile"},
			StepNames: []string{"a", "b", "c", "d", "e", "f"}, UpdatedAt: time.Now()})
	}
	langs, devices := []string{"en", "zh-HK", "zh-CN"}, []string{"desktop", "mobile"}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	err = s.DB.Transaction(func(tx *gorm.DB) error {
		for i := 0; i < n; i++ {
			st := start.Add(time.Duration(i) * time.Minute)
			end := st.Add(30 * time.Second)
			status := "passed"
			if i%7 == 0 {
				status = "failed"
			}
			r := recordings.Run{Release: fmt.Sprintf("r%03d", i/20), JourneyID: journeysIDs[i%10], JourneyName: "Journey", Process: "authentication",
				Lang: langs[(i/10)%3], Device: devices[(i/30)%2], Status: status, StartedAt: st, EndedAt: &end, StepCount: 6, Errors: 1, Warnings: 1,
				BaseURL: "http://127.0.0.1:1", BrowserVersion: "Chromium/1"}
			for k := 0; k < 6; k++ {
				r.Steps = append(r.Steps, recordings.Step{Index: k, Name: fmt.Sprintf("step %d", k), Action: "goto /", Status: "passed", URL: "http://127.0.0.1:1/",
					Title: "Page", StartedAt: st, EndedAt: end, ScreenshotSHA: shot, FullPageSHA: shot, Scale: 1})
			}
			r.Findings = []recordings.FindingRow{
				{StepIndex: 1, Finding: journeyproof.Finding{Rule: "a11y.contrast", Severity: "error", Message: "low contrast", Selector: "p"}},
				{StepIndex: 2, Finding: journeyproof.Finding{Rule: "iamsmart.label.approved", Severity: "warning", Message: "label", Selector: "button"}}}
			if err := tx.Create(&r).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetBaseline(fmt.Sprintf("r%03d", (n-1)/20-1), ""); err != nil {
		t.Fatal(err)
	}
	return dir
}

// p95 returns the 95th percentile of the durations.
func p95(ds []time.Duration) time.Duration {
	sort.Slice(ds, func(a, b int) bool { return ds[a] < ds[b] })
	return ds[(len(ds)*95+99)/100-1]
}

// TestReliabilityStoreLatency serves a 10,000-run store and times the
// pages and the API over loopback: p95 under 50 ms each.
func TestReliabilityStoreLatency(t *testing.T) {
	const runs = 10000
	data := secBigStore(t, runs)
	srv := secServe(t, data)
	client := &http.Client{Timeout: 30 * time.Second}
	get := func(p string) (int, time.Duration) {
		start := time.Now()
		resp, err := client.Get(srv.url + p)
		if err != nil {
			t.Fatalf("GET %s: %v", p, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, time.Since(start)
	}
	for _, route := range []string{"/", "/runs", "/runs/5000", "/compare", "/api/runs"} {
		get(route) // warm: the first comparison stores its diff images
		var ds []time.Duration
		for i := 0; i < 40; i++ {
			code, d := get(route)
			if code != http.StatusOK {
				t.Fatalf("GET %s: status %d", route, code)
			}
			ds = append(ds, d)
		}
		p := p95(ds)
		secFigure(t, "10,000-run store", "p95 of GET "+route, fmt.Sprintf("%.1f ms", float64(p.Microseconds())/1000), "< 50 ms", p < 50*time.Millisecond)
	}
}

// secAttack is one hostile request and how the app must answer it.
type secAttack struct {
	name    string
	method  string
	path    string
	headers []string
	body    func() io.Reader
	// refused says whether the answer refuses the attack.
	refused func(resp *http.Response, body string) bool
}

func secStatus(codes ...int) func(*http.Response, string) bool {
	return func(resp *http.Response, _ string) bool {
		for _, c := range codes {
			if resp.StatusCode == c {
				return true
			}
		}
		return false
	}
}

// secOnSite says a redirect stays on the server as a browser reads it
// (tabs and newlines dropped, backslashes as slashes).
func secOnSite(base string) func(*http.Response, string) bool {
	return func(resp *http.Response, _ string) bool {
		loc := resp.Header.Get("Location")
		if resp.StatusCode/100 != 3 {
			return true // no redirect at all
		}
		loc = strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(strings.TrimSpace(loc))
		b, _ := url.Parse(base)
		u, err := url.Parse(loc)
		return err != nil || b.ResolveReference(u).Host == b.Host
	}
}

// TestReliabilityWebAttacks sends hostile requests to two web apps (one on
// loopback without a token, one with a token) and counts the refused.
func TestReliabilityWebAttacks(t *testing.T) {
	data := secBigStore(t, 200)
	open := secServe(t, data)
	const token = "reliability-token-0123456789"
	guarded := secServe(t, data, "--token", token)
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// A real login on the guarded app: its CSRF token and session cookie.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: client.CheckRedirect}
	csrfOf := func(u string) string {
		resp, err := browser.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`).FindSubmatch(b)
		if m == nil {
			t.Fatalf("no CSRF token in %s", u)
		}
		return string(m[1])
	}
	loginCSRF := csrfOf(guarded.url + "/login")
	resp, err := browser.PostForm(guarded.url+"/login", url.Values{"token": {token}, "_csrf": {loginCSRF}, "next": {"/"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %v %v", resp, err)
	}
	resp.Body.Close()
	gu, _ := url.Parse(guarded.url)
	session := ""
	for _, c := range jar.Cookies(gu) {
		session = c.Name + "=" + c.Value
	}
	formCSRF := csrfOf(guarded.url + "/compare")
	// Log out: the old cookie must then be refused.
	resp, err = browser.PostForm(guarded.url+"/logout", url.Values{"_csrf": {formCSRF}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	form := func(v url.Values) func() io.Reader { return func() io.Reader { return strings.NewReader(v.Encode()) } }
	ctForm := "application/x-www-form-urlencoded"
	ctMulti := "multipart/form-data; boundary=secboundary"
	big := func(n int) func() io.Reader {
		return func() io.Reader {
			return io.MultiReader(strings.NewReader("token="), bytes.NewReader(bytes.Repeat([]byte("a"), n)))
		}
	}
	multi := func() io.Reader {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		w.SetBoundary("secboundary")
		fw, _ := w.CreateFormFile("token", "x.bin")
		fw.Write(bytes.Repeat([]byte("A"), 8<<20))
		w.Close()
		return &b
	}
	var attacks []struct {
		base string
		a    secAttack
	}
	add := func(base string, a secAttack) {
		attacks = append(attacks, struct {
			base string
			a    secAttack
		}{base, a})
	}
	// Open redirects through the login form.
	for _, next := range []string{"/\t/evil.example/phish", "//evil.example", `/\evil.example`, "https://evil.example", "/\n/evil.example", "\\\\evil.example", "http:evil.example", "/%09/evil.example", "///evil.example", " //evil.example"} {
		add(guarded.url, secAttack{name: fmt.Sprintf("open redirect next=%q", next), method: "POST", path: "/login",
			headers: []string{"Content-Type", ctForm}, body: form(url.Values{"token": {token}, "_csrf": {loginCSRF}, "next": {next}}), refused: secOnSite(guarded.url)})
	}
	add(guarded.url, secAttack{name: "open redirect in the login page's query", method: "GET", path: "/login?next=/%09/evil.example/phish",
		refused: func(_ *http.Response, body string) bool { return !strings.Contains(body, "evil.example") }})
	// Bodies before login.
	add(guarded.url, secAttack{name: "100 MiB form to /login without a token", method: "POST", path: "/login", headers: []string{"Content-Type", ctForm}, body: big(100 << 20), refused: secStatus(413, 403)})
	add(guarded.url, secAttack{name: "8 MiB multipart to /login without a token", method: "POST", path: "/login", headers: []string{"Content-Type", ctMulti}, body: multi, refused: secStatus(415)})
	add(guarded.url, secAttack{name: "8 MiB multipart to /api/runs without a token", method: "POST", path: "/api/runs", headers: []string{"Content-Type", ctMulti}, body: multi, refused: secStatus(415)})
	add(open.url, secAttack{name: "2 MiB JSON to /api/runs", method: "POST", path: "/api/runs", headers: []string{"Content-Type", "application/json"}, body: big(2 << 20), refused: secStatus(413, 400)})
	// Authentication.
	add(guarded.url, secAttack{name: "API without the token", method: "GET", path: "/api/runs", refused: secStatus(401)})
	add(guarded.url, secAttack{name: "API with the token as a cookie", method: "GET", path: "/api/runs", headers: []string{"Cookie", "journeyproof_session=" + token}, refused: secStatus(401)})
	add(guarded.url, secAttack{name: "session cookie after logout", method: "GET", path: "/api/runs", headers: []string{"Cookie", session}, refused: secStatus(401)})
	add(guarded.url, secAttack{name: "artifact without the token", method: "GET", path: "/artifacts/" + strings.Repeat("ab", 32), refused: secStatus(401)})
	// CSRF.
	add(open.url, secAttack{name: "form without a CSRF token", method: "POST", path: "/compare/baseline", headers: []string{"Content-Type", ctForm}, body: form(url.Values{"release": {"r000"}}), refused: secStatus(403)})
	add(open.url, secAttack{name: "form with a forged CSRF token", method: "POST", path: "/compare/baseline", headers: []string{"Content-Type", ctForm}, body: form(url.Values{"release": {"r000"}, "_csrf": {strings.Repeat("0", 64)}}), refused: secStatus(403)})
	add(guarded.url, secAttack{name: "login without a CSRF token", method: "POST", path: "/login", headers: []string{"Content-Type", ctForm}, body: form(url.Values{"token": {token}}), refused: secStatus(403)})
	add(open.url, secAttack{name: "API call as a cross-site form (text/plain)", method: "POST", path: "/api/baseline", headers: []string{"Content-Type", "text/plain"}, body: form(url.Values{"release": {"r000"}}), refused: secStatus(415)})
	// Foreign Host and Origin.
	for _, host := range []string{"evil.example", "evil.example:80", "127.0.0.1.evil.example", "10.0.0.1"} {
		add(open.url, secAttack{name: "foreign Host " + host, method: "GET", path: "/api/runs", headers: []string{"Host", host}, refused: secStatus(421)})
	}
	add(open.url, secAttack{name: "JSON POST with a foreign Origin", method: "POST", path: "/api/baseline", headers: []string{"Content-Type", "application/json", "Origin", "http://evil.example"}, body: func() io.Reader { return strings.NewReader(`{"release":"r000"}`) }, refused: secStatus(403)})
	add(open.url, secAttack{name: "JSON POST with Sec-Fetch-Site cross-site", method: "POST", path: "/api/baseline", headers: []string{"Content-Type", "application/json", "Sec-Fetch-Site", "cross-site"}, body: func() io.Reader { return strings.NewReader(`{"release":"r000"}`) }, refused: secStatus(403)})
	add(open.url, secAttack{name: "cross-site GET of a comparison (stores diff images)", method: "GET", path: "/compare?base=r000&head=r001&threshold=0.0123", headers: []string{"Sec-Fetch-Site", "cross-site"}, refused: secStatus(403)})
	add(open.url, secAttack{name: "comparison API with a foreign Origin", method: "GET", path: "/api/compare?base=r000&head=r001&threshold=0.0123", headers: []string{"Origin", "http://evil.example"}, refused: secStatus(403)})
	// Path traversal on every route that takes a name.
	notFile := func(resp *http.Response, body string) bool {
		return resp.StatusCode >= 400 && resp.StatusCode < 500 && !strings.Contains(body, "SQLite format") && !strings.Contains(body, "root:x:0")
	}
	for _, p := range []string{
		"/artifacts/..%2fjourneyproof.db", "/artifacts/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/artifacts/../journeyproof.db",
		"/static/..%2f..%2fjourneyproof.db", "/static/%2e%2e/%2e%2e/etc/passwd", "/runs/..%2f..%2fetc%2fpasswd", "/runs/1/steps/..%2f..%2fetc%2fpasswd",
		"/invocations/..%2fetc%2fpasswd", "/api/runs/..%2f..%2fjourneyproof.db", "/api/runs/1%2f..%2f..%2fjourneyproof.db/events", "/api/invocations/..%2fpasswd",
		"/api/invocations/..%2fpasswd/events", "/api/releases/..%2f..%2fjourneyproof.db/coverage", "/api/releases/..%2f..%2fetc%2fpasswd/pack", "/compare/..%2f..%2fjourneyproof.db",
	} {
		add(open.url, secAttack{name: "traversal " + p, method: "GET", path: p, refused: notFile})
	}
	refused := 0
	for _, at := range attacks {
		a := at.a
		var body io.Reader
		if a.body != nil {
			body = a.body()
		}
		req, err := http.NewRequest(a.method, at.base+a.path, body)
		if err != nil {
			// A URL Go will not even send is refused by construction.
			refused++
			continue
		}
		for i := 0; i+1 < len(a.headers); i += 2 {
			if a.headers[i] == "Host" {
				req.Host = a.headers[i+1]
				continue
			}
			req.Header.Set(a.headers[i], a.headers[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			// The server cut the connection (a body over the limit).
			refused++
			continue
		}
		b, _ := io.ReadAll(bufio.NewReader(io.LimitReader(resp.Body, 1<<20)))
		resp.Body.Close()
		if a.refused(resp, string(b)) {
			refused++
		} else {
			t.Errorf("attack %s: status %d, Location %q: not refused", a.name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	secFigure(t, "web attacks", "refused", fmt.Sprintf("%d/%d", refused, len(attacks)), "all", refused == len(attacks))
	// Nothing the unauthenticated uploads sent reached the disk.
	var leftover int64
	for _, s := range []*secServer{open, guarded} {
		filepath.Walk(s.tmp, func(p string, fi os.FileInfo, err error) error {
			// Go's multipart parser names its files multipart-*; the
			// browser's profile lives here too and is not counted.
			if err == nil && fi.Mode().IsRegular() && strings.HasPrefix(fi.Name(), "multipart-") {
				leftover += fi.Size()
			}
			return nil
		})
	}
	secFigure(t, "web attacks", "bytes of multipart temporary files written by refused uploads", fmt.Sprint(leftover), "0", leftover == 0)
}
