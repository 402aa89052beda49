package journeys

import (
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// stepKind is one kind of step in the journey format, as a value: the key
// that names it in a journey file, how that key's value is read, how a
// step of the kind describes itself, whether it acts on the page and how
// long it may take by default. The list of kinds (stepKinds) is the one
// place the action keys are written; the loader's keys, the error messages
// and the runner's check that it can run every kind all come from it. The
// browser side of each kind is in package journeys/chrome (actions.go), one
// type per kind, so that this package does not depend on chromedp.
type stepKind struct {
	action Action
	// read reads the value of the step's action key into s.
	read func(p *parser, s *Step, v *yaml.Node) error
	// describe names a step of the kind when the journey gives no name.
	describe func(s *Step) string
	// interacts is true when the step acts on the page (so that a trigger
	// step's evidence is taken before the action, on the screen that
	// triggers).
	interacts bool
	// timeout bounds a step of the kind that gives no timeout; zero means
	// the runner's default.
	timeout time.Duration
}

// stepKinds lists every kind of step, in the order the docs give them.
func stepKinds() []stepKind {
	return []stepKind{
		{action: ActGoto, read: readGoto, describe: func(s *Step) string { return "Go to " + s.Value }},
		{action: ActClick, read: readClick, describe: func(s *Step) string { return "Click " + s.Selector }, interacts: true},
		{action: ActFill, read: readField, describe: func(s *Step) string { return "Fill " + s.Selector }},
		{action: ActSelect, read: readField, describe: func(s *Step) string { return "Select " + s.Value + " in " + s.Selector }},
		{action: ActPress, read: readPress, describe: func(s *Step) string { return "Press " + s.Value }, interacts: true},
		{action: ActWait, read: readWaitOrExpect, describe: describeWait},
		{action: ActExpect, read: readWaitOrExpect, describe: describeExpect},
		{action: ActSnapshot, read: readSnapshot, describe: func(*Step) string { return "Snapshot" }},
		// an iamsmart step waits for a person deciding on a phone
		{action: ActIAMSmart, read: readIAMSmart, describe: func(s *Step) string { return "iAM Smart: " + s.Value }, timeout: 2 * time.Minute},
	}
}

// kindOf returns the kind of step a names.
func kindOf(a Action) (stepKind, bool) {
	for _, k := range stepKinds() {
		if k.action == a {
			return k, true
		}
	}
	return stepKind{}, false
}

// Actions lists every step action, in the order the docs give them.
func Actions() []Action {
	var out []Action
	for _, k := range stepKinds() {
		out = append(out, k.action)
	}
	return out
}

// DefaultTimeout is how long a step of this action may take when the step
// gives no timeout: two minutes for an iamsmart step (a person decides on
// a phone), zero for the others (the runner's default).
func (a Action) DefaultTimeout() time.Duration {
	k, _ := kindOf(a)
	return k.timeout
}

// IsInteraction reports whether the step acts on the page (so that a trigger
// step's evidence is taken before the action, on the screen that triggers).
func (s *Step) IsInteraction() bool {
	k, _ := kindOf(s.Action)
	return k.interacts
}

// Describe returns a short description of the step's action, used as its
// name when the journey gives none.
func (s *Step) Describe() string {
	if k, ok := kindOf(s.Action); ok {
		return k.describe(s)
	}
	return string(s.Action)
}

func describeWait(s *Step) string {
	switch {
	case s.Duration > 0:
		return "Wait " + s.Duration.String()
	case s.Selector != "":
		return "Wait for " + s.Selector
	case s.Text != "":
		return fmt.Sprintf("Wait for %q", s.Text)
	default:
		return "Wait for URL " + s.URL
	}
}

func describeExpect(s *Step) string {
	var parts []string
	if s.Selector != "" {
		parts = append(parts, s.Selector+" visible")
	}
	if s.Text != "" {
		parts = append(parts, fmt.Sprintf("text %q", s.Text))
	}
	if s.URL != "" {
		parts = append(parts, "URL "+s.URL)
	}
	return "Expect " + strings.Join(parts, ", ")
}

func readGoto(p *parser, s *Step, v *yaml.Node) (err error) {
	s.Value, err = p.nonEmpty(v, "goto")
	return err
}

func readClick(p *parser, s *Step, v *yaml.Node) (err error) {
	s.Selector, err = p.nonEmpty(v, "click")
	return err
}

// readField reads a fill or select step: {selector: CSS, value: TEXT}.
func readField(p *parser, s *Step, v *yaml.Node) error {
	what := string(s.Action)
	err := p.fields(v, what, []string{"selector", "value"}, func(key string, k, v *yaml.Node) error {
		var err error
		if key == "selector" {
			s.Selector, err = p.nonEmpty(v, what+".selector")
		} else {
			s.Value, err = p.str(v, what+".value")
		}
		return err
	})
	if err == nil && s.Selector == "" {
		err = p.errf(v, "%s: missing selector; expected {selector: CSS, value: TEXT}", what)
	}
	return err
}

func readPress(p *parser, s *Step, v *yaml.Node) error {
	err := p.scalarOrPair(v, "press", "key", "selector", &s.Value, &s.Selector)
	if err == nil && s.Value != "" && !isKnownKey(s.Value) {
		err = p.errf(v, "press: unknown key %q; expected one of %s or a single character", s.Value, strings.Join(KeyNames(), ", "))
	}
	if err == nil && s.Value == "" {
		err = p.errf(v, "press: missing key; expected press: Enter or {key: Enter, selector: CSS}")
	}
	return err
}

func readWaitOrExpect(p *parser, s *Step, v *yaml.Node) error {
	what := string(s.Action)
	if s.Action == ActWait && v.Kind == yaml.ScalarNode {
		d, err := p.duration(v, "wait")
		s.Duration = d
		return err
	}
	keys := []string{"selector", "text", "url"}
	if s.Action == ActExpect {
		keys = []string{"visible", "text", "url"}
	}
	err := p.fields(v, what, keys, func(key string, k, v *yaml.Node) error {
		val, err := p.nonEmpty(v, what+"."+key)
		if err != nil {
			return err
		}
		switch key {
		case "selector", "visible":
			s.Selector = val
		case "text":
			s.Text = val
		case "url":
			if _, err := URLPattern(val); err != nil {
				return p.errf(v, "%s.url: %v", what, err)
			}
			s.URL = val
		}
		return nil
	})
	if err == nil && s.Selector == "" && s.Text == "" && s.URL == "" {
		if s.Action == ActWait {
			return p.errf(v, "wait: expected a duration (5s) or one of selector, text, url")
		}
		return p.errf(v, "expect: expected at least one of visible, text, url")
	}
	return err
}

func readSnapshot(p *parser, s *Step, v *yaml.Node) error {
	if v.Kind != yaml.ScalarNode {
		return p.errf(v, "snapshot: expected a name for the frame, found %s", kindName(v))
	}
	if v.Tag == "!!null" {
		return nil
	}
	var b bool
	if v.Decode(&b) == nil && v.Tag == "!!bool" {
		if !b {
			return p.errf(v, "snapshot: expected a name or true, found false")
		}
		return nil
	}
	var err error
	s.Name, err = p.nonEmpty(v, "snapshot")
	return err
}

func readIAMSmart(p *parser, s *Step, v *yaml.Node) error {
	err := p.scalarOrPair(v, "iamsmart", "outcome", "callback", &s.Value, &s.URL)
	if err == nil && !isOutcome(s.Value) {
		err = p.errf(v, "iamsmart: expected approve, deny, timeout or close, found %q", s.Value)
	}
	return err
}
