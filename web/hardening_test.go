package web

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"journeyproof/recordings"
)

// browserResolve resolves a Location header as a browser does: tabs and
// newlines dropped, backslashes read as slashes.
func browserResolve(t *testing.T, base, loc string) *url.URL {
	t.Helper()
	loc = strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(strings.TrimSpace(loc))
	b, _ := url.Parse(base)
	u, err := url.Parse(loc)
	if err != nil {
		return b // an unparsable Location goes nowhere
	}
	return b.ResolveReference(u)
}

// openRedirects are next= values that would send the user off-site if
// taken as they are.
var openRedirects = []string{
	"/\t/evil.example/phish", "/\n/evil.example", "/\r\n/evil.example", "//evil.example", "///evil.example",
	`/\evil.example`, `\\evil.example`, `/\/evil.example`, "https://evil.example/", "http:evil.example",
	"javascript:alert(1)", " //evil.example", "\t//evil.example", "/%09/evil.example", "//evil.example@127.0.0.1",
	"https:/\\evil.example", "/.//evil.example", "/..//evil.example", "//127.0.0.1@evil.example", "\x00//evil.example",
}

func TestOpenRedirect(t *testing.T) {
	shared.Need(t)
	const token = "s3cret-token-for-the-tests-0123"
	s := newServer(t, Options{Token: token})
	h := s.Handler()
	csrf := s.csrfToken(httptestRequest())
	ct := []string{"Content-Type", "application/x-www-form-urlencoded"}
	for _, next := range openRedirects {
		t.Run(fmt.Sprintf("%q", next), func(t *testing.T) {
			if got := browserResolve(t, "http://127.0.0.1:8080/login", safeNext(next)); got.Host != "127.0.0.1:8080" {
				t.Errorf("safeNext(%q) = %q, which a browser opens at %s", next, safeNext(next), got)
			}
			w := request(t, h, "POST", "/login", strings.NewReader(url.Values{"token": {token}, "next": {next}, csrfField: {csrf}}.Encode()), ct...)
			if w.Code != http.StatusSeeOther {
				t.Fatalf("login: status %d", w.Code)
			}
			if got := browserResolve(t, "http://127.0.0.1:8080/login", w.Header().Get("Location")); got.Host != "127.0.0.1:8080" {
				t.Errorf("login with next=%q redirects to %q, which a browser opens at %s", next, w.Header().Get("Location"), got)
			}
		})
	}
	// The raw query of the issue: %09 decodes to a tab.
	w := request(t, h, "GET", "/login?next=/%09/evil.example/phish", nil)
	if strings.Contains(w.Body.String(), "evil.example") {
		t.Errorf("the login form carries the off-site next: %.300s", w.Body)
	}
	// Paths on the site are kept, with their query.
	for next, want := range map[string]string{"/runs?status=failed": "/runs?status=failed", "/runs/3": "/runs/3", "/compare?base=a&head=b": "/compare?base=a&head=b", "/a/../runs": "/runs"} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

// TestBodyLimits: before any login or cross-site check, a multipart body
// is refused unread and a body over the limit is refused or cut off, and
// no temporary file is written.
func TestBodyLimits(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	const token = "s3cret-token-for-the-tests-0123"
	s := newServer(t, Options{Token: token})
	h := s.Handler()
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	fw, _ := mw.CreateFormFile("token", "big.bin")
	fw.Write(bytes.Repeat([]byte("A"), 40<<20))
	mw.Close()
	big := strings.Repeat("a", 3<<20)
	for _, tc := range []struct {
		name, path, ctype string
		body              func() io.Reader
		chunked           bool
		want              []int
	}{
		{"multipart login", "/login", mw.FormDataContentType(), func() io.Reader { return bytes.NewReader(mp.Bytes()) }, false, []int{http.StatusUnsupportedMediaType}},
		{"multipart logout", "/logout", mw.FormDataContentType(), func() io.Reader { return bytes.NewReader(mp.Bytes()) }, true, []int{http.StatusUnsupportedMediaType}},
		{"multipart API", "/api/runs", "multipart/form-data; boundary=x", func() io.Reader { return bytes.NewReader(mp.Bytes()) }, false, []int{http.StatusUnsupportedMediaType}},
		{"large form", "/login", "application/x-www-form-urlencoded", func() io.Reader { return strings.NewReader("token=" + big) }, false, []int{http.StatusRequestEntityTooLarge}},
		{"large chunked form", "/login", "application/x-www-form-urlencoded", func() io.Reader { return strings.NewReader("token=" + big) }, true, []int{http.StatusForbidden, http.StatusRequestEntityTooLarge}},
		{"large JSON", "/api/runs", "application/json", func() io.Reader { return strings.NewReader(`{"release":"` + big + `"}`) }, false, []int{http.StatusRequestEntityTooLarge}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", tc.path, tc.body())
			req.Host = "127.0.0.1:8080"
			req.Header.Set("Content-Type", tc.ctype)
			if tc.chunked {
				req.ContentLength = -1
			}
			rec := newRecorder()
			h.ServeHTTP(rec, req)
			if !hasCode(tc.want, rec.code) {
				t.Errorf("status %d, want one of %v: %.200s", rec.code, tc.want, rec.body.String())
			}
			ents, _ := os.ReadDir(tmp)
			if len(ents) != 0 {
				t.Errorf("the request left %d files in the temporary folder", len(ents))
			}
		})
	}
}

