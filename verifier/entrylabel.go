package verifier

// IsEntryLabel reports whether a text (a visible label or an accessible
// name) names an iAM Smart entry by the pack's entry patterns, and is not
// a link about iAM Smart (the pack's moreInfo patterns). Tools that read
// recordings use it to tell the click that triggers iAM Smart.
func (p *Pack) IsEntryLabel(text string) bool {
	return matchesAny(p.entry.patterns, text) && !matchesAny(p.moreInfo.patterns, text)
}
