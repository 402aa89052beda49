package journeys

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"journeyproof"
	"journeyproof/internal/yamlpos"
)

// PosError is a problem in a journey or service file at a line and
// column; it reads file:line:col: message. It is the error type of every
// YAML loader (see package yamlpos).
type PosError = yamlpos.Error

// MaxFileSize is the largest journey file LoadFile and Parse accept. A
// journey of a hundred steps is a few kilobytes.
const MaxFileSize = 1 << 20

// LoadFile reads and validates one journey file. It reads at most
// MaxFileSize bytes, so a huge file is refused before it is in memory.
func LoadFile(path string) (*Journey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load journey %s: %w", path, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > MaxFileSize {
		return nil, tooLarge(path, fi.Size())
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("load journey %s: %w", path, err)
	}
	return Parse(path, data)
}

func tooLarge(file string, size int64) error {
	return yamlpos.File{Name: file}.At(1, 1, "journey file is %d bytes, more than the %d allowed; split it into several journeys", size, MaxFileSize)
}

// LoadFiles loads every file and fails on the first bad one. Two journeys
// with the same id are an error.
func LoadFiles(paths []string) ([]*Journey, error) {
	var out []*Journey
	seen := map[string]string{}
	for _, p := range paths {
		j, err := LoadFile(p)
		if err != nil {
			return nil, err
		}
		if other, ok := seen[j.ID]; ok {
			//lint:ignore ST1005 the message ends with the YAML key "id:" to change
			return nil, fmt.Errorf("%s:1:1: journey id %q is already used by %s; give one of them another id:", p, j.ID, other)
		}
		seen[j.ID] = p
		out = append(out, j)
	}
	return out, nil
}

var (
	idPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	varPattern = regexp.MustCompile(`\$\{([^}]*)\}`)
)

// Parse reads a journey from YAML. file names the source in errors.
func Parse(file string, data []byte) (*Journey, error) {
	if len(data) > MaxFileSize {
		return nil, tooLarge(file, int64(len(data)))
	}
	p := &parser{src: yamlpos.File{Name: file}}
	root, err := p.src.Decode(data)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, p.src.At(1, 1, "empty journey file; expected a mapping with name, process and steps")
	}
	j := &Journey{File: file, Source: string(data)}
	if err := p.journey(root, j); err != nil {
		return nil, err
	}
	if j.ID == "" {
		base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		j.ID = strings.ToLower(base)
	}
	return j, nil
}

type parser struct {
	src yamlpos.File
	// deviceNodes are the matrix's device entries, to report an unknown
	// device where it is written.
	deviceNodes []*yaml.Node
	// inBranch is set while a branch's steps are read.
	inBranch bool
}

func (p *parser) errf(n *yaml.Node, format string, args ...any) error {
	return p.src.Errorf(n, format, args...)
}

// fields walks a mapping node, calling fn for each key in order, and
// rejects keys not in allowed and keys given twice.
func (p *parser) fields(n *yaml.Node, what string, allowed []string, fn func(key string, k, v *yaml.Node) error) error {
	fs, err := p.src.Mapping(n, what, allowed)
	if err != nil {
		return err
	}
	for _, f := range fs {
		if err := fn(f.Key.Value, f.Key, f.Value); err != nil {
			return err
		}
	}
	return nil
}

// pair reads a mapping of the keys k1 and k2, each a non-empty string
// (named what.k1 and what.k2 in errors), into *v1 and *v2.
func (p *parser) pair(n *yaml.Node, what, k1, k2 string, v1, v2 *string) error {
	return p.fields(n, what, []string{k1, k2}, func(key string, _, v *yaml.Node) error {
		dst := v1
		if key == k2 {
			dst = v2
		}
		var err error
		*dst, err = p.nonEmpty(v, what+"."+key)
		return err
	})
}

// scalarOrPair reads n as a non-empty scalar into *v1 (press: Enter), or
// as a mapping of the keys k1 and k2 (press: {key: Enter, selector: CSS}).
func (p *parser) scalarOrPair(n *yaml.Node, what, k1, k2 string, v1, v2 *string) error {
	if n.Kind != yaml.ScalarNode {
		return p.pair(n, what, k1, k2, v1, v2)
	}
	var err error
	*v1, err = p.nonEmpty(n, what)
	return err
}

func kindName(n *yaml.Node) string { return yamlpos.KindName(n) }

func (p *parser) str(n *yaml.Node, what string) (string, error) {
	s, err := p.src.Text(n, what, false)
	if err != nil {
		return "", err
	}
	return s, p.vars(n, s)
}

func (p *parser) nonEmpty(n *yaml.Node, what string) (string, error) {
	s, err := p.src.Text(n, what, true)
	if err != nil {
		return "", err
	}
	return s, p.vars(n, s)
}

func (p *parser) vars(n *yaml.Node, s string) error {
	for _, m := range varPattern.FindAllStringSubmatch(s, -1) {
		switch m[1] {
		case "lang", "device", "baseURL":
		default:
			return p.errf(n, "unknown variable ${%s}; expected ${lang}, ${device} or ${baseURL}", m[1])
		}
	}
	return nil
}

