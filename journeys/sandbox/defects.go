package sandbox

import (
	"fmt"
	"sort"
	"strings"
)

// Defect is a switchable fault in the sandbox's pages or iAM Smart request, used to
// test the verifier. Each defect breaks exactly one verifier rule.
type Defect struct {
	Name        string // what to pass to --defects or ?defects=
	Rule        string // the verifier rule id the defect breaks
	Description string // what the defect changes
}

// Defects returns every defect the sandbox knows, in a stable order.
func Defects() []Defect {
	return []Defect{
		{"small-button", "iamsmart.button.size", "The iAM Smart entry shrinks to its text and is 28 px tall on desktop, 36 px on mobile (the password Log in button shrinks with it, so prominence still holds)."},
		{"wrong-label", "iamsmart.label.approved", "The entry says \"Login by iAM Smart\" (form: \"Use iAM Smart to fill\", sign: \"iAM Smart signing\") instead of an approved label."},
		{"brand-spelling", "iamsmart.brand.spelling", "A help paragraph spells the brand \"iAm Smart\"."},
		{"no-logo", "iamsmart.logo.present", "The entry has no logo image."},
		{"stretched-logo", "iamsmart.logo.aspect", "The logo is drawn twice as wide as its natural ratio."},
		{"covered-button", "iamsmart.visible", "A cookie notice overlay covers the centre of the entry."},
		{"not-prominent", "iamsmart.prominence", "A \"Log in\" button (64 px tall, 20 px text) is much larger than the entry; form and sign pages get one too."},
		{"wrong-lang-label", "iamsmart.lang.consistent", "The entry shows the approved label of another language (en: zh-HK, zh-HK: zh-CN, zh-CN: en)."},
		{"no-more-info", "iamsmart.more-info", "The \"What is iAM Smart?\" link next to the entry is removed."},
		{"low-contrast", "a11y.contrast", "The help desk text is #b0b0b0 on white."},
		{"unnamed-button", "a11y.name", "The help icon button has no accessible name."},
		{"label-not-in-name", "a11y.label-in-name", "The \"Forgot password?\" / \"Help\" link has aria-label \"Reset\"."},
		{"tiny-target", "a11y.target-size", "The two text size buttons are 12x12 px and 2 px apart."},
		{"unlabelled-field", "a11y.form-label", "An extra reference number field has no programmatic label."},
		{"missing-alt", "a11y.image-alt", "The decorative banner image has no alt attribute."},
		{"no-entry", "iamsmart.entry.present", "The iAM Smart entry and its more-info link are removed."},
		{"redirect-missing-param", "iamsmart.redirect.params", "The authorisation request leaves out scope."},
		{"redirect-wrong-lang", "iamsmart.redirect.lang", "The authorisation request says lang=en-US on Chinese pages and zh-HK on English pages."},
		{"redirect-wrong-source", "iamsmart.redirect.source", "The authorisation request says source=PC_Browser on mobile and Android_Chrome on desktop."},
		{"redirect-weak-state", "iamsmart.redirect.state", "The authorisation request's state is the constant \"abc123\"."},
		{"redirect-http", "iamsmart.redirect.https", "The authorisation request's redirectURI is http://sandbox-service.example/callback."},
	}
}

// defectSet is a set of defect names.
type defectSet map[string]bool

// String lists the names in the order of Defects, comma separated.
func (d defectSet) String() string {
	var names []string
	for _, df := range Defects() {
		if d[df.Name] {
			names = append(names, df.Name)
		}
	}
	return strings.Join(names, ",")
}

// union returns a new set with the defects of both sets.
func (d defectSet) union(o defectSet) defectSet {
	u := defectSet{}
	for k := range d {
		u[k] = true
	}
	for k := range o {
		u[k] = true
	}
	return u
}

// defectNames lists every valid defect name, sorted, for error messages.
func defectNames() []string {
	var names []string
	for _, d := range Defects() {
		names = append(names, d.Name)
	}
	sort.Strings(names)
	return names
}

// parseDefects turns names (comma-separated lists are split too) into a set. It
// fails on an unknown name with a one-line error that lists the valid names.
func parseDefects(names []string) (defectSet, error) {
	valid := map[string]bool{}
	for _, d := range Defects() {
		valid[d.Name] = true
	}
	set := defectSet{}
	for _, n := range names {
		for _, part := range strings.Split(n, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			if !valid[part] {
				return nil, fmt.Errorf("unknown sandbox defect %q: use one of %s", part, strings.Join(defectNames(), ", "))
			}
			set[part] = true
		}
	}
	return set, nil
}
