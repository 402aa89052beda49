package web

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"journeyproof"
	"journeyproof/recordings"
)

// Page is what every page template gets: the layout's fields and the
// page's own Data.
type Page struct {
	// Title is the page title (after "journeyproof · ").
	Title string
	// Nav is the key of the active header link.
	Nav string
	// Data is the page's own data.
	Data any
	// Scripts and Styles are static JavaScript and CSS files the page
	// loads besides app.css (names in static/).
	Scripts []string
	Styles  []string

	// Set by render.
	Links    []navItem
	CSRF     string
	Version  string
	LoggedIn bool
}

// render writes the page template name (a file in templates/) with the
// layout, or a 500 page when the template fails.
func (s *Server) render(c *gin.Context, status int, name string, p Page) {
	t, ok := s.pages[name]
	if !ok {
		s.log.Error("no page template", "name", name)
		c.String(http.StatusInternalServerError, "internal error: no page template "+name)
		return
	}
	p.Links = s.nav()
	p.CSRF = s.csrfToken(c.Request)
	p.Version = s.o.Version
	p.LoggedIn = s.o.Token != "" && s.sessionValid(c.Request)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		c.String(http.StatusInternalServerError, "internal error: render "+name)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// errorPage is the data of error.html.
type errorPage struct {
	Status  int
	Message string
}

// fail answers an error: JSON under /api, a page elsewhere.
func (s *Server) fail(c *gin.Context, status int, msg string) {
	if status >= 500 {
		s.log.Error("request failed", "method", c.Request.Method, "path", c.Request.URL.Path, "status", status, "err", msg)
	}
	if strings.HasPrefix(c.Request.URL.Path, "/api/") || strings.HasPrefix(c.Request.URL.Path, "/artifacts/") {
		c.AbortWithStatusJSON(status, gin.H{"error": msg})
		return
	}
	s.render(c, status, "error.html", Page{Title: http.StatusText(status), Data: errorPage{Status: status, Message: msg}})
	c.Abort()
}

func (s *Server) notFound(c *gin.Context) {
	s.fail(c, http.StatusNotFound, "There is nothing at "+c.Request.URL.Path+".")
}

func funcs() template.FuncMap {
	return template.FuncMap{
		"artifact":   artifactURL,
		"since":      sinceStart,
		"clock":      func(t time.Time) string { return inHKT(t).Format("2006-01-02 15:04 MST") },
		"clockSec":   func(t time.Time) string { return inHKT(t).Format("2006-01-02 15:04:05 MST") },
		"when":       func(t time.Time) template.HTML { return timeHTML(t, "2006-01-02 15:04 MST", false) },
		"whenSec":    func(t time.Time) template.HTML { return timeHTML(t, "2006-01-02 15:04:05 MST", true) },
		"iso":        func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"seconds":    func(ms int64) string { return fmt.Sprintf("%.1fs", float64(ms)/1000) },
		"videoTime":  videoTime,
		"num":        func(f float64) string { return trimFloat(f) },
		"plural":     plural,
		"langLabel":  langLabel,
		"process":    journeyproof.ProcessTitle,
		"statusIcon": statusIcon,
		"statusText": statusText,
		"guidelines": recordings.GuidelinesVerdict,
		"query":      queryString,
		"add":        func(a, b int) int { return a + b },
		"join":       strings.Join,
		"contains": func(list []string, s string) bool {
			for _, v := range list {
				if v == s {
					return true
				}
			}
			return false
		},
		"lower":          strings.ToLower,
		"pathEscape":     url.PathEscape,
		"statusTextHTTP": http.StatusText,
		"divf":           func(a int64, b float64) float64 { return float64(a) / b },
		"int":            func(n int64) int { return int(n) },
	}
}

// inHKT is t in Hong Kong Time, what a page shows before its script puts
// the time in the viewer's own zone (Hong Kong has no daylight saving).
func inHKT(t time.Time) time.Time { return t.In(time.FixedZone("HKT", 8*60*60)) }

// timeHTML is a <time> element for t: the text is in HKT with the zone
// named, and layout.js rewrites it in the viewer's time zone (named too).
func timeHTML(t time.Time, layout string, seconds bool) template.HTML {
	sec := ""
	if seconds {
		sec = ` data-seconds`
	}
	return template.HTML(`<time datetime="` + t.UTC().Format(time.RFC3339) + `" data-local` + sec + `>` +
		template.HTMLEscapeString(inHKT(t).Format(layout)) + `</time>`)
}

// artifactURL is where the artifact with the hash is served, "" for none.
func artifactURL(sha string) string {
	if sha == "" {
		return ""
	}
	return "/artifacts/" + sha
}

// sinceStart formats a duration into a run as +12.3s.
func sinceStart(ms int64) string {
	return fmt.Sprintf("+%.1fs", float64(ms)/1000)
}

// videoTime formats seconds as m:ss.
func videoTime(sec float64) string {
	t := int(math.Floor(sec))
	return fmt.Sprintf("%d:%02d", t/60, t%60)
}

func trimFloat(f float64) string {
	s := fmt.Sprintf("%.2f", f)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// plural writes "1 error", "2 errors".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// langLabel names a language code in its own script, with the code.
func langLabel(code string) string {
	if l, ok := journeyproof.LookupLanguage(code); ok {
		return l.Label
	}
	return code
}

// statusLook is how a status is shown: its symbol, so that status is
// never told by colour alone, and its word.
func statusLook(status string) (icon, text string) {
	switch status {
	case journeyproof.StatusPassed:
		return "✓", "Passed"
	case journeyproof.StatusFailed:
		return "✗", "Failed"
	case journeyproof.StatusRunning:
		return "◐", "Running"
	case journeyproof.StatusInterrupted:
		return "⏸", "Interrupted"
	case stateMissing:
		return "!", "Missing"
	case stateNotInMatrix:
		return "–", "Not in matrix"
	case stateQueued:
		return "…", "Queued"
	case stateDone:
		return "✓", "Done"
	}
	return "–", status
}

// statusIcon is the symbol shown next to a status.
func statusIcon(status string) string {
	icon, _ := statusLook(status)
	return icon
}

// statusText is the word shown for a status.
func statusText(status string) string {
	_, text := statusLook(status)
	return text
}

// queryString builds "?k=v&..." from pairs, leaving out empty values.
func queryString(pairs ...any) template.URL {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		k := fmt.Sprint(pairs[i])
		val := fmt.Sprint(pairs[i+1])
		if val != "" && val != "0" {
			v.Set(k, val)
		}
	}
	if len(v) == 0 {
		return "?"
	}
	return template.URL("?" + v.Encode())
}
