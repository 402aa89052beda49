package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"journeyproof/recordings"
	"journeyproof/recordings/compare"
)

func clearBaselines(t *testing.T) {
	t.Helper()
	if err := store.DB.Where("1 = 1").Delete(&recordings.Baseline{}).Error; err != nil {
		t.Fatal(err)
	}
}

func TestComparePage(t *testing.T) {
	shared.Need(t)
	clearBaselines(t)
	s := newServer(t, Options{})
	h := s.Handler()
	for _, tc := range []struct {
		path   string
		status int
		want   []string
		not    []string
	}{
		{"/compare?base=" + release + "&head=" + release, http.StatusOK,
			[]string{`href="/compare/report.css"`, `src="/compare/report.js"`, "✓ Nothing over the limit", `class="cmp-run cmp-unchanged"`, `src="/artifacts/`},
			[]string{"<style", "style=", "Release comparison", "★ Approve", "data-img"}},
		{fmt.Sprintf("/compare?baseRun=%d&headRun=%d", passRun, failRun), http.StatusOK,
			[]string{"✗ Changes over the limit", `<a href="/runs/` + itoa(passRun) + `">`, "removed", "added"},
			[]string{"style="}},
		{"/compare?base=" + release + "&head=nope", http.StatusNotFound, []string{"release &#34;nope&#34; has no runs"}, nil},
		{"/compare?head=" + release, http.StatusOK, []string{"No baseline is set", `action="/compare/baseline"`, `name="_csrf"`}, nil},
		{"/compare?head=" + release + "&maxDiffPixels=many", http.StatusBadRequest, []string{"maxDiffPixels must be a number"}, nil},
	} {
		t.Run(tc.path, func(t *testing.T) {
			w := request(t, h, "GET", tc.path, nil)
			body := w.Body.String()
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %.400s", w.Code, tc.status, body)
			}
			for _, s := range tc.want {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tc.not {
				if i := strings.Index(body, s); i >= 0 {
					t.Errorf("page has %q: …%s…", s, body[max(0, i-200):min(len(body), i+100)])
				}
			}
		})
	}
	for _, p := range []string{"/compare/report.css", "/compare/report.js"} {
		w := request(t, h, "GET", p, nil)
		if w.Code != http.StatusOK || w.Body.Len() < 100 {
			t.Errorf("%s: status %d, %d bytes", p, w.Code, w.Body.Len())
		}
	}

	w := request(t, h, "GET", "/api/compare?base="+release+"&head="+release, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("api compare: status %d: %s", w.Code, w.Body)
	}
	rep := decode[compare.Report](t, w)
	if rep.Summary.Runs != 2 || rep.Summary.Unchanged != 2 || rep.Summary.Failed {
		t.Errorf("api compare of a release with itself: %+v", rep.Summary)
	}
	if w := request(t, h, "GET", "/api/compare?base="+release, nil); w.Code != http.StatusBadRequest {
		t.Errorf("api compare without a head: status %d", w.Code)
	}
}

// Setting the baseline changes state: it needs JSON or the form's CSRF
// token, from this site, and the token when the server has one.
func TestSetBaseline(t *testing.T) {
	shared.Need(t)
	clearBaselines(t)
	defer clearBaselines(t)
	s := newServer(t, Options{})
	h := s.Handler()
	body := func(s string) *strings.Reader { return strings.NewReader(s) }
	for _, tc := range []struct {
		name    string
		body    string
		headers []string
		status  int
	}{
		{"form body to the API", "release=" + release, []string{"Content-Type", "application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType},
		{"another site", `{"release":"` + release + `"}`, []string{"Content-Type", "application/json", "Origin", "http://evil.example"}, http.StatusForbidden},
		{"unknown release", `{"release":"nope"}`, []string{"Content-Type", "application/json"}, http.StatusNotFound},
		{"unknown field", `{"release":"` + release + `","all":true}`, []string{"Content-Type", "application/json"}, http.StatusBadRequest},
		{"one journey", `{"release":"` + release + `","journey":"login"}`, []string{"Content-Type", "application/json"}, http.StatusOK},
	} {
		w := request(t, h, "POST", "/api/baseline", body(tc.body), tc.headers...)
		if w.Code != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.name, w.Code, tc.status, w.Body)
		}
	}
	if got, err := store.BaselineFor("login"); err != nil || got != release {
		t.Errorf("baseline of login = %q (%v), want %q", got, err, release)
	}

	// The page's form approves the head for each journey it ran.
	clearBaselines(t)
	w := request(t, h, "POST", "/compare/baseline", body("release="+release), "Content-Type", "application/x-www-form-urlencoded")
	if w.Code != http.StatusForbidden {
		t.Errorf("form without the CSRF token: status %d", w.Code)
	}
	page := request(t, h, "GET", "/compare?head="+release, nil).Body.String()
	m := regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the compare page has no CSRF token")
	}
	w = request(t, h, "POST", "/compare/baseline", body("_csrf="+m[1]+"&release="+release), "Content-Type", "application/x-www-form-urlencoded")
	if w.Code != http.StatusSeeOther || !strings.Contains(w.Header().Get("Location"), "approved=login%2C+xss") {
		t.Fatalf("approve: status %d, location %q", w.Code, w.Header().Get("Location"))
	}
	bs, err := store.Baselines()
	if err != nil || len(bs) != 2 || bs[0].Release != release || bs[1].Release != release {
		t.Errorf("baselines after approving %s: %+v (%v)", release, bs, err)
	}
	w = request(t, h, "GET", w.Header().Get("Location"), nil)
	if !strings.Contains(w.Body.String(), "is now the baseline of: login, xss") || !strings.Contains(w.Body.String(), "✓ Nothing over the limit") {
		t.Errorf("page after approving: %.600s", w.Body)
	}

	// With a token, no token, no change.
	ts := newServer(t, Options{Token: "a-token-long-enough-1234"})
	w = request(t, ts.Handler(), "POST", "/api/baseline", body(`{"release":"`+release+`"}`), "Content-Type", "application/json")
	if w.Code != http.StatusUnauthorized {
		t.Errorf("without the token: status %d", w.Code)
	}
	w = request(t, ts.Handler(), "POST", "/api/baseline", body(`{"release":"`+release+`"}`), "Content-Type", "application/json", "Authorization", "Bearer a-token-long-enough-1234")
	if w.Code != http.StatusOK {
		t.Errorf("with the token: status %d: %s", w.Code, w.Body)
	}
}
