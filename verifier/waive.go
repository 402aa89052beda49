package verifier

import "strings"

// Waive marks the findings of a rule as waived, with the reason, and returns
// them all: a waived finding stays in the list. rule is a rule id, or a
// prefix ending in ".*" (as "a11y.*") for a family of rules.
func Waive(fs []Finding, rule, reason string) []Finding {
	out := make([]Finding, len(fs))
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
