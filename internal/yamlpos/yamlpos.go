// Package yamlpos is what the YAML loaders (journey files, the service
// file, rule packs) share, so that all of them report a mistake the same
// way: one error type (file:line:col: message, on one line), one wording
// for the common mistakes (an unknown key with the closest allowed one, a
// key given twice, a value of the wrong type, a missing key), and the real
// place of a syntax error.
//
// go.yaml.in/yaml/v3, which the loaders use for their nodes, gives only a
// line for a syntax error, and for parser errors the line before the
// problem (an unclosed "{" on line 3 is reported on line 2). A second parse
// with goccy/go-yaml gives the line and column of the token at fault; an
// unclosed "{" or "[" is then reported where it opens.
package yamlpos

import (
	"errors"
	"strconv"
	"strings"

	goyaml "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/lexer"
	goparser "github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Syntax returns the line and column (1-based) of data's YAML syntax error
// and a message that starts with "invalid YAML: ". ok is false when data has
// no syntax error this parser can place.
func Syntax(data []byte) (line, col int, msg string, ok bool) {
	_, err := goparser.ParseBytes(data, 0)
	var se *goyaml.SyntaxError
	if err == nil || !errors.As(err, &se) || se.Token == nil || se.Token.Position == nil {
		return 0, 0, "", false
	}
	line, col = se.Token.Position.Line, se.Token.Position.Column
	text := strings.Join(strings.Fields(se.Message), " ")
	closer := ""
	switch {
	case strings.Contains(text, "'}'"):
		closer = "}"
	case strings.Contains(text, "']'"):
		closer = "]"
	}
	if closer != "" {
		if open := unclosedBefore(string(data), line, col, closer); open != nil {
			what := "{"
			if closer == "]" {
				what = "["
			}
			return open.Line, open.Column, "invalid YAML: this " + what + " is never closed (expected , or " + closer + " before line " + strconv.Itoa(line) + ")", true
		}
	}
	return max(line, 1), max(col, 1), "invalid YAML: " + text, true
}

// unclosedBefore returns the innermost flow collection opened with the
// bracket that closer closes and still open at line:col.
func unclosedBefore(src string, line, col int, closer string) *token.Position {
	var stack []*token.Token
	for _, t := range lexer.Tokenize(src) {
		p := t.Position
		if p == nil || p.Line > line || (p.Line == line && p.Column > col) {
			break
		}
		switch t.Type {
		case token.MappingStartType, token.SequenceStartType:
			stack = append(stack, t)
		case token.MappingEndType, token.SequenceEndType:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	want := token.MappingStartType
	if closer == "]" {
		want = token.SequenceStartType
	}
	for i := len(stack) - 1; i >= 0; i-- {
		if stack[i].Type == want {
			return stack[i].Position
		}
	}
	return nil
}
