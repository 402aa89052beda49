// Package recorder turns a Chrome DevTools Recorder recording (the JSON that
// DevTools > Recorder > Export > JSON writes, and @puppeteer/replay reads)
// into a journey file a person can read and edit.
//
// Each step's selector is the most stable of the recorded alternatives that
// the runner can use (ids and data-* attributes first, then aria/ names,
// other attributes, text/, and structural CSS and XPath last); the others
// are kept in a comment. The click that leaves for iAM Smart becomes the
// trigger, and an iamsmart step is added where the recording comes back to
// the service's callback. Steps a journey cannot express are kept as
// comments and reported as warnings.
package recorder

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Recording is a DevTools Recorder recording.
type Recording struct {
	Title string `json:"title"`
	Steps []Step `json:"steps"`
}

// Step is one recorded step. Only the fields journeys can use are read.
type Step struct {
	Type      string          `json:"type"`
	Target    string          `json:"target"`
	Frame     []int           `json:"frame"`
	Selectors json.RawMessage `json:"selectors"`
	URL       string          `json:"url"`
	Value     string          `json:"value"`
	Key       string          `json:"key"`
	// setViewport
	Width             float64 `json:"width"`
	Height            float64 `json:"height"`
	DeviceScaleFactor float64 `json:"deviceScaleFactor"`
	IsMobile          bool    `json:"isMobile"`
	HasTouch          bool    `json:"hasTouch"`
	// waitForElement
	Visible    *bool           `json:"visible"`
	Count      *int            `json:"count"`
	Operator   string          `json:"operator"`
	Attributes json.RawMessage `json:"attributes"`
	Properties json.RawMessage `json:"properties"`
	// waitForExpression
	Expression string `json:"expression"`
	// customStep
	Name           string  `json:"name"`
	AssertedEvents []Event `json:"assertedEvents"`

	// selectors holds the decoded alternatives: each is a chain of
	// selectors (more than one only across frames and shadow roots).
	selectors [][]string
}

// Event is an asserted event of a step.
type Event struct {
	Type  string `json:"type"`
	URL   string `json:"url"`
	Title string `json:"title"`
}

// stepTypes are the step types of the Recorder's format.
var stepTypes = map[string]bool{
	"setViewport": true, "navigate": true, "click": true, "doubleClick": true, "change": true,
	"keyDown": true, "keyUp": true, "waitForElement": true, "waitForExpression": true, "scroll": true,
	"hover": true, "close": true, "customStep": true, "emulateNetworkConditions": true,
}

// FormatError is a file that is not a Recorder recording, at a line and
// column.
type FormatError struct {
	File      string
	Line, Col int
	Msg       string
}

// Error formats the problem as file:line:col: message.
func (e *FormatError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

const hint = "expected a Chrome DevTools Recorder recording (DevTools > Recorder > Export > JSON), an object with title and steps"

// Parse reads a Recorder recording. file names the source in errors.
func Parse(file string, data []byte) (*Recording, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		line, col := 1, 1
		if len(trimmed) > 0 {
			line, col = position(data, bytes.Index(data, trimmed[:1]))
		}
		return nil, &FormatError{file, line, col, "not a recording: " + hint}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, jsonError(file, data, err)
	}
	stepsRaw, ok := raw["steps"]
	if !ok {
		return nil, &FormatError{file, 1, 1, "not a recording: no \"steps\"; " + hint}
	}
	var items []json.RawMessage
	if err := json.Unmarshal(stepsRaw, &items); err != nil {
		line, col := position(data, bytes.Index(data, stepsRaw))
		return nil, &FormatError{file, line, col, "not a recording: \"steps\" is not a list; " + hint}
	}
	rec := &Recording{}
	if t, ok := raw["title"]; ok {
		if err := json.Unmarshal(t, &rec.Title); err != nil {
			line, col := position(data, bytes.Index(data, t))
			return nil, &FormatError{file, line, col, "not a recording: \"title\" is not a text"}
		}
	}
	at := 0
	for i, it := range items {
		off := bytes.Index(data[at:], it) + at
		at = off + len(it)
		line, col := position(data, off)
		var s Step
		if err := json.Unmarshal(it, &s); err != nil {
			return nil, &FormatError{file, line, col, fmt.Sprintf("step %d: %v", i+1, cleanJSONError(err))}
		}
		if s.Type == "" {
			return nil, &FormatError{file, line, col, fmt.Sprintf("step %d: no \"type\"; %s", i+1, hint)}
		}
		if !stepTypes[s.Type] {
			return nil, &FormatError{file, line, col, fmt.Sprintf("step %d: unknown step type %q; expected one of the Recorder's (navigate, click, change, keyDown, waitForElement, ...)", i+1, s.Type)}
		}
		sels, err := decodeSelectors(s.Selectors)
		if err != nil {
			return nil, &FormatError{file, line, col, fmt.Sprintf("step %d (%s): %v", i+1, s.Type, err)}
		}
		s.selectors = sels
		rec.Steps = append(rec.Steps, s)
	}
	if len(rec.Steps) == 0 {
		return nil, &FormatError{file, 1, 1, "the recording has no steps; record a flow in DevTools > Recorder first"}
	}
	return rec, nil
}

// decodeSelectors reads a step's selectors: a list whose items are a
// selector or a chain of selectors.
func decodeSelectors(raw json.RawMessage) ([][]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, errors.New("\"selectors\" is not a list")
	}
	var out [][]string
	for _, it := range items {
		var one string
		if json.Unmarshal(it, &one) == nil {
			out = append(out, []string{one})
			continue
		}
		var chain []string
		if err := json.Unmarshal(it, &chain); err != nil {
			return nil, errors.New("\"selectors\" items must be a selector or a list of selectors")
		}
		if len(chain) > 0 {
			out = append(out, chain)
		}
	}
	return out, nil
}

func jsonError(file string, data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := position(data, int(se.Offset)-1)
		return &FormatError{file, line, col, "not a recording: invalid JSON: " + se.Error()}
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		line, col := position(data, int(te.Offset)-1)
		return &FormatError{file, line, col, "not a recording: " + cleanJSONError(err).Error()}
	}
	return &FormatError{file, 1, 1, "not a recording: " + err.Error()}
}

func cleanJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("%q should be %s, found a JSON %s", te.Field, te.Type, te.Value)
	}
	return err
}

// position turns a byte offset into a line and column (both from 1).
func position(data []byte, off int) (int, int) {
	if off < 0 {
		return 1, 1
	}
	if off > len(data) {
		off = len(data)
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

// inMain reports whether the step acts in the recording's main page (not
// in another tab or a frame).
func (s *Step) inMain() bool {
	return (s.Target == "" || s.Target == "main") && len(s.Frame) == 0
}

// navigation returns the URL of the step's asserted navigation ("" when it
// asserts none).
func (s *Step) navigation() string {
	for _, e := range s.AssertedEvents {
		if e.Type == "navigation" && e.URL != "" {
			return e.URL
		}
	}
	return ""
}

// alternatives lists the step's single (not chained) selectors.
func (s *Step) alternatives() []string {
	var out []string
	for _, c := range s.selectors {
		if len(c) == 1 && strings.TrimSpace(c[0]) != "" {
			out = append(out, c[0])
		}
	}
	return out
}

// allSelectors lists every recorded selector, chains joined with " >> ".
func (s *Step) allSelectors() []string {
	var out []string
	for _, c := range s.selectors {
		out = append(out, strings.Join(c, " >> "))
	}
	return out
}
