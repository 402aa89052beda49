package verifier

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"journeyproof"
)

func TestDefaultPack(t *testing.T) {
	p := DefaultPack()
	if p.Name() != "iamsmart" {
		t.Errorf("Name() = %q", p.Name())
	}
	rules := p.Rules()
	if len(rules) != len(ruleIDs()) {
		t.Fatalf("Rules() has %d rules, want %d", len(rules), len(ruleIDs()))
	}
	for _, r := range rules {
		if r.Description == "" || (r.Severity != SeverityError && r.Severity != SeverityWarning) {
			t.Errorf("rule %+v", r)
		}
	}
	if r := rules[slices.IndexFunc(rules, func(r RuleInfo) bool { return r.ID == RuleMoreInfo })]; r.Severity != SeverityWarning {
		t.Errorf("%s severity = %s, want warning", r.ID, r.Severity)
	}
}

// TestPackDefaultsAreMarked checks that the embedded pack says which values
// are its own choice: every section holding one has a "Pack default" comment.
func TestPackDefaultsAreMarked(t *testing.T) {
	text := string(defaultPackYAML)
	for _, section := range []string{"languages:", "logo:", "button:", "prominence:", "script:", "moreInfo:", "redirect:"} {
		i := strings.Index(text, "\n"+section)
		if i < 0 {
			t.Fatalf("no section %s", section)
		}
		end := strings.Index(text[i+1:], "\n# ")
		if end < 0 {
			end = len(text) - i - 1
		}
		before := text[max(0, i-400):i]
		body := text[i : i+1+end]
		if !strings.Contains(before+body, "Pack default") {
			t.Errorf("section %s has no \"Pack default\" comment", section)
		}
	}
}

