package recordings_test

import (
	"testing"

	"journeyproof/internal/browsertest"
	"journeyproof/internal/chrometest"
	"journeyproof/internal/pgtest"
	"journeyproof/journeys/chrome"
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
	site, err := chrometest.Start(nil)
	if err != nil {
		return nil, err
	}
	browser, baseURL = site.Browser, site.URL
	return site.Close, nil
}
