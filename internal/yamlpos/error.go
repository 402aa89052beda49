package yamlpos

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is a problem in a YAML file (a journey, the service file, a rule
// pack) at a line and column. It reads file:line:col: message, on one line.
type Error struct {
	File string
	Line int
	Col  int
	Msg  string
}

// Error formats the problem as file:line:col: message, on one line.
func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, strings.ReplaceAll(e.Msg, "\n", " "))
}

// File reports the problems of one YAML file in the words every loader
// shares. Name is the file's path as the user gave it.
type File struct {
	Name string
}

// At returns the problem at line:col.
func (f File) At(line, col int, format string, args ...any) error {
	return &Error{File: f.Name, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// Errorf returns the problem at node n.
func (f File) Errorf(n *yaml.Node, format string, args ...any) error {
	return f.At(n.Line, n.Column, format, args...)
}

// Decode parses data into its root node. A syntax error is placed at its
// real line and column (see Syntax) and reads "invalid YAML: ...". The
// root is nil when the document is empty; the caller says what it expected.
func (f File) Decode(data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, f.syntax(err, data)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (f File) syntax(err error, data []byte) error {
	if line, col, msg, ok := Syntax(data); ok {
		return f.At(line, col, "%s", msg)
	}
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		var line int
		fmt.Sscan(m[1], &line)
		return f.At(max(line, 1), 1, "invalid YAML: %s", m[2])
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return f.At(1, 1, "invalid YAML: %s", strings.Join(te.Errors, "; "))
	}
	return f.At(1, 1, "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
}

// Field is one key of a mapping and its value.
type Field struct {
	Key, Value *yaml.Node
}

// Mapping checks that n is a mapping (an alias of one is followed) whose
// keys are among allowed (any key when allowed is nil), each given once,
// and returns its fields in order. what names n in messages ("step",
// "redirect.langs").
func (f File) Mapping(n *yaml.Node, what string, allowed []string) ([]Field, error) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return nil, f.WrongType(n, what, "a mapping (key: value)")
	}
	out := make([]Field, 0, len(n.Content)/2)
	first := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if allowed != nil && !slices.Contains(allowed, k.Value) {
			return nil, f.UnknownKey(k, what, allowed)
		}
		if prev, ok := first[k.Value]; ok {
			return nil, f.Errorf(k, "%s: key %q given twice (first at line %d); keep one", what, k.Value, prev.Line)
		}
		first[k.Value] = k
		out = append(out, Field{k, v})
	}
	return out, nil
}

// UnknownKey is the problem of a key k that what does not have: it names
// the closest allowed key when one is close, and lists them all.
func (f File) UnknownKey(k *yaml.Node, what string, allowed []string) error {
	return f.Unknown(k, what, "key", allowed)
}

// Unknown is the problem of a value n (a key, a rule id, a language) that
// is not among allowed; noun says what it is.
func (f File) Unknown(n *yaml.Node, what, noun string, allowed []string) error {
	hint := ""
	if s := Suggest(n.Value, allowed); s != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", s)
	}
	return f.Errorf(n, "%s: unknown %s %q%s; expected one of %s", what, noun, n.Value, hint, strings.Join(allowed, ", "))
}

// Missing is the problem of a mapping n without its required key; hint,
// when not empty, says what the key holds.
func (f File) Missing(n *yaml.Node, what, key, hint string) error {
	if hint != "" {
		return f.Errorf(n, "%s: missing key %q; expected %s", what, key, hint)
	}
	return f.Errorf(n, "%s: missing key %q", what, key)
}

// WrongType is the problem of a value n that is not the kind of value
// what expects; want says what is expected ("a list of steps").
func (f File) WrongType(n *yaml.Node, what, want string) error {
	return f.Errorf(n, "%s: expected %s, found %s", what, want, KindName(n))
}

// Text returns the text of a scalar n; nothing, a list or a mapping is an
// error, and so is a blank text when nonEmpty is set.
func (f File) Text(n *yaml.Node, what string, nonEmpty bool) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", f.WrongType(n, what, "text")
	}
	if nonEmpty && strings.TrimSpace(n.Value) == "" {
		return "", f.Errorf(n, "%s: expected text, found an empty value", what)
	}
	return n.Value, nil
}

// KindName says what n is, for "found ..." in messages: a mapping, a
// list, nothing, or the quoted text of a scalar.
func KindName(n *yaml.Node) string {
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
	case yaml.DocumentNode:
		return "a document"
	}
	return "something else"
}

// Suggest returns the option closest to got when it is close enough to be
// a slip of the keyboard (a letter wrong, missing, extra or two swapped,
// or a different case), else "".
func Suggest(got string, options []string) string {
	best, bestD := "", 0
	for _, o := range options {
		if strings.EqualFold(o, got) {
			return o
		}
		d := distance(strings.ToLower(got), strings.ToLower(o))
		if d <= 2 && d*3 <= len(o) && (best == "" || d < bestD) {
			best, bestD = o, d
		}
	}
	return best
}

// distance is the optimal string alignment distance between a and b
// (insertions, deletions, substitutions and swaps of neighbours), in runes.
func distance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}