func TestParsePackOverrides(t *testing.T) {
	p, err := ParsePack("team.yaml", []byte(`
name: team-2026
rules:
  iamsmart.more-info: {severity: off, description: not required by our reviewer}
labels:
  authentication:
    en: [Sign in with iAM Smart]
    zh-HK: [以「智方便」登入]
    zh-CN: [以「智方便」登录]
  form-filling: {en: [Fill in with iAM Smart], zh-HK: [以「智方便」填表], zh-CN: [以「智方便」填表]}
  signing: {en: [Sign with iAM Smart], zh-HK: [以「智方便」簽署], zh-CN: [以「智方便」签署]}
button:
  desktop: {minWidth: 200, minHeight: 48}
  mobile: {minWidth: 44, minHeight: 44}
`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "team-2026" {
		t.Errorf("Name() = %q", p.Name())
	}
	if p.severity(RuleMoreInfo) != SeverityOff || p.severity(RuleContrast) != SeverityError {
		t.Errorf("severities: more-info %s, contrast %s", p.severity(RuleMoreInfo), p.severity(RuleContrast))
	}
	if got := p.labels[ProcessAuthentication][LangEN]; !slices.Equal(got, []string{"Sign in with iAM Smart"}) {
		t.Errorf("labels = %v", got)
	}
	if p.button.min[DeviceDesktop].W != 200 || p.contrast.normal != 4.5 {
		t.Errorf("button %v, contrast %v: a file must change only what it names", p.button.min, p.contrast.normal)
	}
	// the pack's values drive the rules
	facts := &PageFacts{Lang: "en", Elements: []Element{{
		Tag: "button", Role: "button", Text: "Log in with iAM Smart", Name: "Log in with iAM Smart",
		Box: journeyproof.Box{X: 0, Y: 0, W: 180, H: 44}, Visible: true, InViewportScrollableArea: true, Interactive: true, Selector: "#iam", Parent: -1,
		Images: []Image{{Tag: "img", Visible: true, NaturalW: 40, NaturalH: 40, RenderedW: 24, RenderedH: 24}},
	}}}
	got := ruleIDsOf(p.CheckPage(facts, auth).Findings)
	want := []string{RuleButtonSize, RuleLabelApproved}
	if !slices.Equal(got, want) {
		t.Errorf("team pack found %v, want %v", got, want)
	}
	if got := ruleIDsOf(DefaultPack().CheckPage(facts, auth).Findings); !slices.Equal(got, []string{RuleMoreInfo}) {
		t.Errorf("default pack found %v, want [%s]", got, RuleMoreInfo)
	}
}

// A pack file merges key by key with the default: a key it sets keeps
// every other key of its section, a list replaces the default's, and
// {add: [...]} extends it.
func TestPackMergesKeyByKey(t *testing.T) {
	def := DefaultPack()
	sandboxURL := "http://127.0.0.1:8090/iamsmart/authorize?clientID=x"
	proxyURL := "https://ite.proxy.example/oauth/start?clientID=x"
	p, err := ParsePack("team.yaml", []byte(`
redirect:
  authorize: {add: ['^https://ite\.proxy\.example/oauth/start']}
labels:
  authentication:
    en: {add: [Sign in with iAM Smart]}
button:
  desktop: {minWidth: 200}
`))
	if err != nil {
		t.Fatal(err)
	}
	if !p.IsAuthorizeURL(proxyURL) || !p.IsAuthorizeURL(sandboxURL) {
		t.Errorf("authorize {add}: proxy %v, sandbox %v; want both", p.IsAuthorizeURL(proxyURL), p.IsAuthorizeURL(sandboxURL))
	}
	if len(p.redirect.authorize) != len(def.redirect.authorize)+1 {
		t.Errorf("authorize: %d patterns, want the default's %d and one more", len(p.redirect.authorize), len(def.redirect.authorize))
	}
	if !slices.Equal(p.redirect.params, def.redirect.params) || p.redirect.responseType != def.redirect.responseType || p.redirect.stateMin != def.redirect.stateMin ||
		!slices.Equal(p.redirect.sources[DeviceMobile], def.redirect.sources[DeviceMobile]) || p.redirect.langs[LangZHHK] != def.redirect.langs[LangZHHK] || len(p.redirect.loopbackNets) != len(def.redirect.loopbackNets) {
		t.Errorf("the other redirect keys changed: %v %q %d %v", p.redirect.params, p.redirect.responseType, p.redirect.stateMin, p.redirect.sources)
	}
	if got := p.labels[ProcessAuthentication][LangEN]; !slices.Equal(got, append(slices.Clone(def.labels[ProcessAuthentication][LangEN]), "Sign in with iAM Smart")) {
		t.Errorf("labels.authentication.en = %v", got)
	}
	if !slices.Equal(p.labels[ProcessAuthentication][LangZHHK], def.labels[ProcessAuthentication][LangZHHK]) || !slices.Equal(p.labels[ProcessSigning][LangEN], def.labels[ProcessSigning][LangEN]) {
		t.Errorf("labels the file does not name changed: %v", p.labels)
	}
	if p.button.min[DeviceDesktop] != (Size{W: 200, H: def.button.min[DeviceDesktop].H}) || p.button.min[DeviceMobile] != def.button.min[DeviceMobile] {
		t.Errorf("button = %v, want desktop minWidth 200 and the rest of the default %v", p.button.min, def.button.min)
	}
	if got := def.labels[ProcessAuthentication][LangEN]; slices.Contains(got, "Sign in with iAM Smart") {
		t.Errorf("the default pack changed: %v", got)
	}

	// A list replaces the default's.
	r, err := ParsePack("team.yaml", []byte("redirect:\n  authorize: ['^https://ite\\.proxy\\.example/oauth/start']\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !r.IsAuthorizeURL(proxyURL) || r.IsAuthorizeURL(sandboxURL) || !slices.Equal(r.redirect.params, def.redirect.params) {
		t.Errorf("authorize list: proxy %v, sandbox %v (want true, false); params %v", r.IsAuthorizeURL(proxyURL), r.IsAuthorizeURL(sandboxURL), r.redirect.params)
	}
}

func TestLoadPackErrors(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       string // a regular expression the error must match
	}{
		{"bad severity", "rules:\n  a11y.contrast:\n    severity: fatal\n    description: x\n",
			`^bad\.yaml:3:15: rules\.a11y\.contrast\.severity: expected error, warning or off, found "fatal"$`},
		{"unknown rule", "rules:\n  a11y.colour:\n    severity: error\n",
			`^bad\.yaml:2:3: rules: unknown rule id "a11y\.colour"; expected one of iamsmart\.entry\.present, `},
		{"unknown section", "name: x\nlabel:\n  authentication: {}\n",
			`^bad\.yaml:2:1: rule pack: unknown key "label" \(did you mean "labels"\?\); expected one of name, source, rules, `},
		{"rule id slip", "rules:\n  iamsmart.logo.presnt: {severity: off}\n",
			`^bad\.yaml:2:3: rules: unknown rule id "iamsmart\.logo\.presnt" \(did you mean "iamsmart\.logo\.present"\?\); expected one of `},
		{"rule given twice", "rules:\n  a11y.name: {severity: off}\n  a11y.name: {severity: error}\n",
			`^bad\.yaml:3:3: rules: key "a11y\.name" given twice \(first at line 2\); keep one$`},
		{"section not a mapping", "button: [desktop]\n",
			`^bad\.yaml:1:9: button: expected a mapping \(key: value\), found a list$`},
		{"text expected", "brand:\n  chinese: {name: [x]}\n",
			`^bad\.yaml:2:19: brand\.chinese\.name: expected text, found a list$`},
		{"bad regexp", "moreInfo:\n  patterns: ['(unclosed']\n  maxDistance: 200\n",
			`^bad\.yaml:2:14: moreInfo\.patterns\[0\]: expected a Go regular expression: `},
		{"number expected", "contrast:\n  normal: high\n  large: 3\n  largePx: 24\n  largeBoldPx: 18.66\n  boldWeight: 700\n",
			`^bad\.yaml:2:11: contrast\.normal: expected a number, found "high"$`},
		{"list expected", "entry:\n  selectors: button\n  patterns: [x]\n",
			`^bad\.yaml:2:14: entry\.selectors: expected a list of selectors \(or \{add: \[\.\.\.\]\} to extend the default's\), found "button"$`},
		{"unknown list form", "redirect:\n  authorize: {append: ['x']}\n",
			`^bad\.yaml:2:15: redirect\.authorize: unknown key "append"; expected one of add, replace$`},
		{"add needs a list", "redirect:\n  authorize: {add: 'x'}\n",
			`^bad\.yaml:2:20: redirect\.authorize\.add: expected a list of regular expressions`},
		{"bad loopback", "redirect:\n  authorize: [x]\n  params: [a]\n  responseType: code\n  langs: {en: en-US, zh-HK: zh-HK, zh-CN: zh-CN}\n  sources: {desktop: [PC_Browser], mobile: [iOS_Safari]}\n  stateMinLength: 16\n  loopback: [127.0.0.0/99]\n",
			`^bad\.yaml:8:14: redirect\.loopback\[0\]: expected a CIDR range`},
		{"yaml syntax", "rules: [\n", `^bad\.yaml:1:8: invalid YAML: this \[ is never closed`},
		{"empty", "", `^bad\.yaml:1:1: empty rule pack`},
	}
	dir := t.TempDir()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "bad.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadPack(path)
			if err == nil {
				t.Fatal("no error")
			}
			msg := strings.TrimPrefix(err.Error(), dir+string(filepath.Separator))
			if !regexp.MustCompile(tc.want).MatchString(msg) {
				t.Errorf("error %q does not match %q", msg, tc.want)
			}
		})
	}
	if _, err := LoadPack(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

// TestDefaultPackFileLoads loads the embedded pack's own file, as a team
// would start from it with --rules.
func TestDefaultPackFileLoads(t *testing.T) {
	p, err := LoadPack("packs/iamsmart.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "iamsmart" || len(p.Rules()) != len(ruleIDs()) {
		t.Errorf("loaded %q with %d rules", p.Name(), len(p.Rules()))
	}
}
