package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"journeyproof/preflight"
)

// preflight on an https server with a self-signed certificate exits 1 and
// names preflight.tls.chain; --json gives the same report.
func TestPreflightSelfSigned(t *testing.T) {
	origin := selfSignedOrigin(t)
	code, stdout, stderr := runCLI(t, "preflight", origin)
	if code != exitFailed {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	line := ""
	for _, l := range strings.Split(stdout, "\n") {
		if strings.Contains(l, "preflight.tls.chain") {
			line = l
		}
	}
	if !strings.HasPrefix(line, "error") || !strings.Contains(line, "self-signed") {
		t.Fatalf("no chain error in:\n%s", stdout)
	}
	if !strings.Contains(stdout, "warning  preflight.applink.fetch") || !strings.Contains(stdout, "checks for "+origin+": ") {
		t.Errorf("output:\n%s", stdout)
	}
	code, stdout, _ = runCLI(t, "preflight", "--json", origin)
	if code != exitFailed {
		t.Fatalf("--json: exit %d\n%s", code, stdout)
	}
	if rep := decodeJSON[preflight.Report](t, stdout); rep.Errors == 0 || rep.Origin != origin {
		t.Fatalf("--json: %+v", rep)
	}
}

// Bad input exits 2: no URL and no service file, a bad URL, a bad service
// file (named with its position).
func TestPreflightBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "journeyproof.yaml")
	os.WriteFile(bad, []byte("name: X\norigin: eservice.example.gov.hk\njourneys: [a.yaml]\n"), 0o644)
	for _, args := range [][]string{
		{"preflight"},
		{"preflight", "not a url"},
		{"preflight", "--service", bad},
		{"preflight", "--service", filepath.Join(dir, "missing.yaml")},
	} {
		code, _, stderr := runCLI(t, args...)
		if code != exitUsage || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
	_, _, stderr := runCLI(t, "preflight", "--service", bad)
	if !strings.Contains(stderr, bad+":2:9: origin: expected a scheme and host only") {
		t.Errorf("bad service file: %s", stderr)
	}
}
