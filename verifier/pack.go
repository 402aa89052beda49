package verifier

import (
	_ "embed"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"journeyproof/internal/yamlpos"
)

//go:embed packs/iamsmart.yaml
var defaultPackYAML []byte

// Severities a rule can have in a pack. A rule with SeverityOff is not run.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
	SeverityOff     = "off"
)

// Process names, as in Context.Process.
const (
	ProcessAuthentication = "authentication"
	ProcessFormFilling    = "form-filling"
	ProcessSigning        = "signing"
	ProcessOther          = "other"
)

// Cell languages and devices, as in Context.
const (
	LangEN         = "en"
	LangZHHK       = "zh-HK"
	LangZHCN       = "zh-CN"
	DeviceDesktop  = "desktop"
	DeviceMobile   = "mobile"
	defaultPackRef = "packs/iamsmart.yaml (embedded)"
)

// Rule ids. The rules are code; their values live in the pack.
const (
	RuleEntryPresent   = "iamsmart.entry.present"
	RuleLabelApproved  = "iamsmart.label.approved"
	RuleBrandSpelling  = "iamsmart.brand.spelling"
	RuleLogoPresent    = "iamsmart.logo.present"
	RuleLogoAspect     = "iamsmart.logo.aspect"
	RuleButtonSize     = "iamsmart.button.size"
	RuleVisible        = "iamsmart.visible"
	RuleProminence     = "iamsmart.prominence"
	RuleLangConsistent = "iamsmart.lang.consistent"
	RuleMoreInfo       = "iamsmart.more-info"
	RuleContrast       = "a11y.contrast"
	RuleName           = "a11y.name"
	RuleLabelInName    = "a11y.label-in-name"
	RuleTargetSize     = "a11y.target-size"
	RuleFormLabel      = "a11y.form-label"
	RuleImageAlt       = "a11y.image-alt"
	RuleRedirectParams = "iamsmart.redirect.params"
	RuleRedirectLang   = "iamsmart.redirect.lang"
	RuleRedirectSource = "iamsmart.redirect.source"
	RuleRedirectState  = "iamsmart.redirect.state"
	RuleRedirectHTTPS  = "iamsmart.redirect.https"
	RuleRedirectSent   = "iamsmart.redirect.sent"
)

// ruleIDs lists every rule the verifier implements, in report order.
func ruleIDs() []string {
	return []string{
		RuleEntryPresent, RuleLabelApproved, RuleBrandSpelling, RuleLogoPresent, RuleLogoAspect,
		RuleButtonSize, RuleVisible, RuleProminence, RuleLangConsistent, RuleMoreInfo,
		RuleContrast, RuleName, RuleLabelInName, RuleTargetSize, RuleFormLabel, RuleImageAlt,
		RuleRedirectParams, RuleRedirectLang, RuleRedirectSource, RuleRedirectState, RuleRedirectHTTPS, RuleRedirectSent,
	}
}

func cellLangs() []string { return []string{LangEN, LangZHHK, LangZHCN} }
func processes() []string {
	return []string{ProcessAuthentication, ProcessFormFilling, ProcessSigning}
}
func devices() []string { return []string{DeviceDesktop, DeviceMobile} }

// RuleInfo describes one rule of a pack.
type RuleInfo struct {
	ID          string `json:"id"`
	Severity    string `json:"severity"`
	Description string `json:"description"`
}

// Pack is a parsed rule pack: every label, threshold, pattern and list the
// rules use. A Pack is read-only after parsing and safe for concurrent use.
type Pack struct {
	name, source string
	rules        map[string]RuleInfo
	languages    map[string][]string // cell language -> lang attribute values, lower case

	entrySelectors []simpleSelector
	entryPatterns  []*regexp.Regexp

	labels map[string]map[string][]string // process -> language -> labels

	brandFind    *regexp.Regexp
	brandCorrect []string
	brandIgnore  []*regexp.Regexp
	zhName       string
	zhSuffixes   []string
	zhOpen       string
	zhClose      string
	zhSeverity   string

	aspectTolerance float64
	buttonMin       map[string]Size // device -> minimum size

	signIn       []*regexp.Regexp
	minAreaRatio float64
	minFontRatio float64

	traditional map[rune]bool
	simplified  map[rune]bool

	moreInfo         []*regexp.Regexp
	moreInfoDistance float64

	contrastNormal, contrastLarge float64
	largePx, largeBoldPx          float64
	boldWeight                    int

	targetMin float64

	authorize     []*regexp.Regexp
	params        []string
	responseType  string
	redirectLangs map[string]string   // cell language -> lang value
	sources       map[string][]string // device -> source values
	stateMin      int
	loopbackNets  []netip.Prefix
	loopbackNames []string
}

