package main

import (
	"context"
	"fmt"

	"journeyproof/engine"
	"journeyproof/journeys"
	"journeyproof/journeys/examples"
	"journeyproof/recordings"
)

func cmdDemo(ctx context.Context, env *cli, args []string) int {
	fs := newFlags(env, "demo", "[flags]", "Starts the built-in sandbox on a free port, runs every bundled journey over its whole matrix\n(3 processes x 3 languages x 2 devices; in each cell the main path and every branch: deny, time-out, close)\nunder release \"demo\", prints where the evidence is,\nthen serves the web app (unless --no-serve).")
	release := fs.String("release", "demo", "release label of the runs")
	defects := fs.String("defects", "", "sandbox defects to switch on for this demo (e.g. wrong-label)")
	noServe := fs.Bool("no-serve", false, "stop after the runs")
	addr := fs.String("addr", envOr("JOURNEYPROOF_ADDR", "127.0.0.1:8080"), "address of the web app")
	parallel := parallelFlag(fs)
	sf := addStoreFlags(fs)
	evidence := addEvidenceFlags(fs, "workflow video", true)
	failOn := fs.String("fail-on", envOr("JOURNEYPROOF_FAIL_ON", recordings.FailOnError), "with --no-serve, exit 1 when an unwaived finding is at or above this severity: error, warning or never")
	if _, done, code := parseFlags(env, fs, args); done {
		return code
	}
	if err := recordings.CheckFailOn(*failOn); err != nil {
		return errorExit(env, err, exitUsage)
	}
	if err := evidence.check(); err != nil {
		return errorExit(env, err, exitUsage)
	}
	js, err := examples.Load()
	if err != nil {
		return errorExit(env, err, exitFailed)
	}
	cells, err := journeys.Expand(js, nil, nil)
	if err != nil {
		return errorExit(env, err, exitFailed)
	}
	base, stop, err := startSandbox("127.0.0.1:0", splitList(*defects))
	if err != nil {
		return errorExit(env, err, exitUsage)
	}
	defer stop()
	fmt.Fprintf(env.stdout, "Sandbox at %s\n", base)
	e, code := sf.openEngine(ctx, env, engine.Config{Parallel: *parallel, Work: true})
	if e == nil {
		return code
	}
	defer e.Close()
	evidence.apply(e, env.stderr)
	code = runAndReport(ctx, env, e, engine.Invocation{Release: *release, BaseURL: base, Cells: cells}, reportOptions{failOn: *failOn})
	if *noServe || ctx.Err() != nil {
		return code
	}
	return serveAfterDemo(ctx, env, e, *addr, *release, base)
}
