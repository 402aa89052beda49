package web

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/recordings"
	"journeyproof/recordings/compare"
	"journeyproof/recordings/pack"
)

// The coverage, the evidence pack and the comparison of releases pick the
// same run of each cell (recordings.Store.CellRuns) in a release where
// their three former rules disagreed: the coverage took a re-run still
// running, the pack and the comparison the interrupted re-run of a passed
// cell, and the comparison left out a cell whose only run was running.
func TestCoveragePackCompareSameRuns(t *testing.T) {
	const head, base = "same-runs", "same-runs-base"
	at := time.Now().Add(-time.Hour)
	ids := map[string]uint{}
	t.Cleanup(func() { store.DB.Where("release IN ?", []string{head, base}).Delete(&recordings.Run{}) })
	add := func(name, release, cell, status string, minute int) {
		t.Helper()
		p := strings.Split(cell, "/")
		r := recordings.Run{Release: release, JourneyID: p[0], JourneyName: "Same runs", Process: journeyproof.ProcessAuthentication,
			Lang: p[1], Device: p[2], Status: status, StartedAt: at.Add(time.Duration(minute) * time.Minute), Width: 1366, Height: 768, Scale: 1}
		if len(p) > 3 {
			r.Branch = p[3]
		}
		if status == journeyproof.StatusRunning {
			// Owned by this process, whose heartbeat keeps it running.
			o, now := store.Owner(), time.Now()
			r.OwnerHost, r.OwnerPID, r.OwnerStart, r.HeartbeatAt = o.Host, o.PID, o.Start, &now
		} else {
			end := r.StartedAt.Add(20 * time.Second)
			r.EndedAt = &end
		}
		if err := store.DB.Create(&r).Error; err != nil {
			t.Fatal(err)
		}
		ids[name] = r.ID
	}
	for _, c := range []string{"same/en/desktop", "same/zh-HK/desktop", "same/zh-CN/desktop", "same/en/mobile", "same/en/desktop/deny"} {
		add("base "+c, base, c, journeyproof.StatusPassed, 0)
	}
	add("passed", head, "same/en/desktop", journeyproof.StatusPassed, 1)
	add("re-run running", head, "same/en/desktop", journeyproof.StatusRunning, 2)
	add("passed before interrupted", head, "same/zh-HK/desktop", journeyproof.StatusPassed, 1)
	add("interrupted re-run", head, "same/zh-HK/desktop", journeyproof.StatusInterrupted, 2)
	add("only running", head, "same/zh-CN/desktop", journeyproof.StatusRunning, 1)
	add("failed", head, "same/en/mobile", journeyproof.StatusFailed, 1)
	add("passed re-run", head, "same/en/mobile", journeyproof.StatusPassed, 2)
	add("deny passed", head, "same/en/desktop/deny", journeyproof.StatusPassed, 1)
	add("deny failed re-run", head, "same/en/desktop/deny", journeyproof.StatusFailed, 2)
	want := map[string]uint{
		"same/en/desktop":      ids["passed"],
		"same/zh-HK/desktop":   ids["passed before interrupted"],
		"same/zh-CN/desktop":   ids["only running"],
		"same/en/mobile":       ids["passed re-run"],
		"same/en/desktop/deny": ids["deny failed re-run"],
	}

	s := newServer(t, Options{})
	cov, err := s.Coverage(head)
	if err != nil {
		t.Fatal(err)
	}
	fromCoverage := map[string]uint{}
	for _, g := range cov.Groups {
		for _, row := range g.Rows {
			for _, c := range row.Cells {
				if row.Journey == "same" && c.RunID != 0 {
					r := recordings.Run{JourneyID: row.Journey, Lang: c.Lang, Device: c.Device, Branch: row.Branch}
					fromCoverage[r.Key()] = c.RunID
					if r.Key() == "same/en/desktop" && (!c.Rerunning || c.State != journeyproof.StatusPassed || c.Runs != 2) {
						t.Errorf("coverage of %s: %+v; want passed, 2 runs, a re-run in progress", r.Key(), c)
					}
				}
			}
		}
	}

	cells, err := pack.Cells(pack.Options{Store: store, Release: head})
	if err != nil {
		t.Fatal(err)
	}
	fromPack := map[string]uint{}
	for _, c := range cells {
		if c.Run != 0 {
			fromPack[c.Cell] = c.Run
		}
	}

	rep, err := compare.Compare(context.Background(), store, compare.Side{Release: base}, compare.Side{Release: head}, compare.Options{NoDiffImages: true})
	if err != nil {
		t.Fatal(err)
	}
	fromCompare := map[string]uint{}
	for _, rd := range rep.Runs {
		if rd.Head != nil {
			fromCompare[rd.Cell] = rd.Head.ID
		}
		if rd.Base == nil || rd.Base.ID != ids["base "+rd.Cell] {
			t.Errorf("compare's base run of %s is %+v, want run %d", rd.Cell, rd.Base, ids["base "+rd.Cell])
		}
	}

	for name, got := range map[string]map[string]uint{"coverage": fromCoverage, "pack": fromPack, "compare": fromCompare} {
		if !maps.Equal(got, want) {
			t.Errorf("%s picks %v; want %v", name, got, want)
		}
	}
}
