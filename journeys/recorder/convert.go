package recorder

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"journeyproof"
	"journeyproof/journeys"
)

// Options tune a conversion.
type Options struct {
	// File names the recording in messages and in the journey's header.
	File string
	// BaseURL makes the URLs under it relative; by default, the origin of
	// the recording's first navigation.
	BaseURL string
	// Process is the business process; by default it is read from the
	// trigger request's scope, else from the trigger's label.
	Process string
	// IsAuthorization tells a request to the iAM Smart authorisation
	// endpoint (the rule pack's patterns).
	IsAuthorization func(url string) bool
	// IsEntryLabel tells the name or text of an iAM Smart entry (the rule
	// pack's entry patterns).
	IsEntryLabel func(text string) bool
}

// Result is a converted recording.
type Result struct {
	// YAML is the journey file.
	YAML []byte
	// Journey is the journey the YAML holds.
	Journey *journeys.Journey
	// Warnings name the steps that were not imported, or imported with a
	// change a person should check.
	Warnings []string
}

// Convert turns a Recorder recording into a journey file.
func Convert(data []byte, o Options) (*Result, error) {
	if o.File == "" {
		o.File = "recording.json"
	}
	rec, err := Parse(o.File, data)
	if err != nil {
		return nil, err
	}
	c := &converter{o: o, rec: rec}
	if err := c.run(); err != nil {
		return nil, err
	}
	out := c.render()
	j, err := journeys.Parse(journeyFile(o.File), out)
	if err != nil {
		return nil, fmt.Errorf("import %s: the journey made from it does not load (%v); please report this with the recording", o.File, err)
	}
	return &Result{YAML: out, Journey: j, Warnings: c.warnings}, nil
}

func journeyFile(recording string) string {
	return strings.TrimSuffix(strings.TrimSuffix(recording, ".json"), ".recording") + ".yaml"
}

// item is one entry of the journey's steps: a step, or a comment.
type item struct {
	comment []string
	step    *outStep
}

type outStep struct {
	name    string
	action  string // YAML of the action: "click: X" or "fill: {...}"
	trigger bool
	notes   []string
}

type converter struct {
	o        Options
	rec      *Recording
	base     *url.URL
	lang     string // the language the recording's URLs carry
	device   string
	viewport string
	process  string
	items    []item
	warnings []string
	langDep  []string // labels of steps whose selector is a name or text

	triggered bool   // the trigger has been emitted
	onIAM     bool   // the browser is on the iAM Smart side (after the trigger, before the return)
	outcome   string // the decision seen on the phone side
	returned  bool
	authURL   string
	trigLabel string
}

func (c *converter) warnf(i int, s *Step, format string, args ...any) {
	c.warnings = append(c.warnings, fmt.Sprintf("%s: step %d (%s): %s", c.o.File, i+1, s.Type, fmt.Sprintf(format, args...)))
}

func (c *converter) comment(lines ...string) { c.items = append(c.items, item{comment: lines}) }
func (c *converter) add(s *outStep)          { c.items = append(c.items, item{step: s}) }

func (c *converter) run() error {
	if c.o.BaseURL != "" {
		u, err := url.Parse(c.o.BaseURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("--base-url %q: expected an absolute URL such as https://eservice.example.gov.hk", c.o.BaseURL)
		}
		c.base = u
	}
	for _, s := range c.rec.Steps {
		if s.Type == "navigate" && s.URL != "" {
			u, err := url.Parse(s.URL)
			if err == nil && c.base == nil && u.Host != "" {
				c.base = &url.URL{Scheme: u.Scheme, Host: u.Host}
			}
			if err == nil && c.lang == "" {
				c.lang = urlLang(u)
			}
		}
	}
	steps := c.rec.Steps
	for i := range steps {
		s := &steps[i]
		switch s.Type {
		case "setViewport":
			dev := "desktop"
			if s.IsMobile {
				dev = "mobile"
			}
			if c.device != "" && c.device != dev {
				c.warnf(i, s, "the viewport changes to %s; the journey runs on %s only", dev, c.device)
				continue
			}
			c.device = dev
			c.viewport = fmt.Sprintf("%gx%g", s.Width, s.Height)
		case "navigate":
			if c.isAuth(s.URL) {
				c.markTrigger(s.URL)
				continue
			}
			c.maybeReturn(i, s, true)
			c.add(&outStep{name: "Open " + c.display(s.URL), action: "goto: " + plain(c.relative(s.URL, true))})
		case "click", "doubleClick":
			c.click(i, s)
		case "change":
			c.change(i, s)
		case "keyDown":
			c.key(i, s)
		case "keyUp", "close":
			// keyUp pairs with keyDown; close ends the recording.
		case "waitForElement":
			c.waitForElement(i, s)
		case "scroll":
			c.comment(fmt.Sprintf("step %d (scroll) not imported: the runner scrolls each element into view before it acts on it", i+1))
		case "hover":
			c.untranslatable(i, s, "journeys have no hover action")
		case "waitForExpression":
			c.untranslatable(i, s, "journeys have no JavaScript waits; use wait: {selector | text | url}: "+oneLine(s.Expression))
		case "customStep":
			c.untranslatable(i, s, fmt.Sprintf("custom step %q has no journey equivalent", s.Name))
		case "emulateNetworkConditions":
			c.untranslatable(i, s, "journeys run on the machine's network")
		}
	}
	if c.onIAM {
		c.comment("The recording ends on the iAM Smart page. To go on, add the decision",
			"(- iamsmart: approve) and the steps on the service's callback page.")
	}
	if c.device == "" {
		c.device = "desktop"
	}
	n := 0
	for _, it := range c.items {
		if it.step != nil {
			n++
		}
	}
	if n == 0 {
		return fmt.Errorf("import %s: no step of the recording can be imported (see the warnings); record the flow again with clicks, typing and navigations", c.o.File)
	}
	return c.decideProcess()
}

