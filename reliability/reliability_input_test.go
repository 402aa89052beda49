//go:build reliability

// The fault suite's experiments on input: bad journey files and bad rule
// packs given to the real, built binary. Each prints its figures as
// FIGURE lines (see secFigure).
package reliability

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// secFigure prints one figure of the suite as the table printer reads it:
// FIGURE <experiment> | <measure> | <value> | <target> | ok/FAIL.
func secFigure(t *testing.T, experiment, measure, value, target string, ok bool) {
	t.Helper()
	if !ok {
		t.Errorf("%s: %s is %s, target %s", experiment, measure, value, target)
	}
	figure(experiment, measure, value, target, ok) // printed, and in the table at the end
}

var (
	secBuildOnce sync.Once
	secBuildPath string
	secBuildErr  error
)

// secBinary builds cmd/journeyproof once for the experiments of this
// half of the suite and returns its path.
func secBinary(t *testing.T) string {
	t.Helper()
	secBuildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "journeyproof-reliability-bin-*")
		if err != nil {
			secBuildErr = err
			return
		}
		secBuildPath = filepath.Join(dir, "journeyproof")
		cmd := exec.Command("go", "build", "-o", secBuildPath, "./cmd/journeyproof")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			secBuildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if secBuildErr != nil {
		t.Fatal(secBuildErr)
	}
	return secBuildPath
}

// secResult is what one run of the binary gave.
type secResult struct {
	code           int
	stdout, stderr string
	maxRSS         int64 // bytes
	took           time.Duration
}

