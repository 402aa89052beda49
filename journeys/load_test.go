package journeys

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"journeyproof"
)

func TestParseGood(t *testing.T) {
	src := `
name: Log in
service: Demo
process: authentication
matrix:
  languages: [en, zh-HK]
  devices: [desktop]
devices:
  tablet: {width: 820, height: 1180, scale: 2, mobile: true, touch: true}
steps:
  - goto: /login?lang=${lang}
    caption: The login page
  - id: trigger
    name: Choose iAM Smart
    click: "#iamsmart-login"
    trigger: true
    mask: ["#qr-code"]
    waive: {rule: iamsmart.more-info, reason: the info link is in the footer}
  - fill: {selector: "#name", value: "CHAN ${device}"}
  - select: {selector: "#district", value: wan-chai}
  - press: Enter
  - press: {key: Tab, selector: "#name"}
  - wait: 5s
  - wait: {selector: "#qr-code", text: Scan}
  - wait: {url: "re:/callback\\?code="}
  - expect: {visible: "#welcome", text: Welcome, url: /account}
  - snapshot: Final screen
    caption: Done
  - iamsmart: approve
  - iamsmart: {outcome: deny, callback: /callback}
    timeout: 3m
`
	j, err := Parse("journeys/login.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if j.ID != "login" || j.Process != journeyproof.ProcessAuthentication || j.Service != "Demo" {
		t.Errorf("header = %q %q %q", j.ID, j.Process, j.Service)
	}
	if got := strings.Join(j.Matrix.Languages, ","); got != "en,zh-HK" {
		t.Errorf("languages = %s", got)
	}
	if len(j.Steps) != 13 {
		t.Fatalf("steps = %d, want 13", len(j.Steps))
	}
	want := []struct {
		action   Action
		name     string
		selector string
		value    string
	}{
		{ActGoto, "Go to /login?lang=${lang}", "", "/login?lang=${lang}"},
		{ActClick, "Choose iAM Smart", "#iamsmart-login", ""},
		{ActFill, "Fill #name", "#name", "CHAN ${device}"},
		{ActSelect, "Select wan-chai in #district", "#district", "wan-chai"},
		{ActPress, "Press Enter", "", "Enter"},
		{ActPress, "Press Tab", "#name", "Tab"},
		{ActWait, "Wait 5s", "", ""},
		{ActWait, "Wait for #qr-code", "#qr-code", ""},
		{ActWait, "Wait for URL re:/callback\\?code=", "", ""},
		{ActExpect, `Expect #welcome visible, text "Welcome", URL /account`, "#welcome", ""},
		{ActSnapshot, "Final screen", "", ""},
		{ActIAMSmart, "iAM Smart: approve", "", "approve"},
		{ActIAMSmart, "iAM Smart: deny", "", "deny"},
	}
	for i, w := range want {
		s := j.Steps[i]
		if s.Action != w.action || s.Name != w.name || s.Selector != w.selector || s.Value != w.value {
			t.Errorf("step %d = %s %q %q %q, want %s %q %q %q", i+1, s.Action, s.Name, s.Selector, s.Value, w.action, w.name, w.selector, w.value)
		}
	}
	s := j.Steps[1]
	if !s.Trigger || s.ID != "trigger" || len(s.Mask) != 1 || len(s.Waive) != 1 || s.Waive[0].Rule != "iamsmart.more-info" {
		t.Errorf("trigger step = %+v", s)
	}
	if j.Steps[6].Duration != 5*time.Second || j.Steps[12].Timeout != 3*time.Minute || j.Steps[12].URL != "/callback" {
		t.Errorf("durations: %v %v %q", j.Steps[6].Duration, j.Steps[12].Timeout, j.Steps[12].URL)
	}
	if j.Steps[0].Line != 11 || j.Steps[0].Col != 5 {
		t.Errorf("first step at %d:%d, want 11:5", j.Steps[0].Line, j.Steps[0].Col)
	}
	d, err := j.Device("tablet")
	if err != nil || d.Width != 820 || d.Scale != 2 || !d.Mobile {
		t.Errorf("tablet = %+v, %v", d, err)
	}
	cells, err := Expand([]*Journey{j}, nil, nil)
	if err != nil || len(cells) != 2 {
		t.Fatalf("cells = %d, %v", len(cells), err)
	}
	if got := cells[1].Expand("${baseURL}/x?lang=${lang}&d=${device}", "http://h:1/"); got != "http://h:1/x?lang=zh-HK&d=desktop" {
		t.Errorf("expand = %s", got)
	}
}

