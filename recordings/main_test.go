package recordings_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"

	"journeyproof/journeys"
	"journeyproof/journeys/sandbox"
)

// One browser and the sandbox on loopback for the package.
var (
	browser *journeys.Browser
	baseURL string
)

func TestMain(m *testing.M) {
	b, err := journeys.StartBrowser(context.Background(), journeys.BrowserOptions{})
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
	code := m.Run()
	srv.Close()
	b.Close()
	os.Exit(code)
}
