package verifier

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"

	"journeyproof/internal/yamlpos"
)

// packDecoder walks the YAML nodes of a pack and reports errors with
// file:line:col.
type packDecoder struct {
	src yamlpos.File
	// complete is set for the embedded pack, where every key is required;
	// a pack file merges key by key over it.
	complete bool
}

func (d *packDecoder) errf(n *yaml.Node, format string, args ...any) error {
	return d.src.Errorf(n, format, args...)
}

// mapping checks that n is a mapping whose keys are among allowed (any key
// when allowed is nil), each given once, and returns its fields in order.
func (d *packDecoder) mapping(n *yaml.Node, what string, allowed []string) ([]yamlpos.Field, error) {
	return d.src.Mapping(n, what, allowed)
}

func (d *packDecoder) str(n *yaml.Node, what string) (string, error) {
	return d.src.Text(n, what, true)
}

// severity decodes a severity: error, warning or off.
func (d *packDecoder) severity(n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode || !slices.Contains([]string{SeverityError, SeverityWarning, SeverityOff}, n.Value) {
		return "", d.src.WrongType(n, what, "error, warning or off")
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
		n, add = fields[0].Value, fields[0].Key.Value == "add"
		what += "." + fields[0].Key.Value
	}
	if n.Kind != yaml.SequenceNode {
		return nil, false, d.src.WrongType(n, what, "a list of "+kind+" (or {add: [...]} to extend the default's)")
	}
	if len(n.Content) == 0 {
		return nil, false, d.errf(n, "%s: expected a list with at least one item, found an empty list", what)
	}
	return n, add, nil
}

// strs decodes a list of text; cur is the value it replaces or, with
// {add: [...]}, extends.
func (d *packDecoder) strs(n *yaml.Node, what string, cur []string) ([]string, error) {
	return listOf(d, n, what, "text", cur, d.str)
}

// listOf decodes a list whose items item decodes; cur is the value it
// replaces or, with {add: [...]}, extends. kind names the items in
// messages.
func listOf[T any](d *packDecoder, n *yaml.Node, what, kind string, cur []T, item func(*yaml.Node, string) (T, error)) ([]T, error) {
	l, add, err := d.list(n, what, kind)
	if err != nil {
		return nil, err
	}
	var out []T
	if add {
		out = slices.Clone(cur)
	}
	for i, c := range l.Content {
		v, err := item(c, fmt.Sprintf("%s[%d]", what, i))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (d *packDecoder) num(n *yaml.Node, what string, min, max float64) (float64, error) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		return 0, d.src.WrongType(n, what, "a number")
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
	return listOf(d, n, what, "regular expressions", cur, d.regex)
}

// required checks that every name in want is among the fields.
func (d *packDecoder) required(n *yaml.Node, what string, fields []yamlpos.Field, want ...string) error {
	if !d.complete {
		// a pack file keeps the default's value of every key it leaves out
		return nil
	}
	for _, w := range want {
		if !slices.ContainsFunc(fields, func(f yamlpos.Field) bool { return f.Key.Value == w }) {
			return d.src.Missing(n, what, w, "")
		}
	}
	return nil
}
