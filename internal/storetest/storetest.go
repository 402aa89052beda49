// Package storetest opens the evidence store a test writes its runs to:
// SQLite in the test's own temporary folder, closed when the test ends.
package storetest

import (
	"testing"

	"journeyproof/recordings"
)

// Open opens a store in a new temporary folder of tb and closes it when tb
// and its subtests end; it fails tb when the store does not open.
func Open(tb testing.TB) *recordings.Store {
	tb.Helper()
	store, err := recordings.Open(tb.TempDir())
	if err != nil {
		tb.Fatalf("open a store: %v", err)
	}
	tb.Cleanup(func() { store.Close() })
	return store
}