func (c *converter) untranslatable(i int, s *Step, why string) {
	c.comment(fmt.Sprintf("step %d (%s) not imported: %s", i+1, s.Type, why))
	c.warnf(i, s, "not imported (kept as a comment): %s", why)
}

// isAuth tells a request to the iAM Smart authorisation endpoint.
func (c *converter) isAuth(u string) bool {
	return u != "" && c.o.IsAuthorization != nil && c.o.IsAuthorization(u)
}

// markTrigger marks the last click as the trigger when a navigation to the
// authorisation endpoint follows it.
func (c *converter) markTrigger(auth string) {
	if c.triggered {
		return
	}
	for k := len(c.items) - 1; k >= 0; k-- {
		if st := c.items[k].step; st != nil {
			if strings.HasPrefix(st.action, "click:") {
				st.trigger = true
				c.triggered, c.onIAM, c.authURL = true, true, auth
				c.add(&outStep{name: "Wait for the iAM Smart page", action: "wait: {url: " + flow(c.urlPattern(auth)) + "}"})
			}
			return
		}
	}
}

var iamPageHint = regexp.MustCompile(`(?i)qr|iamsmart|iam-smart|open-app|open-phone`)

// onIAMPage guesses whether a main-page step after the trigger acts on the
// iAM Smart page: a phone-side step later in the recording says so for
// every step before it; else the step's ids and classes (or a QR code in
// its name) do.
func (c *converter) onIAMPage(i int, s *Step) bool {
	for k := i + 1; k < len(c.rec.Steps); k++ {
		if !c.rec.Steps[k].inMain() {
			return true
		}
	}
	for _, alt := range s.alternatives() {
		if strings.HasPrefix(alt, "aria/") || strings.HasPrefix(alt, "text/") {
			if strings.Contains(strings.ToLower(alt), "qr") {
				return true
			}
			continue
		}
		if iamPageHint.MatchString(alt) {
			return true
		}
	}
	return false
}

// maybeReturn adds the iamsmart step when a step shows that the browser is
// back on the service (after the trigger). sure is set for steps that are
// on the service whatever their selectors say (a navigation).
func (c *converter) maybeReturn(i int, s *Step, sure bool) {
	if !c.onIAM {
		return
	}
	if !sure && c.onIAMPage(i, s) {
		return
	}
	outcome := c.outcome
	if outcome == "" {
		outcome = journeys.OutcomeApprove
	}
	name := map[string]string{
		journeys.OutcomeApprove: "Approve in the iAM Smart app",
		journeys.OutcomeDeny:    "Deny in the iAM Smart app",
	}[outcome]
	c.add(&outStep{name: name, action: "iamsmart: " + outcome,
		notes: []string{"added by import: the recording returns to the service's callback here"}})
	c.onIAM, c.returned = false, true
}

var denyWords = regexp.MustCompile(`(?i)deny|reject|cancel|decline|拒絕|拒绝|取消`)

