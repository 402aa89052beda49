package main

import (
	"context"
	"fmt"
)

// serveAfterDemo serves the web app on the demo's evidence.
func serveAfterDemo(ctx context.Context, env *cli, e *engine, addr, release, sandboxURL string) int {
	fmt.Fprintf(env.stdout, "The web app is not built yet; the evidence is in %s\n", absPath(e.store.Dir()))
	return exitOK
}
