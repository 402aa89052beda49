package journeys

import (
	"strings"
	"testing"
)

const branchJourney = `
name: Log in
process: authentication
matrix: {languages: [en, zh-HK], devices: [desktop]}
steps:
  - id: open
    goto: /login?lang=${lang}
  - id: trigger
    click: "#iamsmart-login"
    trigger: true
    branches:
      password:
        label: Logs in with a password instead
        steps:
          - fill: {selector: "#username", value: chantaiman}
          - id: done
            expect: {visible: "#welcome"}
  - id: approve
    name: Approve in the app
    caption: The user approves on the phone.
    iamsmart: approve
    branches:
      deny:
        - id: cancelled
          expect: {visible: "#error"}
      timeout:
        - iamsmart: timeout
          name: Wait until the request times out
        - expect: {visible: "#error"}
      close:
        - expect: {visible: "#iamsmart-login"}
  - id: done
    expect: {visible: "#welcome"}
`

func TestParseBranches(t *testing.T) {
	j, err := Parse("login.yaml", []byte(branchJourney))
	if err != nil {
		t.Fatal(err)
	}
	if len(j.Steps) != 4 {
		t.Fatalf("main path has %d steps, want 4", len(j.Steps))
	}
	var names []string
	for _, b := range j.Branches {
		names = append(names, b.Name+"@"+itoa(b.At)+":"+b.Label)
	}
	want := "password@1:Logs in with a password instead deny@2:Denies in the iAM Smart app timeout@2:Does not answer in time close@2:Closes the iAM Smart page"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("branches =\n %s\nwant\n %s", got, want)
	}
	path := func(b string) string {
		steps, err := j.Path(b)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range steps {
			out = append(out, s.ID+"|"+string(s.Action)+"|"+s.Value+"|"+s.Name+"|"+s.Caption)
		}
		return strings.Join(out, "\n")
	}
	cases := map[string]string{
		"main": "open|goto|/login?lang=${lang}|Go to /login?lang=${lang}|\ntrigger|click||Click #iamsmart-login|\napprove|iamsmart|approve|Approve in the app|The user approves on the phone.\ndone|expect||Expect #welcome visible|",
		// The fork step repeated with the branch's outcome: its own id, name, no caption.
		"deny": "open|goto|/login?lang=${lang}|Go to /login?lang=${lang}|\ntrigger|click||Click #iamsmart-login|\ndeny|iamsmart|deny|Deny in the iAM Smart app|The user declines the request in the iAM Smart app.\ncancelled|expect||Expect #error visible|",
		// A branch that begins with its own iamsmart step replaces the fork step.
		"timeout":  "open|goto|/login?lang=${lang}|Go to /login?lang=${lang}|\ntrigger|click||Click #iamsmart-login|\n|iamsmart|timeout|Wait until the request times out|\n|expect||Expect #error visible|",
		"password": "open|goto|/login?lang=${lang}|Go to /login?lang=${lang}|\n|fill|chantaiman|Fill #username|\ndone|expect||Expect #welcome visible|",
	}
	for b, want := range cases {
		if got := path(b); got != want {
			t.Errorf("path %s =\n%s\nwant\n%s", b, got, want)
		}
	}
	if _, err := j.Path("nope"); err == nil || !strings.Contains(err.Error(), "main, password, deny, timeout, close") {
		t.Errorf("unknown branch: %v", err)
	}

	cells, err := Expand([]*Journey{j}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != 2*5 {
		t.Fatalf("%d cells, want 10 (2 languages x 5 paths)", len(cells))
	}
	if cells[0].String() != "login/en/desktop" || cells[2].String() != "login/en/desktop/deny" {
		t.Errorf("cells = %s, %s", cells[0], cells[2])
	}
	narrow, err := NarrowBranches(cells, []string{"main", "deny"})
	if err != nil || len(narrow) != 4 {
		t.Fatalf("narrow = %d cells, %v", len(narrow), err)
	}
	if _, err := NarrowBranches(cells, []string{"approve"}); err == nil {
		t.Error("narrow to an unknown branch: no error")
	}
}

func itoa(i int) string { return string(rune('0' + i)) }

func TestParseBranchErrors(t *testing.T) {
	head := "name: X\nprocess: authentication\nsteps:\n"
	cases := []struct{ src, want string }{
		{head + "  - click: a\n    branches:\n      deny:\n        - expect: {visible: b}\n",
			`x.yaml:6:7: branches: "deny" is an iAM Smart outcome; a branch of that name belongs on an iamsmart step`},
		{head + "  - iamsmart: approve\n    branches:\n      approve:\n        - expect: {visible: b}\n",
			`x.yaml:6:7: branches: "approve" is this step's own outcome (the main path); branch to another outcome: deny, timeout, close`},
		{head + "  - iamsmart: approve\n    branches:\n      deny: []\n",
			`x.yaml:6:13: branches.deny: expected a list of at least one step`},
		{head + "  - iamsmart: approve\n    branches:\n      Deny:\n        - expect: {visible: b}\n",
			`x.yaml:6:7: branches: expected a lower-case branch name`},
		{head + "  - iamsmart: approve\n    branches:\n      deny:\n        - iamsmart: timeout\n",
			`x.yaml:7:11: branches.deny: the branch begins with iamsmart: timeout; expected iamsmart: deny`},
		{head + "  - iamsmart: approve\n    branches:\n      deny:\n        - expect: {visible: b}\n          branches:\n            x: [{expect: {visible: c}}]\n",
			`x.yaml:9:13: branches: a branch cannot fork again`},
		{head + "  - click: a\n    branches:\n      other: [{expect: {visible: b}}]\n  - click: c\n    branches:\n      other: [{expect: {visible: d}}]\n",
			`x.yaml:9:7: branches: branch "other" is already defined at line 6`},
		{head + "  - click: a\n    branches:\n      main: [{expect: {visible: b}}]\n",
			`x.yaml:6:7: branches: "main" names the main path`},
		{head + "  - id: a\n    goto: /\n  - click: b\n    branches:\n      other:\n        - id: a\n          expect: {visible: b}\n",
			`x.yaml:9:11: step id "a" is used twice on branch other`},
		{head + "  - click: a\n    branches:\n      other: {label: Other}\n",
			`x.yaml:6:14: branches.other: missing key "steps"`},
		{head + "  - click: a\n    branches:\n      other: {stepz: []}\n",
			`x.yaml:6:15: branches.other: unknown key "stepz" (did you mean "steps"?); expected one of label, steps`},
		{head + "  - iamsmart: later\n",
			`x.yaml:4:15: iamsmart: expected approve, deny, timeout or close, found "later"`},
	}
	for _, c := range cases {
		_, err := Parse("x.yaml", []byte(c.src))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("Parse(%q)\n  = %v\n want prefix %s", c.src, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("error is not one line: %q", err)
		}
	}
}
