package web

import (
	"context"
	"net/http"
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
