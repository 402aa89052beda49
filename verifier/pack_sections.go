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

// A pack's sections are mappings of known keys. Each section is a list of
// keys, each with the decoder of its value, and decodeKeys does what every
// section has in common: unknown and repeated keys, the keys the embedded
// pack must give, and each value's position in errors (file:line:col).

// key is one key of a section: its name, whether the embedded pack may
// leave it out, and how its value is decoded (what names the value in
// messages: "contrast.normal").
type key struct {
	name     string
	optional bool
	decode   func(v *yaml.Node, what string) error
}

// decodeKeys decodes the mapping n (named what in messages) whose keys
// are keys, in the order the file gives them.
func (d *packDecoder) decodeKeys(n *yaml.Node, what string, keys ...key) error {
	return d.decodeKeysIn(n, what, what+".", keys)
}

// decodeKeysIn is decodeKeys with the prefix of the values' names: the
// top level names its sections alone ("contrast", not "rule pack.contrast").
func (d *packDecoder) decodeKeysIn(n *yaml.Node, what, prefix string, keys []key) error {
	names := make([]string, len(keys))
	var want []string
	for i, k := range keys {
		names[i] = k.name
		if !k.optional {
			want = append(want, k.name)
		}
	}
	fields, err := d.mapping(n, what, names)
	if err != nil {
		return err
	}
	if err := d.required(n, what, fields, want...); err != nil {
		return err
	}
	for _, f := range fields {
		k := keys[slices.Index(names, f.Key.Value)]
		if err := k.decode(f.Value, prefix+f.Key.Value); err != nil {
			return err
		}
	}
	return nil
}

// eachKey is a section whose keys are a fixed set of names (the cell
// languages, the devices), all decoded alike.
func (d *packDecoder) eachKey(n *yaml.Node, what string, names []string, decode func(name string, v *yaml.Node, what string) error) error {
	keys := make([]key, len(names))
	for i, name := range names {
		keys[i] = key{name: name, decode: func(v *yaml.Node, what string) error { return decode(name, v, what) }}
	}
	return d.decodeKeys(n, what, keys...)
}

// The keys of the common kinds of value: each decodes into *dst.

func (d *packDecoder) strKey(name string, dst *string) key {
	return key{name: name, decode: func(v *yaml.Node, what string) (err error) {
		*dst, err = d.str(v, what)
		return err
	}}
}

func (d *packDecoder) strsKey(name string, dst *[]string) key {
	return key{name: name, decode: func(v *yaml.Node, what string) (err error) {
		*dst, err = d.strs(v, what, *dst)
		return err
	}}
}

func (d *packDecoder) numKey(name string, dst *float64, min, max float64) key {
	return key{name: name, decode: func(v *yaml.Node, what string) (err error) {
		*dst, err = d.num(v, what, min, max)
		return err
	}}
}

func (d *packDecoder) intKey(name string, dst *int, min, max float64) key {
	return key{name: name, decode: func(v *yaml.Node, what string) error {
		f, err := d.num(v, what, min, max)
		*dst = int(f)
		return err
	}}
}

func (d *packDecoder) regexesKey(name string, dst *[]*regexp.Regexp) key {
	return key{name: name, decode: func(v *yaml.Node, what string) (err error) {
		*dst, err = d.regexes(v, what, *dst)
		return err
	}}
}

// sectionKey is a key whose value is a section of its own.
func sectionKey(name string, decode func(v *yaml.Node, what string) error) key {
	return key{name: name, decode: decode}
}

// optional marks k as a key the embedded pack may leave out.
func optional(k key) key {
	k.optional = true
	return k
}

