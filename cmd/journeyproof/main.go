// Command journeyproof drives headless Chromium through every business
// process of an online service that triggers iAM Smart, in every language
// and device, and turns each run into evidence: screenshots, a workflow
// video, guideline findings, wireframe packs and release comparisons.
//
// This package parses flags and wires the other packages; nothing else.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
)

// version is the journeyproof version, set at build time with
// -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, env *cli, args []string) int
}

// cli is what every command gets: its output streams.
type cli struct {
	stdout, stderr io.Writer
}

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

func commands() map[string]command {
	return map[string]command{
		"run":         {"run journey files over their matrix and store the evidence", cmdRun},
		"sandbox":     {"serve the built-in sample service and iAM Smart simulator", cmdSandbox},
		"demo":        {"run every bundled journey against the sandbox (release demo), then serve the web app", cmdDemo},
		"check":       {"check one page against the iAM Smart rule pack", cmdCheck},
		"version":     {"print the versions of journeyproof, Chromium and ffmpeg", cmdVersion},
		"export":      {"export a release as an evidence pack: wireframe PDFs, videos, report, signed manifest", cmdExport},
		"verify-pack": {"check that a pack's files match its manifest (and its signature)", cmdVerifyPack},
		"keygen":      {"write an Ed25519 key pair for signing packs", cmdKeygen},
		"compare":     {"compare two releases (or a release against its baseline) screen by screen", cmdCompare},
		"baseline":    {"set, list, roll back the approved baseline of each journey, and show its history", cmdBaseline},
		"review":      {"review a comparison change by change: accept or reject each, then approve the baseline", cmdReview},
		"serve":       {"serve the web app: coverage matrix, run storyboards with video and findings, start runs", cmdServe},
		"init":        {"write a commented starter service file (journeyproof.yaml)", cmdInit},
		"import":      {"turn a Chrome DevTools Recorder recording (JSON) into a journey file", cmdImport},
		"preflight":   {"check TLS, App Link / Universal Link, callbacks and encipherment certificates before ITE and production", cmdPreflight},
		"attach":      {"attach a person's phone recording of the iAM Smart app to a run", cmdAttach},
		"worker":      {"take cells from the queue and run them (one per machine, with a shared --db)", cmdWorker},
		"workers":     {"list the live workers, what they run, and the queue's depth", cmdWorkers},
		"migrate":     {"create or update the tables of the evidence store and the queue (--db or SQLite)", cmdMigrate},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := dispatch(ctx, &cli{stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(code)
}

func dispatch(ctx context.Context, env *cli, args []string) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if c, ok := cmds[args[1]]; ok {
				return c.run(ctx, env, []string{"-h"})
			}
		}
		usage(env.stdout, cmds)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(env.stderr, "journeyproof: unknown command %q; run 'journeyproof help' for the list\n", args[0])
		return exitUsage
	}
	return c.run(ctx, env, args[1:])
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintf(w, "journeyproof %s: evidence for iAM Smart journeys (wireframes, videos, guideline checks)\n\nUsage: journeyproof COMMAND [flags]\n\nCommands:\n", version)
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'journeyproof COMMAND -h' for a command's flags.")
}

// newTable aligns the columns of a table the commands print, two spaces
// apart; cells end with a tab, rows with a newline. Flush it at the end.
func newTable(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }

// printTable prints rows (cells separated by tabs) under header as a
// table, or the line none when there are no rows.
func printTable(w io.Writer, none, header string, rows []string) {
	if len(rows) == 0 {
		fmt.Fprintln(w, none)
		return
	}
	tw := newTable(w)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, r)
	}
	tw.Flush()
}

// printJSON prints v as indented JSON, as every --json does; escapeHTML
// keeps encoding/json's escaping of <, > and & (off where the values are
// URLs and messages that people read).
func printJSON(w io.Writer, v any, escapeHTML bool) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(escapeHTML)
	return enc.Encode(v)
}

// splitList splits a comma-separated flag value.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// flagOrEnv returns a flag's value when it is given, else the
// JOURNEYPROOF_* variable name, else def; unlike a flag default, the
// variable's value is never printed by -h.
func flagOrEnv(flag, name, def string) string {
	if flag != "" {
		return flag
	}
	return envOr(name, def)
}

// envOr returns the JOURNEYPROOF_* variable or the default.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