// secRun runs the binary with args and returns its exit code, output and
// peak memory (the process's max RSS).
func secRun(t *testing.T, env []string, args ...string) secResult {
	t.Helper()
	cmd := exec.Command(secBinary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	res := secResult{stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.code = ee.ExitCode()
	default:
		t.Fatalf("run %v: %v", args, err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru != nil {
		res.maxRSS = ru.Maxrss * 1024 // kilobytes on Linux
		if runtime.GOOS == "darwin" {
			res.maxRSS = ru.Maxrss
		}
	}
	return res
}

// badJourney is a journey file with one mistake and where it is.
type badJourney struct {
	name, src string
	line, col int
}

const jhead = "name: Bad\nprocess: authentication\n"

// badJourneys is the corpus: at least 20 files, each with one mistake at
// a known line and column.
var badJourneys = []badJourney{
	{"unclosed brace", jhead + "matrix: {languages: [en]\nsteps: [{goto: /}]\n", 3, 9},
	{"unclosed bracket", jhead + "steps: [{goto: /}\n", 3, 8},
	{"unclosed quote", jhead + "steps:\n  - goto: \"/x\n", 4, 11},
	{"tab indentation", "name: Bad\n\tprocess: authentication\n", 2, 1},
	{"bad indentation", jhead + "steps:\n  - goto: /\n   click: '#x'\n", 5, 4},
	{"mapping in a text", jhead + "steps:\n  - goto: a: b\n", 4, 11},
	{"unknown top key", jhead + "stepz: []\n", 3, 1},
	{"steps not a list", jhead + "steps: {goto: /}\n", 3, 8},
	{"unknown action", jhead + "steps:\n  - clik: '#x'\n", 4, 5},
	{"two actions", jhead + "steps:\n  - goto: /\n    click: '#x'\n", 5, 5},
	{"no action", jhead + "steps:\n  - name: Nothing\n", 4, 5},
	{"bad duration", jhead + "steps:\n  - wait: soon\n", 4, 11},
	{"bad outcome", jhead + "steps:\n  - iamsmart: maybe\n", 4, 15},
	{"unknown language", jhead + "matrix:\n  languages: [en, fr]\nsteps: [{goto: /}]\n", 4, 19},
	{"unknown device", jhead + "matrix:\n  devices: [desktop, watch]\nsteps: [{goto: /}]\n", 4, 22},
	{"unknown device in a block list", jhead + "matrix:\n  devices:\n    - desktop\n    - tablet\nsteps: [{goto: /}]\n", 6, 7},
	{"unknown variable", jhead + "steps:\n  - goto: /x?l=${language}\n", 4, 11},
	{"fill without selector", jhead + "steps:\n  - fill: {value: x}\n", 4, 11},
	{"bad key name", jhead + "steps:\n  - press: Hyper\n", 4, 12},
	{"waiver without reason", jhead + "steps:\n  - goto: /\n    waive: {rule: a11y.contrast}\n", 5, 12},
	{"trigger not a boolean", jhead + "steps:\n  - goto: /\n    trigger: yes please\n", 5, 14},
	{"bad regexp", jhead + "steps:\n  - wait: {url: 're:(('}\n", 4, 17},
	{"step id twice", jhead + "steps:\n  - {id: a, goto: /}\n  - {id: a, goto: /}\n", 5, 5},
	{"empty expect", jhead + "steps:\n  - expect: {}\n", 4, 13},
	{"no name", "process: signing\nsteps: [{goto: /}]\n", 1, 1},
	{"empty file", "", 1, 1},
	{"too large", jhead + "steps: [{goto: /}]\n# " + strings.Repeat("x", 2<<20) + "\n", 1, 1},
}

// TestReliabilityBadJourneys runs the binary on each bad journey file:
// every one must exit 2 with one line that starts with file:line:col: at
// the mistake, and store nothing.
func TestReliabilityBadJourneys(t *testing.T) {
	dir := t.TempDir()
	good := 0
	for i, bj := range badJourneys {
		file := filepath.Join(dir, fmt.Sprintf("bad-%02d.yaml", i))
		if err := os.WriteFile(file, []byte(bj.src), 0o644); err != nil {
			t.Fatal(err)
		}
		data := filepath.Join(dir, "data")
		res := secRun(t, nil, "run", "--data", data, "--video", "off", file)
		want := fmt.Sprintf("%s:%d:%d: ", file, bj.line, bj.col)
		lines := strings.Split(strings.TrimRight(res.stderr, "\n"), "\n")
		_, statErr := os.Stat(data)
		ok := res.code == 2 && len(lines) == 1 && strings.HasPrefix(lines[0], want) && os.IsNotExist(statErr)
		if ok {
			good++
		} else {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 and one line starting %q, no data folder", bj.name, res.code, res.stderr, want)
		}
	}
	secFigure(t, "bad journey files", "exit 2 with file:line:col at the mistake", fmt.Sprintf("%d/%d", good, len(badJourneys)), fmt.Sprintf("%d/%d (at least 20)", len(badJourneys), len(badJourneys)), good == len(badJourneys) && len(badJourneys) >= 20)
}

// badPack is a rule pack with one mistake and its line.
type badPack struct {
	name, src string
	line      int
}

// badPacks are 10 bad rule packs. (The rule pack loader's positions are
// the issue-13 work in verifier/; this experiment passes once it is in.)
var badPacks = []badPack{
	{"unclosed brace", "name: p\nrules:\n  iamsmart.logo.present: {severity: error\nbutton: {}\n", 3},
	{"tab", "name: p\n\trules: {}\n", 2},
	{"unknown section", "name: p\nrulez: {}\n", 2},
	{"rules not a mapping", "name: p\nrules: [iamsmart.logo.present]\n", 2},
	{"unknown severity", "name: p\nrules:\n  iamsmart.logo.present:\n    severity: fatal\n", 4},
	{"unknown rule key", "name: p\nrules:\n  iamsmart.logo.present:\n    severty: error\n", 4},
	{"unknown rule id", "name: p\nrules:\n  iamsmart.logo.presnt:\n    severity: error\n", 3},
	{"rule given twice", "name: p\nrules:\n  iamsmart.logo.present: {severity: error}\n  iamsmart.logo.present: {severity: off}\n", 4},
	{"size not a number", "name: p\nbutton:\n  desktop: {minWidth: wide, minHeight: 40}\n  mobile: {minWidth: 44, minHeight: 44}\n", 3},
	{"empty file", "", 1},
}

// TestReliabilityBadRulePacks runs `check --rules` on each bad rule pack:
// exit 2 and one file:line:col: line at the mistake.
func TestReliabilityBadRulePacks(t *testing.T) {
	dir := t.TempDir()
	journey := filepath.Join(dir, "ok.yaml")
	os.WriteFile(journey, []byte(jhead+"steps: [{goto: /}]\n"), 0o644)
	pos := regexp.MustCompile(`^(.+):(\d+):(\d+): `)
	good := 0
	for i, bp := range badPacks {
		file := filepath.Join(dir, fmt.Sprintf("pack-%02d.yaml", i))
		os.WriteFile(file, []byte(bp.src), 0o644)
		res := secRun(t, nil, "run", "--data", filepath.Join(dir, "data"), "--video", "off", "--rules", file, journey)
		lines := strings.Split(strings.TrimRight(res.stderr, "\n"), "\n")
		m := pos.FindStringSubmatch(lines[0])
		ok := res.code == 2 && len(lines) == 1 && m != nil && m[1] == file && m[2] == fmt.Sprint(bp.line)
		if ok {
			good++
		} else {
			t.Errorf("rule pack %s: exit %d, stderr %q; want exit 2 and one line %s:%d:COL: …", bp.name, res.code, res.stderr, file, bp.line)
		}
	}
	secFigure(t, "bad rule packs", "exit 2 with file:line:col at the mistake", fmt.Sprintf("%d/%d", good, len(badPacks)), fmt.Sprintf("%d/%d", len(badPacks), len(badPacks)), good == len(badPacks))
}
