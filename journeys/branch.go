package journeys

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MainBranch is how the command line and the web app name a journey's main
// path (Cell.Branch and recordings.Run.Branch are "" for it).
const MainBranch = "main"

// Branch is one path of a journey after a decision: at its fork step the
// user decides otherwise than on the main path, and the branch's steps run
// instead of the fork step and every step after it. At an iamsmart step a
// branch named after an outcome (deny, timeout, close) begins with the
// fork step deciding that outcome.
type Branch struct {
	// Name is deny, timeout, close, or the designer's name for the branch.
	Name string `json:"name"`
	// Label is the user's decision in words, for the journey map's arrows.
	Label string `json:"label"`
	// At is the index of the fork step in Journey.Steps.
	At int `json:"at"`
	// Steps replace Journey.Steps[At:] on this branch.
	Steps []Step `json:"steps"`
	// Line and Col locate the branch's name in its file.
	Line int `json:"line,omitempty"`
	Col  int `json:"col,omitempty"`
}

// outcomes are the outcomes of an iamsmart step, in the order the docs
// give them.
func outcomes() []string {
	return []string{OutcomeApprove, OutcomeDeny, OutcomeTimeout, OutcomeClose}
}

func isOutcome(s string) bool { return slices.Contains(outcomes(), s) }

// outcomeLabels say the user's decision of each iAM Smart outcome.
var outcomeLabels = map[string]string{
	OutcomeApprove: "Approves in the iAM Smart app",
	OutcomeDeny:    "Denies in the iAM Smart app",
	OutcomeTimeout: "Does not answer in time",
	OutcomeClose:   "Closes the iAM Smart page",
}

// Branch returns the journey's branch of that name; "" and "main" are the
// main path (nil, true).
func (j *Journey) Branch(name string) (*Branch, bool) {
	if name == "" || name == MainBranch {
		return nil, true
	}
	for i := range j.Branches {
		if j.Branches[i].Name == name {
			return &j.Branches[i], true
		}
	}
	return nil, false
}

// BranchNames lists the main path ("") and every branch, in file order.
func (j *Journey) BranchNames() []string {
	names := []string{""}
	for _, b := range j.Branches {
		names = append(names, b.Name)
	}
	return names
}

// Path returns the steps a run of the branch goes through: the main path
// for "" (or "main"), else the steps before the fork followed by the
// branch's steps.
func (j *Journey) Path(branch string) ([]Step, error) {
	b, ok := j.Branch(branch)
	if !ok {
		return nil, fmt.Errorf("journey %s has no branch %q; it has %s", j.ID, branch, strings.Join(j.branchList(), ", "))
	}
	if b == nil {
		return j.Steps, nil
	}
	out := make([]Step, 0, b.At+len(b.Steps))
	out = append(out, j.Steps[:b.At]...)
	return append(out, b.Steps...), nil
}

func (j *Journey) branchList() []string {
	names := []string{MainBranch}
	for _, b := range j.Branches {
		names = append(names, b.Name)
	}
	return names
}

// Steps returns the steps the cell's run goes through (its branch's path).
func (c Cell) Steps() []Step {
	steps, err := c.Journey.Path(c.Branch)
	if err != nil {
		return c.Journey.Steps
	}
	return steps
}

// BranchLabel is the branch's decision in words ("" for the main path).
func (c Cell) BranchLabel() string {
	if b, _ := c.Journey.Branch(c.Branch); b != nil {
		return b.Label
	}
	return ""
}

