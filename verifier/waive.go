package verifier

import (
	"strings"

	"journeyproof"
)

// Waive marks the findings of a rule as waived, with the reason, and returns
// them all: a waived finding stays in the list. rule is a rule id, or a
// prefix ending in ".*" (as "a11y.*") for a family of rules.
func Waive(fs []journeyproof.Finding, rule, reason string) []journeyproof.Finding {
	out := make([]journeyproof.Finding, len(fs))
	copy(out, fs)
	for i := range out {
		if ruleMatches(rule, out[i].Rule) {
			out[i].Waived = true
			out[i].WaiverReason = reason
		}
	}
	return out
}

func ruleMatches(pattern, rule string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(rule, prefix)
	}
	return pattern == rule
}
