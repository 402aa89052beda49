package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"journeyproof/journeys"
)

func cmdInit(ctx context.Context, env *cli, args []string) int {
	fs := newFlags(env, "init", "[-o FILE]", "Writes a commented starter service file (journeyproof.yaml): the service's name, production origin,\ncallback URLs, encipherment certificates and the journey file of every business process.\nIt never overwrites a file. Exit 0 written, 2 the file exists or cannot be written.")
	out := fs.String("o", journeys.ServiceFileName, "where to write the service file")
	if _, done, code := parseArgs(env, fs, args, exactArgs(0, "expected no arguments; usage: journeyproof init [-o FILE]")); done {
		return code
	}
	if err := writeNew(*out, []byte(journeys.StarterService)); err != nil {
		return usageError(env, "init", fmt.Sprint(err))
	}
	fmt.Fprintf(env.stdout, "wrote %s: set the name, origin, callbacks and journey files, then run journeyproof preflight\n", *out)
	return exitOK
}

// writeNew writes a file that must not exist yet.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists; edit it, or remove it first", path)
		}
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