// Name is the pack's name (its name field, else the name it was loaded as).
func (p *Pack) Name() string { return p.name }

// Source says where the pack's values come from (its source field).
func (p *Pack) Source() string { return p.source }

// Rules lists the pack's rules in report order.
func (p *Pack) Rules() []RuleInfo {
	out := make([]RuleInfo, 0, len(p.rules))
	for _, id := range ruleIDs() {
		out = append(out, p.rules[id])
	}
	return out
}

// severity is the severity of a rule, SeverityOff when the pack switches it off.
func (p *Pack) severity(rule string) string {
	if r, ok := p.rules[rule]; ok {
		return r.Severity
	}
	return SeverityOff
}

// DefaultPack returns the embedded iamsmart pack.
func DefaultPack() *Pack {
	p, err := parsePack(defaultPackRef, defaultPackYAML, nil)
	if err != nil {
		// The embedded pack is tested; failing here is a build defect.
		panic(fmt.Sprintf("verifier: embedded pack: %v", err))
	}
	return p
}

// LoadPack reads a rule pack file (--rules FILE). The file names only what it
// changes: sections it leaves out keep the default pack's values, and a
// section it names replaces that section. Errors name file:line:col and say
// what was expected.
func LoadPack(path string) (*Pack, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load rule pack: %w", err)
	}
	return ParsePack(path, data)
}

// ParsePack parses a rule pack from data, on top of the default pack; name
// is the file name used in error messages and the pack's name when the data
// has no name field.
func ParsePack(name string, data []byte) (*Pack, error) {
	return parsePack(name, data, DefaultPack())
}

func parsePack(file string, data []byte, base *Pack) (*Pack, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		if line, col, msg, ok := yamlpos.Syntax(data); ok {
			return nil, fmt.Errorf("%s:%d:%d: %s", file, line, col, msg)
		}
		// the YAML parser knows the line of a syntax error, not the column
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			return nil, fmt.Errorf("%s:%s: YAML syntax: %s; expected a valid YAML mapping", file, m[1], m[2])
		}
		return nil, fmt.Errorf("%s: YAML syntax: %s", file, msg)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s:1:1: empty rule pack; expected a mapping with sections such as rules, labels, entry", file)
	}
	d := &packDecoder{file: file, complete: base == nil}
	p := &Pack{}
	if base != nil {
		*p = *base
		p.rules = maps(base.rules)
	}
	// the file's base name, unless the pack has a name field
	p.name = strings.TrimSuffix(strings.TrimSuffix(lastPathElem(file), ".yaml"), ".yml")
	if err := d.pack(doc.Content[0], p, base == nil); err != nil {
		return nil, err
	}
	return p, nil
}

func maps[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// cloneMap returns a copy of m (an empty map for nil), so that a pack file
// changes its own copy of the default's values.
func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func lastPathElem(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

var yamlLineRE = regexp.MustCompile(`^line (\d+): (.*)$`)

// packDecoder walks the YAML nodes of a pack and reports errors with
// file:line:col.
type packDecoder struct {
	file string
	// complete is set for the embedded pack, where every key is required;
	// a pack file merges key by key over it.
	complete bool
}

func (d *packDecoder) errf(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s:%d:%d: %s", d.file, n.Line, n.Column, fmt.Sprintf(format, args...))
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "a document"
}

// field is one key of a mapping, with its node.
type field struct {
	key   *yaml.Node
	value *yaml.Node
}

// mapping checks that n is a mapping whose keys are among allowed (any key
// when allowed is nil) and returns its fields in order.
func (d *packDecoder) mapping(n *yaml.Node, what string, allowed []string) ([]field, error) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return nil, d.errf(n, "%s: expected a mapping, found %s", what, kindName(n))
	}
	var out []field
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if allowed != nil && !slices.Contains(allowed, k.Value) {
			return nil, d.errf(k, "%s: unknown key %q; expected one of %s", what, k.Value, strings.Join(allowed, ", "))
		}
		if seen[k.Value] {
			return nil, d.errf(k, "%s: key %q appears twice", what, k.Value)
		}
		seen[k.Value] = true
		out = append(out, field{k, v})
	}
	return out, nil
}