func hasCode(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// recorder is a minimal ResponseWriter that MaxBytesReader can close.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func newRecorder() *recorder                    { return &recorder{header: http.Header{}, code: 200} }
func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(code int)        { r.code = code }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

// TestSessions: each login gets its own random session; logging out ends
// it on the server, so the cookie no longer opens anything.
func TestSessions(t *testing.T) {
	shared.Need(t)
	const token = "s3cret-token-for-the-tests-0123"
	s := newServer(t, Options{Token: token})
	h := s.Handler()
	login := func() string {
		csrf := s.csrfToken(httptestRequest())
		w := request(t, h, "POST", "/login", strings.NewReader(url.Values{"token": {token}, csrfField: {csrf}}.Encode()), "Content-Type", "application/x-www-form-urlencoded")
		cs := w.Result().Cookies()
		if w.Code != http.StatusSeeOther || len(cs) != 1 {
			t.Fatalf("login: %d %v", w.Code, cs)
		}
		return cs[0].Name + "=" + cs[0].Value
	}
	a, b := login(), login()
	if a == b {
		t.Fatal("two logins got the same session cookie")
	}
	// A server started with the same token does not take the cookie.
	other := newServer(t, Options{Token: token})
	if w := request(t, other.Handler(), "GET", "/api/releases", nil, "Cookie", a); w.Code != http.StatusUnauthorized {
		t.Errorf("another server takes the session cookie: %d", w.Code)
	}
	if w := request(t, h, "GET", "/api/releases", nil, "Cookie", a); w.Code != http.StatusOK {
		t.Fatalf("session a: %d", w.Code)
	}
	// Log out of a with its form's CSRF token.
	req, _ := http.NewRequest("POST", "/logout", nil)
	req.Header.Set("Cookie", a)
	csrf := s.csrfToken(req)
	w := request(t, h, "POST", "/logout", strings.NewReader(url.Values{csrfField: {csrf}}.Encode()), "Content-Type", "application/x-www-form-urlencoded", "Cookie", a)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d %s", w.Code, w.Body)
	}
	if w := request(t, h, "GET", "/api/releases", nil, "Cookie", a); w.Code != http.StatusUnauthorized {
		t.Errorf("the cookie of a logged-out session still opens the API: %d", w.Code)
	}
	if w := request(t, h, "GET", "/api/releases", nil, "Cookie", b); w.Code != http.StatusOK {
		t.Errorf("logging out of one session ended another: %d", w.Code)
	}
	// Artifacts behind the token are not for shared caches.
	run, err := store.Run(passRun)
	if err != nil {
		t.Fatal(err)
	}
	w = request(t, h, "GET", "/artifacts/"+run.Steps[0].ScreenshotSHA, nil, "Cookie", b)
	if cc := w.Header().Get("Cache-Control"); w.Code != http.StatusOK || !strings.HasPrefix(cc, "private") {
		t.Errorf("artifact behind a token: status %d, Cache-Control %q; want private", w.Code, cc)
	}
}

