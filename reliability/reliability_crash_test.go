//go:build reliability

package reliability

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"journeyproof/internal/browsertest"
	"journeyproof/internal/owner"
)

// The experiments of this file: kill -9 of `run` at five moments with
// `serve` up, Chromium's browser process or a renderer killed during a
// run, and four `run` processes on one data folder while `serve` is polled.

// lab is one data folder and temporary folder (TMPDIR of every process it
// starts, so that the Chromium profiles they leave can be counted).
type lab struct {
	t    *testing.T
	data string
	tmp  string
}

func newLab(t *testing.T) *lab {
	t.Helper()
	l := &lab{t: t, data: t.TempDir(), tmp: filepath.Join(t.TempDir(), "tmp")}
	if err := os.MkdirAll(l.tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	return l
}

// proc is a journeyproof process the lab started.
type proc struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	done   chan struct{}
	code   int
	killed bool
}

// syncBuffer is a bytes.Buffer safe for the process's output goroutines
// and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs the binary with args and --data, in the lab's TMPDIR.
func (l *lab) start(args ...string) *proc {
	l.t.Helper()
	cmd := exec.Command(binary(l.t), append(args[:1:1], append([]string{"--data", l.data}, args[1:]...)...)...)
	env := []string{"TMPDIR=" + l.tmp}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JOURNEYPROOF_") && !strings.HasPrefix(kv, "TMPDIR=") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	p := &proc{cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		l.t.Fatal(err)
	}
	go func() {
		err := cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		if err != nil && p.code == 0 {
			p.code = -1
		}
		close(p.done)
	}()
	l.t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Signal(syscall.SIGINT)
			select {
			case <-p.done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				<-p.done
			}
		}
	})
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill9 kills the process with SIGKILL and waits until it is reaped.
func (p *proc) kill9() time.Time {
	p.cmd.Process.Signal(syscall.SIGKILL)
	at := time.Now()
	<-p.done
	p.killed = true
	return at
}

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-time.After(limit):
		t.Errorf("%s did not exit within %s; output:\n%s", strings.Join(p.cmd.Args[1:3], " "), limit, p.out.String())
		p.cmd.Process.Kill()
		<-p.done
		return -1
	}
}

// serve starts `serve` on a free loopback port and returns its base URL
// once it answers.
func (l *lab) serve() (string, *proc) {
	l.t.Helper()
	base := fmt.Sprintf("http://127.0.0.1:%d", freePort(l.t))
	p := l.start("serve", "--addr", strings.TrimPrefix(base, "http://"), "--parallel", "1")
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(base + "/api/releases"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, p
			}
		}
		if p.exited() || time.Now().After(deadline) {
			l.t.Fatalf("serve did not answer; output:\n%s", p.out.String())
		}
	}
}

// db opens the lab's store read-only, as a bystander, once a process has
// made it.
func (l *lab) db() *gorm.DB {
	l.t.Helper()
	if !poll(time.Minute, 50*time.Millisecond, func() bool {
		_, err := os.Stat(filepath.Join(l.data, "journeyproof.db"))
		return err == nil
	}) {
		l.t.Fatal("no process made the store")
	}
	db, err := gorm.Open(sqlite.Open("file:"+filepath.Join(l.data, "journeyproof.db")+"?mode=ro&_busy_timeout=10000"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})
	return db
}

// storedRun is what the experiments read of a run.
type storedRun struct {
	ID        uint
	Release   string
	Lang      string
	Status    string
	Error     string
	EndedAt   *time.Time
	StepCount int
	Steps     int // steps stored
	Shots     int // steps with a screenshot
	Video     int // 1 when its video is stored
	OwnerPID  int // the process that ran it
}

// runsOf reads the runs of a release (every release with "").
func runsOf(db *gorm.DB, release string) []storedRun {
	var rs []storedRun
	q := `SELECT r.id, r.release, r.lang, r.status, r.error, r.ended_at, r.step_count, r.owner_pid,
		(SELECT count(*) FROM steps s WHERE s.run_id = r.id) AS steps,
		(SELECT count(*) FROM steps s WHERE s.run_id = r.id AND s.screenshot_sha <> '') AS shots,
		(SELECT count(*) FROM videos v WHERE v.run_id = r.id AND v.sha256 <> '') AS video
		FROM runs r WHERE ? = '' OR r.release = ? ORDER BY r.id`
	db.Raw(q, release, release).Scan(&rs)
	return rs
}

