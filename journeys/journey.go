// Package journeys holds what a journey is: the journey file format (YAML,
// with file:line:col errors), its steps and branches, the service file, the
// matrix of languages and devices that expands a journey into cells, and
// what a run of a cell reports (StepResult, CellResult, Event) to the
// Observer that records it.
//
// The package does not drive a browser: package journeys/chrome runs the
// cells in Chromium and calls the Observer at each step. So the evidence
// store, the web app and the comparison, which read journeys and cells,
// do not depend on chromedp.
package journeys

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"journeyproof"
)

// Journey is one journey file: a business process walked through step by
// step, over a matrix of languages and devices.
type Journey struct {
	// ID names the journey; it defaults to the file name without extension.
	ID string `json:"id"`
	// Name is the human title of the journey.
	Name string `json:"name"`
	// Service is the name of the online service, shown on wireframe covers.
	Service string `json:"service,omitempty"`
	// Process is the business process (authentication, form-filling,
	// signing or a free name).
	Process string `json:"process"`
	// Description is free text for the wireframe overview.
	Description string `json:"description,omitempty"`
	// Start is the first URL, relative to the base URL (may use ${lang}).
	Start string `json:"start,omitempty"`
	// Matrix lists the languages and devices the journey runs in.
	Matrix Matrix `json:"matrix"`
	// Devices overrides or adds device profiles by name.
	Devices map[string]journeyproof.Device `json:"devices,omitempty"`
	// Steps are run in order: the main path.
	Steps []Step `json:"steps"`
	// Branches are the other paths, where a user decides otherwise at a
	// fork step (see Branch).
	Branches []Branch `json:"branches,omitempty"`
	// File is the path the journey was loaded from.
	File string `json:"file,omitempty"`
	// Source is the YAML text of the file.
	Source string `json:"-"`
}

// Matrix is the set of languages and devices a journey runs in.
type Matrix struct {
	Languages []string `json:"languages"`
	Devices   []string `json:"devices"`
}

// Action names what a step does.
type Action string

// The step actions of the journey format.
const (
	ActGoto     Action = "goto"
	ActClick    Action = "click"
	ActFill     Action = "fill"
	ActSelect   Action = "select"
	ActPress    Action = "press"
	ActWait     Action = "wait"
	ActExpect   Action = "expect"
	ActSnapshot Action = "snapshot"
	ActIAMSmart Action = "iamsmart"
)

// Outcomes of an iamsmart step.
const (
	OutcomeApprove = "approve"
	OutcomeDeny    = "deny"
	OutcomeTimeout = "timeout"
	// OutcomeClose is the outcome where the user closes the iAM Smart
	// page, or goes back, without deciding on the phone.
	OutcomeClose = "close"
)

// Step is one action of a journey, with what the wireframe says about it.
type Step struct {
	// ID is an optional stable id used to pair steps across releases.
	ID string `json:"id,omitempty"`
	// Name is the step's title in storyboards, chapters and captions.
	Name string `json:"name"`
	// Caption is a designer's annotation shown under the screenshot.
	Caption string `json:"caption,omitempty"`
	// Action is what the step does.
	Action Action `json:"action"`
	// Selector is the element the action works on (click, fill, select,
	// press, wait, expect visible).
	Selector string `json:"selector,omitempty"`
	// Value is the URL (goto), the text to type (fill), the option
	// (select), the key (press) or the outcome (iamsmart).
	Value string `json:"value,omitempty"`
	// Text waits for or expects a text on the page.
	Text string `json:"text,omitempty"`
	// URL waits for or expects a URL matching this pattern (a substring,
	// or a regular expression when written re:PATTERN).
	URL string `json:"url,omitempty"`
	// Duration is a fixed wait ("wait: 5s").
	Duration time.Duration `json:"duration,omitempty"`
	// Timeout bounds the step; zero means the runner's default.
	Timeout time.Duration `json:"timeout,omitempty"`
	// Trigger marks the screen where iAM Smart is triggered.
	Trigger bool `json:"trigger,omitempty"`
	// Mask lists selectors whose boxes are ignored by visual comparison.
	Mask []string `json:"mask,omitempty"`
	// Waive lists rules waived on this step, each with a reason.
	Waive []Waiver `json:"waive,omitempty"`
	// Line and Col locate the step in its file.
	Line int `json:"line,omitempty"`
	Col  int `json:"col,omitempty"`

	// pending are the branches read at this step, until the journey is read.
	pending []pendingBranch
}

// Waiver waives one verifier rule on one step, with a written reason.
type Waiver struct {
	Rule   string `json:"rule"`
	Reason string `json:"reason"`
}

// Cell is one journey in one language on one device, on one of the
// journey's paths: Branch is "" for the main path, else a branch's name.
type Cell struct {
	Journey *Journey
	Lang    string
	Device  journeyproof.Device
	Branch  string
}

// String names the cell as journey/lang/device, and /branch when it is not
// the main path.
func (c Cell) String() string {
	s := c.Journey.ID + "/" + c.Lang + "/" + c.Device.Name
	if c.Branch != "" {
		s += "/" + c.Branch
	}
	return s
}

// Expand returns the cells of the journeys: each journey's matrix, narrowed
// to langs and devices when those are non-empty, and in each language and
// device the main path and then every branch (NarrowBranches keeps some).
// It fails on a language or device that no journey knows.
func Expand(js []*Journey, langs, devices []string) ([]Cell, error) {
	var cells []Cell
	for _, j := range js {
		for _, l := range j.Matrix.Languages {
			if len(langs) > 0 && !slices.Contains(langs, l) {
				continue
			}
			for _, dn := range j.Matrix.Devices {
				if len(devices) > 0 && !slices.Contains(devices, dn) {
					continue
				}
				d, err := j.Device(dn)
				if err != nil {
					return nil, err
				}
				for _, b := range j.BranchNames() {
					cells = append(cells, Cell{Journey: j, Lang: l, Device: d, Branch: b})
				}
			}
		}
	}
	for _, l := range langs {
		if !journeyproof.IsLanguage(l) {
			return nil, fmt.Errorf("unknown language %q; expected one of %s", l, strings.Join(journeyproof.Languages(), ", "))
		}
	}
	for _, d := range devices {
		found := false
		for _, j := range js {
			if _, err := j.Device(d); err == nil {
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown device %q; expected one of desktop, mobile or a device named in the journey", d)
		}
	}
	return cells, nil
}

// Expand replaces ${lang}, ${device} and ${baseURL} in s.
func (c Cell) Expand(s, baseURL string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	return strings.NewReplacer("${lang}", c.Lang, "${device}", c.Device.Name, "${baseURL}", strings.TrimRight(baseURL, "/")).Replace(s)
}