// NarrowBranches keeps the cells of the named branches ("main" names the
// main path). It fails on a name that no cell's journey has.
func NarrowBranches(cells []Cell, names []string) ([]Cell, error) {
	if len(names) == 0 {
		return cells, nil
	}
	for _, n := range names {
		found := false
		for _, c := range cells {
			if _, ok := c.Journey.Branch(n); ok {
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown branch %q; expected main or a branch of the journeys (deny, timeout, close or a designer's name)", n)
		}
	}
	var out []Cell
	for _, c := range cells {
		name := c.Branch
		if name == "" {
			name = MainBranch
		}
		if slices.Contains(names, name) {
			out = append(out, c)
		}
	}
	return out, nil
}

// branches reads a fork step's branches: a mapping from each branch's name
// to its steps, or to {label, steps}. They are checked once the whole
// journey is read (branchesDone).
func (p *parser) branches(n *yaml.Node, fork *Step) error {
	if p.inBranch {
		return p.errf(n, "branches: a branch cannot fork again; put every branch on a step of the main path")
	}
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return p.errf(n, "branches: expected a mapping from each branch's name to its steps, found %s", kindName(n))
	}
	return p.fields(n, "branches", anyKey(n), func(name string, k, v *yaml.Node) error {
		if !idPattern.MatchString(name) {
			return p.errf(k, "branches: expected a lower-case branch name (letters, digits, '.', '_' or '-'), found %q", name)
		}
		b := pendingBranch{Branch: Branch{Name: name, Line: k.Line, Col: k.Column}, node: k}
		stepsNode := v
		if v.Kind == yaml.MappingNode {
			stepsNode = nil
			err := p.fields(v, "branches."+name, []string{"label", "steps"}, func(key string, k2, v2 *yaml.Node) error {
				var err error
				if key == "label" {
					b.Label, err = p.nonEmpty(v2, "branches."+name+".label")
				} else {
					stepsNode = v2
				}
				return err
			})
			if err != nil {
				return err
			}
			if stepsNode == nil {
				return p.src.Missing(v, "branches."+name, "steps", "the steps of the branch")
			}
		}
		if stepsNode.Kind != yaml.SequenceNode || len(stepsNode.Content) == 0 {
			return p.errf(stepsNode, "branches.%s: expected a list of at least one step (what the user sees on this branch, e.g. an expect of the service's message), found %s", name, kindName(stepsNode))
		}
		p.inBranch = true
		defer func() { p.inBranch = false }()
		for _, sn := range stepsNode.Content {
			s, err := p.step(sn)
			if err != nil {
				return err
			}
			b.Steps = append(b.Steps, s)
			b.stepNodes = append(b.stepNodes, sn)
		}
		fork.pending = append(fork.pending, b)
		return nil
	})
}

// pendingBranch is a branch as read, before its fork's place is known.
type pendingBranch struct {
	Branch
	node      *yaml.Node
	stepNodes []*yaml.Node
}

// branchesDone checks the branches of every fork step and puts them in
// j.Branches: names unique, outcome names only at iamsmart steps, and step
// ids unique on each path.
func (p *parser) branchesDone(j *Journey) error {
	where := map[string]*yaml.Node{MainBranch: nil}
	for i := range j.Steps {
		fork := &j.Steps[i]
		for _, pb := range fork.pending {
			b := pb.Branch
			if prev, ok := where[b.Name]; ok {
				if prev == nil {
					return p.errf(pb.node, "branches: %q names the main path; give the branch another name", b.Name)
				}
				return p.errf(pb.node, "branches: branch %q is already defined at line %d; give each branch its own name", b.Name, prev.Line)
			}
			where[b.Name] = pb.node
			b.At = i
			if isOutcome(b.Name) {
				if fork.Action != ActIAMSmart {
					return p.errf(pb.node, "branches: %q is an iAM Smart outcome; a branch of that name belongs on an iamsmart step (or give this branch another name)", b.Name)
				}
				if b.Name == fork.Value {
					return p.errf(pb.node, "branches: %q is this step's own outcome (the main path); branch to another outcome: %s", b.Name, strings.Join(otherOutcomes(fork.Value), ", "))
				}
				first := &b.Steps[0]
				switch {
				case first.Action == ActIAMSmart && first.Value != b.Name:
					return p.errf(pb.stepNodes[0], "branches.%s: the branch begins with iamsmart: %s; expected iamsmart: %s, or no iamsmart step (the fork step is then repeated with outcome %s)", b.Name, first.Value, b.Name, b.Name)
				case first.Action != ActIAMSmart:
					b.Steps = append([]Step{forkAs(*fork, b.Name)}, b.Steps...)
				}
				if b.Label == "" {
					b.Label = outcomeLabels[b.Name]
				}
			}
			if b.Label == "" {
				b.Label = b.Name
			}
			ids := map[string]bool{}
			for _, s := range j.Steps[:i] {
				if s.ID != "" {
					ids[s.ID] = true
				}
			}
			for k, s := range b.Steps {
				if s.ID == "" {
					continue
				}
				if ids[s.ID] {
					at := pb.node
					if off := len(b.Steps) - len(pb.stepNodes); k-off >= 0 {
						at = pb.stepNodes[k-off]
					}
					return p.errf(at, "step id %q is used twice on branch %s; give each step of a path its own id", s.ID, b.Name)
				}
				ids[s.ID] = true
			}
			j.Branches = append(j.Branches, b)
		}
		fork.pending = nil
	}
	return nil
}

func otherOutcomes(own string) []string {
	var out []string
	for _, o := range outcomes() {
		if o != own {
			out = append(out, o)
		}
	}
	return out
}

// forkAs is the fork step deciding another outcome: its name, id and
// caption (written for the main path's outcome) are those of the outcome.
func forkAs(fork Step, outcome string) Step {
	s := fork
	s.Value = outcome
	s.Caption = outcomeStepCaptions[outcome]
	s.pending = nil
	if s.ID != "" {
		s.ID = outcome
	}
	s.Name = outcomeStepNames[outcome]
	return s
}

// outcomeStepCaptions describe the fork step repeated on an outcome's
// branch, for the wireframe and the video's captions.
var outcomeStepCaptions = map[string]string{
	OutcomeApprove: "The user approves the request in the iAM Smart app.",
	OutcomeDeny:    "The user declines the request in the iAM Smart app.",
	OutcomeTimeout: "The user does not respond in the iAM Smart app, and the request times out.",
	OutcomeClose:   "The user leaves the iAM Smart page without deciding and goes back to the service.",
}

// outcomeStepNames name the fork step repeated on an outcome's branch.
var outcomeStepNames = map[string]string{
	OutcomeApprove: "Approve in the iAM Smart app",
	OutcomeDeny:    "Deny in the iAM Smart app",
	OutcomeTimeout: "Let the iAM Smart request time out",
	OutcomeClose:   "Close the iAM Smart page",
}
