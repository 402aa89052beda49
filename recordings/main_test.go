package recordings_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"

	"journeyproof/internal/pgtest"
	"journeyproof/journeys/chrome"
	"journeyproof/journeys/sandbox"
)

// One browser and the sandbox on loopback for the package.
var (
	browser *chrome.Browser
	baseURL string
	// pg is a private PostgreSQL cluster for the store's tests on Postgres.
	pg *pgtest.Cluster
)

func TestMain(m *testing.M) {
	b, err := chrome.StartBrowser(context.Background(), chrome.BrowserOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := httptest.NewServer(sb)
	browser, baseURL = b, srv.URL
	if pg, err = pgtest.Start(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	pg.Stop()
	srv.Close()
	b.Close()
	os.Exit(code)
}
