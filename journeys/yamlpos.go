package journeys

import (
	"errors"
	"strconv"
	"strings"

	goyaml "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/lexer"
	goparser "github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// syntaxPosition finds where a YAML syntax error really is. gopkg.in/yaml.v3,
// which the journey parser uses for its nodes, gives only a line, and for
// parser errors the line before the problem (an unclosed "{" on line 3 is
// reported on line 2). A second parse with goccy/go-yaml gives the line and
// column of the token at fault; an unclosed "{" or "[" is then reported
// where it opens. It returns nil when that parser finds no error.
func syntaxPosition(file string, data []byte) *PosError {
	_, err := goparser.ParseBytes(data, 0)
	var se *goyaml.SyntaxError
	if err == nil || !errors.As(err, &se) || se.Token == nil || se.Token.Position == nil {
		return nil
	}
	line, col := se.Token.Position.Line, se.Token.Position.Column
	msg := strings.Join(strings.Fields(se.Message), " ")
	closer := ""
	switch {
	case strings.Contains(msg, "'}'"):
		closer = "}"
	case strings.Contains(msg, "']'"):
		closer = "]"
	}
	if closer != "" {
		if open := unclosedBefore(string(data), line, col, closer); open != nil {
			what := "{"
			if closer == "]" {
				what = "["
			}
			return &PosError{file, open.Line, open.Column, "invalid YAML: this " + what + " is never closed (expected , or " + closer + " before line " + strconv.Itoa(line) + ")"}
		}
	}
	if line < 1 {
		line = 1
	}
	if col < 1 {
		col = 1
	}
	return &PosError{file, line, col, "invalid YAML: " + msg}
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
