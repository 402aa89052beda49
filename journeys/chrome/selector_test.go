package chrome_test

import (
	"strings"
	"testing"

	"journeyproof"
	"journeyproof/journeys/chrome"
)

// aria/ and text/ selectors (as the DevTools Recorder writes them) run as
// such: the password login of the sandbox, found by accessible names and
// texts only, and a field whose type is read from its node (XPath).
func TestARIAAndTextSelectors(t *testing.T) {
	src := `id: sel
name: Selectors
process: authentication
steps:
  - goto: /login?lang=en
  - expect: {visible: "text/Log in with iAM Smart"}
  - fill: {selector: "aria/Username", value: chantaiman}
  - fill: {selector: "//input[@id='password']", value: sandbox}
  - click: 'aria/Log in[role="button"]'
  - expect: {visible: "aria/Your account[role=\"heading\"]", url: /account}
  - expect: {visible: "text/Welcome, CHAN Tai Man"}
  - click: "text/Back to home"
  - expect: {url: "re:/$"}
`
	col, results := run(t, src, []string{"en"}, []string{"desktop"})
	if results[0].Status != journeyproof.StatusPassed {
		t.Fatalf("run %s: %s", results[0].Status, results[0].Error)
	}
	steps := col.steps["sel/en/desktop"]
	if !strings.HasSuffix(steps[5].URL, "/account") {
		t.Fatalf("after the aria/ click the page is %s", steps[5].URL)
	}
	// An aria/ selector that names nothing fails its step, naming it.
	src = "id: sel2\nname: S\nprocess: authentication\nsteps:\n  - goto: /login?lang=en\n  - click: 'aria/Log out[role=\"button\"]'\n    timeout: 2s\n"
	_, results = run(t, src, []string{"en"}, []string{"desktop"})
	if results[0].Status != journeyproof.StatusFailed || !strings.Contains(results[0].Error, `aria/Log out[role="button"]`) {
		t.Fatalf("run %s: %s", results[0].Status, results[0].Error)
	}
}

func TestParseARIASelector(t *testing.T) {
	tests := []struct{ sel, name, role string }{
		{"aria/Username", "Username", ""},
		{`aria/Log in[role="button"]`, "Log in", "button"},
		{`aria/[role="heading"][name="Your account"]`, "Your account", "heading"},
		{`aria/以「智方便」登入[role="link"]`, "以「智方便」登入", "link"},
		{`aria/Say \"hi\"[role='button']`, `Say \"hi\"`, "button"},
	}
	for _, tc := range tests {
		name, role := chrome.ParseARIASelector(tc.sel)
		if name != tc.name || role != tc.role {
			t.Errorf("%s: %q %q, want %q %q", tc.sel, name, role, tc.name, tc.role)
		}
	}
}
