package pgtest

import (
	"context"
	"testing"

	"journeyproof/internal/browsertest"
)

// Lazy is a package's private cluster, started by the first test that asks
// for it (Get) and stopped by Close in TestMain, so that tests which need
// no database start none. The quick tier (go test -short) keeps the tests
// that use it: a cluster starts in a few seconds.
type Lazy struct {
	shared browsertest.Shared
	c      *Cluster
}

// NewLazy returns a cluster that starts on first use.
func NewLazy() *Lazy {
	l := &Lazy{}
	l.shared = browsertest.Shared{Needs: "PostgreSQL", Quick: true, Setup: func() (func(), error) {
		c, err := Start(context.Background())
		if err != nil {
			return nil, err
		}
		l.c = c
		return c.Stop, nil
	}}
	return l
}

// Get returns the cluster, starting it on first use; it fails tb when the
// cluster cannot start.
func (l *Lazy) Get(tb testing.TB) *Cluster {
	tb.Helper()
	l.shared.Need(tb)
	return l.c
}

// Close stops the cluster if a test started it.
func (l *Lazy) Close() { l.shared.Close() }
