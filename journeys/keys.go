package journeys

import "slices"

// KeyNames lists the named keys a press step may give, in the order the
// docs give them; any single character may be pressed too.
func KeyNames() []string {
	return []string{"Enter", "Tab", "Escape", "Backspace", "Delete", "Space", "ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"}
}

// isKnownKey reports whether a press step may give k: a named key or a
// single character.
func isKnownKey(k string) bool {
	return slices.Contains(KeyNames(), k) || len([]rune(k)) == 1
}
