package verifier

import (
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"journeyproof/internal/yamlpos"
)

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
		have[f.Key.Value] = true
		if err := d.section(f, p); err != nil {
			return err
		}
	}
	if complete {
		for _, s := range sections() {
			if !have[s] {
				return d.src.Missing(root, "rule pack", s, "")
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

func (d *packDecoder) section(f yamlpos.Field, p *Pack) error {
	v := f.Value
	var err error
	switch f.Key.Value {
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

func (d *packDecoder) rules(n *yaml.Node, p *Pack) error {
	fields, err := d.mapping(n, "rules", nil)
	if err != nil {
		return err
	}
	if p.rules == nil {
		p.rules = map[string]RuleInfo{}
	}
	for _, f := range fields {
		id := f.Key.Value
		if !slices.Contains(ruleIDs(), id) {
			return d.src.Unknown(f.Key, "rules", "rule id", ruleIDs())
		}
		what := "rules." + id
		rf, err := d.mapping(f.Value, what, []string{"severity", "description"})
		if err != nil {
			return err
		}
		r := p.rules[id]
		r.ID = id
		for _, g := range rf {
			switch g.Key.Value {
			case "severity":
				if r.Severity, err = d.severity(g.Value, what+".severity"); err != nil {
					return err
				}
			case "description":
				if r.Description, err = d.str(g.Value, what+".description"); err != nil {
					return err
				}
			}
		}
		if r.Severity == "" {
			return d.src.Missing(f.Value, what, "severity", "")
		}
		if r.Description == "" {
			return d.src.Missing(f.Value, what, "description", "")
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
		vals, err := d.strs(f.Value, "languages."+f.Key.Value, p.languages[f.Key.Value])
		if err != nil {
			return err
		}
		for i := range vals {
			vals[i] = strings.ToLower(vals[i])
		}
		p.languages[f.Key.Value] = vals
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
		switch f.Key.Value {
		case "selectors":
			l, add, err := d.list(f.Value, "entry.selectors", "selectors")
			if err != nil {
				return err
			}
			if add {
				p.entry.selectors = slices.Clone(p.entry.selectors)
			} else {
				p.entry.selectors = nil
			}
			for i, c := range l.Content {
				m := simpleSelectorRE.FindStringSubmatch(c.Value)
				if c.Kind != yaml.ScalarNode || m == nil || c.Value == "" {
					return d.errf(c, "entry.selectors[%d]: expected tag, [role=x], [type=x] or tag[type=x], found %s", i, yamlpos.KindName(c))
				}
				p.entry.selectors = append(p.entry.selectors, simpleSelector{m[1], m[2], m[3]})
			}
		case "patterns":
			if p.entry.patterns, err = d.regexes(f.Value, "entry.patterns", p.entry.patterns); err != nil {
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
		what := "labels." + f.Key.Value
		lf, err := d.mapping(f.Value, what, cellLangs())
		if err != nil {
			return err
		}
		if err := d.required(f.Value, what, lf, cellLangs()...); err != nil {
			return err
		}
		p.labels[f.Key.Value] = cloneMap(p.labels[f.Key.Value])
		for _, g := range lf {
			vals, err := d.strs(g.Value, what+"."+g.Key.Value, p.labels[f.Key.Value][g.Key.Value])
			if err != nil {
				return err
			}
			for i := range vals {
				vals[i] = collapseSpace(vals[i])
			}
			p.labels[f.Key.Value][g.Key.Value] = vals
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
	p.brand.ignore = nil
	for _, f := range fields {
		switch f.Key.Value {
		case "find":
			p.brand.find, err = d.regex(f.Value, "brand.find")
		case "correct":
			p.brand.correct, err = d.strs(f.Value, "brand.correct", p.brand.correct)
		case "ignore":
			p.brand.ignore, err = d.regexes(f.Value, "brand.ignore", p.brand.ignore)
		case "chinese":
			err = d.chinese(f.Value, p)
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
	p.brand.chinese.suffixes = nil
	for _, f := range fields {
		switch f.Key.Value {
		case "name":
			p.brand.chinese.name, err = d.str(f.Value, what+".name")
		case "suffixes":
			p.brand.chinese.suffixes, err = d.strs(f.Value, what+".suffixes", p.brand.chinese.suffixes)
		case "open":
			p.brand.chinese.open, err = d.str(f.Value, what+".open")
		case "close":
			p.brand.chinese.close, err = d.str(f.Value, what+".close")
		case "severity":
			p.brand.chinese.severity, err = d.severity(f.Value, what+".severity")
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
	p.logo.aspectTolerance, err = d.num(fields[0].Value, "logo.aspectTolerance", 0, 1)
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
	p.button.min = cloneMap(p.button.min)
	for _, f := range fields {
		what := "button." + f.Key.Value
		sf, err := d.mapping(f.Value, what, []string{"minWidth", "minHeight"})
		if err != nil {
			return err
		}
		if err := d.required(f.Value, what, sf, "minWidth", "minHeight"); err != nil {
			return err
		}
		s := p.button.min[f.Key.Value]
		for _, g := range sf {
			v, err := d.num(g.Value, what+"."+g.Key.Value, 0, 10000)
			if err != nil {
				return err
			}
			if g.Key.Value == "minWidth" {
				s.W = v
			} else {
				s.H = v
			}
		}
		p.button.min[f.Key.Value] = s
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
		switch f.Key.Value {
		case "signIn":
			p.prominence.signIn, err = d.regexes(f.Value, "prominence.signIn", p.prominence.signIn)
		case "minAreaRatio":
			p.prominence.minAreaRatio, err = d.num(f.Value, "prominence.minAreaRatio", 0, 100)
		case "minFontRatio":
			p.prominence.minFontRatio, err = d.num(f.Value, "prominence.minFontRatio", 0, 100)
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
		s, err := d.str(f.Value, "script."+f.Key.Value)
		if err != nil {
			return err
		}
		set := map[rune]bool{}
		for _, r := range s {
			if r > ' ' {
				set[r] = true
			}
		}
		if f.Key.Value == "traditional" {
			p.scripts.traditional = set
		} else {
			p.scripts.simplified = set
		}
	}
	for r := range p.scripts.traditional {
		if p.scripts.simplified[r] {
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
		switch f.Key.Value {
		case "patterns":
			p.moreInfo.patterns, err = d.regexes(f.Value, "moreInfo.patterns", p.moreInfo.patterns)
		case "maxDistance":
			p.moreInfo.maxDistance, err = d.num(f.Value, "moreInfo.maxDistance", 0, 100000)
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
		what := "contrast." + f.Key.Value
		switch f.Key.Value {
		case "normal":
			p.contrast.normal, err = d.num(f.Value, what, 1, 21)
		case "large":
			p.contrast.large, err = d.num(f.Value, what, 1, 21)
		case "largePx":
			p.contrast.largePx, err = d.num(f.Value, what, 0, 1000)
		case "largeBoldPx":
			p.contrast.largeBoldPx, err = d.num(f.Value, what, 0, 1000)
		case "boldWeight":
			var w float64
			w, err = d.num(f.Value, what, 1, 1000)
			p.contrast.boldWeight = int(w)
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
	p.targetSize.min, err = d.num(fields[0].Value, "targetSize.min", 0, 1000)
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
		what := "redirect." + f.Key.Value
		switch f.Key.Value {
		case "authorize":
			p.redirect.authorize, err = d.regexes(f.Value, what, p.redirect.authorize)
		case "params":
			p.redirect.params, err = d.strs(f.Value, what, p.redirect.params)
		case "responseType":
			p.redirect.responseType, err = d.str(f.Value, what)
		case "langs":
			var lf []yamlpos.Field
			if lf, err = d.mapping(f.Value, what, cellLangs()); err != nil {
				return err
			}
			if err = d.required(f.Value, what, lf, cellLangs()...); err != nil {
				return err
			}
			p.redirect.langs = cloneMap(p.redirect.langs)
			for _, g := range lf {
				if p.redirect.langs[g.Key.Value], err = d.str(g.Value, what+"."+g.Key.Value); err != nil {
					return err
				}
			}
		case "sources":
			var sf []yamlpos.Field
			if sf, err = d.mapping(f.Value, what, devices()); err != nil {
				return err
			}
			if err = d.required(f.Value, what, sf, devices()...); err != nil {
				return err
			}
			p.redirect.sources = cloneMap(p.redirect.sources)
			for _, g := range sf {
				if p.redirect.sources[g.Key.Value], err = d.strs(g.Value, what+"."+g.Key.Value, p.redirect.sources[g.Key.Value]); err != nil {
					return err
				}
			}
		case "stateMinLength":
			var v float64
			v, err = d.num(f.Value, what, 0, 10000)
			p.redirect.stateMin = int(v)
		case "loopback":
			var vals []string
			if vals, err = d.strs(f.Value, what, nil); err != nil {
				return err
			}
			if f.Value.Kind != yaml.MappingNode || f.Value.Content[0].Value != "add" {
				p.redirect.loopbackNets, p.redirect.loopbackNames = nil, nil
			} else {
				p.redirect.loopbackNets, p.redirect.loopbackNames = slices.Clone(p.redirect.loopbackNets), slices.Clone(p.redirect.loopbackNames)
			}
			for i, v := range vals {
				if strings.Contains(v, "/") {
					pfx, perr := netip.ParsePrefix(v)
					if perr != nil {
						return d.errf(f.Value.Content[i], "%s[%d]: expected a CIDR range such as 127.0.0.0/8 or a host name, found %q", what, i, v)
					}
					p.redirect.loopbackNets = append(p.redirect.loopbackNets, pfx)
				} else if addr, aerr := netip.ParseAddr(v); aerr == nil {
					p.redirect.loopbackNets = append(p.redirect.loopbackNets, netip.PrefixFrom(addr, addr.BitLen()))
				} else {
					p.redirect.loopbackNames = append(p.redirect.loopbackNames, strings.ToLower(v))
				}
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// cloneMap returns a copy of m (an empty map for nil), so that a pack file
// changes its own copy of the default's values.
func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return map[K]V{}
	}
	return maps.Clone(m)
}
