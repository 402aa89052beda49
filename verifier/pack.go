package verifier

import (
	_ "embed"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"regexp"
	"strings"

	"journeyproof"
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

// Process names, as in Context.Process: the business processes of package
// journeyproof, and ProcessOther for any other.
const (
	ProcessAuthentication = journeyproof.ProcessAuthentication
	ProcessFormFilling    = journeyproof.ProcessFormFilling
	ProcessSigning        = journeyproof.ProcessSigning
	ProcessOther          = "other"
)

// Cell languages and devices, as in Context (the codes and names of
// package journeyproof).
const (
	LangEN         = "en"
	LangZHHK       = "zh-HK"
	LangZHCN       = "zh-CN"
	DeviceDesktop  = journeyproof.DeviceDesktop
	DeviceMobile   = journeyproof.DeviceMobile
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

func cellLangs() []string { return journeyproof.Languages() }
func processes() []string { return journeyproof.Processes() }
func devices() []string   { return []string{DeviceDesktop, DeviceMobile} }

// RuleInfo describes one rule of a pack.
type RuleInfo struct {
	ID          string `json:"id"`
	Severity    string `json:"severity"`
	Description string `json:"description"`
}

// Pack is a parsed rule pack: every label, threshold, pattern and list the
// rules use, grouped by the pack file's sections. A Pack is read-only after
// parsing and safe for concurrent use.
type Pack struct {
	name, source string
	rules        map[string]RuleInfo
	languages    map[string][]string            // cell language -> lang attribute values, lower case
	labels       map[string]map[string][]string // process -> language -> labels

	entry      entrySection
	brand      brandSection
	logo       logoSection
	button     buttonSection
	prominence prominenceSection
	scripts    scriptSection
	moreInfo   moreInfoSection
	contrast   contrastSection
	targetSize targetSizeSection
	redirect   redirectSection
}

// entrySection is the pack's entry section: what counts as an iAM Smart
// button.
type entrySection struct {
	selectors []simpleSelector
	patterns  []*regexp.Regexp
}

// brandSection is the brand section: how the name is written.
type brandSection struct {
	find    *regexp.Regexp
	correct []string
	ignore  []*regexp.Regexp
	chinese chineseSection
}

// chineseSection is brand.chinese: the Chinese name and its brackets.
type chineseSection struct {
	name        string
	suffixes    []string
	open, close string
	severity    string
}

// logoSection is the logo section.
type logoSection struct {
	aspectTolerance float64
}

// buttonSection is the button section: minimum sizes by device.
type buttonSection struct {
	min map[string]Size // device -> minimum size
}

// prominenceSection is the prominence section: other sign-in options and
// how the entry compares with them.
type prominenceSection struct {
	signIn       []*regexp.Regexp
	minAreaRatio float64
	minFontRatio float64
}

// scriptSection is the script section: characters that differ between
// Traditional and Simplified Chinese.
type scriptSection struct {
	traditional map[rune]bool
	simplified  map[rune]bool
}

// moreInfoSection is the moreInfo section: the link about iAM Smart near
// the entry.
type moreInfoSection struct {
	patterns    []*regexp.Regexp
	maxDistance float64
}

// contrastSection is the contrast section (WCAG contrast ratios).
type contrastSection struct {
	normal, large        float64
	largePx, largeBoldPx float64
	boldWeight           int
}

// targetSizeSection is the targetSize section.
type targetSizeSection struct {
	min float64
}

// redirectSection is the redirect section: the authorisation request
// a trigger sends.
type redirectSection struct {
	authorize     []*regexp.Regexp
	params        []string
	responseType  string
	langs         map[string]string   // cell language -> lang value
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
	d := &packDecoder{src: yamlpos.File{Name: file}, complete: base == nil}
	root, err := d.src.Decode(data)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, d.src.At(1, 1, "empty rule pack; expected a mapping with sections such as rules, labels, entry")
	}
	p := &Pack{}
	if base != nil {
		*p = *base
		p.rules = maps.Clone(base.rules)
	}
	// the file's base name, unless the pack has a name field
	p.name = strings.TrimSuffix(strings.TrimSuffix(lastPathElem(file), ".yaml"), ".yml")
	if err := d.pack(root, p, base == nil); err != nil {
		return nil, err
	}
	return p, nil
}

func lastPathElem(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}
