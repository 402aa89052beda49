package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestReviewerName: with a token, decisions are recorded under the name
// given at login (kept in a cookie the browser cannot change); on loopback
// without a token, under the server's --by name, and the page says so.
func TestReviewerName(t *testing.T) {
	shared.Need(t)
	clearBaselines(t)
	const token = "a-token-long-enough-1234"
	s := newServer(t, Options{Token: token})
	h := s.Handler()
	ct := []string{"Content-Type", "application/x-www-form-urlencoded"}
	form := url.Values{"token": {token}, "name": {"  Mei   Ling "}, "next": {"/compare?head=" + release}, csrfField: {s.csrfToken(httptestRequest())}}
	w := request(t, h, "POST", "/login", strings.NewReader(form.Encode()), ct...)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("login: status %d", w.Code)
	}
	var cookies []string
	var by *http.Cookie
	for _, c := range w.Result().Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
		if c.Name == reviewerCookie {
			by = c
		}
	}
	if by == nil || !by.HttpOnly || by.SameSite != http.SameSiteStrictMode {
		t.Fatalf("no HttpOnly SameSite=Strict name cookie after logging in with a name: %v", w.Result().Cookies())
	}
	page := request(t, h, "GET", "/compare?head="+release, nil, "Cookie", strings.Join(cookies, "; ")).Body.String()
	if !strings.Contains(page, "recorded as approved by Mei Ling") {
		t.Errorf("the compare page does not name the reviewer given at login")
	}
	// A name changed in the browser is not believed.
	forged := strings.Replace(strings.Join(cookies, "; "), "Mei", "Eve", 1)
	page = request(t, h, "GET", "/compare?head="+release, nil, "Cookie", forged).Body.String()
	if strings.Contains(page, "Eve") || !strings.Contains(page, "token holder") {
		t.Errorf("a forged name cookie was believed")
	}
	// Loopback, no token: the server's name.
	local := newServer(t, Options{Reviewer: "os-user", ReviewerSource: "the user name of the server's process"})
	page = request(t, local.Handler(), "GET", "/compare?head="+release, nil).Body.String()
	if !strings.Contains(page, "recorded as approved by os-user") {
		t.Errorf("the loopback page does not name the server's reviewer")
	}
}
