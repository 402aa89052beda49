package recordings_test

import (
	"context"
	"io"
	"log/slog"
	"os/exec"
	"strings"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/internal/owner"
	"journeyproof/internal/storetest"
	"journeyproof/journeys"
	"journeyproof/recordings"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestReapRuns: a running run is marked interrupted, with the reason, when
// its owner process exited, when its pid is now another process, when its
// heartbeat is stale, or when it has no owner (stored before owners were);
// the runs of a live owner with a fresh heartbeat, and this process's own,
// stay running. Open does the same.
func TestReapRuns(t *testing.T) {
	store := storetest.Open(t)
	live := exec.Command("sleep", "60")
	dead := exec.Command("true")
	for _, c := range []*exec.Cmd{live, dead} {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	defer live.Process.Kill()
	deadOwner := owner.Of(dead.Process.Pid)
	dead.Wait()
	liveOwner := owner.Of(live.Process.Pid)
	reused := liveOwner
	reused.Start += "0"
	now := time.Now()
	stale := now.Add(-recordings.StaleAfter - time.Second)
	runs := map[string]struct {
		o         owner.Owner
		heartbeat *time.Time
		want      string // status, then a word of the reason
	}{
		"dead owner":        {deadOwner, &now, "interrupted exited"},
		"pid reused":        {reused, &now, "interrupted exited"},
		"stale heartbeat":   {liveOwner, &stale, "interrupted heartbeat"},
		"no owner":          {owner.Owner{}, nil, "interrupted earlier version"},
		"live, fresh":       {liveOwner, &now, "running"},
		"this process":      {store.Owner(), &stale, "running"},
		"other host, fresh": {owner.Owner{Host: "elsewhere.example", PID: 1, Start: "x"}, &now, "running"},
		"other host, stale": {owner.Owner{Host: "elsewhere.example", PID: 1, Start: "x"}, &stale, "interrupted heartbeat"},
	}
	ids := map[string]uint{}
	for name, r := range runs {
		run := recordings.Run{Release: "reap", JourneyID: name, Lang: "en", Device: "desktop", Status: journeyproof.StatusRunning, StartedAt: now,
			OwnerHost: r.o.Host, OwnerPID: r.o.PID, OwnerStart: r.o.Start, HeartbeatAt: r.heartbeat}
		if err := store.DB.Create(&run).Error; err != nil {
			t.Fatal(err)
		}
		ids[name] = run.ID
	}
	n, err := store.ReapRuns()
	if err != nil {
		t.Fatal(err)
	}
	if n != 5 {
		t.Errorf("ReapRuns marked %d runs; want 5", n)
	}
	for name, r := range runs {
		got, err := store.Run(ids[name])
		if err != nil {
			t.Fatal(err)
		}
		status, word, _ := strings.Cut(r.want, " ")
		if got.Status != status || !strings.Contains(got.Error, word) {
			t.Errorf("%s: %s %q; want %s (%s)", name, got.Status, got.Error, status, word)
		}
		if status == journeyproof.StatusInterrupted && got.EndedAt == nil {
			t.Errorf("%s: interrupted with no end", name)
		}
	}
}

// TestHeartbeat: while a cell runs, its run's heartbeat is renewed every
// few seconds, and the run names this process as its owner.
func TestHeartbeat(t *testing.T) {
	f := newFixture(t, "")
	j, err := journeys.Parse("wait.yaml", []byte("name: Wait\nprocess: authentication\nsteps:\n  - goto: /login\n  - wait: 3s\n"))
	if err != nil {
		t.Fatal(err)
	}
	f.cells, err = journeys.Expand([]*journeys.Journey{j}, []string{"en"}, []string{"desktop"})
	if err != nil {
		t.Fatal(err)
	}
	seen := make(chan *recordings.Run, 1)
	f.runner.Progress = func(ev journeys.Event) {
		if ev.Kind == journeys.EventStep && ev.Index == 1 {
			go func() {
				time.Sleep(recordings.HeartbeatEvery + 500*time.Millisecond)
				run, err := f.store.Run(f.rec.RunID(f.cells[0]))
				if err != nil {
					t.Error(err)
				}
				seen <- run
			}()
		}
	}
	res := f.runner.Run(context.Background(), f.cells)[0]
	if res.Status != journeyproof.StatusPassed {
		t.Fatalf("cell: %s %s", res.Status, res.Error)
	}
	run := <-seen
	me := f.store.Owner()
	if run.OwnerHost != me.Host || run.OwnerPID != me.PID || run.OwnerStart != me.Start {
		t.Errorf("owner %s/%d/%s; want %s", run.OwnerHost, run.OwnerPID, run.OwnerStart, me)
	}
	if run.HeartbeatAt == nil || run.HeartbeatAt.Sub(run.StartedAt) < time.Second {
		t.Errorf("heartbeat %v, started %v: not renewed while the cell ran", run.HeartbeatAt, run.StartedAt)
	}
}

// TestMigrateOldStore: a store made before runs had owners gets the new
// columns when opened, and its runs left running are marked interrupted.
func TestMigrateOldStore(t *testing.T) {
	dir := t.TempDir()
	store, err := recordings.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, col := range []string{"owner_host", "owner_pid", "owner_start", "heartbeat_at"} {
		if err := store.DB.Exec("ALTER TABLE runs DROP COLUMN " + col).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := store.DB.Exec(`INSERT INTO runs (release, journey_id, lang, device, status, started_at) VALUES ('old', 'login', 'en', 'desktop', 'running', ?)`, time.Now()).Error; err != nil {
		t.Fatal(err)
	}
	store.Close()
	store, err = recordings.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var runs []recordings.Run
	if err := store.DB.Find(&runs).Error; err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Status != journeyproof.StatusInterrupted || !strings.Contains(runs[0].Error, "earlier version") {
		t.Errorf("old run after the migration: %+v; want interrupted, left by an earlier version", runs)
	}
}
