package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"journeyproof/preflight"
)

// checkedService is a Readiness that runs the real preflight on a
// configured origin.
type checkedService struct{ cfg preflight.Config }

func (c checkedService) Target() ReadinessTarget {
	return ReadinessTarget{Service: c.cfg.Service, File: "journeyproof.yaml", Origin: c.cfg.Origin, Callbacks: c.cfg.Callbacks}
}

func (c checkedService) Check(ctx context.Context) (*preflight.Report, error) {
	return (&preflight.Checker{}).Run(ctx, c.cfg)
}

// The Readiness page names the service, runs the preflight when asked and
// lists its checks; the link is in the header only with a service.
func TestReadinessPage(t *testing.T) {
	tls := httptest.NewTLSServer(http.NotFoundHandler())
	defer tls.Close()
	s := newServer(t, Options{Readiness: checkedService{preflight.Config{Service: "Svc <b>x</b>", Origin: tls.URL, Callbacks: []string{tls.URL + "/callback"}}}})
	w := request(t, s.Handler(), "GET", "/readiness", nil)
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, "Svc &lt;b&gt;x&lt;/b&gt;") || !strings.Contains(body, "Run the preflight") ||
		!strings.Contains(body, `href="/readiness" aria-current="page"`) || !strings.Contains(body, "No preflight has run") {
		t.Fatalf("status %d:\n%s", w.Code, body)
	}
	w = request(t, s.Handler(), "POST", "/api/readiness", strings.NewReader("{}"), "Content-Type", "application/json")
	rep := decode[preflight.Report](t, w)
	if w.Code != http.StatusOK || rep.Errors == 0 {
		t.Fatalf("POST /api/readiness: %d %+v", w.Code, rep)
	}
	body = request(t, s.Handler(), "GET", "/readiness", nil).Body.String()
	if !strings.Contains(body, "preflight.tls.chain") || !strings.Contains(body, "is self-signed") || !strings.Contains(body, "Run the preflight again") {
		t.Fatalf("after the run:\n%s", body)
	}
	got := decode[struct {
		Target ReadinessTarget   `json:"target"`
		Report *preflight.Report `json:"report"`
	}](t, request(t, s.Handler(), "GET", "/api/readiness", nil))
	if got.Report == nil || got.Target.Origin != tls.URL {
		t.Fatalf("GET /api/readiness: %+v", got)
	}
	// Without a service: no link, and the page is not there.
	s2 := newServer(t, Options{})
	if w := request(t, s2.Handler(), "GET", "/readiness", nil); w.Code != http.StatusNotFound {
		t.Errorf("no service: %d", w.Code)
	}
	if strings.Contains(request(t, s2.Handler(), "GET", "/runs", nil).Body.String(), `href="/readiness"`) {
		t.Error("Readiness link without a service")
	}
}