func (c *converter) click(i int, s *Step) {
	ch := choose(s)
	if !s.inMain() {
		where := s.Target
		if len(s.Frame) > 0 {
			where = "a frame"
		}
		if c.onIAM {
			if denyWords.MatchString(strings.Join(s.allSelectors(), " ")) {
				c.outcome = journeys.OutcomeDeny
			}
			c.comment(fmt.Sprintf("step %d (%s %s) acts on the iAM Smart phone side (%s):", i+1, s.Type, first(ch.Selector, s.allSelectors()), where),
				"the iamsmart step below makes that decision.")
			return
		}
		c.untranslatable(i, s, fmt.Sprintf("it acts in %s; journeys act in one page", where))
		return
	}
	if ch.Selector == "" {
		c.untranslatable(i, s, "no recorded selector the runner can use: "+strings.Join(s.allSelectors(), ", "))
		return
	}
	if c.onIAM && c.onIAMPage(i, s) {
		c.comment(fmt.Sprintf("step %d (%s %s) acts on the iAM Smart page: the iamsmart step below decides the request.", i+1, s.Type, ch.Selector))
		return
	}
	c.maybeReturn(i, s, false)
	nav := s.navigation()
	trigger := false
	if !c.triggered {
		next := ""
		if i+1 < len(c.rec.Steps) && c.rec.Steps[i+1].Type == "navigate" {
			next = c.rec.Steps[i+1].URL
		}
		switch {
		case c.isAuth(nav):
			trigger, c.authURL = true, nav
		case c.isAuth(next):
			trigger = true
		case ch.Label != "" && c.o.IsEntryLabel != nil && c.o.IsEntryLabel(ch.Label):
			trigger = true
		}
	}
	verb := "Click"
	if trigger {
		verb = "Choose"
		c.triggered, c.onIAM, c.trigLabel = true, true, ch.Label
	}
	st := &outStep{name: verb + " " + c.label(ch), action: "click: " + plain(ch.Selector), trigger: trigger}
	c.selectorNotes(st, ch)
	if s.Type == "doubleClick" {
		st.notes = append(st.notes, "recorded as a double click; journeys click once")
	}
	c.add(st)
	if nav != "" {
		name := "Wait for " + c.display(nav)
		if trigger || c.isAuth(nav) {
			name = "Wait for the iAM Smart page"
		}
		c.add(&outStep{name: name, action: "wait: {url: " + flow(c.urlPattern(nav)) + "}"})
	}
}

func first(sel string, alts []string) string {
	if sel != "" {
		return sel
	}
	if len(alts) > 0 {
		return alts[0]
	}
	return "?"
}

// selectorNotes keeps the other recorded selectors in a comment and counts
// the steps found by name or text.
func (c *converter) selectorNotes(st *outStep, ch choice) {
	if len(ch.Others) > 0 {
		st.notes = append(st.notes, "recorded selectors: "+strings.Join(ch.Others, " | "))
	}
	if ch.LangDependent {
		c.langDep = append(c.langDep, ch.Selector)
	}
}

func (c *converter) change(i int, s *Step) {
	ch := choose(s)
	if !s.inMain() || ch.Selector == "" {
		c.untranslatable(i, s, "no recorded selector the runner can use in the main page: "+strings.Join(s.allSelectors(), ", "))
		return
	}
	c.maybeReturn(i, s, false)
	action, name := "fill", "Fill in "+c.label(ch)
	if isSelect(s.alternatives()) {
		action, name = "select", fmt.Sprintf("Choose %q in %s", s.Value, c.label(ch))
	}
	st := &outStep{name: name, action: action + ": {selector: " + flow(ch.Selector) + ", value: " + flow(s.Value) + "}"}
	c.selectorNotes(st, ch)
	c.add(st)
}

var modifierKeys = map[string]bool{"Shift": true, "Control": true, "Alt": true, "Meta": true, "CapsLock": true}

func (c *converter) key(i int, s *Step) {
	k := s.Key
	if k == " " {
		k = "Space"
	}
	if modifierKeys[k] {
		c.warnf(i, s, "modifier key %s not imported: journeys press one key at a time", k)
		c.comment(fmt.Sprintf("step %d (keyDown %s) not imported: journeys press one key at a time", i+1, k))
		return
	}
	if !s.inMain() {
		c.untranslatable(i, s, "it acts in another page")
		return
	}
	probe := fmt.Sprintf("id: k\nname: k\nprocess: p\nsteps:\n  - press: %s\n", flow(k))
	if _, err := journeys.Parse("key.yaml", []byte(probe)); err != nil {
		c.untranslatable(i, s, fmt.Sprintf("key %q is not one journeys can press", s.Key))
		return
	}
	c.maybeReturn(i, s, false)
	c.add(&outStep{name: "Press " + k, action: "press: " + flow(k)})
}

