// Package enginetest opens what the tests that store real runs share: an
// engine opened as journeyproof run opens it, but with video off and a
// quiet logger; the sandbox on a loopback server; a bundled journey. Its
// functions return errors, so that a package's browsertest.Shared set-up
// can call them as well as a test.
package enginetest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"

	"journeyproof/engine"
	"journeyproof/journeys"
	"journeyproof/journeys/examples"
	"journeyproof/journeys/sandbox"
)

// Open opens an engine on a store in dir, with cfg's other settings, video
// off and a logger that discards the engine's warnings. The caller closes
// it.
func Open(ctx context.Context, dir string, cfg engine.Config) (*engine.Engine, error) {
	cfg.DataDir = dir
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	e, err := engine.Open(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open the engine: %w", err)
	}
	e.Video = engine.Video{Mode: "off"}
	return e, nil
}

// Serve serves the sandbox, with the defects switched on, on a loopback
// server, and returns its base URL (http://127.0.0.1:PORT) and how to stop
// it.
func Serve(defects ...string) (base string, stop func(), err error) {
	sb, err := sandbox.New(sandbox.Options{Defects: defects})
	if err != nil {
		return "", nil, fmt.Errorf("start the sandbox: %w", err)
	}
	srv := httptest.NewServer(sb)
	return srv.URL, srv.Close, nil
}

// Journey is the bundled journey with the id (login, form, sign).
func Journey(id string) (*journeys.Journey, error) {
	js, err := examples.Load()
	if err != nil {
		return nil, fmt.Errorf("load the bundled journeys: %w", err)
	}
	for _, j := range js {
		if j.ID == id {
			return j, nil
		}
	}
	return nil, fmt.Errorf("no bundled journey %q", id)
}