func (d *packDecoder) str(n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", d.errf(n, "%s: expected text, found %s", what, kindName(n))
	}
	if strings.TrimSpace(n.Value) == "" {
		return "", d.errf(n, "%s: expected text, found an empty value", what)
	}
	return n.Value, nil
}

// list returns the items of a list value: a list replaces cur (the
// default's list), {add: [...]} extends it and {replace: [...]} replaces
// it. n is the list node found.
func (d *packDecoder) list(n *yaml.Node, what, kind string) (items *yaml.Node, add bool, err error) {
	if n.Kind == yaml.MappingNode {
		fields, err := d.mapping(n, what, []string{"add", "replace"})
		if err != nil {
			return nil, false, err
		}
		if len(fields) != 1 {
			return nil, false, d.errf(n, "%s: expected a list, {add: [...]} or {replace: [...]}", what)
		}
		n, add = fields[0].value, fields[0].key.Value == "add"
		what += "." + fields[0].key.Value
	}
	if n.Kind != yaml.SequenceNode {
		return nil, false, d.errf(n, "%s: expected a list of %s (or {add: [...]} to extend the default's), found %s", what, kind, kindName(n))
	}
	if len(n.Content) == 0 {
		return nil, false, d.errf(n, "%s: expected a list with at least one item, found an empty list", what)
	}
	return n, add, nil
}

// strs decodes a list of text; cur is the value it replaces or, with
// {add: [...]}, extends.
func (d *packDecoder) strs(n *yaml.Node, what string, cur []string) ([]string, error) {
	l, add, err := d.list(n, what, "text")
	if err != nil {
		return nil, err
	}
	var out []string
	if add {
		out = slices.Clone(cur)
	}
	for i, c := range l.Content {
		s, err := d.str(c, fmt.Sprintf("%s[%d]", what, i))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (d *packDecoder) num(n *yaml.Node, what string, min, max float64) (float64, error) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		return 0, d.errf(n, "%s: expected a number, found %s", what, kindName(n))
	}
	v, err := strconv.ParseFloat(n.Value, 64)
	if err != nil {
		return 0, d.errf(n, "%s: expected a number, found %q", what, n.Value)
	}
	if v < min || v > max {
		return 0, d.errf(n, "%s: expected a number from %g to %g, found %g", what, min, max, v)
	}
	return v, nil
}

func (d *packDecoder) regex(n *yaml.Node, what string) (*regexp.Regexp, error) {
	s, err := d.str(n, what)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(s)
	if err != nil {
		return nil, d.errf(n, "%s: expected a Go regular expression: %v", what, err)
	}
	return re, nil
}

// regexes decodes a list of regular expressions; cur is the value it
// replaces or, with {add: [...]}, extends.
func (d *packDecoder) regexes(n *yaml.Node, what string, cur []*regexp.Regexp) ([]*regexp.Regexp, error) {
	l, add, err := d.list(n, what, "regular expressions")
	if err != nil {
		return nil, err
	}
	var out []*regexp.Regexp
	if add {
		out = slices.Clone(cur)
	}
	for i, c := range l.Content {
		re, err := d.regex(c, fmt.Sprintf("%s[%d]", what, i))
		if err != nil {
			return nil, err
		}
		out = append(out, re)
	}
	return out, nil
}

func sections() []string {
	return []string{"name", "source", "rules", "languages", "entry", "labels", "brand", "logo", "button",
		"prominence", "script", "moreInfo", "contrast", "targetSize", "redirect"}
}

