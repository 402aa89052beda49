package browsertest

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// Start sets up once whatever the number of callers, keeps the first error,
// and Close stops what was set up (and nothing when nothing was).
func TestSharedStartsOnceAndStops(t *testing.T) {
	var setups, stops int
	s := Shared{Setup: func() (func(), error) {
		setups++
		return func() { stops++ }, nil
	}}
	s.Close()
	if stops != 0 {
		t.Fatalf("Close before any use stopped %d times", stops)
	}
	for range 3 {
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	if setups != 1 || stops != 1 {
		t.Errorf("set up %d times, stopped %d times; want 1 and 1", setups, stops)
	}

	boom := errors.New("no chromium")
	failed := Shared{Setup: func() (func(), error) { setups++; return nil, boom }}
	setups = 0
	for range 2 {
		if err := failed.Start(); !errors.Is(err, boom) {
			t.Errorf("Start = %v, want %v", err, boom)
		}
	}
	failed.Close()
	if setups != 1 {
		t.Errorf("a failed set-up ran %d times, want 1", setups)
	}
}

// In the quick tier Need skips before setting anything up; in the full
// tier it sets up.
func TestNeedSkipsInQuickTier(t *testing.T) {
	setups := 0
	s := Shared{Setup: func() (func(), error) { setups++; return func() {}, nil }}
	t.Run("need", func(t *testing.T) { s.Need(t) })
	want := 1
	if testing.Short() {
		want = 0
	}
	if setups != want {
		t.Errorf("short=%v: set up %d times, want %d", testing.Short(), setups, want)
	}
}

// A Quick set-up runs in the quick tier too.
func TestQuickRunsInQuickTier(t *testing.T) {
	setups := 0
	s := Shared{Needs: "PostgreSQL", Quick: true, Setup: func() (func(), error) { setups++; return func() {}, nil }}
	s.Need(t)
	s.Need(t)
	if setups != 1 {
		t.Errorf("set up %d times, want 1", setups)
	}
}

// Stops stops the last started first, once.
func TestStopsLastFirst(t *testing.T) {
	var got []int
	var s Stops
	for i := range 3 {
		s.Add(func() { got = append(got, i) })
	}
	s.Stop()
	s.Stop()
	if len(got) != 3 || got[0] != 2 || got[1] != 1 || got[2] != 0 {
		t.Errorf("stopped in the order %v, want [2 1 0] once", got)
	}
}

// Processes finds this process with its parent and command line.
func TestProcessesFindsSelf(t *testing.T) {
	ps, err := Processes()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.PID != os.Getpid() {
			continue
		}
		if p.Parent != os.Getppid() || !strings.HasPrefix(p.Line, " "+os.Args[0]+" ") {
			t.Errorf("this process: %+v; want parent %d, command line %q ...", p, os.Getppid(), os.Args[0])
		}
		return
	}
	t.Errorf("this process (%d) not among the %d listed", os.Getpid(), len(ps))
}
