package engine_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/engine"
	"journeyproof/internal/browsertest"
	"journeyproof/internal/chrometest"
	"journeyproof/internal/enginetest"
	"journeyproof/journeys"
)

// loginSite skips the test in the quick tier; else it serves the sandbox
// until the test ends and returns its base URL and the bundled login
// journey.
func loginSite(t *testing.T) (string, *journeys.Journey) {
	t.Helper()
	browsertest.Skip(t, "the engine's Chromium")
	srv, err := chrometest.Sandbox()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	login, err := enginetest.Journey("login")
	if err != nil {
		t.Fatal(err)
	}
	return srv.URL, login
}

// TestRunCarriesRunIDs runs two cells of the bundled login journey against
// the sandbox, through the queue and its worker (as run and serve do) and
// in this process's runner: each cell's run is in the store under the
// release, the outcome names it, and every event after the run was stored
// carries its id.
func TestRunCarriesRunIDs(t *testing.T) {
	base, login := loginSite(t)
	cells, err := journeys.Expand([]*journeys.Journey{login}, []string{"en"}, nil)
	if err == nil {
		cells, err = journeys.NarrowBranches(cells, []string{journeys.MainBranch})
	}
	if err != nil || len(cells) != 2 {
		t.Fatalf("cells %v, %v; want login/en on desktop and mobile", cells, err)
	}
	for _, tt := range []struct {
		name  string
		local bool
	}{{"queued", false}, {"local", true}} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			e, err := enginetest.Open(ctx, t.TempDir(), engine.Config{Parallel: 2, Local: tt.local, Work: !tt.local})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			var mu sync.Mutex
			events := map[string][]journeys.Event{}
			out, err := e.Run(ctx, engine.Invocation{Release: "r1", BaseURL: base, Cells: cells, Progress: func(ev journeys.Event) {
				mu.Lock()
				events[ev.Cell.String()] = append(events[ev.Cell.String()], ev)
				mu.Unlock()
			}})
			if err != nil {
				t.Fatal(err)
			}
			ids := out.RunIDs()
			for i, res := range out.Results {
				cell := cells[i].String()
				if res.Cell.String() != cell || res.Status != journeyproof.StatusPassed || res.RunID == 0 || ids[i] != res.RunID {
					t.Fatalf("result %d: %s %s run %d (%v); want %s passed with its run", i, res.Cell, res.Status, res.RunID, ids, cell)
				}
				run, err := e.Store.Run(res.RunID)
				if err != nil || run.Cell() != cell || run.Release != "r1" || run.Status != journeyproof.StatusPassed {
					t.Fatalf("run %d of %s: %+v %v", res.RunID, cell, run, err)
				}
				evs := events[cell]
				steps := 0
				for _, ev := range evs {
					switch ev.Kind {
					case journeys.EventCellStart:
						if ev.RunID != 0 {
							t.Errorf("%s: cell-start names run %d before it is stored", cell, ev.RunID)
						}
					case journeys.EventStep:
						steps++
						fallthrough
					case journeys.EventCellEnd:
						if ev.RunID != res.RunID {
							t.Errorf("%s: %s event names run %d, want %d", cell, ev.Kind, ev.RunID, res.RunID)
						}
					}
				}
				if len(evs) == 0 || evs[0].Kind != journeys.EventCellStart || evs[len(evs)-1].Kind != journeys.EventCellEnd || steps != len(run.Steps) {
					t.Errorf("%s: %d events, %d steps; want cell-start, one step event per stored step (%d), cell-end", cell, len(evs), steps, len(run.Steps))
				}
			}
		})
	}
}
