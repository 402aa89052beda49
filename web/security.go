package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"
)

// sessionCookie is the cookie the login form sets when the server has a
// token.
const sessionCookie = "journeyproof_session"

// csrfField is the hidden form field (and the X-CSRF-Token header) that
// carries the CSRF token.
const csrfField = "_csrf"

// minTokenLength is the shortest token accepted.
const minTokenLength = 16

// contentSecurityPolicy allows only this origin's scripts, styles, images
// and media: no inline script, no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// CheckToken refuses a token shorter than 16 characters.
func CheckToken(token string) error {
	if len(token) < minTokenLength {
		return fmt.Errorf("the token must be at least %d characters long", minTokenLength)
	}
	return nil
}

// IsLoopbackHost reports whether host (no port) names this machine only.
func IsLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// securityHeaders sets the headers every answer carries.
func (s *Server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	c.Next()
}

// hostCheck refuses requests for another host name when the server has no
// token: a page on another site that makes its name resolve to 127.0.0.1
// (DNS rebinding) must not reach the app.
func (s *Server) hostCheck(c *gin.Context) {
	if s.o.Token != "" {
		c.Next()
		return
	}
	host := c.Request.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if !IsLoopbackHost(host) {
		c.AbortWithStatusJSON(http.StatusMisdirectedRequest, gin.H{"error": "this server answers only to localhost; start it with --token to use it under another name"})
		return
	}
	c.Next()
}

// equal compares two secrets in constant time (their hashes, so that the
// length does not leak either).
func equal(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// bearerValid reports whether the request carries the token as a bearer.
func (s *Server) bearerValid(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(auth) <= len(prefix) || !strings.EqualFold(auth[:len(prefix)], prefix) {
		return false
	}
	return equal(strings.TrimSpace(auth[len(prefix):]), s.o.Token)
}

// sessionValid reports whether the request carries the cookie of a live
// session (one the login form started and no logout ended).
func (s *Server) sessionValid(r *http.Request) bool {
	ck, err := r.Cookie(sessionCookie)
	return err == nil && s.sess.valid(ck.Value)
}

// public reports whether a path needs no token: the login form and the
// static files it uses.
func public(path string) bool {
	return path == "/login" || strings.HasPrefix(path, "/static/")
}

// authenticate lets a request through when the server has no token, or
// when the request carries it: as a bearer header (API clients) or as the
// session cookie (browsers). Pages without it redirect to the login form;
// everything else gets 401.
func (s *Server) authenticate(c *gin.Context) {
	if s.o.Token == "" || public(c.Request.URL.Path) || s.bearerValid(c.Request) || s.sessionValid(c.Request) {
		c.Next()
		return
	}
	p := c.Request.URL.Path
	if strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/artifacts/") || c.Request.Method != http.MethodGet {
		c.Header("WWW-Authenticate", `Bearer realm="journeyproof"`)
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "this server needs its token: send Authorization: Bearer TOKEN, or log in at /login"})
		return
	}
	c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
	c.Abort()
}

