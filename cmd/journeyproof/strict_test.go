package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"journeyproof/internal/browsertest"
)

// TestExportStrictNamesWhatIsMissing: a release that ran only the login
// journey, in English on desktop, exports with the service file beside the
// bundled journeys; export --strict exits 1 and names the processes and
// cells that are missing, and the wireframe shows production URLs only.
func TestExportStrictNamesWhatIsMissing(t *testing.T) {
	browsertest.Skip(t, "")
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code, _, stderr := runCLI(t, "run", "--release", "partial", "--data", data, "--lang", "en", "--device", "desktop", "--video", "off",
		filepath.Join("..", "..", "journeys", "examples", "login.yaml")); code != exitOK {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	pack := filepath.Join(dir, "pack.zip")
	code, stdout, stderr := runCLI(t, "export", "--release", "partial", "--data", data, "-o", pack, "--strict", "--no-renditions")
	if code != exitFailed {
		t.Fatalf("export --strict: exit %d, want 1\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"incomplete: Authentication (login): 4 of 24 cells complete; 20 missing (no run): login/en/mobile, login/en/mobile/close,",
		"incomplete: Form filling (form): not run in this release; all 18 cells missing: form/en/desktop, form/en/desktop/deny,",
		"incomplete: Digital signing (sign): not run in this release; all 18 cells missing:",
		"--strict: the pack is written but incomplete: 56 cell(s) missing",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr has no %q:\n%s", want, stderr)
		}
	}
	// Without --strict the same pack exits 0 and still says what is missing.
	if code, _, stderr := runCLI(t, "export", "--release", "partial", "--data", data, "-o", pack, "--no-renditions"); code != exitOK || !strings.Contains(stderr, "Form filling (form): not run") {
		t.Errorf("export: exit %d, stderr %s", code, stderr)
	}
	out, err := exec.Command("unzip", "-o", "-q", pack, "wireframes/authentication.pdf", "-d", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("unzip: %v: %s", err, out)
	}
	txt, err := exec.Command("pdftotext", "-layout", filepath.Join(dir, "wireframes", "authentication.pdf"), "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(txt)
	if !strings.Contains(text, "Journey map: Log in with iAM Smart") || !strings.Contains(text, "https://sandbox-service.example/") {
		t.Errorf("wireframe has no journey map or no production URL:\n%s", text)
	}
	flat := strings.Join(strings.Fields(text), "")
	for _, bad := range []string{"127.0.0.1", "passedin"} {
		if strings.Contains(flat, bad) {
			t.Errorf("wireframe has %q", bad)
		}
	}
	if m := regexp.MustCompile(`(state|code)=[^\[&]`).FindString(flat); m != "" {
		t.Errorf("wireframe shows a secret: %q", m)
	}
}