// pack decodes the top-level mapping into p. When complete is set (the
// default pack) every section must be present.
func (d *packDecoder) pack(root *yaml.Node, p *Pack, complete bool) error {
	fields, err := d.mapping(root, "rule pack", sections())
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, f := range fields {
		have[f.key.Value] = true
		if err := d.section(f, p); err != nil {
			return err
		}
	}
	if complete {
		for _, s := range sections() {
			if !have[s] {
				return d.errf(root, "rule pack: missing section %q", s)
			}
		}
		for _, id := range ruleIDs() {
			if _, ok := p.rules[id]; !ok {
				return d.errf(root, "rules: missing rule %q", id)
			}
		}
	}
	return nil
}

func (d *packDecoder) section(f field, p *Pack) error {
	v := f.value
	var err error
	switch f.key.Value {
	case "name":
		p.name, err = d.str(v, "name")
	case "source":
		p.source, err = d.str(v, "source")
	case "rules":
		err = d.rules(v, p)
	case "languages":
		err = d.languages(v, p)
	case "entry":
		err = d.entry(v, p)
	case "labels":
		err = d.labels(v, p)
	case "brand":
		err = d.brand(v, p)
	case "logo":
		err = d.logo(v, p)
	case "button":
		err = d.button(v, p)
	case "prominence":
		err = d.prominence(v, p)
	case "script":
		err = d.script(v, p)
	case "moreInfo":
		err = d.moreInfo(v, p)
	case "contrast":
		err = d.contrast(v, p)
	case "targetSize":
		err = d.targetSize(v, p)
	case "redirect":
		err = d.redirect(v, p)
	}
	return err
}

// required checks that every name in want is among the fields.
func (d *packDecoder) required(n *yaml.Node, what string, fields []field, want ...string) error {
	if !d.complete {
		// a pack file keeps the default's value of every key it leaves out
		return nil
	}
	for _, w := range want {
		if !slices.ContainsFunc(fields, func(f field) bool { return f.key.Value == w }) {
			return d.errf(n, "%s: missing key %q", what, w)
		}
	}
	return nil
}

func (d *packDecoder) rules(n *yaml.Node, p *Pack) error {
	fields, err := d.mapping(n, "rules", nil)
	if err != nil {
		return err
	}
	if p.rules == nil {
		p.rules = map[string]RuleInfo{}
	}
	for _, f := range fields {
		id := f.key.Value
		if !slices.Contains(ruleIDs(), id) {
			return d.errf(f.key, "rules: unknown rule id %q; expected one of %s", id, strings.Join(ruleIDs(), ", "))
		}
		what := "rules." + id
		rf, err := d.mapping(f.value, what, []string{"severity", "description"})
		if err != nil {
			return err
		}
		r := p.rules[id]
		r.ID = id
		for _, g := range rf {
			switch g.key.Value {
			case "severity":
				s := g.value.Value
				if g.value.Kind != yaml.ScalarNode || !slices.Contains([]string{SeverityError, SeverityWarning, SeverityOff}, s) {
					return d.errf(g.value, "%s.severity: expected error, warning or off, found %s", what, kindName(g.value))
				}
				r.Severity = s
			case "description":
				if r.Description, err = d.str(g.value, what+".description"); err != nil {
					return err
				}
			}
		}
		if r.Severity == "" {
			return d.errf(f.value, "%s: missing key \"severity\"", what)
		}
		if r.Description == "" {
			return d.errf(f.value, "%s: missing key \"description\"", what)
		}
		p.rules[id] = r
	}
	return nil
}

func (d *packDecoder) languages(n *yaml.Node, p *Pack) error {
	fields, err := d.mapping(n, "languages", cellLangs())
	if err != nil {
		return err
	}
	if err := d.required(n, "languages", fields, cellLangs()...); err != nil {
		return err
	}
	p.languages = cloneMap(p.languages)
	for _, f := range fields {
		vals, err := d.strs(f.value, "languages."+f.key.Value, p.languages[f.key.Value])
		if err != nil {
			return err
		}
		for i := range vals {
			vals[i] = strings.ToLower(vals[i])
		}
		p.languages[f.key.Value] = vals
	}
	return nil
}

// simpleSelector is the small selector language of entry.selectors:
// tag, [attr=value] or tag[attr=value], where attr is role or type.
type simpleSelector struct{ tag, attr, value string }

