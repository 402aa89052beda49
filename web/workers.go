package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"journeyproof/recordings"
)

// Workforce reports the queue runs go through and the workers taking
// cells from it; the command line implements it with package queue.
type Workforce interface {
	Workforce(ctx context.Context) (*WorkforceReport, error)
}

// WorkforceReport is the queue's depth and its live workers.
type WorkforceReport struct {
	Queue string `json:"queue"`
	// Waiting cells wait for a worker; Retries wait for a retry's backoff;
	// Running are on a worker.
	Waiting int                 `json:"waiting"`
	Retries int                 `json:"scheduledRetries"`
	Running int                 `json:"running"`
	Workers []recordings.Worker `json:"workers"`
	// Read is when this was read.
	Read time.Time `json:"read"`
}

func (s *Server) workersRoutes(r *gin.Engine) {
	r.GET("/workers", s.workersPage)
	r.GET("/api/workers", s.apiWorkers)
	r.PUT("/api/artifacts/:sha", s.apiPutArtifact)
}

// maxUploadBytes is the largest artifact a worker may upload (a long
// workflow video).
const maxUploadBytes = 2 << 30

// isUpload reports whether r is an artifact upload from a worker.
func isUpload(r *http.Request) bool {
	return r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/api/artifacts/")
}

// apiPutArtifact receives an artifact from a worker that has no shared
// folder: the body is the file, the path its SHA-256, checked on arrival.
// It needs the server's token (a server without one takes no uploads).
func (s *Server) apiPutArtifact(c *gin.Context) {
	if s.o.Token == "" || !s.bearerValid(c.Request) {
		s.fail(c, http.StatusForbidden, "artifact uploads need serve --token and Authorization: Bearer TOKEN")
		return
	}
	sha := c.Param("sha")
	if !recordings.ValidSHA(sha) {
		s.fail(c, http.StatusBadRequest, "the path must be /api/artifacts/ and the file's SHA-256 in lower-case hex")
		return
	}
	n, err := s.o.Store.ReceiveArtifact(sha, c.Request.Body, maxUploadBytes)
	if errors.Is(err, recordings.ErrHashMismatch) {
		s.fail(c, http.StatusUnprocessableEntity, oneLine(err.Error()))
		return
	}
	if err != nil {
		s.fail(c, http.StatusBadRequest, oneLine(err.Error()))
		return
	}
	c.JSON(http.StatusCreated, gin.H{"sha256": sha, "size": n})
}

func (s *Server) workforce(c *gin.Context) (*WorkforceReport, bool) {
	if s.o.Workforce == nil {
		s.notFound(c)
		return nil, false
	}
	rep, err := s.o.Workforce.Workforce(c.Request.Context())
	if err != nil {
		s.fail(c, http.StatusBadGateway, oneLine(err.Error()))
		return nil, false
	}
	rep.Read = time.Now()
	return rep, true
}

func (s *Server) workersPage(c *gin.Context) {
	if rep, ok := s.workforce(c); ok {
		s.render(c, http.StatusOK, "workers.html", Page{Title: "Workers", Nav: "workers", Data: rep})
	}
}

func (s *Server) apiWorkers(c *gin.Context) {
	if rep, ok := s.workforce(c); ok {
		c.JSON(http.StatusOK, rep)
	}
}