func TestParseBad(t *testing.T) {
	head := "name: J\nprocess: authentication\n"
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", "bad.yaml:1:1: empty journey file"},
		{"not yaml", "name: [unclosed\n", "bad.yaml:1:7: invalid YAML: this [ is never closed"},
		{"unclosed brace", head + "matrix: {languages: [en]\nsteps: [{goto: /}]\n", "bad.yaml:3:9: invalid YAML: this { is never closed"},
		{"unclosed quote", head + "steps:\n  - goto: \"/x\n", "bad.yaml:4:11: invalid YAML: could not find end character of double-quoted text"},
		{"bad indentation", head + "steps:\n  - goto: /\n   click: '#x'\n", "bad.yaml:5:4: invalid YAML: value is not allowed"},
		{"tab indentation", "name: J\n\tprocess: x\n", "bad.yaml:2:1: invalid YAML: found character"},
		{"unknown top key", head + "stepz: []\n", `bad.yaml:3:1: journey: unknown key "stepz" (did you mean "steps"?); expected one of id, name, service`},
		{"no name", "process: signing\nsteps: [{goto: /}]\n", `bad.yaml:1:1: journey: missing key "name"`},
		{"no steps", head, `bad.yaml:1:1: journey: missing key "steps"`},
		{"steps not a list", head + "steps: {goto: /}\n", "bad.yaml:3:8: steps: expected a list of steps, found a mapping"},
		{"unknown action", head + "steps:\n  - clik: '#x'\n", `bad.yaml:4:5: step: unknown key "clik" (did you mean "click"?); expected one of id, name, caption`},
		{"key given twice", head + "name: K\nsteps: [{goto: /}]\n", `bad.yaml:3:1: journey: key "name" given twice (first at line 1); keep one`},
		{"text expected", head + "steps:\n  - goto: [a]\n", `bad.yaml:4:11: goto: expected text, found a list`},
		{"empty text", head + "steps:\n  - click: ' '\n", `bad.yaml:4:12: click: expected text, found an empty value`},
		{"two actions", head + "steps:\n  - goto: /\n    click: '#x'\n", `bad.yaml:5:5: step: two actions "goto" and "click" in one step`},
		{"no action", head + "steps:\n  - name: Nothing\n", "bad.yaml:4:5: step: no action; expected exactly one of goto, click"},
		{"bad duration", head + "steps:\n  - wait: soon\n", `bad.yaml:4:11: wait: expected a positive duration such as 5s or 1m30s, found "soon"`},
		{"bad outcome", head + "steps:\n  - iamsmart: maybe\n", `bad.yaml:4:15: iamsmart: expected approve, deny, timeout or close, found "maybe"`},
		{"bad language", head + "matrix:\n  languages: [en, fr]\nsteps: [{goto: /}]\n", `bad.yaml:4:19: matrix.languages: unknown language "fr"; expected one of en, zh-HK, zh-CN`},
		{"bad device", head + "matrix:\n  devices: [watch]\nsteps: [{goto: /}]\n", `bad.yaml:4:13: matrix.devices: unknown device "watch"`},
		{"bad device among good", head + "matrix:\n  devices:\n    - desktop\n    - tablet\nsteps: [{goto: /}]\n", `bad.yaml:6:7: matrix.devices: unknown device "tablet"`},
		{"bad language alone", head + "matrix:\n  languages: fr\nsteps: [{goto: /}]\n", `bad.yaml:4:14: matrix.languages: unknown language "fr"`},
		{"unknown variable", head + "steps:\n  - goto: /x?l=${language}\n", "bad.yaml:4:11: unknown variable ${language}; expected ${lang}, ${device} or ${baseURL}"},
		{"fill without selector", head + "steps:\n  - fill: {value: x}\n", "bad.yaml:4:11: fill: missing selector"},
		{"bad key", head + "steps:\n  - press: Hyper\n", `bad.yaml:4:12: press: unknown key "Hyper"`},
		{"waiver without reason", head + "steps:\n  - goto: /\n    waive: {rule: a11y.contrast}\n", "bad.yaml:5:12: waive: expected both rule and reason"},
		{"trigger not bool", head + "steps:\n  - goto: /\n    trigger: yes please\n", `bad.yaml:5:14: trigger: expected true or false, found "yes please"`},
		{"bad regexp", head + "steps:\n  - wait: {url: 're:(('}\n", "bad.yaml:4:17: wait.url: expected a valid regular expression after re:"},
		{"duplicate step id", head + "steps:\n  - {id: a, goto: /}\n  - {id: a, goto: /}\n", `bad.yaml:5:5: step id "a" is used twice`},
		{"expect nothing", head + "steps:\n  - expect: {}\n", "bad.yaml:4:13: expect: expected at least one of visible, text, url"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tc.src))
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tc.want) {
				t.Errorf("error = %q\nwant prefix %q", msg, tc.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
		})
	}
}

