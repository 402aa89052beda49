package journeyproof_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestReadersDoNotImportChromium: the packages that only read evidence
// (the store, the web app, the comparison) and the domain words compile
// without chromedp, so that they build, test and vet without a browser
// library; only journeys/chrome, the verifier's probe, the video capture
// and the pack's PDF rendering drive Chromium. It asks `go list -deps`,
// as a reviewer would.
func TestReadersDoNotImportChromium(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go is not on PATH (go test puts its own first): %v", err)
	}
	pkgs := []string{"journeyproof", "journeyproof/journeys", "journeyproof/recordings", "journeyproof/web", "journeyproof/recordings/compare"}
	for _, pkg := range pkgs {
		out, err := exec.Command(goTool, "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for dep := range strings.FieldsSeq(string(out)) {
			if strings.HasPrefix(dep, "github.com/chromedp/") || dep == "journeyproof/journeys/chrome" || dep == "journeyproof/verifier" {
				t.Errorf("%s depends on %s; it should read evidence without the browser", pkg, dep)
			}
		}
	}
	// The domain words depend on the standard library only.
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "journeyproof").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps journeyproof: %v\n%s", err, out)
	}
	if got := strings.Fields(string(out)); len(got) != 1 || got[0] != "journeyproof" {
		t.Errorf("package journeyproof depends on %v beyond the standard library", got[1:])
	}
	// And the check itself sees chromedp where it is.
	out, err = exec.Command(goTool, "list", "-deps", "journeyproof/journeys/chrome").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "github.com/chromedp/chromedp\n") {
		t.Errorf("go list -deps journeyproof/journeys/chrome does not list chromedp (%v):\n%s", err, out)
	}
}