func (p *parser) strList(n *yaml.Node, what string) ([]string, error) {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		s, err := p.nonEmpty(n, what)
		return []string{s}, err
	}
	if n.Kind != yaml.SequenceNode {
		return nil, p.errf(n, "%s: expected a list of texts, found %s", what, kindName(n))
	}
	var out []string
	for _, c := range n.Content {
		s, err := p.nonEmpty(c, what)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// checkedStrList reads a list of texts as strList does and checks each with
// check, which gets the node the text stands at for its error.
func (p *parser) checkedStrList(n *yaml.Node, what string, check func(s string, at *yaml.Node) error) ([]string, error) {
	list, err := p.strList(n, what)
	if err != nil {
		return list, err
	}
	for i, s := range list {
		at := n
		if n.Kind == yaml.SequenceNode {
			at = n.Content[i]
		}
		if err := check(s, at); err != nil {
			return list, err
		}
	}
	return list, nil
}

// id reads the id of a journey or a step: lower-case letters, digits,
// '.', '_' or '-'.
func (p *parser) id(n *yaml.Node) (string, error) {
	id, err := p.nonEmpty(n, "id")
	if err == nil && !idPattern.MatchString(id) {
		err = p.errf(n, "id: expected lower-case letters, digits, '.', '_' or '-', found %q", id)
	}
	return id, err
}

// list checks that n, the value of key, is a list of at least one item
// ("step", "journey file").
func (p *parser) list(n *yaml.Node, key, item string) error {
	if n.Kind != yaml.SequenceNode {
		return p.src.WrongType(n, key, "a list of "+item+"s")
	}
	if len(n.Content) == 0 {
		return p.errf(n, "%s: expected at least one %s", key, item)
	}
	return nil
}

func (p *parser) boolean(n *yaml.Node, what string) (bool, error) {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		return false, p.errf(n, "%s: expected true or false, found %s", what, kindName(n))
	}
	return b, nil
}

func (p *parser) duration(n *yaml.Node, what string) (time.Duration, error) {
	s, err := p.nonEmpty(n, what)
	if err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, p.errf(n, "%s: expected a positive duration such as 5s or 1m30s, found %q", what, s)
	}
	return d, nil
}

func (p *parser) journey(n *yaml.Node, j *Journey) error {
	var stepsNode *yaml.Node
	allowed := []string{"id", "name", "service", "process", "description", "start", "matrix", "devices", "steps"}
	err := p.fields(n, "journey", allowed, func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "id":
			j.ID, err = p.id(v)
		case "name":
			j.Name, err = p.nonEmpty(v, "name")
		case "service":
			j.Service, err = p.str(v, "service")
		case "process":
			if j.Process, err = p.nonEmpty(v, "process"); err == nil && !idPattern.MatchString(j.Process) {
				err = p.errf(v, "process: expected authentication, form-filling, signing or another lower-case name, found %q", j.Process)
			}
		case "description":
			j.Description, err = p.str(v, "description")
		case "start":
			j.Start, err = p.nonEmpty(v, "start")
		case "matrix":
			err = p.matrix(v, &j.Matrix)
		case "devices":
			err = p.devices(v, j)
		case "steps":
			stepsNode = v
		}
		return err
	})
	if err != nil {
		return err
	}
	if j.Name == "" {
		return p.src.Missing(n, "journey", "name", "the journey's title")
	}
	if j.Process == "" {
		return p.src.Missing(n, "journey", "process", "authentication, form-filling, signing or another name")
	}
	if len(j.Matrix.Languages) == 0 {
		j.Matrix.Languages = journeyproof.Languages()
	}
	if len(j.Matrix.Devices) == 0 {
		j.Matrix.Devices = []string{"desktop", "mobile"}
	}
	for i, d := range j.Matrix.Devices {
		if _, err := j.Device(d); err != nil {
			at := n
			if i < len(p.deviceNodes) {
				at = p.deviceNodes[i]
			}
			return p.errf(at, "matrix.devices: %v", err)
		}
	}
	if stepsNode == nil {
		return p.src.Missing(n, "journey", "steps", "a list of steps")
	}
	return p.steps(stepsNode, j)
}

func (p *parser) matrix(n *yaml.Node, m *Matrix) error {
	return p.fields(n, "matrix", []string{"languages", "devices"}, func(key string, k, v *yaml.Node) error {
		list, err := p.strList(v, "matrix."+key)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return p.errf(v, "matrix.%s: expected at least one entry", key)
		}
		nodes := v.Content
		if v.Kind == yaml.ScalarNode {
			nodes = []*yaml.Node{v}
		}
		if key == "languages" {
			for i, l := range list {
				if !journeyproof.IsLanguage(l) {
					return p.errf(nodes[i], "matrix.languages: unknown language %q; expected one of %s", l, strings.Join(journeyproof.Languages(), ", "))
				}
			}
			m.Languages = list
		} else {
			m.Devices = list
			p.deviceNodes = nodes
		}
		return nil
	})
}

