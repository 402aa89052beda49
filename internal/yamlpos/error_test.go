package yamlpos

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// decodeRoot parses src for a test and returns its root node.
func decodeRoot(t *testing.T, src string) *yaml.Node {
	t.Helper()
	root, err := File{Name: "t.yaml"}.Decode([]byte(src))
	if err != nil || root == nil {
		t.Fatalf("Decode(%q) = %v, %v", src, root, err)
	}
	return root
}

// TestMappingErrors: every loader's common mistakes read the same, one
// line, at the key or value at fault.
func TestMappingErrors(t *testing.T) {
	allowed := []string{"name", "steps", "matrix"}
	tests := []struct {
		name, src string
		allowed   []string
		want      string
	}{
		{"unknown key, a letter missing", "name: a\nstep: []\n", allowed,
			`t.yaml:2:1: journey: unknown key "step" (did you mean "steps"?); expected one of name, steps, matrix`},
		{"unknown key, letters swapped", "nmae: a\n", allowed,
			`t.yaml:1:1: journey: unknown key "nmae" (did you mean "name"?); expected one of name, steps, matrix`},
		{"unknown key, other case", "Matrix: {}\n", allowed,
			`t.yaml:1:1: journey: unknown key "Matrix" (did you mean "matrix"?); expected one of name, steps, matrix`},
		{"unknown key, nothing close", "colour: red\n", allowed,
			`t.yaml:1:1: journey: unknown key "colour"; expected one of name, steps, matrix`},
		{"key given twice", "name: a\nsteps: []\n  # c\nname: b\n", allowed,
			`t.yaml:4:1: journey: key "name" given twice (first at line 1); keep one`},
		{"key given twice, any key", "a: 1\nb: 2\na: 3\n", nil,
			`t.yaml:3:1: journey: key "a" given twice (first at line 1); keep one`},
		{"a list, not a mapping", "- name\n", allowed,
			`t.yaml:1:1: journey: expected a mapping (key: value), found a list`},
		{"a text, not a mapping", "hello\n", allowed,
			`t.yaml:1:1: journey: expected a mapping (key: value), found "hello"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := File{Name: "t.yaml"}.Mapping(decodeRoot(t, tc.src), "journey", tc.allowed)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error = %v\nwant    %s", err, tc.want)
			}
		})
	}
}

// TestMappingFollowsAlias: an alias of a mapping is read as the mapping.
func TestMappingFollowsAlias(t *testing.T) {
	root := decodeRoot(t, "base: &b {name: x}\nuse: *b\n")
	fs, err := File{Name: "t.yaml"}.Mapping(root.Content[3], "use", []string{"name"})
	if err != nil || len(fs) != 1 || fs[0].Value.Value != "x" {
		t.Fatalf("fields %v, %v", fs, err)
	}
}

func TestValueErrors(t *testing.T) {
	f := File{Name: "dir/t.yaml"}
	root := decodeRoot(t, "a: [1]\nb: ''\nc: ~\nd: ok\n")
	val := func(i int) *yaml.Node { return root.Content[2*i+1] }
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"text, found a list", second(f.Text(val(0), "a", false)), `dir/t.yaml:1:4: a: expected text, found a list`},
		{"text, found empty", second(f.Text(val(1), "b", true)), `dir/t.yaml:2:4: b: expected text, found an empty value`},
		{"text, found nothing", second(f.Text(val(2), "c", false)), `dir/t.yaml:3:4: c: expected text, found nothing`},
		{"wrong type", f.WrongType(val(3), "d", "a number"), `dir/t.yaml:4:4: d: expected a number, found "ok"`},
		{"missing key", f.Missing(root, "journey", "steps", ""), `dir/t.yaml:1:1: journey: missing key "steps"`},
		{"missing key with hint", f.Missing(root, "journey", "steps", "a list of steps"), `dir/t.yaml:1:1: journey: missing key "steps"; expected a list of steps`},
		{"unknown value, too short to guess", f.Unknown(val(3), "rules", "rule id", []string{"ko", "other"}), `dir/t.yaml:4:4: rules: unknown rule id "ok"; expected one of ko, other`},
		{"message on two lines", f.At(2, 3, "first\nsecond"), `dir/t.yaml:2:3: first second`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil || tc.err.Error() != tc.want {
				t.Fatalf("error = %v\nwant    %s", tc.err, tc.want)
			}
			if _, ok := tc.err.(*Error); !ok {
				t.Errorf("error is a %T, want *yamlpos.Error", tc.err)
			}
		})
	}
	if s, err := f.Text(val(3), "d", true); s != "ok" || err != nil {
		t.Errorf("Text = %q, %v", s, err)
	}
}

func second(_ string, err error) error { return err }

// TestDecode: syntax errors at their real line and column, an empty
// document as no root.
func TestDecode(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"unclosed bracket", "a: 1\nb: [x,\n", `t.yaml:2:4: invalid YAML: this [ is never closed`},
		{"unclosed brace", "a: {b: 1\nc: 2\n", `t.yaml:1:4: invalid YAML: this { is never closed`},
		{"tab", "a: 1\n\tb: 2\n", `t.yaml:2:1: invalid YAML: found character`},
		{"unclosed quote", "a: \"x\n", `t.yaml:1:4: invalid YAML: could not find end character of double-quoted text`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := File{Name: "t.yaml"}.Decode([]byte(tc.src))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error = %v\nwant prefix %s", err, tc.want)
			}
		})
	}
	for _, src := range []string{"", "# only a comment\n"} {
		if root, err := (File{Name: "t.yaml"}).Decode([]byte(src)); root != nil || err != nil {
			t.Errorf("Decode(%q) = %v, %v; want no root and no error", src, root, err)
		}
	}
}

func TestSuggest(t *testing.T) {
	options := []string{"selector", "value", "id", "languages", "iamsmart.logo.present"}
	tests := []struct{ got, want string }{
		{"selectr", "selector"},
		{"slector", "selector"},
		{"vaule", "value"},
		{"Value", "value"},
		{"langauges", "languages"},
		{"iamsmart.logo.presnt", "iamsmart.logo.present"},
		{"ix", ""}, // too short to guess
		{"colour", ""},
		{"", ""},
	}
	for _, tc := range tests {
		if got := Suggest(tc.got, options); got != tc.want {
			t.Errorf("Suggest(%q) = %q, want %q", tc.got, got, tc.want)
		}
	}
}
