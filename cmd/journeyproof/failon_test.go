package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"journeyproof/internal/browsertest"
	"journeyproof/internal/junit"
)

// run's exit code follows --fail-on (and JOURNEYPROOF_FAIL_ON): a journey
// whose page breaks a guideline exits 1 by default and 0 with --fail-on
// never; a page with only a warning exits 0 by default and 1 with
// --fail-on warning. --json and the table show the two verdicts, and
// --junit writes a test case per cell with a failure per error finding.
func TestRunFailOnAndJUnit(t *testing.T) {
	browsertest.Skip(t, "")
	login := filepath.Join("..", "..", "journeys", "examples", "login.yaml")
	dir := t.TempDir()
	base := []string{"run", "--video", "off", "--screenshots=false", "--lang", "en", "--device", "desktop", "--branch", "main", "--data", filepath.Join(dir, "data")}
	run := func(t *testing.T, args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, append(append([]string{}, base...), append(args, login)...)...)
	}

	t.Run("error finding fails by default", func(t *testing.T) {
		junitPath := filepath.Join(dir, "junit.xml")
		code, stdout, stderr := run(t, "--json", "--sandbox-defects", "wrong-label", "--junit", junitPath)
		if code != exitFailed {
			t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout, stderr)
		}
		rep := decodeJSON[runReport](t, stdout)
		r := rep.Runs[0]
		if r.Workflow != "passed" || r.Guidelines != "failed" || !r.GuidelinesFail || rep.GuidelinesFailed != 1 || rep.FailOn != "error" || rep.Failed != 0 {
			t.Errorf("verdicts: workflow %q guidelines %q fail %v; report failOn %q guidelinesFailed %d failed %d",
				r.Workflow, r.Guidelines, r.GuidelinesFail, rep.FailOn, rep.GuidelinesFailed, rep.Failed)
		}
		b, err := os.ReadFile(junitPath)
		if err != nil {
			t.Fatal(err)
		}
		var doc junit.Suites
		if err := xml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("junit: %v\n%s", err, b)
		}
		if doc.Tests != 1 || doc.Failures != 1 || len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 1 {
			t.Fatalf("junit: want one failing test case, got %s", b)
		}
		c := doc.Suites[0].Cases[0]
		errs := 0
		for _, f := range r.FindingList {
			if f.Severity == "error" && !f.Waived {
				errs++
			}
		}
		if c.Name != "login/en/desktop" || len(c.Failures) != errs || errs == 0 || c.Failures[0].Type != "iamsmart.label.approved" {
			t.Errorf("junit case %q: %d failures (%+v), want one per error finding (%d)", c.Name, len(c.Failures), c.Failures, errs)
		}
	})
	t.Run("--fail-on never", func(t *testing.T) {
		code, stdout, stderr := run(t, "--sandbox-defects", "wrong-label", "--fail-on", "never")
		if code != exitOK {
			t.Fatalf("exit %d, want 0\n%s\n%s", code, stdout, stderr)
		}
		if !strings.Contains(stdout, "WORKFLOW") || !strings.Contains(stdout, "GUIDELINES") || !regexp.MustCompile(`login\s+en\s+desktop\s+main\s+passed\s+failed`).MatchString(stdout) {
			t.Errorf("the table does not show the two verdicts side by side:\n%s", stdout)
		}
	})
	t.Run("JOURNEYPROOF_FAIL_ON=never", func(t *testing.T) {
		t.Setenv("JOURNEYPROOF_FAIL_ON", "never")
		if code, stdout, stderr := run(t, "--sandbox-defects", "wrong-label"); code != exitOK {
			t.Fatalf("exit %d, want 0\n%s\n%s", code, stdout, stderr)
		}
	})
	t.Run("warning passes by default, fails at --fail-on warning", func(t *testing.T) {
		if code, stdout, stderr := run(t, "--sandbox-defects", "no-more-info"); code != exitOK {
			t.Fatalf("default: exit %d, want 0\n%s\n%s", code, stdout, stderr)
		}
		code, stdout, stderr := run(t, "--json", "--sandbox-defects", "no-more-info", "--fail-on", "warning")
		if code != exitFailed {
			t.Fatalf("--fail-on warning: exit %d, want 1\n%s\n%s", code, stdout, stderr)
		}
		rep := decodeJSON[runReport](t, stdout)
		if rep.Runs[0].Guidelines != "warnings" {
			t.Errorf("guidelines verdict %q, want warnings", rep.Runs[0].Guidelines)
		}
	})
	t.Run("bad --fail-on", func(t *testing.T) {
		code, _, stderr := run(t, "--fail-on", "sometimes")
		if code != exitUsage || !strings.Contains(stderr, "--fail-on must be error, warning or never") {
			t.Errorf("exit %d %q", code, stderr)
		}
	})
}

// Every command that reads a rule pack stops on a bad one with one line
// that starts with file:line:col (no program-name prefix), and exit 2;
// nothing runs.
func TestBadPackExit2(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad-pack.yaml")
	os.WriteFile(bad, []byte("redirect:\n  authorize: {append: ['x']}\n"), 0o644)
	login := filepath.Join("..", "..", "journeys", "examples", "login.yaml")
	data := filepath.Join(dir, "data")
	for _, args := range [][]string{
		{"run", "--rules", bad, "--data", data, login},
		{"check", "--rules", bad, "http://127.0.0.1:1/login"},
		{"serve", "--rules", bad, "--data", data, "--addr", "127.0.0.1:0"},
		{"export", "--rules", bad, "--data", data, "--release", "x", "-o", filepath.Join(dir, "x.zip")},
	} {
		t.Run(args[0], func(t *testing.T) {
			code, _, stderr := runCLI(t, args...)
			want := bad + `:2:15: redirect.authorize: unknown key "append"; expected one of add, replace`
			if code != exitUsage || strings.TrimSpace(stderr) != want {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, want)
			}
		})
	}
}