func (p *parser) devices(n *yaml.Node, j *Journey) error {
	j.Devices = map[string]journeyproof.Device{}
	return p.fields(n, "devices", anyKey(n), func(name string, k, v *yaml.Node) error {
		if !idPattern.MatchString(name) {
			return p.errf(k, "devices: expected a lower-case device name, found %q", name)
		}
		var d journeyproof.Device
		err := p.fields(v, "devices."+name, []string{"width", "height", "scale", "mobile", "touch", "userAgent"}, func(key string, k, v *yaml.Node) error {
			var err error
			switch key {
			case "width", "height", "scale":
				var f float64
				if v.Kind != yaml.ScalarNode || v.Decode(&f) != nil || f <= 0 {
					return p.errf(v, "devices.%s.%s: expected a positive number, found %s", name, key, kindName(v))
				}
				switch key {
				case "width":
					d.Width = int64(f)
				case "height":
					d.Height = int64(f)
				default:
					d.Scale = f
				}
			case "mobile":
				d.Mobile, err = p.boolean(v, "devices."+name+".mobile")
			case "touch":
				d.Touch, err = p.boolean(v, "devices."+name+".touch")
			case "userAgent":
				d.UserAgent, err = p.nonEmpty(v, "devices."+name+".userAgent")
			}
			return err
		})
		j.Devices[name] = d
		return err
	})
}

func anyKey(n *yaml.Node) []string {
	var keys []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		keys = append(keys, n.Content[i].Value)
	}
	return keys
}

func (p *parser) steps(n *yaml.Node, j *Journey) error {
	if err := p.list(n, "steps", "step"); err != nil {
		return err
	}
	ids := map[string]bool{}
	for _, sn := range n.Content {
		s, err := p.step(sn)
		if err != nil {
			return err
		}
		if s.ID != "" {
			if ids[s.ID] {
				return p.errf(sn, "step id %q is used twice in this journey", s.ID)
			}
			ids[s.ID] = true
		}
		j.Steps = append(j.Steps, s)
	}
	return p.branchesDone(j)
}

// stepKeys are the keys a step may give: its own and the action keys of
// the step kinds (stepKinds), exactly one of which names its action.
func stepKeys() []string {
	keys := []string{"id", "name", "caption", "trigger", "mask", "waive", "timeout", "branches"}
	for _, a := range Actions() {
		keys = append(keys, string(a))
	}
	return keys
}

func (p *parser) step(n *yaml.Node) (Step, error) {
	s := Step{Line: n.Line, Col: n.Column}
	var actionKey *yaml.Node
	err := p.fields(n, "step", stepKeys(), func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "id":
			s.ID, err = p.id(v)
		case "name":
			s.Name, err = p.nonEmpty(v, "name")
		case "caption":
			s.Caption, err = p.str(v, "caption")
		case "trigger":
			s.Trigger, err = p.boolean(v, "trigger")
		case "mask":
			s.Mask, err = p.strList(v, "mask")
		case "timeout":
			s.Timeout, err = p.duration(v, "timeout")
		case "waive":
			s.Waive, err = p.waivers(v)
		case "branches":
			err = p.branches(v, &s)
		default:
			if actionKey != nil {
				return p.errf(k, "step: two actions %q and %q in one step; expected exactly one of %s", actionKey.Value, key, actionList())
			}
			actionKey = k
			s.Action = Action(key)
			kind, _ := kindOf(s.Action) // the keys allowed are the kinds' actions
			err = kind.read(p, &s, v)
		}
		return err
	})
	if err != nil {
		return s, err
	}
	if actionKey == nil {
		return s, p.errf(n, "step: no action; expected exactly one of %s", actionList())
	}
	if s.Name == "" {
		s.Name = s.Describe()
	}
	return s, nil
}

func actionList() string {
	var names []string
	for _, a := range Actions() {
		names = append(names, string(a))
	}
	return strings.Join(names, ", ")
}

func (p *parser) waivers(n *yaml.Node) ([]Waiver, error) {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	var out []Waiver
	for _, it := range items {
		var w Waiver
		if err := p.pair(it, "waive", "rule", "reason", &w.Rule, &w.Reason); err != nil {
			return nil, err
		}
		if w.Rule == "" || w.Reason == "" {
			return nil, p.errf(it, "waive: expected both rule and reason (a waiver needs a written reason)")
		}
		out = append(out, w)
	}
	return out, nil
}

// URLPattern turns a step's URL pattern into a matcher: "re:REGEXP" or a
// substring.
func URLPattern(pat string) (func(string) bool, error) {
	if rest, ok := strings.CutPrefix(pat, "re:"); ok {
		re, err := regexp.Compile(rest)
		if err != nil {
			return nil, fmt.Errorf("expected a valid regular expression after re:: %v", err)
		}
		return re.MatchString, nil
	}
	return func(u string) bool { return strings.Contains(u, pat) }, nil
}
