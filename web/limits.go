package web

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// Limits of the web app, so that one client cannot exhaust the server.
const (
	// maxBodyBytes is the largest request body read: the app's forms and
	// JSON requests are a few kilobytes.
	maxBodyBytes = 1 << 20
	// maxPackDownloads is how many evidence packs are written at once;
	// each prints PDFs with Chromium.
	maxPackDownloads = 2
	// sessionTTL is how long a login lasts.
	sessionTTL = 12 * time.Hour
	// maxSessions is how many logins are kept; the oldest goes first.
	maxSessions = 1000
)

// Timeouts of the HTTP server: a client that sends its request slowly, or
// keeps an idle connection, is cut off. Event streams and pack downloads
// lift the write deadline for themselves (noWriteDeadline).
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 2 * time.Minute
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
)

// limitBody runs before the login and the cross-site checks: it refuses
// multipart bodies (the app has no upload; parsing one writes temporary
// files) and bodies over maxBodyBytes, and caps what a handler can read,
// so that a client without the token makes the server store nothing.
func (s *Server) limitBody(c *gin.Context) {
	r := c.Request
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if strings.HasPrefix(strings.ToLower(mt), "multipart/") || (mt == "" && strings.Contains(strings.ToLower(ct), "multipart")) {
			c.Header("Connection", "close")
			c.AbortWithStatusJSON(http.StatusUnsupportedMediaType, gin.H{"error": "multipart bodies are not accepted; send a form (application/x-www-form-urlencoded) or JSON"})
			return
		}
	}
	if isUpload(r) {
		// An artifact upload is capped by its handler (maxUploadBytes).
		c.Next()
		return
	}
	if r.ContentLength > maxBodyBytes {
		c.Header("Connection", "close")
		c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge, gin.H{"error": fmt.Sprintf("the request body is %d bytes; the limit is %d", r.ContentLength, maxBodyBytes)})
		return
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(c.Writer, r.Body, maxBodyBytes)
	}
	c.Next()
}

// noWriteDeadline lifts the server's write timeout for a long answer (an
// event stream, a pack download).
func noWriteDeadline(c *gin.Context) {
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Time{})
}

// newHTTPServer is the http.Server the app is served by, with its timeouts.
func (s *Server) newHTTPServer() *http.Server {
	return &http.Server{Handler: s.handler, ReadHeaderTimeout: s.timeouts.readHeader, ReadTimeout: s.timeouts.read,
		WriteTimeout: s.timeouts.write, IdleTimeout: s.timeouts.idle, MaxHeaderBytes: maxHeaderBytes}
}

// serverTimeouts are the HTTP server's timeouts (tests shorten them).
type serverTimeouts struct{ readHeader, read, write, idle time.Duration }

func defaultTimeouts() serverTimeouts {
	return serverTimeouts{readHeaderTimeout, readTimeout, writeTimeout, idleTimeout}
}

// sessions are the logins of a server with a token: random ids kept in
// memory, so that logging out ends the session and a restart ends them
// all. The cookie holds the id; the map holds its hash.
type sessions struct {
	mu sync.Mutex
	m  map[string]time.Time // hash of the id -> expiry
}

func newSessions() *sessions { return &sessions{m: map[string]time.Time{}} }

func sessionKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// create starts a session and returns its id.
func (ss *sessions) create() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make session: %w", err)
	}
	id := hex.EncodeToString(b)
	now := time.Now()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for k, exp := range ss.m {
		if now.After(exp) {
			delete(ss.m, k)
		}
	}
	for len(ss.m) >= maxSessions {
		oldest, at := "", time.Time{}
		for k, exp := range ss.m {
			if oldest == "" || exp.Before(at) {
				oldest, at = k, exp
			}
		}
		delete(ss.m, oldest)
	}
	ss.m[sessionKey(id)] = now.Add(sessionTTL)
	return id, nil
}

// valid reports whether id is a live session.
func (ss *sessions) valid(id string) bool {
	if id == "" {
		return false
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	exp, ok := ss.m[sessionKey(id)]
	return ok && time.Now().Before(exp)
}

// revoke ends a session.
func (ss *sessions) revoke(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.m, sessionKey(id))
}

// packSlots caps the pack downloads written at once.
type packSlots chan struct{}

// acquire takes a slot, or reports false when all are taken.
func (p packSlots) acquire() bool {
	select {
	case p <- struct{}{}:
		return true
	default:
		return false
	}
}

func (p packSlots) release() { <-p }

// crossSiteWrite reports whether a GET that would store something (a
// comparison writes its diff images) comes from another site, as the
// browser's Sec-Fetch-Site or Origin header says. Address-bar visits
// (Sec-Fetch-Site: none), the app's own pages and non-browser clients pass.
func crossSiteWrite(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return true
	}
	return foreignOrigin(r)
}
