package web

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"journeyproof/preflight"
)

// Readiness runs the preflight of the iAM Smart integration checklist for
// the service the server was started with; the command line implements it
// with package preflight.
type Readiness interface {
	// Target says what is checked.
	Target() ReadinessTarget
	// Check runs the checks (it may take seconds: it connects to the
	// service's hosts).
	Check(ctx context.Context) (*preflight.Report, error)
}

// ReadinessTarget is the service a Readiness checks.
type ReadinessTarget struct {
	Service   string   `json:"service"`
	File      string   `json:"file"`
	Origin    string   `json:"origin"`
	Callbacks []string `json:"callbacks"`
	ITECert   string   `json:"iteCert,omitempty"`
	ProdCert  string   `json:"prodCert,omitempty"`
}

// readiness keeps the latest preflight report of this server.
type readiness struct {
	mu      sync.Mutex
	last    *preflight.Report
	lastErr string
	running bool
}

// readinessPage is the data of preflight.html.
type readinessPage struct {
	Target   ReadinessTarget
	Report   *preflight.Report
	Findings []preflight.Check
	Error    string
	Running  bool
}

func (s *Server) preflightRoutes(r *gin.Engine) {
	r.GET("/readiness", s.readinessPage)
	r.POST("/readiness", s.readinessRun)
	r.GET("/api/readiness", s.apiReadiness)
	r.POST("/api/readiness", s.apiReadinessRun)
}

func (s *Server) readinessData() readinessPage {
	s.ready.mu.Lock()
	defer s.ready.mu.Unlock()
	d := readinessPage{Target: s.o.Readiness.Target(), Report: s.ready.last, Error: s.ready.lastErr, Running: s.ready.running}
	if d.Report != nil {
		d.Findings = d.Report.Findings()
	}
	return d
}

func (s *Server) readinessPage(c *gin.Context) {
	if s.o.Readiness == nil {
		s.notFound(c)
		return
	}
	s.render(c, http.StatusOK, "preflight.html", Page{Title: "Readiness", Nav: "readiness", Data: s.readinessData()})
}

// runReadiness runs the preflight once at a time and keeps its report.
func (s *Server) runReadiness(ctx context.Context) (*preflight.Report, error) {
	s.ready.mu.Lock()
	if s.ready.running {
		s.ready.mu.Unlock()
		return nil, errorf(http.StatusConflict, "a preflight is already running; wait for it to finish")
	}
	s.ready.running = true
	s.ready.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	rep, err := s.o.Readiness.Check(ctx)
	s.ready.mu.Lock()
	defer s.ready.mu.Unlock()
	s.ready.running = false
	if err != nil {
		s.ready.lastErr = oneLine(err.Error())
		return nil, errorf(http.StatusBadGateway, "%s", s.ready.lastErr)
	}
	s.ready.last, s.ready.lastErr = rep, ""
	return rep, nil
}

func (s *Server) readinessRun(c *gin.Context) {
	if s.o.Readiness == nil {
		s.notFound(c)
		return
	}
	s.runReadiness(c.Request.Context()) // the page shows the error
	c.Redirect(http.StatusSeeOther, "/readiness")
}

func (s *Server) apiReadiness(c *gin.Context) {
	if s.o.Readiness == nil {
		s.fail(c, http.StatusNotFound, "no service configured: start serve with --service FILE or a journeyproof.yaml in its folder")
		return
	}
	d := s.readinessData()
	c.JSON(http.StatusOK, gin.H{"target": d.Target, "report": d.Report, "error": d.Error, "running": d.Running})
}

func (s *Server) apiReadinessRun(c *gin.Context) {
	if s.o.Readiness == nil {
		s.fail(c, http.StatusNotFound, "no service configured: start serve with --service FILE or a journeyproof.yaml in its folder")
		return
	}
	rep, err := s.runReadiness(c.Request.Context())
	s.answer(c, rep, err)
}