// unsafeMethod reports whether a request may change state.
func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// crossSiteCheck refuses state-changing requests that come from another
// site: the browser's Sec-Fetch-Site and Origin headers must say this
// origin; API calls must be JSON (which a form on another site cannot
// send without a CORS preflight, and this server answers none); forms must
// carry the CSRF token.
func (s *Server) crossSiteCheck(c *gin.Context) {
	r := c.Request
	if !unsafeMethod(r.Method) {
		// A comparison stores its diff images: another site must not make
		// a browser compute and store them.
		q := r.URL.Query()
		if (r.URL.Path == "/compare" || r.URL.Path == "/api/compare") && (q.Get("head") != "" || q.Get("headRun") != "") && crossSiteWrite(r) {
			c.AbortWithStatusJSON(http.StatusForbidden, gin.H{"error": "cross-site request refused: a comparison stores diff images; open it from journeyproof's Compare page or the address bar"})
			return
		}
		c.Next()
		return
	}
	deny := func(why string) {
		c.AbortWithStatusJSON(http.StatusForbidden, gin.H{"error": "cross-site request refused: " + why})
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		deny("Sec-Fetch-Site is " + site)
		return
	}
	if foreignOrigin(r) {
		deny("Origin " + r.Header.Get("Origin") + " is not this server")
		return
	}
	if isUpload(r) {
		// Only with the bearer token, which a page on another site cannot
		// send: the token is checked again by the handler.
		if !s.bearerValid(r) {
			deny("artifact uploads need Authorization: Bearer TOKEN")
			return
		}
		c.Next()
		return
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		ct := r.Header.Get("Content-Type")
		if mt, _, _ := strings.Cut(ct, ";"); !strings.EqualFold(strings.TrimSpace(mt), "application/json") {
			c.AbortWithStatusJSON(http.StatusUnsupportedMediaType, gin.H{"error": "send the request body as application/json"})
			return
		}
		c.Next()
		return
	}
	tok := r.Header.Get("X-CSRF-Token")
	if tok == "" {
		if err := r.ParseForm(); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				c.Header("Connection", "close")
				c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge, gin.H{"error": fmt.Sprintf("the request body is over the limit of %d bytes", maxBodyBytes)})
				return
			}
		}
		tok = r.PostFormValue(csrfField)
	}
	if tok == "" || !equal(tok, s.csrfToken(r)) {
		deny("the form's CSRF token is missing or stale; reload the page and try again")
		return
	}
	c.Next()
}

// foreignOrigin reports whether the request has an Origin header that is
// not this server.
func foreignOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	u, err := url.Parse(origin)
	return err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host)
}

// csrfToken is the token forms carry: a MAC of the session under the
// server's secret, so a page of another site cannot know it.
func (s *Server) csrfToken(r *http.Request) string {
	sess := ""
	if ck, err := r.Cookie(sessionCookie); err == nil {
		sess = ck.Value
	}
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("csrf\x00" + sess))
	return hex.EncodeToString(m.Sum(nil))
}

// loginData is the data of login.html.
type loginData struct {
	Next  string
	Error string
}

// safeNext keeps only a path on this server to go to after logging in.
// Browsers drop tabs and newlines from a URL and read "\" as "/", so
// "/\t/evil.example" is "//evil.example", another site: anything with a
// control character or a backslash is refused, and what is kept is
// rebuilt from its parsed, cleaned path and query.
func safeNext(next string) string {
	if next == "" || len(next) > 2000 || strings.ContainsRune(next, '\\') {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || unicode.IsSpace(r) {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	p := path.Clean(u.Path)
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return "/"
	}
	out := (&url.URL{Path: p, RawQuery: u.RawQuery}).String()
	if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") || strings.HasPrefix(out, "/\\") {
		return "/"
	}
	return out
}

func (s *Server) loginPage(c *gin.Context) {
	if s.o.Token == "" {
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	s.render(c, http.StatusOK, "login.html", Page{Title: "Log in", Data: loginData{Next: safeNext(c.Query("next"))}})
}

func (s *Server) loginSubmit(c *gin.Context) {
	if s.o.Token == "" {
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	next := safeNext(c.PostForm("next"))
	if !equal(c.PostForm("token"), s.o.Token) {
		s.render(c, http.StatusUnauthorized, "login.html", Page{Title: "Log in", Data: loginData{Next: next, Error: "That is not the token this server was started with."}})
		return
	}
	id, err := s.sess.create()
	if err != nil {
		s.apiError(c, err)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, MaxAge: int(sessionTTL / time.Second),
		SameSite: http.SameSiteStrictMode, Secure: c.Request.TLS != nil})
	s.setReviewerCookie(c, c.PostForm("name")) // who review decisions are recorded under (review.go)
	c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) logout(c *gin.Context) {
	if ck, err := c.Request.Cookie(sessionCookie); err == nil {
		s.sess.revoke(ck.Value)
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	s.setReviewerCookie(c, "")
	c.Redirect(http.StatusSeeOther, "/login")
}

// recoverer turns a panic in a handler into a 500 answer.
func (s *Server) recoverer(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("handler panicked", "method", c.Request.Method, "path", c.Request.URL.Path, "panic", v)
			if !c.Writer.Written() {
				s.fail(c, http.StatusInternalServerError, "internal error")
			}
			c.Abort()
		}
	}()
	c.Next()
}
