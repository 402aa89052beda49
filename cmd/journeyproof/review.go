package main

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"journeyproof/recordings"
	"journeyproof/recordings/compare"
)

func cmdReview(ctx context.Context, env *cli, args []string) int {
	fs := newFlags(env, "review", "[--base NAME] --head NAME [--accept IDS] [--reject IDS] [--by NAME] [--note TEXT] [--approve]",
		"The review queue of a comparison, as the web app's /compare shows it: every changed, added or removed screen,\n"+
			"new and resolved findings, text changes and added or removed cells, one per line with its number and decision.\n"+
			"--accept and --reject record decisions on changes by number (as listed) or key, comma-separated, or \"all\"\n"+
			"(the unreviewed ones). --approve then makes the head the baseline of each journey it ran; it refuses while\n"+
			"changes are unreviewed or rejected unless --unreviewed-ok is given. Without --base the head is compared with\n"+
			"each journey's baseline. Exit 0 when nothing is left unreviewed or rejected, 1 otherwise, 2 for bad usage.")
	base := fs.String("base", "", "base release (default: each journey's baseline)")
	head := fs.String("head", "", "head release (required)")
	accept := fs.String("accept", "", "changes to accept: numbers or keys, comma-separated, or all")
	reject := fs.String("reject", "", "changes to reject: numbers or keys, comma-separated, or all")
	by := byFlag(fs, "who decides")
	note := fs.String("note", "", "a note kept with each decision (and the approval)")
	approve := fs.Bool("approve", false, "approve the head as the baseline of each journey it ran")
	unreviewedOK := fs.Bool("unreviewed-ok", false, "with --approve: approve even with unreviewed or rejected changes")
	threshold := fs.Float64("threshold", 0.1, "colour threshold of the image diff, 0 to 1")
	maxPixels := fs.Int("max-diff-pixels", 0, "a step is over the limit when more pixels than this differ (default: any)")
	sf := addStoreFlags(fs)
	if _, done, code := parseArgs(env, fs, args, noArgs("")); done {
		return code
	}
	switch {
	case *head == "":
		return usageError(env, "review", "give the head release: --head NAME")
	case strings.Contains(","+*accept+",", ",all,") && strings.Contains(","+*reject+",", ",all,"):
		return usageError(env, "review", "--accept all and --reject all together make no sense")
	case *threshold <= 0 || *threshold > 1:
		return usageError(env, "review", "--threshold must be above 0 and at most 1")
	case (*accept != "" || *reject != "") && strings.TrimSpace(*by) == "":
		return usageError(env, "review", "give who decides: --by NAME (or set JOURNEYPROOF_BY)")
	}
	store, rep, code := compareStored(ctx, env, sf, compare.Side{Release: *base}, compare.Side{Release: *head},
		compare.Options{Threshold: *threshold, Limit: compare.Limit{MaxDiffPixels: *maxPixels}, NoDiffImages: true})
	if rep == nil {
		return code
	}
	defer store.Close()
	q := compare.NewQueue(rep, nil)
	reviews, err := store.Reviews(q.Pairs())
	if err != nil {
		return errorExit(env, err, exitFailed)
	}
	q.Apply(reviews)
	// Resolve every reference before storing anything, so a typo stores
	// nothing.
	type decision struct {
		c *compare.Change
		d string
	}
	var todo []decision
	for _, set := range []struct{ refs, d string }{{*accept, recordings.DecisionAccepted}, {*reject, recordings.DecisionRejected}} {
		for _, ref := range splitList(set.refs) {
			if ref == "all" {
				for i := range q.Changes {
					if q.Changes[i].Decision == "" {
						todo = append(todo, decision{&q.Changes[i], set.d})
					}
				}
				continue
			}
			c := q.Find(ref)
			if c == nil {
				return usageError(env, "review", fmt.Sprintf("no change %q in this comparison; it has %d (run without --accept/--reject to list them)", ref, len(q.Changes)))
			}
			todo = append(todo, decision{c, set.d})
		}
	}
	for _, t := range todo {
		r := recordings.Review{BaseRunID: t.c.BaseRun, HeadRunID: t.c.HeadRun, Change: t.c.Key, Decision: t.d, By: *by, Note: *note}
		if err := store.AddReview(&r); err != nil {
			return errorExit(env, err, exitFailed)
		}
		reviews = append(reviews, r)
	}
	q.Apply(reviews)
	printQueue(env, rep, q)
	if *approve {
		if (q.Unreviewed > 0 || q.Rejected > 0) && !*unreviewedOK {
			fmt.Fprintf(env.stderr, "journeyproof review: not approved: %d changes unreviewed and %d rejected; review them, or give --unreviewed-ok to approve with them\n", q.Unreviewed, q.Rejected)
			return exitFailed
		}
		journeys := map[string]bool{}
		for _, r := range rep.Runs {
			if r.Head != nil && !journeys[r.Journey] {
				journeys[r.Journey] = true
				a, err := store.Approve(*head, r.Journey, q.Approval(rep, r.Journey, *by, *note))
				if err != nil {
					return errorExit(env, err, exitFailed)
				}
				fmt.Fprintf(env.stdout, "Approved %q as the baseline of %s (approval %d by %s)\n", a.Release, a.JourneyID, a.ID, a.Who())
			}
		}
		return exitOK
	}
	if q.Unreviewed > 0 || q.Rejected > 0 {
		return exitFailed
	}
	return exitOK
}

// printQueue lists the changes with their decisions, then the summary.
func printQueue(env *cli, rep *compare.Report, q *compare.Queue) {
	fmt.Fprintf(env.stdout, "Review of %s (head) against %s\n", rep.Head, rep.Base)
	if len(q.Changes) > 0 {
		tw := newTable(env.stdout)
		fmt.Fprintln(tw, "#\tDECISION\tCHANGE\tWHAT\tBY\tKEY")
		for _, c := range q.Changes {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", c.N, cmp.Or(c.Decision, "unreviewed"), c.Title, cmp.Or(strings.Join(c.What, ", "), string(c.Kind)), cmp.Or(c.By, "-"), c.Key)
		}
		tw.Flush()
	}
	fmt.Fprintln(env.stdout, q.Summary())
}