// TestLoadFileTooLarge: a journey file over MaxFileSize is refused with
// its size, before it is read into memory.
func TestLoadFileTooLarge(t *testing.T) {
	p := filepath.Join(t.TempDir(), "huge.yaml")
	src := "name: J\nprocess: signing\nsteps: [{goto: /}]\n# " + strings.Repeat("x", 5<<20) + "\n"
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFile(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+":1:1: journey file is") || !strings.Contains(err.Error(), "more than the 1048576 allowed") {
		t.Fatalf("LoadFile of a 5 MB journey: %v", err)
	}
	if _, err := Parse("huge.yaml", []byte(src)); err == nil {
		t.Fatal("Parse of a 5 MB journey: no error")
	}
}

func TestLoadFilesDuplicateID(t *testing.T) {
	dir := t.TempDir()
	src := "id: same\nname: J\nprocess: signing\nsteps: [{goto: /}]\n"
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	os.WriteFile(a, []byte(src), 0o644)
	os.WriteFile(b, []byte(src), 0o644)
	_, err := LoadFiles([]string{a, b})
	if err == nil || !strings.Contains(err.Error(), `journey id "same" is already used by`) {
		t.Fatalf("err = %v", err)
	}
	if _, err := LoadFile(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "load journey") {
		t.Fatalf("missing file err = %v", err)
	}
}

func TestExpandFilters(t *testing.T) {
	j, err := Parse("j.yaml", []byte("name: J\nprocess: signing\nsteps: [{goto: /}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	cells, err := Expand([]*Journey{j}, nil, nil)
	if err != nil || len(cells) != 6 {
		t.Fatalf("default matrix: %d cells, %v", len(cells), err)
	}
	cells, err = Expand([]*Journey{j}, []string{"zh-CN"}, []string{"mobile"})
	if err != nil || len(cells) != 1 || cells[0].String() != "j/zh-CN/mobile" || cells[0].Device.Scale != 3 {
		t.Fatalf("filtered: %v %v", cells, err)
	}
	if _, err := Expand([]*Journey{j}, []string{"fr"}, nil); err == nil {
		t.Error("unknown language accepted")
	}
	if _, err := Expand([]*Journey{j}, nil, []string{"watch"}); err == nil {
		t.Error("unknown device accepted")
	}
}
