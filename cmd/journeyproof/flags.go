package main

import (
	"errors"
	"flag"
	"fmt"
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
