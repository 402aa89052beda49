package recordings_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"journeyproof/internal/browsertest"
	"journeyproof/internal/pgtest"
	"journeyproof/journeys/chrome"
	"journeyproof/journeys/sandbox"
)

// One browser and the sandbox on loopback for the package, and a private
// PostgreSQL cluster, each started by the first test that needs it.
var (
	browser *chrome.Browser
	baseURL string
	shared  = browsertest.Shared{Setup: startBrowser}
	// pg is a private PostgreSQL cluster for the store's tests on Postgres.
	pg = pgtest.NewLazy()
)

func TestMain(m *testing.M) { browsertest.Run(m, pg, &shared) }

// startBrowser starts the package's browser and the sandbox on loopback.
func startBrowser() (func(), error) {
	b, err := chrome.StartBrowser(context.Background(), chrome.BrowserOptions{})
	if err != nil {
		return nil, err
	}
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		b.Close()
		return nil, err
	}
	srv := httptest.NewServer(sb)
	browser, baseURL = b, srv.URL
	return func() { srv.Close(); b.Close() }, nil
}
