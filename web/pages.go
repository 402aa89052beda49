package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"journeyproof/recordings"
)

// The page handlers: each calls the service functions the API calls and
// renders a template with the view.

// coverageData is the data of coverage.html.
type coverageData struct {
	Releases []recordings.Release
	Release  string
	// Known is false when no run carries the release asked for.
	Known    bool
	Coverage *Coverage
	CanPack  bool
	CanStart bool
}

func (s *Server) coveragePage(c *gin.Context) {
	rels, err := s.Releases()
	if err != nil {
		s.apiError(c, err)
		return
	}
	d := coverageData{Releases: rels, Release: c.Query("release"), CanPack: s.o.Packer != nil, CanStart: s.o.Starter != nil}
	if d.Release == "" && len(rels) > 0 {
		d.Release = rels[0].Name
	}
	for _, r := range rels {
		if r.Name == d.Release {
			d.Known = true
		}
	}
	status := http.StatusOK
	if d.Known {
		if d.Coverage, err = s.Coverage(d.Release); err != nil {
			s.apiError(c, err)
			return
		}
	} else if d.Release != "" {
		status = http.StatusNotFound
	}
	title := "Coverage"
	if d.Release != "" {
		title = "Coverage of " + d.Release
	}
	s.render(c, status, "coverage.html", Page{Title: title, Nav: "coverage", Data: d, Scripts: []string{"app.js", "coverage.js"}})
}

// runsData is the data of runs.html.
type runsData struct {
	List    *RunList
	Options *runFilterOptions
	Filter  recordings.RunFilter
	// Filtered reports whether any filter is set.
	Filtered bool
}

func (s *Server) runsPage(c *gin.Context) {
	f, page, per := runFilter(c)
	list, err := s.Runs(f, page, per)
	if err != nil {
		s.apiError(c, err)
		return
	}
	opts, err := s.filterOptions()
	if err != nil {
		s.apiError(c, err)
		return
	}
	d := runsData{List: list, Options: opts, Filter: f,
		Filtered: f.Release != "" || f.Journey != "" || f.Process != "" || f.Lang != "" || f.Device != "" || f.Status != ""}
	s.render(c, http.StatusOK, "runs.html", Page{Title: "Runs", Nav: "runs", Data: d, Scripts: []string{"app.js"}})
}

func (s *Server) runPage(c *gin.Context) {
	id, ok := s.idParam(c, "id")
	if !ok {
		return
	}
	v, err := s.Run(id)
	if err != nil {
		s.apiError(c, err)
		return
	}
	title := fmt.Sprintf("Run %d · %s", v.Run.ID, v.Run.Cell())
	s.render(c, http.StatusOK, "run.html", Page{Title: title, Nav: "runs", Data: v, Scripts: []string{"run.js"}})
}

func (s *Server) stepPage(c *gin.Context) {
	id, ok := s.idParam(c, "id")
	if !ok {
		return
	}
	n, err := strconv.Atoi(c.Param("step"))
	if err != nil {
		s.notFound(c)
		return
	}
	v, err := s.FullPage(id, n)
	if err != nil {
		s.apiError(c, err)
		return
	}
	title := fmt.Sprintf("Step %d of run %d · full page", n, id)
	s.render(c, http.StatusOK, "step.html", Page{Title: title, Nav: "runs", Data: v})
}

func (s *Server) journeysPage(c *gin.Context) {
	js, err := s.Journeys()
	if err != nil {
		s.apiError(c, err)
		return
	}
	s.render(c, http.StatusOK, "journeys.html", Page{Title: "Journeys", Nav: "journeys", Data: struct {
		Journeys []JourneyView
		CanStart bool
	}{js, s.o.Starter != nil}})
}

// startData is the data of start.html.
type startData struct {
	CanStart bool
	Journeys []JourneyView // the runnable ones
	Form     StartRequest
	// DefaultBaseURL is the sandbox's URL, "" when there is none.
	DefaultBaseURL string
	Languages      []string
	Devices        []string
	Error          string
	Recent         []Invocation
}

func (s *Server) startForm(req StartRequest) (*startData, error) {
	d := &startData{CanStart: s.o.Starter != nil, Form: req, DefaultBaseURL: s.o.BaseURL, Languages: []string{}, Devices: []string{}}
	if !d.CanStart {
		return d, nil
	}
	js, err := s.Journeys()
	if err != nil {
		return nil, err
	}
	for _, j := range js {
		if !j.Runnable {
			continue
		}
		d.Journeys = append(d.Journeys, j)
		d.Languages = appendNew(d.Languages, j.Languages...)
		d.Devices = appendNew(d.Devices, j.Devices...)
	}
	d.Recent = s.recentInvocations(10)
	return d, nil
}

func (s *Server) startPage(c *gin.Context) {
	req := StartRequest{Journeys: c.QueryArray("journey"), Release: c.Query("release")}
	if req.Release == "" {
		req.Release = "dev"
	}
	if l := c.Query("lang"); l != "" {
		req.Languages = []string{l}
	}
	if d := c.Query("device"); d != "" {
		req.Devices = []string{d}
	}
	d, err := s.startForm(req)
	if err != nil {
		s.apiError(c, err)
		return
	}
	if len(d.Form.ids()) == 0 && len(d.Journeys) > 0 {
		d.Form.Journey = d.Journeys[0].ID
	}
	s.render(c, http.StatusOK, "start.html", Page{Title: "Start a run", Nav: "start", Data: d, Scripts: []string{"start.js"}})
}

// startSubmit starts an invocation from the form and goes to its page.
func (s *Server) startSubmit(c *gin.Context) {
	req := StartRequest{Journeys: c.PostFormArray("journey"), Release: c.PostForm("release"), BaseURL: c.PostForm("baseURL"),
		Languages: c.PostFormArray("lang"), Devices: c.PostFormArray("device")}
	inv, err := s.Start(req)
	if err != nil {
		d, ferr := s.startForm(req)
		if ferr != nil {
			s.apiError(c, ferr)
			return
		}
		d.Error = oneLine(err.Error())
		s.render(c, statusOf(err), "start.html", Page{Title: "Start a run", Nav: "start", Data: d, Scripts: []string{"start.js"}})
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/invocations/%d", inv.ID))
}

func (s *Server) invocationPage(c *gin.Context) {
	id, ok := s.idParam(c, "id")
	if !ok {
		return
	}
	inv, err := s.Invocation(int(id))
	if err != nil {
		s.apiError(c, err)
		return
	}
	title := fmt.Sprintf("Runs of %s under %s", inv.Request.Label(), inv.Request.Release)
	s.render(c, http.StatusOK, "invocation.html", Page{Title: title, Nav: "start", Data: inv, Scripts: []string{"start.js"}})
}
