package main

import (
	"context"
	"os"

	"journeyproof/engine"
	"journeyproof/journeys/examples"
)

// serveAfterDemo serves the web app on the demo's evidence, opening on the
// demo's release, with the demo's sandbox as the default base URL of runs
// started from the app, until ctx ends (Ctrl-C).
func serveAfterDemo(ctx context.Context, env *cli, e *engine.Engine, addr, release, sandboxURL string) int {
	js, err := examples.Load()
	if err != nil {
		return errorExit(env, err, exitFailed)
	}
	return serveWeb(ctx, env, e, webConfig{addr: addr, token: os.Getenv("JOURNEYPROOF_TOKEN"), baseURL: sandboxURL, journeys: js, release: release})
}
