// Package web is journeyproof's web app: a gin server with a JSON API and
// server-rendered pages (templates and static files embedded in the binary,
// plain JavaScript, no build step). Reviewers see which business processes
// are covered in which languages and devices, review a run screen by screen
// with its video and findings, and start runs.
//
// The pages and the API call the same service functions (service.go); no
// template and no handler reads the store on its own. Starting runs and
// writing evidence packs go through the small interfaces Starter and
// Packer, which the command line implements with its engine.
package web

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"journeyproof/journeys"
	"journeyproof/recordings"
)

//go:embed templates static
var assets embed.FS

// Starter runs cells for the web app; engine.Starter implements it. The web app queues the requests and calls Run in the background, one
// invocation at a time.
type Starter interface {
	// Journeys returns the journeys that can be run: the bundled ones and
	// the files the server was started with.
	Journeys() []*journeys.Journey
	// Run runs the cells under the release against baseURL, stores the
	// evidence, calls progress for every runner event (from many
	// goroutines; an event carries its cell's run id once the run is
	// stored), and returns when every run is stored, with the ids of the
	// runs in cell order (0 for a cell that stored none).
	Run(ctx context.Context, release, baseURL string, cells []journeys.Cell, progress func(journeys.Event)) ([]uint, error)
}

// Packer writes the evidence pack of a release (wireframes, report,
// manifest) as one archive.
type Packer interface {
	WritePack(ctx context.Context, release string, w io.Writer) error
}

// PackCompleteness is what an evidence pack of a release would lack, per
// business process, cell and branch: the download button says it before
// it downloads.
type PackCompleteness struct {
	Complete bool `json:"complete"`
	// Lines say, one per process that lacks something, what is missing or
	// failed.
	Lines []string `json:"lines"`
}

// PackChecker is a Packer that can also say what a pack would lack.
type PackChecker interface {
	CheckPack(ctx context.Context, release string) (*PackCompleteness, error)
}