// TestCompareCrossSite: a page on another site cannot make the browser
// compute a comparison, which stores diff images; the app's own page can.
func TestCompareCrossSite(t *testing.T) {
	shared.Need(t)
	clearBaselines(t)
	s := newServer(t, Options{})
	h := s.Handler()
	count := func() int64 {
		var n int64
		store.DB.Model(&recordings.Artifact{}).Count(&n)
		return n
	}
	q := fmt.Sprintf("?baseRun=%d&headRun=%d&threshold=0.0123", passRun, failRun)
	before := count()
	for _, hdr := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Site", "same-site"}, {"Origin", "http://evil.example"}} {
		for _, p := range []string{"/compare", "/api/compare"} {
			if w := request(t, h, "GET", p+q, nil, hdr...); w.Code != http.StatusForbidden {
				t.Errorf("GET %s with %s: %s: status %d, want 403", p, hdr[0], hdr[1], w.Code)
			}
		}
	}
	if n := count(); n != before {
		t.Errorf("cross-site GETs stored %d artifacts", n-before)
	}
	if w := request(t, h, "GET", "/compare"+q, nil, "Sec-Fetch-Site", "same-origin"); w.Code != http.StatusOK {
		t.Errorf("same-origin comparison: status %d", w.Code)
	}
	if w := request(t, h, "GET", "/compare", nil, "Sec-Fetch-Site", "cross-site"); w.Code != http.StatusOK {
		t.Errorf("the compare form from a link: status %d", w.Code)
	}
}

// blockingPacker holds every pack until released.
type blockingPacker struct {
	started chan struct{}
	release chan struct{}
}

func (p *blockingPacker) WritePack(ctx context.Context, release string, w io.Writer) error {
	p.started <- struct{}{}
	select {
	case <-p.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	_, err := w.Write([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	return err
}

// TestPackConcurrency: more pack downloads at once than the cap get 429.
func TestPackConcurrency(t *testing.T) {
	shared.Need(t)
	p := &blockingPacker{started: make(chan struct{}, 10), release: make(chan struct{})}
	s := newServer(t, Options{Packer: p})
	base := serve(t, s)
	var wg sync.WaitGroup
	codes := make(chan int, maxPackDownloads)
	for range maxPackDownloads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(base + "/api/releases/" + release + "/pack")
			if err != nil {
				codes <- 0
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	for range maxPackDownloads {
		<-p.started
	}
	resp, err := http.Get(base + "/api/releases/" + release + "/pack")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("pack %d at once: status %d, Retry-After %q; want 429", maxPackDownloads+1, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	close(p.release)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Errorf("a pack within the cap: status %d", c)
		}
	}
}

// TestServerTimeouts: a client that sends its request head slowly, or
// leaves a connection idle, is cut off by the server.
func TestServerTimeouts(t *testing.T) {
	shared.Need(t)
	s := newServer(t, Options{})
	s.timeouts = serverTimeouts{readHeader: 300 * time.Millisecond, read: 500 * time.Millisecond, write: 5 * time.Second, idle: 300 * time.Millisecond}
	addr, cancel, done := serveOn(t, s)
	t.Cleanup(func() { cancel(); <-done })
	// An answer that takes longer than the read timeout is not cut off.
	p := &blockingPacker{started: make(chan struct{}, 1), release: make(chan struct{})}
	s.o.Packer = p
	go func() { <-p.started; time.Sleep(time.Second); close(p.release) }()
	resp, err := http.Get("http://" + addr + "/api/releases/" + release + "/pack")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(body) == 0 {
		t.Errorf("a pack written in 1 s with a 0.5 s read timeout: status %d, %d bytes", resp.StatusCode, len(body))
	}
	for _, tc := range []struct{ name, send string }{
		{"slow head", "GET /api/releases HTTP/1.1\r\nHost: 127.0.0.1\r\n"},
		{"slow body", "POST /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			io.WriteString(c, tc.send)
			start := time.Now()
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			io.Copy(io.Discard, bufio.NewReader(c)) // until the server closes
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("the server kept the connection %v", d)
			}
		})
	}
}