// pack decodes the top-level mapping into p. When complete is set (the
// default pack) every section must be present.
func (d *packDecoder) pack(root *yaml.Node, p *Pack, complete bool) error {
	err := d.decodeKeysIn(root, "rule pack", "", []key{
		d.strKey("name", &p.name),
		d.strKey("source", &p.source),
		sectionKey("rules", func(v *yaml.Node, _ string) error { return d.rules(v, p) }),
		sectionKey("languages", func(v *yaml.Node, what string) error {
			p.languages = cloneMap(p.languages)
			return d.eachKey(v, what, cellLangs(), func(lang string, v *yaml.Node, what string) error {
				vals, err := d.strs(v, what, p.languages[lang])
				for i := range vals {
					vals[i] = strings.ToLower(vals[i])
				}
				p.languages[lang] = vals
				return err
			})
		}),
		sectionKey("entry", func(v *yaml.Node, what string) error {
			return d.decodeKeys(v, what,
				sectionKey("selectors", func(v *yaml.Node, what string) error { return d.selectors(v, what, p) }),
				d.regexesKey("patterns", &p.entry.patterns))
		}),
		sectionKey("labels", func(v *yaml.Node, what string) error { return d.labels(v, what, p) }),
		sectionKey("brand", func(v *yaml.Node, what string) error { return d.brand(v, what, p) }),
		sectionKey("logo", func(v *yaml.Node, what string) error {
			return d.decodeKeys(v, what, d.numKey("aspectTolerance", &p.logo.aspectTolerance, 0, 1))
		}),
		sectionKey("button", func(v *yaml.Node, what string) error { return d.button(v, what, p) }),
		sectionKey("prominence", func(v *yaml.Node, what string) error {
			return d.decodeKeys(v, what,
				d.regexesKey("signIn", &p.prominence.signIn),
				d.numKey("minAreaRatio", &p.prominence.minAreaRatio, 0, 100),
				d.numKey("minFontRatio", &p.prominence.minFontRatio, 0, 100))
		}),
		sectionKey("script", func(v *yaml.Node, what string) error { return d.script(v, what, p) }),
		sectionKey("moreInfo", func(v *yaml.Node, what string) error {
			return d.decodeKeys(v, what,
				d.regexesKey("patterns", &p.moreInfo.patterns),
				d.numKey("maxDistance", &p.moreInfo.maxDistance, 0, 100000))
		}),
		sectionKey("contrast", func(v *yaml.Node, what string) error {
			return d.decodeKeys(v, what,
				d.numKey("normal", &p.contrast.normal, 1, 21),
				d.numKey("large", &p.contrast.large, 1, 21),
				d.numKey("largePx", &p.contrast.largePx, 0, 1000),
				d.numKey("largeBoldPx", &p.contrast.largeBoldPx, 0, 1000),
				d.intKey("boldWeight", &p.contrast.boldWeight, 1, 1000))
		}),
		sectionKey("targetSize", func(v *yaml.Node, what string) error {
			return d.decodeKeys(v, what, d.numKey("min", &p.targetSize.min, 0, 1000))
		}),
		sectionKey("redirect", func(v *yaml.Node, what string) error { return d.redirect(v, what, p) }),
	})
	if err != nil || !complete {
		return err
	}
	for _, id := range ruleIDs() {
		if _, ok := p.rules[id]; !ok {
			return d.errf(root, "rules: missing rule %q", id)
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
		id := f.Key.Value
		if !slices.Contains(ruleIDs(), id) {
			return d.src.Unknown(f.Key, "rules", "rule id", ruleIDs())
		}
		what := "rules." + id
		r := p.rules[id]
		r.ID = id
		err := d.decodeKeys(f.Value, what,
			optional(key{name: "severity", decode: func(v *yaml.Node, what string) (err error) {
				r.Severity, err = d.severity(v, what)
				return err
			}}),
			optional(d.strKey("description", &r.Description)))
		if err != nil {
			return err
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

func (d *packDecoder) selectors(n *yaml.Node, what string, p *Pack) (err error) {
	p.entry.selectors, err = listOf(d, n, what, "selectors", p.entry.selectors, func(c *yaml.Node, what string) (simpleSelector, error) {
		m := simpleSelectorRE.FindStringSubmatch(c.Value)
		if c.Kind != yaml.ScalarNode || m == nil || c.Value == "" {
			return simpleSelector{}, d.errf(c, "%s: expected tag, [role=x], [type=x] or tag[type=x], found %s", what, yamlpos.KindName(c))
		}
		return simpleSelector{m[1], m[2], m[3]}, nil
	})
	return err
}

func (d *packDecoder) labels(n *yaml.Node, what string, p *Pack) error {
	p.labels = cloneMap(p.labels)
	return d.eachKey(n, what, processes(), func(process string, v *yaml.Node, what string) error {
		p.labels[process] = cloneMap(p.labels[process])
		return d.eachKey(v, what, cellLangs(), func(lang string, v *yaml.Node, what string) error {
			vals, err := d.strs(v, what, p.labels[process][lang])
			for i := range vals {
				vals[i] = collapseSpace(vals[i])
			}
			p.labels[process][lang] = vals
			return err
		})
	})
}

func (d *packDecoder) brand(n *yaml.Node, what string, p *Pack) error {
	p.brand.ignore = nil
	return d.decodeKeys(n, what,
		key{name: "find", decode: func(v *yaml.Node, what string) (err error) {
			p.brand.find, err = d.regex(v, what)
			return err
		}},
		d.strsKey("correct", &p.brand.correct),
		optional(d.regexesKey("ignore", &p.brand.ignore)),
		sectionKey("chinese", func(v *yaml.Node, what string) error {
			c := &p.brand.chinese
			c.suffixes = nil
			return d.decodeKeys(v, what,
				d.strKey("name", &c.name),
				optional(d.strsKey("suffixes", &c.suffixes)),
				d.strKey("open", &c.open),
				d.strKey("close", &c.close),
				key{name: "severity", decode: func(v *yaml.Node, what string) (err error) {
					c.severity, err = d.severity(v, what)
					return err
				}})
		}))
}

func (d *packDecoder) button(n *yaml.Node, what string, p *Pack) error {
	p.button.min = cloneMap(p.button.min)
	return d.eachKey(n, what, devices(), func(device string, v *yaml.Node, what string) error {
		s := p.button.min[device]
		err := d.decodeKeys(v, what, d.numKey("minWidth", &s.W, 0, 10000), d.numKey("minHeight", &s.H, 0, 10000))
		p.button.min[device] = s
		return err
	})
}

func (d *packDecoder) script(n *yaml.Node, what string, p *Pack) error {
	set := func(dst *map[rune]bool) func(v *yaml.Node, what string) error {
		return func(v *yaml.Node, what string) error {
			s, err := d.str(v, what)
			*dst = map[rune]bool{}
			for _, r := range s {
				if r > ' ' {
					(*dst)[r] = true
				}
			}
			return err
		}
	}
	err := d.decodeKeys(n, what,
		sectionKey("traditional", set(&p.scripts.traditional)),
		sectionKey("simplified", set(&p.scripts.simplified)))
	if err != nil {
		return err
	}
	for r := range p.scripts.traditional {
		if p.scripts.simplified[r] {
			return d.errf(n, "%s: character %q is in both traditional and simplified; expected characters of one script only", what, r)
		}
	}
	return nil
}

func (d *packDecoder) redirect(n *yaml.Node, what string, p *Pack) error {
	r := &p.redirect
	return d.decodeKeys(n, what,
		d.regexesKey("authorize", &r.authorize),
		d.strsKey("params", &r.params),
		d.strKey("responseType", &r.responseType),
		sectionKey("langs", func(v *yaml.Node, what string) error {
			r.langs = cloneMap(r.langs)
			return d.eachKey(v, what, cellLangs(), func(lang string, v *yaml.Node, what string) (err error) {
				r.langs[lang], err = d.str(v, what)
				return err
			})
		}),
		sectionKey("sources", func(v *yaml.Node, what string) error {
			r.sources = cloneMap(r.sources)
			return d.eachKey(v, what, devices(), func(device string, v *yaml.Node, what string) (err error) {
				r.sources[device], err = d.strs(v, what, r.sources[device])
				return err
			})
		}),
		d.intKey("stateMinLength", &r.stateMin, 0, 10000),
		sectionKey("loopback", func(v *yaml.Node, what string) error { return d.loopback(v, what, p) }),
	)
}

// loopback decodes redirect.loopback: CIDR ranges, addresses and host
// names that count as this machine.
func (d *packDecoder) loopback(n *yaml.Node, what string, p *Pack) error {
	r := &p.redirect
	vals, err := d.strs(n, what, nil)
	if err != nil {
		return err
	}
	if n.Kind != yaml.MappingNode || n.Content[0].Value != "add" {
		r.loopbackNets, r.loopbackNames = nil, nil
	} else {
		r.loopbackNets, r.loopbackNames = slices.Clone(r.loopbackNets), slices.Clone(r.loopbackNames)
	}
	for i, v := range vals {
		if strings.Contains(v, "/") {
			pfx, perr := netip.ParsePrefix(v)
			if perr != nil {
				return d.errf(n.Content[i], "%s[%d]: expected a CIDR range such as 127.0.0.0/8 or a host name, found %q", what, i, v)
			}
			r.loopbackNets = append(r.loopbackNets, pfx)
		} else if addr, aerr := netip.ParseAddr(v); aerr == nil {
			r.loopbackNets = append(r.loopbackNets, netip.PrefixFrom(addr, addr.BitLen()))
		} else {
			r.loopbackNames = append(r.loopbackNames, strings.ToLower(v))
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