func (c *converter) waitForElement(i int, s *Step) {
	ch := choose(s)
	if !s.inMain() || ch.Selector == "" {
		c.untranslatable(i, s, "no recorded selector the runner can use in the main page: "+strings.Join(s.allSelectors(), ", "))
		return
	}
	var why []string
	if s.Visible != nil && !*s.Visible {
		why = append(why, "waiting for an element to be hidden")
	}
	if s.Count != nil && !(*s.Count == 1 && (s.Operator == "" || s.Operator == ">=")) {
		why = append(why, fmt.Sprintf("a count of elements (%s %d)", first(s.Operator, []string{"=="}), *s.Count))
	}
	if len(s.Attributes) > 0 || len(s.Properties) > 0 {
		why = append(why, "attributes or properties")
	}
	if len(why) > 0 {
		c.untranslatable(i, s, "journeys wait for a visible element, not for "+strings.Join(why, " or "))
		return
	}
	c.maybeReturn(i, s, false)
	st := &outStep{name: "Wait for " + c.label(ch), action: "wait: {selector: " + flow(ch.Selector) + "}"}
	c.selectorNotes(st, ch)
	c.add(st)
}

// label names an element in a step name.
func (c *converter) label(ch choice) string {
	if ch.Label != "" {
		return fmt.Sprintf("%q", ch.Label)
	}
	return ch.Selector
}

// decideProcess sets the business process: the option, else the trigger
// request's scope, else the trigger's label.
func (c *converter) decideProcess() error {
	if c.o.Process != "" {
		c.process = c.o.Process
		return nil
	}
	if u, err := url.Parse(c.authURL); err == nil && c.authURL != "" {
		scope := u.Query().Get("scope")
		switch {
		case strings.Contains(scope, "eidapi_sign"):
			c.process = journeyproof.ProcessSigning
		case strings.Contains(scope, "eidapi_formFilling"):
			c.process = journeyproof.ProcessFormFilling
		case strings.Contains(scope, "eidapi_auth"):
			c.process = journeyproof.ProcessAuthentication
		}
	}
	if c.process == "" && c.trigLabel != "" {
		l := strings.ToLower(c.trigLabel)
		switch {
		case strings.Contains(l, "sign") || strings.ContainsAny(c.trigLabel, "簽签"):
			c.process = journeyproof.ProcessSigning
		case strings.Contains(l, "fill") || strings.Contains(l, "form") || strings.Contains(c.trigLabel, "填"):
			c.process = journeyproof.ProcessFormFilling
		case strings.Contains(l, "log") || strings.Contains(l, "continue") || strings.Contains(c.trigLabel, "登"):
			c.process = journeyproof.ProcessAuthentication
		}
	}
	if c.process == "" {
		why := "no step of the recording triggers iAM Smart"
		if c.triggered {
			why = "neither the trigger's request nor its label names it"
		}
		return fmt.Errorf("import %s: cannot tell the business process (%s); give --process authentication, form-filling or signing", c.o.File, why)
	}
	return nil
}

// urlLang returns the language a URL carries in a lang, locale or hl
// query parameter, or as a path segment ("" when none).
func urlLang(u *url.URL) string {
	for _, k := range []string{"lang", "locale", "hl", "language"} {
		if v := u.Query().Get(k); journeyproof.IsLanguage(v) {
			return v
		}
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if journeyproof.IsLanguage(seg) {
			return seg
		}
	}
	return ""
}

// relative makes a URL relative to the base when it is under it, and puts
// ${lang} back where it carries the recording's language.
func (c *converter) relative(raw string, withLang bool) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	out := raw
	if c.base != nil && u.Scheme == c.base.Scheme && u.Host == c.base.Host && strings.HasPrefix(u.Path, strings.TrimRight(c.base.Path, "/")) {
		out = strings.TrimPrefix(u.RequestURI(), strings.TrimRight(c.base.Path, "/"))
		if u.Fragment != "" {
			out += "#" + u.Fragment
		}
		if !strings.HasPrefix(out, "/") {
			out = "/" + out
		}
	}
	if withLang && c.lang != "" {
		out = putLang(out, c.lang)
	}
	return out
}