// apiRuns reads the runs of a release as serve shows them.
func apiRuns(base, release string) ([]storedRun, error) {
	resp, err := http.Get(base + "/api/runs?release=" + release)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /api/runs: %s", resp.Status)
	}
	var list struct {
		Runs []struct {
			ID     uint   `json:"id"`
			Status string `json:"status"`
			Error  string `json:"error"`
		} `json:"runs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return nil, err
	}
	var out []storedRun
	for _, r := range list.Runs {
		out = append(out, storedRun{ID: r.ID, Status: r.Status, Error: r.Error})
	}
	return out, nil
}

// poll calls cond every interval until it holds (true) or limit passes.
func poll(limit, interval time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(limit); ; time.Sleep(interval) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

// examplePath is a bundled journey file.
func examplePath(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "journeys", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// writeJourney writes a journey file in a temporary folder.
func writeJourney(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// chromiumOf returns the pid and the profile folder of the Chromium
// browser process that process pid started.
func chromiumOf(pid int) (int, string) {
	ps, _ := browsertest.Processes()
	for _, p := range ps {
		if p.Parent == pid && strings.Contains(p.Line, "--user-data-dir=") && !strings.Contains(p.Line, " --type=") {
			_, rest, _ := strings.Cut(p.Line, "--user-data-dir=")
			dir, _, _ := strings.Cut(rest, " ")
			return p.PID, dir
		}
	}
	return 0, ""
}

// leftovers counts what dead processes left: frames folders of runs that
// are not running, and Chromium profiles whose owner is gone.
func (l *lab) leftovers(db *gorm.DB) (frames, profiles int) {
	entries, _ := os.ReadDir(filepath.Join(l.data, "video-frames"))
	for _, e := range entries {
		var id uint
		if _, err := fmt.Sscanf(e.Name(), "run-%d-", &id); err != nil {
			continue
		}
		var status string
		db.Raw("SELECT status FROM runs WHERE id = ?", id).Scan(&status)
		if status == "" || status == "interrupted" {
			frames++
		}
	}
	entries, _ = os.ReadDir(l.tmp)
	for _, e := range entries {
		tag, ok := strings.CutPrefix(e.Name(), "journeyproof-chromium-")
		if !ok {
			continue
		}
		i := strings.LastIndexByte(tag, '-')
		if o, ok := owner.FromTag(tag[:max(i, 0)]); !ok || !o.Alive() {
			profiles++
		}
	}
	return frames, profiles
}

// killMoment is when a `run` is killed: cond holds on the runs of its
// release (read every 20 ms) or on the time since it started.
type killMoment struct {
	name string
	cond func(runs []storedRun, since time.Duration) bool
}

// TestKillRun: `run` is killed with SIGKILL at five moments while `serve`
// is up. serve marks the killed runs interrupted within seconds; the
// database stays intact; the next start leaves no frames folder or
// Chromium profile of a dead process; no run is passed without its video.
func TestKillRun(t *testing.T) {
	const exp = "kill -9 of run (serve up)"
	l := newLab(t)
	base, _ := l.serve()
	db := l.db()
	login := examplePath(t, "login.yaml")
	moments := []killMoment{
		{"Chromium starting", func(_ []storedRun, since time.Duration) bool { return since > 400*time.Millisecond }},
		{"first step", func(rs []storedRun, _ time.Duration) bool { return len(rs) > 0 && rs[0].Steps == 0 }},
		{"mid-journey", func(rs []storedRun, _ time.Duration) bool { return len(rs) > 0 && rs[0].Steps >= 3 }},
		{"video encoding", func(rs []storedRun, _ time.Duration) bool {
			return len(rs) > 0 && rs[0].Status == "running" && rs[0].EndedAt != nil
		}},
		{"second cell, first passed", func(rs []storedRun, _ time.Duration) bool { return len(rs) > 0 && rs[0].Status == "passed" }},
	}
	killed, worst := 0, time.Duration(0)
	leftFrames, leftProfiles := 0, 0 // what each kill left, before the next start
	for i, m := range moments {
		release := fmt.Sprintf("kill-%d", i+1)
		p := l.start("run", "--release", release, "--lang", "en,zh-HK", "--device", "desktop", "--parallel", "1", login)
		started := time.Now()
		reached := poll(3*time.Minute, 20*time.Millisecond, func() bool {
			return p.exited() || m.cond(runsOf(db, release), time.Since(started))
		})
		if !reached || p.exited() {
			t.Errorf("kill at %s: the moment never came (exited %v); output:\n%s", m.name, p.exited(), p.out.String())
			figure(exp, "kill at "+m.name, "moment not reached", "killed", false)
			continue
		}
		at := p.kill9()
		killed++
		before := runsOf(db, release)
		frames, profiles := l.leftovers(db)
		leftFrames, leftProfiles = leftFrames+frames, leftProfiles+profiles
		// serve, already up, marks the killed runs interrupted. serve
		// also works the queue (one data folder, one queue), so it may be
		// running cells of the release itself: those may still run, none
		// of the killed process's may.
		killedPID := p.cmd.Process.Pid
		var seen time.Duration
		ok := poll(30*time.Second, 100*time.Millisecond, func() bool {
			rs, err := apiRuns(base, release)
			if err != nil {
				return false
			}
			owners := map[uint]int{}
			for _, r := range runsOf(db, release) {
				owners[r.ID] = r.OwnerPID
			}
			for _, r := range rs {
				if r.Status == "running" && owners[r.ID] == killedPID {
					return false
				}
			}
			seen = time.Since(at)
			return true
		})
		after := runsOf(db, release)
		interrupted, again := 0, 0
		for _, r := range after {
			if r.OwnerPID != killedPID {
				again++
			}
			if r.Status == "interrupted" {
				interrupted++
				if !strings.Contains(r.Error, "exited") {
					t.Errorf("kill at %s: run %d interrupted with %q; want the reason (its process exited)", m.name, r.ID, r.Error)
				}
			}
		}
		worst = max(worst, seen)
		value := fmt.Sprintf("%s (%d of %d runs interrupted)", secs(seen), interrupted, len(after))
		if again > 0 {
			value = fmt.Sprintf("%s (%d of %d runs interrupted; %d run by serve's worker)", secs(seen), interrupted, len(after), again)
		}
		if len(before) == 0 {
			value = "no run created yet"
		}
		figure(exp, "kill at "+m.name+": serve shows no run of the killed process left running after", value, "< 5 s", ok && seen < 5*time.Second)
		if !ok || seen >= 5*time.Second {
			t.Errorf("kill at %s: runs still running %s after the kill: %+v", m.name, secs(time.Since(at)), after)
		}
	}
	// The next start cleans up what the killed processes left.
	p := l.start("run", "--release", "after-kills", "--lang", "en", "--device", "desktop", login)
	if code := p.wait(t, 3*time.Minute); code != 0 {
		t.Errorf("the run after the kills exited %d; output:\n%s", code, p.out.String())
	}
	figure(exp, "left by the kills (frames folders, Chromium profiles)", fmt.Sprintf("%d, %d", leftFrames, leftProfiles), "(cleaned below)", true)
	frames, profiles := l.leftovers(db)
	figure(exp, "leftovers after the next start (frames folders, Chromium profiles)", fmt.Sprintf("%d, %d", frames, profiles), "0, 0", frames == 0 && profiles == 0)
	if frames+profiles > 0 {
		t.Errorf("leftovers after the next start: %d frames folders, %d Chromium profiles", frames, profiles)
	}
	var check string
	db.Raw("PRAGMA integrity_check").Scan(&check)
	figure(exp, "pragma integrity_check", check, "ok", check == "ok")
	if check != "ok" {
		t.Errorf("integrity_check: %s", check)
	}
	var noVideo, running int
	for _, r := range runsOf(db, "") {
		if r.Status == "passed" && r.Video == 0 {
			noVideo++
		}
		if r.Status == "running" {
			running++
		}
	}
	figure(exp, "passed runs without their video", strconv.Itoa(noVideo), "0", noVideo == 0)
	figure(exp, "runs left running", strconv.Itoa(running), "0", running == 0)
	if noVideo+running > 0 {
		t.Errorf("%d passed runs without video, %d runs left running", noVideo, running)
	}
	figure(exp, "moments killed; slowest until serve showed them interrupted", fmt.Sprintf("%d of %d; %s", killed, len(moments), secs(worst)), "5 of 5; < 5 s", killed == len(moments) && worst < 5*time.Second)
}

// slowJourney waits on the login page long enough for a fault to land in
// its second step.
const slowJourney = `name: Slow login page
process: authentication
steps:
  - goto: /login?lang=${lang}
  - name: Wait on the login page
    wait: 6s
  - expect: {visible: "#iamsmart-login"}
`

// runIntoWait starts `journeyproof run` of the journey (the slow one) under
// release in langs on desktop, one cell at a time, and returns half a
// second into the second step (the wait) of its first run, with the run's
// process and the lab's database; it fails t when the run exits first or
// the first step never ends.
func (l *lab) runIntoWait(t *testing.T, journey, release, langs string) (*proc, *gorm.DB) {
	t.Helper()
	p := l.start("run", "--release", release, "--lang", langs, "--device", "desktop", "--parallel", "1", journey)
	db := l.db()
	if !poll(2*time.Minute, 20*time.Millisecond, func() bool {
		rs := runsOf(db, release)
		return p.exited() || len(rs) > 0 && rs[0].Steps >= 1
	}) || p.exited() {
		t.Fatalf("the first step never ended; output:\n%s", p.out.String())
	}
	time.Sleep(500 * time.Millisecond)
	return p, db
}

// TestChromiumKilled: Chromium's browser process is killed during a run of
// three cells: every cell fails with "browser exited" within 2 s, every
// cell has a run, the evidence of the steps before is kept. Then a
// renderer is killed: its cell fails with "tab crashed" within 2 s, the
// next cell passes.
func TestChromiumKilled(t *testing.T) {
	slow := writeJourney(t, "slow.yaml", slowJourney)

	t.Run("browser", func(t *testing.T) {
		const exp = "Chromium's browser process killed"
		l := newLab(t)
		p, db := l.runIntoWait(t, slow, "browser", "en,zh-HK,zh-CN")
		pid, _ := chromiumOf(p.cmd.Process.Pid)
		if pid == 0 {
			t.Fatal("no Chromium browser process found")
		}
		syscall.Kill(pid, syscall.SIGKILL)
		at := time.Now()
		// The killed cell's run ends interrupted ("browser exited"), its
		// evidence so far kept; the queue runs the cell again on a new
		// browser, which runs the other cells too.
		var interrupted time.Duration
		poll(30*time.Second, 20*time.Millisecond, func() bool {
			rs := runsOf(db, "browser")
			if len(rs) == 0 || rs[0].EndedAt == nil || !strings.Contains(rs[0].Error, "browser exited") {
				return false
			}
			interrupted = time.Since(at)
			return true
		})
		code := p.wait(t, 3*time.Minute)
		final := time.Since(at)
		rs := runsOf(db, "browser")
		killed := first(rs)
		passed := map[string]bool{}
		for _, r := range rs[min(1, len(rs)):] {
			if r.Status == "passed" {
				passed[r.Lang] = true
			}
		}
		allPassed := len(passed) == 3 && passed[killed.Lang]
		figure(exp, "the killed cell's run ended interrupted, \"browser exited\" (error stored) after", secs(interrupted), "< 2 s",
			interrupted > 0 && interrupted < 2*time.Second && killed.Status == "interrupted")
		figure(exp, "every cell passed on a new browser, the killed one run again (the run exited 0) after", fmt.Sprintf("%s; %d of 3, exit %d", secs(final), len(passed), code),
			"3 of 3, exit 0", allPassed && code == 0)
		kept := killed.Shots >= 1 && killed.Video == 1
		figure(exp, "evidence kept: steps with screenshots of the killed cell, video", fmt.Sprintf("%d, video %v", killed.Shots, killed.Video == 1), ">= 1, video true", kept)
		if interrupted == 0 || interrupted >= 2*time.Second || killed.Status != "interrupted" || !allPassed || !kept || code != 0 {
			t.Errorf("after the kill: %s, exit %d, runs %+v; output:\n%s", secs(interrupted), code, rs, p.out.String())
		}
	})

	t.Run("renderer", func(t *testing.T) {
		const exp = "a renderer killed"
		l := newLab(t)
		p, db := l.runIntoWait(t, slow, "tab", "en,zh-HK")
		_, profile := chromiumOf(p.cmd.Process.Pid)
		pids, _ := browsertest.Renderers(profile)
		if len(pids) == 0 {
			t.Fatal("no renderer process found")
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		at := time.Now()
		var crashed time.Duration
		poll(30*time.Second, 20*time.Millisecond, func() bool {
			rs := runsOf(db, "tab")
			if len(rs) == 0 || !strings.Contains(rs[0].Error, "tab crashed") {
				return false
			}
			crashed = time.Since(at)
			return true
		})
		code := p.wait(t, 2*time.Minute)
		rs := runsOf(db, "tab")
		figure(exp, "its cell failed \"tab crashed\" (error stored) after", secs(crashed), "< 2 s", crashed > 0 && crashed < 2*time.Second)
		ok := len(rs) == 2 && rs[0].Status == "failed" && rs[1].Status == "passed"
		figure(exp, "cells with a run row; the next cell", fmt.Sprintf("%d of 2; %s", len(rs), second(rs).Status), "2 of 2; passed", ok)
		kept := first(rs).Shots >= 1
		figure(exp, "evidence kept: steps with screenshots of the crashed cell, video", fmt.Sprintf("%d, video %v", first(rs).Shots, first(rs).Video == 1), ">= 1, video true", kept && first(rs).Video == 1)
		if crashed == 0 || crashed >= 2*time.Second || !ok || !kept || code != 1 {
			t.Errorf("after the kill: %s, exit %d, runs %+v; output:\n%s", secs(crashed), code, rs, p.out.String())
		}
	})
}

func first(rs []storedRun) storedRun {
	if len(rs) > 0 {
		return rs[0]
	}
	return storedRun{}
}

func second(rs []storedRun) storedRun {
	if len(rs) > 1 {
		return rs[1]
	}
	return storedRun{}
}

// TestConcurrentRuns: four `run` processes write to one data folder while
// `serve` is polled every 200 ms: no busy error, no failed run, no 5xx.
func TestConcurrentRuns(t *testing.T) {
	const exp = "4 run processes + serve polled every 200 ms"
	l := newLab(t)
	base, srv := l.serve()
	db := l.db()
	// Four screens of the sandbox with their screenshots, checks and
	// video; steps may take long on a machine this busy (four Chromiums),
	// so that only the store can fail the runs.
	pages := writeJourney(t, "pages.yaml", `name: Four screens
process: authentication
steps:
  - goto: /login?lang=${lang}
    timeout: 90s
  - expect: {visible: "#iamsmart-login"}
    timeout: 90s
  - goto: /form?lang=${lang}
    timeout: 90s
  - expect: {visible: "#iamsmart-fill"}
    timeout: 90s
`)
	var procs []*proc
	for i := range 4 {
		procs = append(procs, l.start("run", "--release", fmt.Sprintf("conc-%d", i+1), "--lang", "en", "--device", "desktop", pages))
	}
	stop := make(chan struct{})
	var polls, errs5xx, failedGets int
	var pollWG sync.WaitGroup
	pollWG.Go(func() {
		paths := []string{"/", "/runs", "/api/runs", "/api/releases", "/runs?release=conc-1"}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			resp, err := http.Get(base + paths[i%len(paths)])
			polls++
			if err != nil {
				failedGets++
				continue
			}
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				errs5xx++
			}
		}
	})
	codes := make([]int, len(procs))
	for i, p := range procs {
		codes[i] = p.wait(t, 10*time.Minute)
	}
	close(stop)
	pollWG.Wait()
	busy := 0
	for _, p := range append(procs, srv) {
		out := strings.ToLower(p.out.String())
		busy += strings.Count(out, "database is locked") + strings.Count(out, "sqlite_busy") + strings.Count(out, "database table is locked")
	}
	var total, failed int
	for _, r := range runsOf(db, "") {
		if strings.HasPrefix(r.Release, "conc-") {
			total++
			if r.Status != "passed" {
				failed++
				t.Logf("run %d (%s) %s: %s", r.ID, r.Release, r.Status, r.Error)
			}
		}
	}
	figure(exp, "busy errors", strconv.Itoa(busy), "0", busy == 0)
	figure(exp, "failed runs", fmt.Sprintf("%d of %d", failed, total), "0 of 4", failed == 0 && total == 4)
	figure(exp, "HTTP 5xx (and failed requests) of the polls", fmt.Sprintf("%d (%d) of %d", errs5xx, failedGets, polls), "0 (0)", errs5xx == 0 && failedGets == 0)
	if busy > 0 || failed > 0 || total != 4 || errs5xx > 0 || failedGets > 0 {
		for i, p := range procs {
			t.Logf("run %d exited %d:\n%s", i+1, codes[i], p.out.String())
		}
		t.Errorf("busy %d, failed runs %d of %d, 5xx %d, failed requests %d", busy, failed, total, errs5xx, failedGets)
	}
}
