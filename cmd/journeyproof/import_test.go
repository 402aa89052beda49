package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"journeyproof"
	"journeyproof/internal/browsertest"
	"journeyproof/internal/ziptest"
	"journeyproof/preflight"
)

// The Recorder recordings of the three bundled processes import into
// journeys that run and pass against the sandbox in Chromium, with the
// trigger marked and its request checked.
func TestImportedRecordingsRunGreen(t *testing.T) {
	browsertest.Skip(t, "")
	dir := t.TempDir()
	var files []string
	for _, name := range []string{"login", "form", "sign"} {
		out := filepath.Join(dir, name+".yaml")
		code, stdout, stderr := runCLI(t, "import", filepath.Join("..", "..", "journeys", "recorder", "testdata", name+".recording.json"), "-o", out)
		if code != exitOK {
			t.Fatalf("import %s: exit %d: %s", name, code, stderr)
		}
		if !strings.Contains(stdout, "trigger: Choose") {
			t.Errorf("import %s: %s", name, stdout)
		}
		// The sign recording has a waitForExpression, kept as a comment.
		if wantWarn := name == "sign"; strings.Contains(stderr, "warning:") != wantWarn || (wantWarn && !strings.Contains(stderr, "step 6 (waitForExpression)")) {
			t.Errorf("import %s: stderr %q", name, stderr)
		}
		files = append(files, out)
	}
	data := t.TempDir()
	args := append([]string{"run", "--json", "--data", data, "--release", "imported", "--video", "off", "--parallel", "2"}, files...)
	code, stdout, stderr := runCLI(t, args...)
	if code != exitOK {
		t.Fatalf("run: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	rep := decodeJSON[runReport](t, stdout)
	// login over the three languages (its URLs carry ${lang}), form and sign
	// in English (they have text/ and aria/ selectors), all on desktop.
	if rep.Passed != 5 || rep.Failed != 0 {
		t.Fatalf("passed %d failed %d", rep.Passed, rep.Failed)
	}
	_, runs := storedRuns(t, data, rep)
	for _, run := range runs {
		if run.Errors != 0 || run.Status != journeyproof.StatusPassed {
			t.Errorf("%s: %s with %d errors: %+v", run.Cell(), run.Status, run.Errors, run.Findings)
		}
		triggers, requests := 0, 0
		for _, s := range run.Steps {
			if s.Trigger {
				triggers++
			}
			if strings.Contains(s.Request, "/iamsmart/authorize?") {
				requests++
			}
		}
		if triggers != 1 || requests != 1 {
			t.Errorf("%s: %d trigger steps, %d authorisation requests", run.Cell(), triggers, requests)
		}
	}

	// preflight --release reads the redirectURIs these runs sent: the
	// sandbox's /callback on the test host, which the service file declares
	// on its origin.
	origin := selfSignedOrigin(t)
	svc := filepath.Join(dir, "journeyproof.yaml")
	os.WriteFile(svc, []byte("name: Imported\norigin: "+origin+"\ncallbacks: ["+origin+"/callback]\njourneys: [login.yaml, form.yaml, sign.yaml]\n"), 0o644)
	code, stdout, stderr = runCLI(t, "preflight", "--service", svc, "--release", "imported", "--data", data, "--json")
	if code != exitFailed {
		t.Fatalf("preflight: exit %d\n%s%s", code, stdout, stderr)
	}
	pre := decodeJSON[preflight.Report](t, stdout)
	declared := 0
	for _, c := range pre.Checks {
		if c.ID == "preflight.callback.declared" {
			if c.Status != preflight.StatusOK || !strings.Contains(c.Message, "sent by 5 runs") {
				t.Errorf("declared: %+v", c)
			}
			declared++
		}
	}
	if declared != 1 || pre.Release != "imported" {
		t.Errorf("%d redirectURIs checked in %+v", declared, pre)
	}

	// export --service puts the preflight in the pack.
	zipPath := filepath.Join(dir, "pack.zip")
	code, _, stderr = runCLI(t, "export", "--release", "imported", "--data", data, "--service", svc, "--journey", "login", "--lang", "en", "-o", zipPath)
	if code != exitOK || !strings.Contains(stderr, "warning: preflight of "+origin) {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	if !slices.ContainsFunc(ziptest.Read(t, zipPath), func(e ziptest.Entry) bool { return e.Name == "preflight.json" }) {
		t.Error("the pack has no preflight.json")
	}
}

// A file that is not a recording exits 2 with its position.
func TestImportBadRecording(t *testing.T) {
	code, _, stderr := runCLI(t, "import", filepath.Join("..", "..", "journeys", "examples", "login.yaml"))
	if code != exitUsage || !strings.Contains(stderr, "login.yaml:1:1: not a recording") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}
