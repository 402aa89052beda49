package web

import (
	"time"

	"github.com/gin-gonic/gin"
)

// liveInterval is how often an open coverage page's stream looks for new
// runs, steps and results of its release.
const liveInterval = time.Second

// liveRoutes registers the coverage page's event stream.
func (s *Server) liveRoutes(r *gin.Engine) {
	r.GET("/api/releases/:name/events", s.apiReleaseEvents)
}

// apiReleaseEvents streams a "changed" event (with the release's state)
// each time a run of the release starts, stores a step or ends, whoever
// runs it (this server, another server or the command line on the same
// store), so that the coverage page updates while runs go.
func (s *Server) apiReleaseEvents(c *gin.Context) {
	name := c.Param("name")
	last, err := s.store.ReleaseState(name)
	if err != nil {
		s.apiError(c, err)
		return
	}
	ev := s.openEvents(c)
	defer ev.close()
	if !ev.send("state", gin.H{"state": last}) {
		return
	}
	tick := time.NewTicker(liveInterval)
	defer tick.Stop()
	for ev.wait(nil, tick.C) {
		st, err := s.store.ReleaseState(name)
		if err != nil {
			s.log.Warn("coverage stream", "release", name, "err", err)
			return
		}
		if st != last {
			last = st
			if !ev.send("changed", gin.H{"state": st}) {
				return
			}
		}
	}
}
