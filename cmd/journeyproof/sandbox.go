package main

import (
	"context"
	"fmt"

	"journeyproof/journeys/sandbox"
)

func cmdSandbox(ctx context.Context, env *cli, args []string) int {
	fs := newFlags(env, "sandbox", "[--addr 127.0.0.1:8090] [--defects LIST] [--request-timeout 2m]", "Serves the built-in sample online service and the local iAM Smart simulator, so journeys run with no network.\nDefects (comma-separated) switch on guideline mistakes for every request; per request use ?defects=LIST.")
	addr := fs.String("addr", envOr("JOURNEYPROOF_SANDBOX_ADDR", "127.0.0.1:8090"), "address to listen on")
	defects := fs.String("defects", "", "defects to switch on for every request; one of:"+defectList())
	timeout := fs.Duration("request-timeout", sandbox.DefaultRequestTimeout, "how long an iAM Smart request waits for the user on the (simulated) phone before it times out")
	if _, done, code := parseFlags(env, fs, args); done {
		return code
	}
	if *timeout <= 0 {
		return usageError(env, "sandbox", "--request-timeout must be positive, such as 30s or 2m")
	}
	url, stop, err := startSandboxWith(*addr, sandbox.Options{Defects: splitList(*defects), RequestTimeout: *timeout})
	if err != nil {
		return errorExit(env, err, exitUsage)
	}
	defer stop()
	fmt.Fprintf(env.stdout, "Sandbox online service at %s/ (login %s/login, form %s/form, signing %s/sign)\n", url, url, url, url)
	if *defects != "" {
		fmt.Fprintf(env.stdout, "Defects on: %s\n", *defects)
	}
	fmt.Fprintln(env.stdout, "Press Ctrl-C to stop.")
	<-ctx.Done()
	return exitOK
}

func defectList() string {
	s := ""
	for _, d := range sandbox.Defects() {
		s += fmt.Sprintf("\n    %-24s breaks %s: %s", d.Name, d.Rule, d.Description)
	}
	return s
}
