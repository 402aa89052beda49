// Package browsertest starts what a package's tests share — one Chromium,
// and what the package builds with it (a loopback server, a store of real
// runs) — on the first test that needs it, so that the quick tier
// (go test -short) starts no browser and skips only the tests that need one.
//
// A package declares one Shared with its set-up, calls Need at the start of
// every test (or test helper) that uses what it sets up, and calls Close in
// TestMain after m.Run:
//
//	var shared = browsertest.Shared{Setup: setup}
//
//	func TestMain(m *testing.M) { browsertest.Run(m, &shared) }
package browsertest

import (
	"os"
	"sync"
	"testing"
)

// Shared is what a package's tests share, set up once by the first test that
// needs it and torn down by Close.
type Shared struct {
	// Setup starts what the tests share (assigning the package's test
	// variables) and returns how to stop it. On error it either stops
	// what it started itself or returns a stop that Close will call
	// (see Stops).
	Setup func() (stop func(), err error)
	// Needs names the slow thing Setup starts ("Chromium" when empty), for
	// the quick tier's skip message.
	Needs string
	// Quick keeps the tests that need it in the quick tier: Setup is
	// fast (a private PostgreSQL cluster, a loopback server) and only
	// started lazily.
	Quick bool

	once sync.Once
	stop func()
	err  error
}

// Need skips tb in the quick tier (go test -short) unless s is Quick.
// Otherwise it runs Setup on first use and fails tb if Setup failed, then
// or for an earlier test.
func (s *Shared) Need(tb testing.TB) {
	tb.Helper()
	if !s.Quick {
		Skip(tb, s.Needs)
	}
	if err := s.Start(); err != nil {
		tb.Fatalf("set-up shared by the package's tests: %v", err)
	}
}

// Start runs Setup once, whatever the mode, and returns its error. It is
// for code outside a test, such as a benchmark's child process started
// from TestMain.
func (s *Shared) Start() error {
	s.once.Do(func() { s.stop, s.err = s.Setup() })
	return s.err
}

// Close stops what Setup started, if a test needed it.
func (s *Shared) Close() {
	if s.stop != nil {
		s.stop()
	}
}

// Skip skips tb in the quick tier because it needs what (Chromium when
// empty) — for a test that starts a browser itself instead of sharing one.
func Skip(tb testing.TB, what string) {
	tb.Helper()
	if what == "" {
		what = "Chromium"
	}
	if testing.Short() {
		tb.Skip("needs " + what + "; the quick tier (-short) skips it")
	}
}

// Run is a package's TestMain: it runs the tests, closes what they set up
// (each of shared, in order) and exits with the tests' code.
func Run(m *testing.M, shared ...interface{ Close() }) {
	code := m.Run()
	for _, s := range shared {
		s.Close()
	}
	os.Exit(code)
}

// Stops collects how to stop what a Setup started, so that a Setup can
// return Stop whether it got to the end or not: Close stops what was
// started, the last first.
type Stops []func()

// Add adds how to stop the last thing started.
func (s *Stops) Add(stop func()) { *s = append(*s, stop) }

// Stop stops everything added, the last first.
func (s *Stops) Stop() {
	for i := len(*s) - 1; i >= 0; i-- {
		(*s)[i]()
	}
	*s = nil
}
