package main

import (
	"context"
	"fmt"

	"journeyproof/journeys/chrome"
)

func cmdVersion(ctx context.Context, env *cli, args []string) int {
	fs := newFlags(env, "version", "", "Prints the versions of journeyproof, Chromium and ffmpeg.")
	if _, done, code := parseFlags(env, fs, args); done {
		return code
	}
	fmt.Fprintf(env.stdout, "journeyproof %s\n", version)
	b, err := chrome.StartBrowser(ctx, chrome.BrowserOptions{})
	if err != nil {
		fmt.Fprintf(env.stdout, "chromium: %v\n", err)
	} else {
		fmt.Fprintf(env.stdout, "%s\n", b.Version())
		b.Close()
	}
	if v := ffmpegVersion(); v != "" {
		fmt.Fprintln(env.stdout, v)
	} else {
		fmt.Fprintln(env.stdout, "ffmpeg: not found (videos are skipped; run scripts/setup)")
	}
	return exitOK
}
