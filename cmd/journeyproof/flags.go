package main

import (
	"errors"
	"flag"
	"fmt"
	"runtime"
)

// newFlags makes a command's flag set; usage is the synopsis after the
// command name.
func newFlags(env *cli, name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: journeyproof %s %s\n\n%s\n\nFlags:\n", name, synopsis, about)
		fs.PrintDefaults()
	}
	return fs
}

// rulesHelp is the help of --rules in the commands that check pages.
const rulesHelp = "rule pack YAML replacing the embedded iamsmart pack"

// rulesFlag adds --rules, the rule pack YAML a command uses instead of the
// embedded iamsmart pack (default JOURNEYPROOF_RULES); help says what for.
func rulesFlag(fs *flag.FlagSet, help string) *string {
	return fs.String("rules", envOr("JOURNEYPROOF_RULES", ""), help)
}

// parallelFlag adds --parallel, how many cells a command runs at once
// (default: one per CPU).
func parallelFlag(fs *flag.FlagSet) *int {
	return fs.Int("parallel", runtime.NumCPU(), "cells run at once")
}

// byFlag adds --by, who a decision is recorded under; who says what the
// command records, such as "who approves".
func byFlag(fs *flag.FlagSet, who string) *string {
	return fs.String("by", defaultReviewer(), who+" (default: env JOURNEYPROOF_BY, else the user name)")
}

// usageError prints msg as the bad-usage line of the command name and
// returns the exit code of bad usage (2).
func usageError(env *cli, name, msg string) int {
	fmt.Fprintln(env.stderr, "journeyproof "+name+": "+msg)
	return exitUsage
}

// parseFlags parses flags that may come before or after the positional
// arguments. It returns the positional arguments, or done=true with the
// exit code when the command must stop (help or a bad flag).
func parseFlags(env *cli, fs *flag.FlagSet, args []string) (pos []string, done bool, code int) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(env.stdout)
			fs.Usage()
			return nil, true, exitOK
		}
	}
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, true, exitOK
			}
			return nil, true, exitUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, false, 0
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), false, 0
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// positional checks a command's positional arguments, as cobra's Args
// does: it returns what is wrong with them as the command's bad-usage
// line, or "" when they are right.
type positional func(pos []string) string

// exactArgs wants n positional arguments; else the bad-usage line is msg.
func exactArgs(n int, msg string) positional {
	return func(pos []string) string {
		if len(pos) != n {
			return msg
		}
		return ""
	}
}

// minArgs wants at least n positional arguments; else the bad-usage line
// is msg.
func minArgs(n int, msg string) positional {
	return func(pos []string) string {
		if len(pos) < n {
			return msg
		}
		return ""
	}
}

// noArgs wants no positional argument; the bad-usage line names the first
// one given, followed by hint (such as "; usage: ...").
func noArgs(hint string) positional {
	return func(pos []string) string {
		if len(pos) > 0 {
			return fmt.Sprintf("unexpected argument %q", pos[0]) + hint
		}
		return ""
	}
}

// parseArgs is parseFlags followed by the check want of the positional
// arguments: on bad ones it prints the bad-usage line of the command and
// stops with the exit code of bad usage.
func parseArgs(env *cli, fs *flag.FlagSet, args []string, want positional) (pos []string, done bool, code int) {
	pos, done, code = parseFlags(env, fs, args)
	if done {
		return nil, true, code
	}
	if msg := want(pos); msg != "" {
		return nil, true, usageError(env, fs.Name(), msg)
	}
	return pos, false, exitOK
}
