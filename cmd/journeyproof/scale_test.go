package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/internal/browsertest"
	"journeyproof/internal/pgtest"
	"journeyproof/journeys/chrome"
	"journeyproof/recordings"
)

// pg is the package's private PostgreSQL cluster, started by the first test
// that needs it.
var pg = pgtest.NewLazy()

// execEnv makes the test binary run the command line instead of the tests,
// so that the scale-out tests start real worker and serve processes of
// this build.
const execEnv = "JOURNEYPROOF_TEST_EXEC"

func TestMain(m *testing.M) {
	if os.Getenv(execEnv) == "1" {
		main()
		return
	}
	browsertest.Run(m, pg, &shared)
}

// proc is a journeyproof process started by a test.
type proc struct {
	cmd *exec.Cmd
	out *strings.Builder
}

// startProc starts `journeyproof args...` as its own process; it is
// killed when the test ends.
func startProc(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), execEnv+"=1")
	out := &strings.Builder{}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	lines := make(chan struct{})
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
		}
	}()
	go func() { cmd.Wait(); pw.Close() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { <-lines; close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("%s (pid %d) said:\n%s", name, cmd.Process.Pid, out.String())
		}
	})
	return &proc{cmd: cmd, out: out}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startRemoteChromium starts a headless Chromium with a debugging port, as
