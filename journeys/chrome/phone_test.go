package chrome_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"journeyproof/journeys/chrome"
)

// The phone side's tab is kept for the next iamsmart step (a browser
// context costs a renderer process), and what one step's phone page left
// there (cookies, local storage) is gone before the next step's opens: a
// second capture sends no cookie and finds no stored value, and the
// second step takes the tab the first gave back.
func TestPhoneTabIsKeptAndCleared(t *testing.T) {
	shared.Need(t)
	var mu sync.Mutex
	var seen []string // per visit: the Cookie header and the stored value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.URL.Path {
		case "/phone":
			seen = append(seen, "cookie="+r.Header.Get("Cookie"))
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "step-" + r.URL.Query().Get("lang"), Path: "/"})
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!doctype html><title>phone</title><body><p>Approve?</p>
<script>document.write('<img src="/stored?v=' + (localStorage.getItem("k") || "") + '">'); localStorage.setItem("k", "left-behind");</script></body>`)
		case "/stored":
			seen = append(seen, "stored="+r.URL.Query().Get("v"))
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	r := &chrome.Runner{Browser: browser}
	before := chrome.IdlePhones(browser)
	for _, lang := range []string{"en", "zh-HK"} {
		png, err := chrome.PhoneScreen(context.Background(), r, lang, srv.URL+"/phone")
		if err != nil {
			t.Fatal(err)
		}
		if w, h := pngSize(t, png); w != 780 || h != 1688 {
			t.Errorf("%s: phone screen %dx%d, want 780x1688", lang, w, h)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"cookie=", "stored=", "cookie=", "stored="}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("the phone page saw %q, want %q (nothing left by the step before)", seen, want)
	}
	// Other tests' steps may have left idle tabs: one of them was taken.
	if n := chrome.IdlePhones(browser); n != max(before, 1) {
		t.Errorf("%d idle phone tabs after two steps one after the other (%d before), want %d", n, before, max(before, 1))
	}
}