// putLang replaces the language in a URL's lang-like query parameter or
// path segment with ${lang}.
func putLang(s, lang string) string {
	for _, k := range []string{"lang", "locale", "hl", "language"} {
		for _, sep := range []string{"?", "&"} {
			old := sep + k + "=" + lang
			if i := strings.Index(s, old); i >= 0 {
				end := i + len(old)
				if end == len(s) || s[end] == '&' || s[end] == '#' {
					return s[:i] + sep + k + "=${lang}" + s[end:]
				}
			}
		}
	}
	if i := strings.Index(s, "/"+lang+"/"); i >= 0 {
		return s[:i] + "/${lang}/" + s[i+len(lang)+2:]
	}
	if strings.HasSuffix(s, "/"+lang) {
		return strings.TrimSuffix(s, lang) + "${lang}"
	}
	return s
}

// urlPattern is the pattern a wait step matches a navigation with: the
// URL's path (relative when under the base, whole without its query
// otherwise), since queries carry values that change (state, code).
func (c *converter) urlPattern(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	rel := c.base != nil && u.Scheme == c.base.Scheme && u.Host == c.base.Host
	p := u.EscapedPath()
	if c.lang != "" {
		p = putLang(p, c.lang)
	}
	if rel {
		if p == "" || p == "/" {
			return `re:^https?://[^/]+/?([?#]|$)`
		}
		return p
	}
	return u.Scheme + "://" + u.Host + p
}

// display is a URL as a step name shows it: its path when under the
// base, else the URL without its query.
func (c *converter) display(raw string) string {
	if p := c.urlPattern(raw); !strings.HasPrefix(p, "re:") {
		return p
	}
	return "/"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// plain quotes a value for block context (YAML's own choice of style).
func plain(s string) string {
	b, err := yaml.Marshal(s)
	if err != nil || strings.Count(strings.TrimRight(string(b), "\n"), "\n") > 0 || strings.HasPrefix(string(b), "|") || strings.HasPrefix(string(b), ">") {
		return flow(s)
	}
	return strings.TrimRight(string(b), "\n")
}

// flow quotes a value for flow context: a JSON string, which YAML reads.
func flow(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimRight(b.String(), "\n")
}

// render writes the journey file.
func (c *converter) render() []byte {
	var b strings.Builder
	title := strings.TrimSpace(c.rec.Title)
	if title == "" {
		title = "Imported recording"
	}
	fmt.Fprintf(&b, "# Imported by journeyproof import from %s.\n", c.o.File)
	b.WriteString("# Each step runs the most stable recorded selector (ids and data-* first, then\n# aria/ names, text/); the other recorded selectors are in a comment under it.\n")
	if c.base != nil {
		fmt.Fprintf(&b, "# Recorded on %s: run it with journeyproof run --base-url URL.\n", c.base.String())
	}
	fmt.Fprintf(&b, "name: %s\n", plain(title))
	fmt.Fprintf(&b, "process: %s\n", c.process)
	b.WriteString("matrix:\n")
	langs := "[" + strings.Join(journeyproof.Languages(), ", ") + "]"
	switch {
	case len(c.langDep) > 0 && c.lang != "":
		fmt.Fprintf(&b, "  languages: [%s]  # aria/ and text/ selectors are in %s; give other languages ids to run in them\n", c.lang, c.lang)
	case len(c.langDep) > 0:
		fmt.Fprintf(&b, "  languages: [en]  # aria/ and text/ selectors are in the recording's language: set it here\n")
		c.warnings = append(c.warnings, fmt.Sprintf("%s: the recording's URLs carry no language and %d steps find elements by name or text; set matrix.languages to the recording's language", c.o.File, len(c.langDep)))
	case c.lang != "":
		fmt.Fprintf(&b, "  languages: %s  # the recording's URLs carry the language (%s): ${lang} runs each\n", langs, c.lang)
	default:
		fmt.Fprintf(&b, "  languages: %s\n", langs)
	}
	if c.viewport != "" {
		fmt.Fprintf(&b, "  devices: [%s]  # recorded at %s\n", c.device, c.viewport)
	} else {
		fmt.Fprintf(&b, "  devices: [%s]\n", c.device)
	}
	b.WriteString("steps:\n")
	for _, it := range c.items {
		if it.step == nil {
			for _, l := range it.comment {
				fmt.Fprintf(&b, "  # %s\n", l)
			}
			continue
		}
		st := it.step
		fmt.Fprintf(&b, "  - name: %s\n", plain(st.name))
		fmt.Fprintf(&b, "    %s\n", st.action)
		if st.trigger {
			b.WriteString("    trigger: true\n")
		}
		for _, n := range st.notes {
			fmt.Fprintf(&b, "    # %s\n", n)
		}
	}
	return []byte(b.String())
}