// a pool of browsers on other machines would run it, and returns its
// http://host:port address.
func startRemoteChromium(t *testing.T) string {
	t.Helper()
	path, err := chrome.FindChromium("")
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(path, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--remote-debugging-address=127.0.0.1",
		"--remote-debugging-port="+port, "--user-data-dir="+t.TempDir(), "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "about:blank")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url := "http://" + addr
	for i := 0; ; i++ {
		resp, err := http.Get(url + "/json/version")
		if err == nil {
			resp.Body.Close()
			return url
		}
		if i > 100 {
			t.Fatalf("remote Chromium did not listen on %s: %v", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The bundled journeys' 18 cells, enqueued by `run --queue`, run on two
// worker processes (one attached to a remote Chromium over CDP) beside
// serve; one worker is killed with kill -9 in the middle of a cell. Its
// cell runs again on the other worker, every cell ends with exactly one
// passed run, the killed attempt is stored interrupted, and the run's
// output is what it would be without the queue. On SQLite under the data
// folder (the one-machine default, shared by processes) and on PostgreSQL,
// where worker B has a data folder of its own and uploads the evidence to
// serve.
func TestScaleOutWorkers(t *testing.T) {
	browsertest.Skip(t, "") // worker processes run 18 cells per store in Chromium
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) { testScaleOut(t, store) })
	}
}

func testScaleOut(t *testing.T, kind string) {
	ctx := context.Background()
	data := t.TempDir()
	db := ""
	if kind == "postgres" {
		var err error
		if db, err = pg.Get(t).NewDatabase(ctx, "scale_"+fmt.Sprint(time.Now().UnixNano())); err != nil {
			t.Fatal(err)
		}
	}
	common := []string{"--data", data}
	if db != "" {
		common = append(common, "--db", db)
	}
	if code, out, errOut := runCLI(t, append([]string{"migrate"}, common...)...); code != 0 {
		t.Fatalf("migrate: %d %s %s", code, out, errOut)
	}
	base, stop, err := startSandbox("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	addr := freeAddr(t)
	const token = "scale-out-token-0123456789"
	serve := startProc(t, "serve", append([]string{"serve", "--addr", addr, "--work=false", "--sandbox=false", "--token", token}, common...)...)
	// A cell takes 5-20s, longer on a loaded machine; a killed worker's
	// job is rescued job-timeout+15s after it started, at River's next
	// check (every 30s).
	wargs := append([]string{"worker", "--concurrency", "1", "--job-timeout", "75s"}, common...)
	victim := startProc(t, "worker A", wargs...)
	remote := startRemoteChromium(t)
	bargs := append(wargs, "--browser", remote)
	if kind == "postgres" {
		// Worker B is on "another machine": its own data folder, the
		// evidence uploaded to serve.
		bargs = []string{"worker", "--concurrency", "1", "--job-timeout", "75s", "--db", db, "--data", t.TempDir(),
			"--server", "http://" + addr, "--token", token, "--browser", remote}
	}
	survivor := startProc(t, "worker B", bargs...)

	store, err := recordings.OpenDB(data, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	// Kill worker A with kill -9 once it has finished a cell and is in the
	// middle of the next one (its run stored and running).
	// It is looked for until the run has ended (on a loaded machine a
	// cell can take minutes).
	killed := make(chan uint, 1)
	ran := make(chan struct{})
	go func() {
		defer close(killed)
		pid := victim.cmd.Process.Pid
		for {
			select {
			case <-ran:
				return
			default:
			}
			var done, running []recordings.Run
			store.DB.Where("owner_pid = ? AND status = ?", pid, journeyproof.StatusPassed).Find(&done)
			store.DB.Where("owner_pid = ? AND status = ? AND step_count >= 0", pid, journeyproof.StatusRunning).Find(&running)
			if len(done) >= 1 && len(running) == 1 {
				var steps int64
				store.DB.Model(&recordings.Step{}).Where("run_id = ?", running[0].ID).Count(&steps)
				if steps >= 1 {
					victim.cmd.Process.Signal(syscall.SIGKILL)
					killed <- running[0].ID
					return
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()

	files := []string{"../../journeys/examples/login.yaml", "../../journeys/examples/form.yaml", "../../journeys/examples/sign.yaml"}
	junit := filepath.Join(t.TempDir(), "junit.xml")
	args := append([]string{"run", "--queue", "--json", "--release", "scale", "--base-url", base, "--junit", junit, "--branch", "main"}, common...)
	code, out, errOut := runCLI(t, append(args, files...)...)
	close(ran)
	killedRun, ok := <-killed
	if !ok {
		t.Fatalf("worker A was never caught in the middle of a cell")
	}
	if code != 0 {
		t.Fatalf("run --queue exit %d: %s\n%s", code, errOut, out)
	}
	rep := decodeJSON[runReport](t, out)
	if len(rep.Runs) != 18 || rep.Passed != 18 || rep.Failed != 0 {
		t.Fatalf("report: %d runs, %d passed, %d failed", len(rep.Runs), rep.Passed, rep.Failed)
	}
	if b, err := os.ReadFile(junit); err != nil || !strings.Contains(string(b), `tests="18"`) {
		t.Errorf("JUnit report: %v %.300s", err, b)
	}

	// Every cell has exactly one passed run; the killed attempt is
	// interrupted, and its cell passed on worker B.
	var runs []recordings.Run
	if err := store.DB.Where("release = ?", "scale").Order("id").Find(&runs).Error; err != nil {
		t.Fatal(err)
	}
	passed := map[string]int{}
	byWorker := map[int]int{}
	var interrupted []recordings.Run
	for _, r := range runs {
		switch r.Status {
		case journeyproof.StatusPassed:
			passed[r.Cell()]++
			byWorker[r.OwnerPID]++
		case journeyproof.StatusInterrupted:
			interrupted = append(interrupted, r)
		default:
			t.Errorf("run %d %s: %s %s", r.ID, r.Cell(), r.Status, r.Error)
		}
	}
	if len(passed) != 18 {
		t.Errorf("%d cells with a passed run, want 18", len(passed))
	}
	for cell, n := range passed {
		if n != 1 {
			t.Errorf("%s: %d passed runs, want 1", cell, n)
		}
	}
	vpid, spid := victim.cmd.Process.Pid, survivor.cmd.Process.Pid
	if byWorker[vpid] < 1 || byWorker[spid] < 1 || byWorker[vpid]+byWorker[spid] != 18 {
		t.Errorf("passed runs by worker: %v (A pid %d, B pid %d)", byWorker, vpid, spid)
	}
	deadline := time.Now().Add(20 * time.Second)
	var k recordings.Run
	for {
		store.DB.First(&k, killedRun)
		if k.Status != journeyproof.StatusRunning || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if k.Status != journeyproof.StatusInterrupted || !strings.Contains(k.Error, fmt.Sprintf("pid %d", vpid)) {
		t.Errorf("killed attempt (run %d): %s %q", k.ID, k.Status, k.Error)
	}
	var retried recordings.Run
	if err := store.DB.Where("release = ? AND journey_id = ? AND lang = ? AND device = ? AND status = ?", "scale", k.JourneyID, k.Lang, k.Device, journeyproof.StatusPassed).First(&retried).Error; err != nil || retried.OwnerPID != spid {
		t.Errorf("the killed cell %s: passed run %+v on pid %d, want worker B (pid %d): %v", k.Cell(), retried.ID, retried.OwnerPID, spid, err)
	}
	if len(interrupted) != 1 {
		t.Errorf("%d interrupted runs, want 1 (the killed attempt)", len(interrupted))
	}
	// Worker B ran its cells in the remote Chromium, and every run has its
	// screenshots and video in the shared folder.
	for _, r := range runs {
		if r.Status != journeyproof.StatusPassed {
			continue
		}
		full, err := store.Run(r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if full.Video == nil || store.ArtifactPath(full.Video.SHA256) == "" || len(full.Steps) == 0 {
			t.Errorf("run %d %s: video %v, %d steps", r.ID, r.Cell(), full.Video, len(full.Steps))
			continue
		}
		if _, err := os.Stat(store.ArtifactPath(full.Steps[0].ScreenshotSHA)); err != nil {
			t.Errorf("run %d: screenshot: %v", r.ID, err)
		}
	}

	// `workers` lists worker B with what it did; serve's page shows the
	// queue and the workers.
	code, out, errOut = runCLI(t, append([]string{"workers", "--json"}, common...)...)
	if code != 0 {
		t.Fatalf("workers: %d %s", code, errOut)
	}
	wr := decodeJSON[workersReport](t, out)
	foundB := false
	for _, w := range wr.Workers {
		if w.PID == spid {
			foundB = w.Done >= 1 && w.Browser == remote
		}
	}
	if !foundB || wr.Waiting != 0 || wr.Running != 0 {
		t.Errorf("workers: %+v", wr)
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/workers", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("serve: %v\n%s", err, serve.out)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), fmt.Sprintf("%d", spid)) || !strings.Contains(string(body), "waiting for a worker") {
		t.Errorf("serve /workers: %d %.500s", resp.StatusCode, body)
	}
}
