package recordings_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/internal/storetest"
	"journeyproof/recordings"
)

// The run of a cell (Store.CellRuns) is its newest finished run; a run
// that is running or was interrupted stands for the cell only when
// nothing finished. The same on SQLite and PostgreSQL.
func TestCellRuns(t *testing.T) {
	sqlite := storetest.Open(t)
	dsn, err := pg.Get(t).NewDatabase(context.Background(), "cells_test")
	if err != nil {
		t.Fatal(err)
	}
	postgres, err := recordings.OpenDB(t.TempDir(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer postgres.Close()
	for name, store := range map[string]*recordings.Store{"sqlite": sqlite, "postgres": postgres} {
		t.Run(name, func(t *testing.T) { testCellRuns(t, store) })
	}
}

func testCellRuns(t *testing.T, store *recordings.Store) {
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	ids := map[string]uint{}
	add := func(name, release, cell, status string, minute int) {
		t.Helper()
		parts := strings.Split(cell, "/")
		r := recordings.Run{Release: release, JourneyID: parts[0], Lang: parts[1], Device: parts[2], Status: status,
			StartedAt: at.Add(time.Duration(minute) * time.Minute)}
		if len(parts) > 3 {
			r.Branch = parts[3]
		}
		if status != journeyproof.StatusRunning {
			end := r.StartedAt.Add(30 * time.Second)
			r.EndedAt = &end
		}
		if err := store.DB.Create(&r).Error; err != nil {
			t.Fatal(err)
		}
		ids[name] = r.ID
	}
	// A failed re-run supersedes a pass.
	add("pass", "r", "login/en/desktop", journeyproof.StatusPassed, 1)
	add("failed rerun", "r", "login/en/desktop", journeyproof.StatusFailed, 2)
	// A passing re-run supersedes a failure; a re-run still running does
	// not supersede it yet.
	add("fail", "r", "login/zh-HK/desktop", journeyproof.StatusFailed, 1)
	add("passed rerun", "r", "login/zh-HK/desktop", journeyproof.StatusPassed, 2)
	add("rerun running", "r", "login/zh-HK/desktop", journeyproof.StatusRunning, 3)
	// An interrupted re-run is not evidence.
	add("pass before interrupted", "r", "login/en/mobile", journeyproof.StatusPassed, 1)
	add("interrupted rerun", "r", "login/en/mobile", journeyproof.StatusInterrupted, 2)
	// Nothing finished: the newest run stands for the cell.
	add("interrupted", "r", "login/zh-CN/desktop", journeyproof.StatusInterrupted, 1)
	add("running", "r", "login/zh-CN/desktop", journeyproof.StatusRunning, 2)
	add("only interrupted", "r", "login/zh-CN/mobile", journeyproof.StatusInterrupted, 1)
	// The same start: the higher id is the newer.
	add("first of two", "r", "form/en/desktop", journeyproof.StatusPassed, 1)
	add("second of two", "r", "form/en/desktop", journeyproof.StatusFailed, 1)
	// A branch is a cell of its own, and a finished main path is not
	// hidden by a branch's newer runs.
	add("main path", "r", "sign/en/desktop", journeyproof.StatusPassed, 1)
	add("deny", "r", "sign/en/desktop/deny", journeyproof.StatusFailed, 2)
	add("deny running", "r", "sign/en/desktop/deny", journeyproof.StatusRunning, 3)
	// A run stored before branches were recorded (NULL branch) is on the
	// main path.
	add("old main path", "r", "sign/zh-HK/desktop", journeyproof.StatusPassed, 5)
	add("new main path", "r", "sign/zh-HK/desktop", journeyproof.StatusFailed, 1)
	if err := store.DB.Exec("UPDATE runs SET branch = NULL WHERE id = ?", ids["old main path"]).Error; err != nil {
		t.Fatal(err)
	}
	// Another release is not looked at.
	add("other release", "other", "login/en/desktop", journeyproof.StatusPassed, 9)

	cells, err := store.CellRuns("r")
	if err != nil {
		t.Fatal(err)
	}
	name := map[uint]string{}
	for n, id := range ids {
		name[id] = n
	}
	var got []string
	for _, c := range cells {
		s := fmt.Sprintf("%s=%s (%d runs)", c.Key(), name[c.ID], c.Runs)
		if c.Rerunning {
			s += " rerunning"
		}
		got = append(got, s)
	}
	want := []string{
		"form/en/desktop=second of two (2 runs)",
		"login/en/desktop=failed rerun (2 runs)",
		"login/en/mobile=pass before interrupted (2 runs)",
		"login/zh-CN/desktop=running (2 runs)",
		"login/zh-CN/mobile=only interrupted (1 runs)",
		"login/zh-HK/desktop=passed rerun (3 runs) rerunning",
		"sign/en/desktop=main path (1 runs)",
		"sign/en/desktop/deny=deny (2 runs) rerunning",
		"sign/zh-HK/desktop=old main path (2 runs)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("CellRuns(r):\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}

	only, err := store.CellRuns("r", "sign", "form")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, c := range only {
		keys = append(keys, c.Key())
	}
	if strings.Join(keys, " ") != "form/en/desktop sign/en/desktop sign/en/desktop/deny sign/zh-HK/desktop" {
		t.Errorf("CellRuns(r, sign, form) = %v", keys)
	}
	none, err := store.CellRuns("no such release")
	if err != nil || len(none) != 0 {
		t.Errorf("CellRuns of an unknown release = %v, %v; want none", none, err)
	}
}

// BenchmarkCellRuns reads the run of each cell of a release of 2,400 runs
// (240 cells, 10 runs each), beside the read of all its runs that the
// coverage, the pack and the comparison each made before (Runs) and then
// reduced with rules of their own.
func BenchmarkCellRuns(b *testing.B) {
	store, err := recordings.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	var runs []recordings.Run
	for j := range 40 {
		for _, lang := range []string{"en", "zh-HK", "zh-CN"} {
			for _, device := range []string{"desktop", "mobile"} {
				for i := range 10 {
					status := []string{journeyproof.StatusPassed, journeyproof.StatusFailed, journeyproof.StatusInterrupted}[i%3]
					runs = append(runs, recordings.Run{Release: "big", JourneyID: fmt.Sprintf("j%02d", j), Lang: lang, Device: device,
						Status: status, StartedAt: at.Add(time.Duration(i) * time.Minute)})
				}
			}
		}
	}
	if err := store.DB.CreateInBatches(runs, 500).Error; err != nil {
		b.Fatal(err)
	}
	b.Run("CellRuns", func(b *testing.B) {
		for b.Loop() {
			if cells, err := store.CellRuns("big"); err != nil || len(cells) != 240 {
				b.Fatal(len(cells), err)
			}
		}
	})
	b.Run("Runs", func(b *testing.B) {
		for b.Loop() {
			if all, _, err := store.Runs(recordings.RunFilter{Release: "big"}); err != nil || len(all) != 2400 {
				b.Fatal(len(all), err)
			}
		}
	})
}
