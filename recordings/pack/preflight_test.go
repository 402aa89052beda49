package pack

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"journeyproof/preflight"

	"journeyproof/internal/ziptest"
)

// A pack exported with the service's preflight carries preflight.json (in
// the manifest) and a Readiness section in report.html.
func TestPackWithPreflight(t *testing.T) {
	shared.Need(t)
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	rep, err := (&preflight.Checker{}).Run(context.Background(), preflight.Config{Service: "Sandbox", Origin: srv.URL, Callbacks: []string{srv.URL + "/callback"}})
	if err != nil {
		t.Fatal(err)
	}
	o := fx.options()
	o.SignKey = nil
	o.Langs, o.Devices = []string{"en"}, []string{"desktop"}
	o.Preflight = rep
	p := filepath.Join(t.TempDir(), "p.zip")
	if _, err := Export(context.Background(), o, p); err != nil {
		t.Fatal(err)
	}
	es := ziptest.Read(t, p)
	fs := files(es)
	var got preflight.Report
	if err := json.Unmarshal(fs["preflight.json"], &got); err != nil || got.Origin != srv.URL || got.Errors != rep.Errors || len(got.Checks) != len(rep.Checks) {
		t.Fatalf("preflight.json: %v %s", err, fs["preflight.json"])
	}
	html := string(fs["report.html"])
	if !strings.Contains(html, "Readiness: preflight of the integration checklist") || !strings.Contains(html, "preflight.tls.chain") || !strings.Contains(html, `href="preflight.json"`) {
		t.Errorf("report.html has no Readiness section")
	}
	listed := false
	for _, f := range manifestOf(t, es).Files {
		listed = listed || f.Path == "preflight.json"
	}
	if res, err := Verify(p, nil); err != nil || !res.Intact() || !listed {
		t.Errorf("manifest lists preflight.json %v; verify %v %v", listed, err, res.Problems())
	}
	// Without a preflight, neither.
	if _, ok := files(ziptest.Read(t, fx.pack))["preflight.json"]; ok {
		t.Error("a pack without a service has preflight.json")
	}
}