var simpleSelectorRE = regexp.MustCompile(`^([a-z][a-z0-9-]*)?(?:\[(role|type)=["']?([a-zA-Z-]+)["']?\])?$`)

func (s simpleSelector) match(e *Element) bool {
	if s.tag != "" && e.Tag != s.tag {
		return false
	}
	switch s.attr {
	case "role":
		return e.Role == s.value
	case "type":
		return strings.EqualFold(e.Type, s.value)
	}
	return true
}

func (d *packDecoder) entry(n *yaml.Node, p *Pack) error {
	fields, err := d.mapping(n, "entry", []string{"selectors", "patterns"})
	if err != nil {
		return err
	}
	if err := d.required(n, "entry", fields, "selectors", "patterns"); err != nil {
		return err
	}
	for _, f := range fields {
		switch f.key.Value {
		case "selectors":
			l, add, err := d.list(f.value, "entry.selectors", "selectors")
			if err != nil {
				return err
			}
			if add {
				p.entrySelectors = slices.Clone(p.entrySelectors)
			} else {
				p.entrySelectors = nil
			}
			for i, c := range l.Content {
				m := simpleSelectorRE.FindStringSubmatch(c.Value)
				if c.Kind != yaml.ScalarNode || m == nil || c.Value == "" {
					return d.errf(c, "entry.selectors[%d]: expected tag, [role=x], [type=x] or tag[type=x], found %s", i, kindName(c))
				}
				p.entrySelectors = append(p.entrySelectors, simpleSelector{m[1], m[2], m[3]})
			}
		case "patterns":
			if p.entryPatterns, err = d.regexes(f.value, "entry.patterns", p.entryPatterns); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *packDecoder) labels(n *yaml.Node, p *Pack) error {
	fields, err := d.mapping(n, "labels", processes())
	if err != nil {
		return err
	}
	if err := d.required(n, "labels", fields, processes()...); err != nil {
		return err
	}
	p.labels = cloneMap(p.labels)
	for _, f := range fields {
		what := "labels." + f.key.Value
		lf, err := d.mapping(f.value, what, cellLangs())
		if err != nil {
			return err
		}
		if err := d.required(f.value, what, lf, cellLangs()...); err != nil {
			return err
		}
		p.labels[f.key.Value] = cloneMap(p.labels[f.key.Value])
		for _, g := range lf {
			vals, err := d.strs(g.value, what+"."+g.key.Value, p.labels[f.key.Value][g.key.Value])
			if err != nil {
				return err
			}
			for i := range vals {
				vals[i] = collapseSpace(vals[i])
			}
			p.labels[f.key.Value][g.key.Value] = vals
		}
	}
	return nil
}

func (d *packDecoder) brand(n *yaml.Node, p *Pack) error {
	fields, err := d.mapping(n, "brand", []string{"find", "correct", "ignore", "chinese"})
	if err != nil {
		return err
	}
	if err := d.required(n, "brand", fields, "find", "correct", "chinese"); err != nil {
		return err
	}
	p.brandIgnore = nil
	for _, f := range fields {
		switch f.key.Value {
		case "find":
			p.brandFind, err = d.regex(f.value, "brand.find")
		case "correct":
			p.brandCorrect, err = d.strs(f.value, "brand.correct", p.brandCorrect)
		case "ignore":
			p.brandIgnore, err = d.regexes(f.value, "brand.ignore", p.brandIgnore)
		case "chinese":
			err = d.chinese(f.value, p)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *packDecoder) chinese(n *yaml.Node, p *Pack) error {
	const what = "brand.chinese"
	fields, err := d.mapping(n, what, []string{"name", "suffixes", "open", "close", "severity"})
	if err != nil {
		return err
	}
	if err := d.required(n, what, fields, "name", "open", "close", "severity"); err != nil {
		return err
	}
	p.zhSuffixes = nil
	for _, f := range fields {
		switch f.key.Value {
		case "name":
			p.zhName, err = d.str(f.value, what+".name")
		case "suffixes":
			p.zhSuffixes, err = d.strs(f.value, what+".suffixes", p.zhSuffixes)
		case "open":
			p.zhOpen, err = d.str(f.value, what+".open")
		case "close":
			p.zhClose, err = d.str(f.value, what+".close")
		case "severity":
			s := f.value.Value
			if f.value.Kind != yaml.ScalarNode || !slices.Contains([]string{SeverityError, SeverityWarning, SeverityOff}, s) {
				return d.errf(f.value, "%s.severity: expected error, warning or off, found %s", what, kindName(f.value))
			}
			p.zhSeverity = s
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *packDecoder) logo(n *yaml.Node, p *Pack) error {
	fields, err := d.mapping(n, "logo", []string{"aspectTolerance"})
	if err != nil {
		return err
	}
	if err := d.required(n, "logo", fields, "aspectTolerance"); err != nil {
		return err
	}
	p.aspectTolerance, err = d.num(fields[0].value, "logo.aspectTolerance", 0, 1)
	return err
}

func (d *packDecoder) button(n *yaml.Node, p *Pack) error {
	fields, err := d.mapping(n, "button", devices())
	if err != nil {
		return err
	}
	if err := d.required(n, "button", fields, devices()...); err != nil {
		return err
	}
	p.buttonMin = cloneMap(p.buttonMin)
	for _, f := range fields {
		what := "button." + f.key.Value
		sf, err := d.mapping(f.value, what, []string{"minWidth", "minHeight"})
		if err != nil {
			return err
		}
		if err := d.required(f.value, what, sf, "minWidth", "minHeight"); err != nil {
			return err
		}
		s := p.buttonMin[f.key.Value]
		for _, g := range sf {
			v, err := d.num(g.value, what+"."+g.key.Value, 0, 10000)
			if err != nil {
				return err
			}
			if g.key.Value == "minWidth" {
				s.W = v
			} else {
				s.H = v
			}
		}
		p.buttonMin[f.key.Value] = s
	}
	return nil
}

func (d *packDecoder) prominence(n *yaml.Node, p *Pack) error {
	fields, err := d.mapping(n, "prominence", []string{"signIn", "minAreaRatio", "minFontRatio"})
	if err != nil {
		return err
	}
	if err := d.required(n, "prominence", fields, "signIn", "minAreaRatio", "minFontRatio"); err != nil {
		return err
	}
	for _, f := range fields {
		switch f.key.Value {
		case "signIn":
			p.signIn, err = d.regexes(f.value, "prominence.signIn", p.signIn)
		case "minAreaRatio":
			p.minAreaRatio, err = d.num(f.value, "prominence.minAreaRatio", 0, 100)
		case "minFontRatio":
			p.minFontRatio, err = d.num(f.value, "prominence.minFontRatio", 0, 100)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *packDecoder) script(n *yaml.Node, p *Pack) error {
	fields, err := d.mapping(n, "script", []string{"traditional", "simplified"})
	if err != nil {
		return err
	}
	if err := d.required(n, "script", fields, "traditional", "simplified"); err != nil {
		return err
	}
	for _, f := range fields {
		s, err := d.str(f.value, "script."+f.key.Value)
		if err != nil {
			return err
		}
		set := map[rune]bool{}
		for _, r := range s {
			if r > ' ' {
				set[r] = true
			}
		}
		if f.key.Value == "traditional" {
			p.traditional = set
		} else {
			p.simplified = set
		}
	}
	for r := range p.traditional {
		if p.simplified[r] {
			return d.errf(n, "script: character %q is in both traditional and simplified; expected characters of one script only", r)
		}
	}
	return nil
}

func (d *packDecoder) moreInfo(n *yaml.Node, p *Pack) error {
	fields, err := d.mapping(n, "moreInfo", []string{"patterns", "maxDistance"})
	if err != nil {
		return err
	}
	if err := d.required(n, "moreInfo", fields, "patterns", "maxDistance"); err != nil {
		return err
	}
	for _, f := range fields {
		switch f.key.Value {
		case "patterns":
			p.moreInfo, err = d.regexes(f.value, "moreInfo.patterns", p.moreInfo)
		case "maxDistance":
			p.moreInfoDistance, err = d.num(f.value, "moreInfo.maxDistance", 0, 100000)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *packDecoder) contrast(n *yaml.Node, p *Pack) error {
	keys := []string{"normal", "large", "largePx", "largeBoldPx", "boldWeight"}
	fields, err := d.mapping(n, "contrast", keys)
	if err != nil {
		return err
	}
	if err := d.required(n, "contrast", fields, keys...); err != nil {
		return err
	}
	for _, f := range fields {
		what := "contrast." + f.key.Value
		switch f.key.Value {
		case "normal":
			p.contrastNormal, err = d.num(f.value, what, 1, 21)
		case "large":
			p.contrastLarge, err = d.num(f.value, what, 1, 21)
		case "largePx":
			p.largePx, err = d.num(f.value, what, 0, 1000)
		case "largeBoldPx":
			p.largeBoldPx, err = d.num(f.value, what, 0, 1000)
		case "boldWeight":
			var w float64
			w, err = d.num(f.value, what, 1, 1000)
			p.boldWeight = int(w)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *packDecoder) targetSize(n *yaml.Node, p *Pack) error {
	fields, err := d.mapping(n, "targetSize", []string{"min"})
	if err != nil {
		return err
	}
	if err := d.required(n, "targetSize", fields, "min"); err != nil {
		return err
	}
	p.targetMin, err = d.num(fields[0].value, "targetSize.min", 0, 1000)
	return err
}

func (d *packDecoder) redirect(n *yaml.Node, p *Pack) error {
	keys := []string{"authorize", "params", "responseType", "langs", "sources", "stateMinLength", "loopback"}
	fields, err := d.mapping(n, "redirect", keys)
	if err != nil {
		return err
	}
	if err := d.required(n, "redirect", fields, keys...); err != nil {
		return err
	}
	for _, f := range fields {
		what := "redirect." + f.key.Value
		switch f.key.Value {
		case "authorize":
			p.authorize, err = d.regexes(f.value, what, p.authorize)
		case "params":
			p.params, err = d.strs(f.value, what, p.params)
		case "responseType":
			p.responseType, err = d.str(f.value, what)
		case "langs":
			var lf []field
			if lf, err = d.mapping(f.value, what, cellLangs()); err != nil {
				return err
			}
			if err = d.required(f.value, what, lf, cellLangs()...); err != nil {
				return err
			}
			p.redirectLangs = cloneMap(p.redirectLangs)
			for _, g := range lf {
				if p.redirectLangs[g.key.Value], err = d.str(g.value, what+"."+g.key.Value); err != nil {
					return err
				}
			}
		case "sources":
			var sf []field
			if sf, err = d.mapping(f.value, what, devices()); err != nil {
				return err
			}
			if err = d.required(f.value, what, sf, devices()...); err != nil {
				return err
			}
			p.sources = cloneMap(p.sources)
			for _, g := range sf {
				if p.sources[g.key.Value], err = d.strs(g.value, what+"."+g.key.Value, p.sources[g.key.Value]); err != nil {
					return err
				}
			}
		case "stateMinLength":
			var v float64
			v, err = d.num(f.value, what, 0, 10000)
			p.stateMin = int(v)
		case "loopback":
			var vals []string
			if vals, err = d.strs(f.value, what, nil); err != nil {
				return err
			}
			if f.value.Kind != yaml.MappingNode || f.value.Content[0].Value != "add" {
				p.loopbackNets, p.loopbackNames = nil, nil
			} else {
				p.loopbackNets, p.loopbackNames = slices.Clone(p.loopbackNets), slices.Clone(p.loopbackNames)
			}
			for i, v := range vals {
				if strings.Contains(v, "/") {
					pfx, perr := netip.ParsePrefix(v)
					if perr != nil {
						return d.errf(f.value.Content[i], "%s[%d]: expected a CIDR range such as 127.0.0.0/8 or a host name, found %q", what, i, v)
					}
					p.loopbackNets = append(p.loopbackNets, pfx)
				} else if addr, aerr := netip.ParseAddr(v); aerr == nil {
					p.loopbackNets = append(p.loopbackNets, netip.PrefixFrom(addr, addr.BitLen()))
				} else {
					p.loopbackNames = append(p.loopbackNames, strings.ToLower(v))
				}
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}
