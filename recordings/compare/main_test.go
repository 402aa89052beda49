package compare

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/engine"
	"journeyproof/internal/browsertest"
	"journeyproof/internal/chrometest"
	"journeyproof/internal/enginetest"
	"journeyproof/journeys"
	"journeyproof/recordings"
)

// testEnv is what TestMain prepares once for the package: one Chromium,
// the sandbox over loopback, and a store holding three releases of the
// login journey, each of the cells en/desktop and zh-HK/mobile:
//
//	base    clean sandbox (and en/mobile, run in base only)
//	again   the same clean sandbox, run again (the QR code and the state differ)
//	defect  the sandbox with the wrong-label defect
type testEnv struct {
	dir string
	// engine runs the cells as `journeyproof run` does (queue, worker,
	// recorder, checker), without video; store is its own.
	engine *engine.Engine
	store  *recordings.Store
	login  *journeys.Journey
}

var env *testEnv

// shared makes env for the first test that needs it.
var shared = browsertest.Shared{Setup: setup}

func TestMain(m *testing.M) { browsertest.Run(m, &shared) }

// setup starts the browser and stores the three releases in env.
func setup() (func(), error) {
	var stops browsertest.Stops
	dir, err := os.MkdirTemp("", "compare-test-")
	if err != nil {
		return stops.Stop, err
	}
	stops.Add(func() { os.RemoveAll(dir) })
	ctx := context.Background()
	eng, err := enginetest.Open(ctx, dir, engine.Config{Parallel: 2, Work: true})
	if err != nil {
		return stops.Stop, err
	}
	stops.Add(func() { eng.Close() })
	login, err := enginetest.Journey("login")
	if err != nil {
		return stops.Stop, err
	}
	env = &testEnv{dir: dir, engine: eng, store: eng.Store, login: login}
	// Both cells of each release, plus one cell in base only.
	pair := []string{"login/en/desktop", "login/zh-HK/mobile"}
	for _, rel := range []struct {
		name, defect string
		cells        []string
	}{
		{name: "base", cells: append([]string{"login/en/mobile"}, pair...)},
		{name: "again", cells: pair},
		{name: "defect", defect: "wrong-label", cells: pair},
	} {
		if err := env.runRelease(ctx, rel.name, rel.defect, rel.cells); err != nil {
			return stops.Stop, err
		}
	}
	return stops.Stop, nil
}

// runRelease runs cells of the login journey against a fresh sandbox and
// stores them under the release.
func (e *testEnv) runRelease(ctx context.Context, release, defect string, only []string) error {
	var defects []string
	if defect != "" {
		defects = []string{defect}
	}
	srv, err := chrometest.Sandbox(defects...)
	if err != nil {
		return err
	}
	defer srv.Close()
	all, err := journeys.Expand([]*journeys.Journey{e.login}, nil, nil)
	if err != nil {
		return err
	}
	var cells []journeys.Cell
	for _, c := range all {
		if slices.Contains(only, c.String()) {
			cells = append(cells, c)
		}
	}
	if len(cells) != len(only) {
		return fmt.Errorf("release %s: found %d of the cells %v", release, len(cells), only)
	}
	rctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	out, err := enginetest.Run(rctx, e.engine, release, srv.URL, cells)
	if err != nil {
		return err
	}
	for _, res := range out.Results {
		if res.Status != journeyproof.StatusPassed {
			return fmt.Errorf("release %s: %s %s: %s", release, res.Cell, res.Status, res.Error)
		}
	}
	return nil
}

// runOf returns the run of a cell in a release.
func (e *testEnv) runOf(t *testing.T, release, cell string) *recordings.Run {
	t.Helper()
	runs, _, err := e.store.Runs(recordings.RunFilter{Release: release})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.Cell() == cell {
			full, err := e.store.Run(r.ID)
			if err != nil {
				t.Fatal(err)
			}
			return full
		}
	}
	t.Fatalf("no run of %s in release %s", cell, release)
	return nil
}
