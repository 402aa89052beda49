package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"journeyproof/engine"
	"journeyproof/journeys/recorder"
)

func cmdImport(ctx context.Context, env *cli, args []string) int {
	fs := newFlags(env, "import", "RECORDING.json [-o journey.yaml] [--base-url URL] [--process P] [--rules FILE]",
		"Turns a Chrome DevTools Recorder recording (DevTools > Recorder > Export > JSON) into a journey file:\n"+
			"navigate becomes goto, click click, change fill or select, keyDown press, waitForElement wait,\n"+
			"a step's asserted navigation a wait for its URL, setViewport the device. Each step runs the most\n"+
			"stable recorded selector; the others are kept in a comment. The click that leaves for iAM Smart\n"+
			"is marked trigger, and an iamsmart step is added where the recording returns to the callback.\n"+
			"Steps a journey cannot express are kept as comments and named on stderr.\n"+
			"Exit 0 written, 2 not a recording or bad usage.")
	out := fs.String("o", "", "write the journey here (default: standard output)")
	baseURL := fs.String("base-url", "", "URLs under this origin become relative (default: the origin of the recording's first navigation)")
	process := fs.String("process", "", "business process: authentication, form-filling or signing (default: from the trigger's request or label)")
	rules := rulesFlag(fs, "rule pack whose authorisation patterns and entry labels tell the trigger (default: the embedded iamsmart pack)")
	pos, done, code := parseArgs(env, fs, args, exactArgs(1, "expected one recording; usage: journeyproof import RECORDING.json [-o journey.yaml]"))
	if done {
		return code
	}
	pack, err := engine.LoadPack(*rules)
	if err != nil {
		return errorExit(env, err, exitUsage)
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return usageError(env, "import", fmt.Sprint(err))
	}
	res, err := recorder.Convert(data, recorder.Options{
		File: pos[0], BaseURL: *baseURL, Process: *process,
		IsAuthorization: pack.IsAuthorizeURL, IsEntryLabel: pack.IsEntryLabel,
	})
	if err != nil {
		return errorExit(env, err, exitUsage)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(env.stderr, "warning: %s\n", w)
	}
	if *out == "" {
		env.stdout.Write(res.YAML)
		return exitOK
	}
	if err := os.WriteFile(*out, res.YAML, 0o644); err != nil {
		return usageError(env, "import", fmt.Sprint(errors.Unwrap(err)))
	}
	trig := "no trigger step"
	for _, s := range res.Journey.Steps {
		if s.Trigger {
			trig = "trigger: " + s.Name
		}
	}
	fmt.Fprintf(env.stdout, "wrote %s: %d steps (%s), process %s; run it with journeyproof run %s\n", *out, len(res.Journey.Steps), trig, res.Journey.Process, filepath.ToSlash(*out))
	return exitOK
}