// Options configure a Server.
type Options struct {
	// Store is the evidence store the app reads.
	Store *recordings.Store
	// Starter starts runs; nil hides "Start a run".
	Starter Starter
	// Packer writes evidence packs; nil hides "Download evidence pack".
	Packer Packer
	// Readiness runs the preflight of the configured service; nil hides
	// the Readiness page.
	Readiness Readiness
	// Workforce reports the queue and its workers; nil hides the Workers
	// page.
	Workforce Workforce
	// BaseURL is the base URL offered for new runs (the sandbox that serve
	// starts), "" for none.
	BaseURL string
	// Token, when set, is needed by every request: a bearer header for the
	// API, or the session cookie that the login form sets.
	Token string
	// Reviewer is who review decisions and approvals are recorded under
	// when the server has no token (with a token, the name given at
	// login); ReviewerSource says where the name comes from, for the page.
	Reviewer, ReviewerSource string
	// Version is shown in the footer.
	Version string
	// Logger gets request errors and background run errors; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Server is the web app.
type Server struct {
	o        Options
	store    *recordings.Store
	log      *slog.Logger
	pages    map[string]*template.Template
	static   fs.FS
	secret   []byte // signs CSRF tokens; new for every server
	handler  http.Handler
	inv      *invocations
	sess     *sessions      // logins, when the server has a token
	packs    packSlots      // pack downloads in progress
	timeouts serverTimeouts // of the HTTP server Serve starts
	ready    readiness      // the latest preflight (preflight.go)

	// ctx ends when the server shuts down: background runs and event
	// streams watch it.
	ctx    context.Context
	cancel context.CancelFunc
	once   sync.Once
}

// New makes the web app. It marks runs that a process which is gone left
// marked running as interrupted (runs of other live processes stay
// running), and starts the background worker that runs started cells.
func New(o Options) (*Server, error) {
	if o.Store == nil {
		return nil, errors.New("web: no store")
	}
	if o.Token != "" {
		if err := CheckToken(o.Token); err != nil {
			return nil, err
		}
	}
	if o.BaseURL != "" {
		if err := journeys.CheckBaseURL(o.BaseURL); err != nil {
			return nil, err
		}
	}
	s := &Server{o: o, store: o.Store, log: o.Logger, sess: newSessions(), packs: make(packSlots, maxPackDownloads), timeouts: defaultTimeouts()}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.secret = make([]byte, 32)
	if _, err := rand.Read(s.secret); err != nil {
		return nil, fmt.Errorf("web: make secret: %w", err)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s.pages = pages
	s.static, err = fs.Sub(assets, "static")
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	if n, err := s.store.ReapRuns(); err != nil {
		return nil, fmt.Errorf("web: mark interrupted runs: %w", err)
	} else if n > 0 {
		s.log.Warn("runs left running by a process that is gone were marked interrupted", "runs", n)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.inv = newInvocations(s)
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.UseRawPath = true
	r.RedirectTrailingSlash = false
	r.HandleMethodNotAllowed = true
	r.Use(s.recoverer, s.securityHeaders, s.limitBody, s.hostCheck, s.authenticate, s.crossSiteCheck)
	s.routes(r)
	r.NoRoute(s.notFound)
	r.NoMethod(func(c *gin.Context) { s.fail(c, http.StatusMethodNotAllowed, "method not allowed") })
	s.handler = r
	return s, nil
}

// routes registers every route of the app. A new page is one line here and
// a handler that renders its template with s.render.
func (s *Server) routes(r *gin.Engine) {
	// Pages.
	r.GET("/", s.coveragePage)
	r.GET("/runs", s.runsPage)
	r.GET("/runs/:id", s.runPage)
	r.GET("/runs/:id/steps/:step", s.stepPage)
	r.GET("/journeys", s.journeysPage)
	r.GET("/start", s.startPage)
	r.POST("/start", s.startSubmit)
	r.GET("/invocations/:id", s.invocationPage)
	r.GET("/login", s.loginPage)
	r.POST("/login", s.loginSubmit)
	r.POST("/logout", s.logout)

	// JSON API (what the pages use).
	r.GET("/api/releases", s.apiReleases)
	r.GET("/api/releases/:name/coverage", s.apiCoverage)
	r.GET("/api/releases/:name/pack", s.apiPack)
	r.GET("/api/releases/:name/pack/completeness", s.apiPackCompleteness)
	r.GET("/api/runs", s.apiRuns)
	r.POST("/api/runs", s.apiStart)
	r.GET("/api/runs/:id", s.apiRun)
	r.GET("/api/runs/:id/events", s.apiRunEvents)
	r.GET("/api/journeys", s.apiJourneys)
	r.GET("/api/invocations/:id", s.apiInvocation)
	r.GET("/api/invocations/:id/events", s.apiInvocationEvents)

	s.compareRoutes(r)   // release comparison and baselines (compare.go)
	s.preflightRoutes(r) // readiness: the preflight of the service (preflight.go)
	s.liveRoutes(r)      // the coverage page's event stream (live.go)
	s.workersRoutes(r)   // the queue's depth and its workers (workers.go)

	// Files.
	r.GET("/artifacts/:sha", s.artifact)
	r.HEAD("/artifacts/:sha", s.artifact)
	r.GET("/static/*file", s.staticFile)
	r.HEAD("/static/*file", s.staticFile)
}

// navItem is one link of the header.
type navItem struct {
	Key, Label, Href string
}

// nav returns the header links; a page's Nav field names the active one.
func (s *Server) nav() []navItem {
	items := []navItem{
		{"coverage", "Coverage", "/"},
		{"runs", "Runs", "/runs"},
		{"journeys", "Journeys", "/journeys"},
		{"compare", "Compare", "/compare"},
	}
	if s.o.Readiness != nil {
		items = append(items, navItem{"readiness", "Readiness", "/readiness"})
	}
	if s.o.Workforce != nil {
		items = append(items, navItem{"workers", "Workers", "/workers"})
	}
	if s.o.Starter != nil {
		items = append(items, navItem{"start", "Start a run", "/start"})
	}
	return items
}

// Handler is the app's http.Handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve serves the app on ln until ctx ends, then shuts down gracefully:
// event streams end, runs in progress are stopped and marked interrupted.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := s.newHTTPServer()
	srv.ErrorLog = slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		s.Shutdown(context.Background())
		return fmt.Errorf("web: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s.cancel() // end event streams and runs first: Shutdown waits for handlers
	herr := srv.Shutdown(sctx)
	if err := s.Shutdown(sctx); err != nil {
		return err
	}
	if herr != nil && !errors.Is(herr, context.DeadlineExceeded) {
		return fmt.Errorf("web: shut down: %w", herr)
	}
	return nil
}

// Shutdown stops the background runs, waits for them (until ctx ends) and
// marks the runs they left running as interrupted. Queued invocations are
// dropped. It is safe to call more than once.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	s.once.Do(func() {
		s.cancel()
		err = s.inv.stop(ctx)
	})
	return err
}

// parsePages parses each page template in templates/ (every file except
// layout.html and parts.html) together with the layout and the shared parts.
func parsePages() (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(funcs()).ParseFS(assets, "templates/layout.html", "templates/parts.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimPrefix(n, "templates/")
		if name == "layout.html" || name == "parts.html" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(assets, n)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}
