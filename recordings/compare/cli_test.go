package compare

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildCLI builds the journeyproof command into a temporary folder.
func buildCLI(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go is not on PATH (go test puts its own first): %v", err)
	}
	bin := filepath.Join(t.TempDir(), "journeyproof")
	out, err := exec.Command(goBin, "build", "-o", bin, "journeyproof/cmd/journeyproof").CombinedOutput()
	if err != nil {
		t.Fatalf("build journeyproof: %v\n%s", err, out)
	}
	return bin
}

// The compare and baseline commands: exit codes, output, JSON and HTML.
// The cases run in order: the baseline cases depend on the ones before.
func TestCLI(t *testing.T) {
	shared.Need(t)
	bin := buildCLI(t)
	clearBaselines(t)
	defer clearBaselines(t)
	htmlPath := filepath.Join(t.TempDir(), "cmp.html")
	for _, tc := range []struct {
		args      string
		code      int
		stdout    []string // substrings
		stderr    string
		checkJSON bool
		checkHTML bool
	}{
		{args: "compare --base base --head again", code: 0,
			stdout: []string{"login/en/desktop", "unchanged", "login/en/mobile", "only in the base", "3 runs: 2 unchanged, 0 changed (0 steps over the limit), 0 added, 1 removed"}},
		{args: "compare --base base --head defect", code: 1,
			stdout: []string{"2 steps over the limit, 2 new error findings",
				`entry #iamsmart-login: "Log in with iAM Smart" -> "Login by iAM Smart"`,
				`entry #iamsmart-login: "以「智方便」登入" -> "「智方便」登入"`,
				"step 2 Choose iAM Smart: changed", "new error: iamsmart.label.approved #iamsmart-login",
				"3 runs: 0 unchanged, 2 changed (4 steps over the limit), 0 added, 1 removed; 4 new error findings"}},
		{args: "compare --base defect --head base", code: 1, stdout: []string{"4 resolved findings"}},
		{args: "compare --base defect --head base --max-diff-ratio 0.01", code: 0, stdout: []string{"more than 1% differing pixels", "0 steps over the limit"}},
		{args: "compare --base defect --head base --max-diff-pixels 100", code: 1, stdout: []string{"4 steps over the limit"}},
		{args: "compare --base base --head defect --json", code: 1, checkJSON: true},
		{args: "compare --base base --head defect --html " + htmlPath, code: 1, checkHTML: true, stdout: []string{"HTML report: " + htmlPath}},
		// Bad usage.
		{args: "compare --base base", code: 2, stderr: "give the head"},
		{args: "compare --head defect --max-diff-pixels 5 --max-diff-ratio 0.1", code: 2, stderr: "not both"},
		{args: "compare --head defect --head-run 3", code: 2, stderr: "not both"},
		{args: "compare --head defect --threshold 1.5", code: 2, stderr: "--threshold"},
		{args: "compare --base base --head nope", code: 2, stderr: `release "nope" has no runs`},
		{args: "compare --base-run 99999 --head defect", code: 2, stderr: "run 99999 is not in the store"},
		{args: "compare --head defect --bogus", code: 2, stderr: "flag provided but not defined"},
		{args: "compare --head defect", code: 2, stderr: "no baseline is set"},
		{args: "baseline set", code: 2, stderr: "--release NAME"},
		{args: "baseline set --release nope", code: 2, stderr: `release "nope" has no runs`},
		{args: "baseline", code: 2, stderr: "usage"},
		// Baselines.
		{args: "baseline list", code: 0, stdout: []string{"No baseline set"}},
		{args: "baseline set --release base", code: 0, stdout: []string{`Baseline of every journey: release "base"`}},
		{args: "baseline set --release again --journey login", code: 0, stdout: []string{`Baseline of journey login: release "again"`}},
		{args: "baseline list", code: 0, stdout: []string{"*        base", "login    again"}},
		{args: "compare --head defect", code: 1, stdout: []string{"against the baseline (release again)", "2 changed"}},
		{args: "compare --head again", code: 0, stdout: []string{"2 unchanged"}},
		{args: "compare -h", code: 0, stdout: []string{"Usage: journeyproof compare", "-max-diff-ratio"}},
		// The review queue: decisions by number, approval refused until
		// every change is accepted, then the history and a roll back.
		{args: "review --head defect", code: 1, stdout: []string{"Review of release \"defect\" (head) against baseline", "1  unreviewed", "login/en/desktop: step 2 Choose iAM Smart", "changes unreviewed, 0 accepted, 0 rejected"}},
		{args: "review --head defect --accept 1 --by qa-alice --note looks-right", code: 1, stdout: []string{"1  accepted", "qa-alice"}},
		{args: "review --head defect --reject 2 --by qa-bob", code: 1, stdout: []string{"2  rejected", "qa-bob", "1 rejected"}},
		{args: "review --head defect --approve --by qa-alice", code: 1, stderr: "not approved"},
		{args: "review --head defect --accept nope --by qa-alice", code: 2, stderr: `no change "nope"`},
		{args: "baseline list", code: 0, stdout: []string{"login    again"}},
		{args: "review --head defect --accept 2,all --by qa-alice --approve --note ship-it", code: 0, stdout: []string{"All", "changes accepted", `Approved "defect" as the baseline of login`}},
		{args: "baseline history --journey login", code: 0, stdout: []string{"approve", "defect", "again", "qa-alice", "ship-it", "0 rejected"}},
		{args: "baseline rollback --journey login --by qa-carol --note oops", code: 0, stdout: []string{`rolled back to release "again"`, `was "defect"`}},
		{args: "baseline list", code: 0, stdout: []string{"login    again"}},
		{args: "baseline history", code: 0, stdout: []string{"rollback", "qa-carol", "oops", "rolled back to approval"}},
		{args: "baseline rollback --journey nope", code: 2, stderr: "no earlier approval"},
	} {
		t.Run(tc.args, func(t *testing.T) {
			args := append(strings.Fields(tc.args), "--data", env.dir)
			cmd := exec.Command(bin, args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout.String(), stderr.String())
			}
			for _, s := range tc.stdout {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout.String())
				}
			}
			if tc.stderr != "" && !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, stderr.String())
			}
			if tc.stderr != "" && strings.Count(strings.TrimSpace(stderr.String()), "\n") > 0 && !strings.Contains(tc.args, "--bogus") {
				t.Errorf("the error is more than one line:\n%s", stderr.String())
			}
			if tc.checkJSON {
				var rep Report
				if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
					t.Fatalf("stdout is not a report: %v", err)
				}
				if rep.Summary.Changed != 2 || rep.Summary.NewErrors != 4 || !rep.Summary.Failed || len(rep.Runs) != 3 {
					t.Errorf("JSON summary %+v", rep.Summary)
				}
			}
			if tc.checkHTML {
				html, err := os.ReadFile(htmlPath)
				if err != nil {
					t.Fatal(err)
				}
				if n := bytes.Count(html, []byte("data:image/png;base64,")); n < 6 {
					t.Errorf("HTML report inlines %d PNG images, want at least 6 (base, head and diff of each screen)", n)
				}
			}
		})
	}
}
