package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"time"

	"journeyproof/recordings"
)

// inHKT is t in Hong Kong Time, the zone the command line prints times in
// (Hong Kong has no daylight saving time).
func inHKT(t time.Time) time.Time { return t.In(time.FixedZone("HKT", 8*60*60)) }

// defaultReviewer is the name a decision is recorded under without --by:
// JOURNEYPROOF_BY, else the operating system's user name.
func defaultReviewer() string {
	if v := os.Getenv("JOURNEYPROOF_BY"); v != "" {
		return v
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return os.Getenv("USER")
}

const baselineUsage = `Usage: journeyproof baseline set --release NAME [--journey ID] [--by NAME] [--note TEXT] [--data DIR]
       journeyproof baseline list [--data DIR]
       journeyproof baseline history [--journey ID] [--data DIR]
       journeyproof baseline rollback [--journey ID] [--to APPROVAL] [--by NAME] [--note TEXT] [--data DIR]

Marks a release as the approved baseline that 'journeyproof compare --head NAME' compares against,
for one journey or for every journey (recording who approved it, when, and a note); lists the
baselines; lists each baseline's history of approvals; rolls a baseline back to an earlier approval.`

func cmdBaseline(ctx context.Context, env *cli, args []string) int {
	subs := map[string]string{
		"set":      "Marks a release as the approved baseline, for one journey (--journey) or for every journey, and records who approved it.",
		"list":     "Lists the baselines: for each journey (or * for every journey) the approved release.",
		"history":  "Lists the approvals and roll backs of the baselines, newest first: who, when, the note and what had been reviewed.",
		"rollback": "Makes the release of an earlier approval the baseline again (by default the approval before the current one) and records it.",
	}
	if len(args) == 0 || (subs[args[0]] == "" && args[0] != "-h" && args[0] != "--help" && args[0] != "-help") {
		return usageError(env, "baseline", "usage: journeyproof baseline set|list|history|rollback [flags]; see journeyproof baseline -h")
	}
	if subs[args[0]] == "" {
		fmt.Fprintln(env.stdout, baselineUsage)
		return exitOK
	}
	sub := args[0]
	fs := newFlags(env, "baseline "+sub, "[flags]", subs[sub])
	sf := addStoreFlags(fs)
	var release, journey, by, note *string
	var to *uint
	if sub != "list" {
		journey = fs.String("journey", "", "journey id (default: the baseline of every journey, *)")
	}
	if sub == "set" {
		release = fs.String("release", "", "release to approve (required)")
	}
	if sub == "set" || sub == "rollback" {
		by = byFlag(fs, "who approves")
		note = fs.String("note", "", "a note kept with the approval")
	}
	if sub == "rollback" {
		to = fs.Uint("to", 0, "the approval id to return to (see baseline history; default: the one before the current)")
	}
	if _, done, code := parseArgs(env, fs, args[1:], noArgs("")); done {
		return code
	}
	if sub == "set" && *release == "" {
		return usageError(env, "baseline set", "give the release to approve: --release NAME")
	}
	store, code := sf.openFor(env)
	if store == nil {
		return code
	}
	defer store.Close()
	switch sub {
	case "set":
		a, err := store.Approve(*release, *journey, recordings.Approval{By: *by, Note: *note})
		if err != nil {
			if errors.Is(err, recordings.ErrNotFound) {
				return usageError(env, "baseline set", fmt.Sprintf("release %q has no runs; run it first or pick one of 'journeyproof baseline list'", *release))
			}
			return errorExit(env, err, exitFailed)
		}
		fmt.Fprintf(env.stdout, "Baseline of %s: release %q (approval %d by %s at %s)\n", scopeName(a.JourneyID), a.Release, a.ID, a.Who(), inHKT(a.At).Format("2006-01-02 15:04:05 HKT"))
		return exitOK
	case "rollback":
		a, err := store.Rollback(*journey, *to, *by, *note)
		if err != nil {
			if errors.Is(err, recordings.ErrNotFound) || errors.Is(err, recordings.ErrNoEarlierApproval) {
				return usageError(env, "baseline rollback", fmt.Sprintf("%s; see 'journeyproof baseline history'", err))
			}
			return errorExit(env, err, exitFailed)
		}
		fmt.Fprintf(env.stdout, "Baseline of %s rolled back to release %q (approval %d); was %q\n", scopeName(a.JourneyID), a.Release, a.RollbackTo, a.Previous)
		return exitOK
	case "history":
		hist, err := store.Approvals(*journey)
		if err != nil {
			return errorExit(env, err, exitFailed)
		}
		var rows []string
		for _, a := range hist {
			rows = append(rows, fmt.Sprintf("%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", a.ID, a.JourneyID, a.Action, a.Release, cmp.Or(a.Previous, "-"), a.Who(),
				inHKT(a.At).Format("2006-01-02 15:04:05"), a.Reviewed(), a.Note))
		}
		printTable(env.stdout, "No baseline has been approved yet. Approve one with: journeyproof baseline set --release NAME",
			"ID\tJOURNEY\tACTION\tRELEASE\tWAS\tBY\tAT (HKT)\tREVIEW\tNOTE", rows)
		return exitOK
	}
	bs, err := store.Baselines()
	if err != nil {
		return errorExit(env, err, exitFailed)
	}
	var rows []string
	for _, b := range bs {
		rows = append(rows, fmt.Sprintf("%s\t%s\t%s", b.JourneyID, b.Release, inHKT(b.SetAt).Format("2006-01-02 15:04:05")))
	}
	printTable(env.stdout, "No baseline set. Set one with: journeyproof baseline set --release NAME", "JOURNEY\tRELEASE\tSET AT (HKT)", rows)
	return exitOK
}

// scopeName names a baseline's scope: a journey, or every journey.
func scopeName(journeyID string) string {
	if journeyID == "" || journeyID == "*" {
		return "every journey"
	}
	return "journey " + journeyID
}
