// Package chrometest starts what the tests of the packages that run
// journeys share: Chromium, started as journeyproof starts it, and the
// sandbox on a loopback server. A package's browsertest.Shared set-up
// calls Start once and keeps the Site for its tests.
package chrometest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"journeyproof/journeys/chrome"
	"journeyproof/journeys/sandbox"
)

// Site is a browser and the loopback server its tests run journeys on.
type Site struct {
	// Browser is Chromium, started with chrome.StartBrowser.
	Browser *chrome.Browser
	// URL is the server's base URL, http://127.0.0.1:PORT.
	URL string

	srv *httptest.Server
}

// Start starts the browser and a loopback server that serves the sandbox.
// routes, when not nil, adds a test's own pages: the server then serves
// what routes registers and the sandbox at "/". Close stops both.
func Start(routes func(mux *http.ServeMux)) (*Site, error) {
	b, err := chrome.StartBrowser(context.Background(), chrome.BrowserOptions{})
	if err != nil {
		return nil, err
	}
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("start the sandbox: %w", err)
	}
	var h http.Handler = sb
	if routes != nil {
		mux := http.NewServeMux()
		routes(mux)
		mux.Handle("/", sb)
		h = mux
	}
	srv := httptest.NewServer(h)
	return &Site{Browser: b, URL: srv.URL, srv: srv}, nil
}

// Sandbox serves the sandbox, with the defects named, on a loopback server
// of its own (no browser), for a test that runs journeys or opens pages
// against it. The caller closes the server.
func Sandbox(defects ...string) (*httptest.Server, error) {
	sb, err := sandbox.New(sandbox.Options{Defects: defects})
	if err != nil {
		return nil, fmt.Errorf("start the sandbox: %w", err)
	}
	return httptest.NewServer(sb), nil
}

// Close stops the server, then the browser.
func (s *Site) Close() {
	s.srv.Close()
	s.Browser.Close()
}
