package sandbox

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Cookie names the service uses.
const (
	cookieSession = "sandbox_session"
	cookieLang    = "sandbox_lang"
	cookieDefects = "sandbox_defects"
)

// Options configure a Server.
type Options struct {
	Defects  []string // switched on for every request (sandbox --defects)
	ClientID string   // default "journeyproof-sandbox"
	// RequestTimeout is how long an iAM Smart request waits for the user
	// on the phone before it times out (DefaultRequestTimeout when zero).
	RequestTimeout time.Duration
}

// DefaultRequestTimeout is how long the simulator's iAM Smart requests wait
// for the user. Journeys need not wait it out: the phone side's timeout
// decision ends a request at once.
const DefaultRequestTimeout = 2 * time.Minute

// Server is the sandbox online service and its iAM Smart simulator, as one
// http.Handler. It keeps sessions and pending iAM Smart requests in memory and is
// safe for concurrent use.
type Server struct {
	clientID string
	defects  defectSet // switched on for every request
	// requestTimeout is how long an iAM Smart request waits for the user.
	requestTimeout time.Duration
	pages          map[string]*template.Template
	mux            *http.ServeMux

	mu       sync.Mutex
	sessions map[string]*session
	requests map[string]*authRequest // by request id
	codes    map[string]*authRequest // by authorisation code, until the service redeems it
	signings map[string]signing      // by state: the document the service asked to sign
}

// signing is the hash code of a document the service asked to sign.
type signing struct {
	hash string
	at   time.Time
}

// stateTTL is how long the sandbox remembers a session that is not used,
// an iAM Smart request and a signing: it keeps memory bounded when the
// sandbox serves for days.
const stateTTL = 2 * time.Hour

// prune forgets what is older than stateTTL. The caller must hold s.mu.
func (s *Server) prune(now time.Time) {
	pruneOlder(s.sessions, now, func(v *session) time.Time { return v.seen })
	pruneOlder(s.requests, now, func(v *authRequest) time.Time { return v.created })
	pruneOlder(s.codes, now, func(v *authRequest) time.Time { return v.created })
	pruneOlder(s.signings, now, func(v signing) time.Time { return v.at })
}

// pruneOlder deletes the entries of m whose time (at) is more than
// stateTTL before now.
func pruneOlder[K comparable, V any](m map[K]V, now time.Time, at func(V) time.Time) {
	for k, v := range m {
		if now.Sub(at(v)) > stateTTL {
			delete(m, k)
		}
	}
}

// session is what the service remembers about one browser.
type session struct {
	state      string // state of the pending iAM Smart request
	process    string // process of the pending iAM Smart request: login, form or sign
	user       string // "" when logged out; "iamsmart" or "password" when logged in
	profile    bool   // iAM Smart form filling was approved: pre-fill the form
	form       map[string]string
	signedHash string // hash code of the signed document, after signing
	seen       time.Time
}

// New returns a sandbox Server. It fails when opts.Defects names an unknown defect.
func New(opts Options) (*Server, error) {
	defects, err := parseDefects(opts.Defects)
	if err != nil {
		return nil, err
	}
	if opts.ClientID == "" {
		opts.ClientID = "journeyproof-sandbox"
	}
	pages, err := parsePages()
	if err != nil {
		return nil, fmt.Errorf("sandbox templates: %w", err)
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = DefaultRequestTimeout
	}
	s := &Server{
		requestTimeout: opts.RequestTimeout,
		clientID:       opts.ClientID,
		defects:        defects,
		pages:          pages,
		sessions:       map[string]*session{},
		requests:       map[string]*authRequest{},
		codes:          map[string]*authRequest{},
		signings:       map[string]signing{},
	}
	s.routes()
	return s, nil
}

// ServeHTTP serves the service pages, the iAM Smart simulator and the static files.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

func (s *Server) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))

	m.HandleFunc("GET /{$}", s.service(s.home))
	m.HandleFunc("GET /login", s.service(s.loginPage))
	m.HandleFunc("POST /login", s.service(s.loginSubmit))
	m.HandleFunc("GET /account", s.service(s.account))
	m.HandleFunc("POST /logout", s.service(s.logout))
	m.HandleFunc("GET /form", s.service(s.formPage))
	m.HandleFunc("POST /form", s.service(s.formSubmit))
	m.HandleFunc("GET /form/done", s.service(s.formDone))
	m.HandleFunc("GET /sign", s.service(s.signPage))
	m.HandleFunc("GET /sign/done", s.service(s.signDone))
	m.HandleFunc("GET /about-iamsmart", s.service(s.about))
	m.HandleFunc("GET /help", s.service(s.help))
	m.HandleFunc("GET /auth/iamsmart", s.service(s.startIAMSmart))
	m.HandleFunc("GET /callback", s.service(s.callback))

	m.HandleFunc("GET /iamsmart/authorize", s.simAuthorize)
	m.HandleFunc("GET /iamsmart/status/{id}", s.simStatus)
	m.HandleFunc("GET /iamsmart/qr/{id}", s.simQR)
	m.HandleFunc("GET /iamsmart/phone/{id}", s.simPhone)
	m.HandleFunc("POST /iamsmart/phone/{id}/{action}", s.simDecide)

	m.HandleFunc("GET /corpus/{$}", s.corpusIndex)
	m.HandleFunc("GET /corpus/{kind}/{page}", s.corpus)

	m.HandleFunc("/", s.service(s.notFound))
	s.mux = m
}

// parsePages parses each page template together with its layout.
func parsePages() (map[string]*template.Template, error) {
	service := []string{"home", "login", "account", "form", "form_done", "sign", "sign_done", "about", "help", "message"}
	sim := []string{"sim_authorize", "sim_phone", "sim_message"}
	pages := map[string]*template.Template{}
	for _, name := range service {
		t, err := template.ParseFS(templateFS, "templates/layout.html", "templates/parts.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		pages[name] = t
	}
	for _, name := range sim {
		t, err := template.ParseFS(templateFS, "templates/sim_layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// render writes page name with data and the given status.
func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	layout := "layout"
	if strings.HasPrefix(name, "sim_") {
		layout = "sim_layout"
	}
	if err := s.pages[name].ExecuteTemplate(&buf, layout, data); err != nil {
		slog.Error("sandbox: render page", "page", name, "err", err)
		http.Error(w, "sandbox: cannot render page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// randomHex returns n random bytes as 2n hex characters.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// baseURL is the scheme and host the request came to, e.g. http://127.0.0.1:8090.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// sessionFor returns the browser's session, creating it (and its cookie) when the
// request has none. The caller must hold s.mu.
func (s *Server) sessionFor(w http.ResponseWriter, r *http.Request) *session {
	if c, err := r.Cookie(cookieSession); err == nil {
		if sess, ok := s.sessions[c.Value]; ok {
			sess.seen = time.Now()
			return sess
		}
	}
	s.prune(time.Now())
	id := randomHex(16)
	sess := &session{seen: time.Now()}
	s.sessions[id] = sess
	http.SetCookie(w, &http.Cookie{Name: cookieSession, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return sess
}

// sessionOf returns a copy of the browser's session (sessionFor under s.mu).
func (s *Server) sessionOf(w http.ResponseWriter, r *http.Request) session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.sessionFor(w, r)
}

// updateSession applies change to the browser's session under s.mu.
func (s *Server) updateSession(w http.ResponseWriter, r *http.Request, change func(*session)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	change(s.sessionFor(w, r))
}
