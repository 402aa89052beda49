package recorder_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"journeyproof"
	"journeyproof/journeys"
	"journeyproof/journeys/recorder"
	"journeyproof/verifier"
)

var update = flag.Bool("update", false, "rewrite the golden journey files under testdata/")

func options(file string) recorder.Options {
	pack := verifier.DefaultPack()
	return recorder.Options{File: file, IsAuthorization: pack.IsAuthorizeURL, IsEntryLabel: pack.IsEntryLabel}
}

// The three bundled processes, recorded on the sandbox, import into the
// journeys under testdata/*.golden.yaml: the trigger marked, the iamsmart
// step after the phone side, ${lang} in the URLs.
func TestImportFixtures(t *testing.T) {
	tests := []struct {
		name, process string
		langs         []string
		warnings      int
	}{
		{"login", journeyproof.ProcessAuthentication, journeyproof.Languages(), 0},
		{"form", journeyproof.ProcessFormFilling, []string{"en"}, 0},
		{"sign", journeyproof.ProcessSigning, []string{"en"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := filepath.Join("testdata", tc.name+".recording.json")
			data, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			res, err := recorder.Convert(data, options(src))
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tc.name+".golden.yaml")
			if *update {
				os.WriteFile(golden, res.YAML, 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if string(want) != string(res.YAML) {
				t.Errorf("journey differs from %s (run with -update after checking):\n%s", golden, res.YAML)
			}
			j := res.Journey
			if j.Process != tc.process || strings.Join(j.Matrix.Languages, ",") != strings.Join(tc.langs, ",") || strings.Join(j.Matrix.Devices, ",") != "desktop" {
				t.Errorf("process %s languages %v devices %v", j.Process, j.Matrix.Languages, j.Matrix.Devices)
			}
			if len(res.Warnings) != tc.warnings {
				t.Errorf("warnings %q, want %d", res.Warnings, tc.warnings)
			}
			// One trigger, a wait for the iAM Smart page after it, then the
			// iamsmart step; the first step opens the page with ${lang}.
			trig := -1
			for i, s := range j.Steps {
				if s.Trigger {
					if trig >= 0 {
						t.Fatalf("two trigger steps")
					}
					trig = i
				}
			}
			if trig < 0 || j.Steps[trig].Action != journeys.ActClick || !strings.HasPrefix(j.Steps[trig].Selector, "#iamsmart-") {
				t.Fatalf("trigger step %d: %+v", trig, j.Steps)
			}
			if w := j.Steps[trig+1]; w.Action != journeys.ActWait || w.URL != "/iamsmart/authorize" {
				t.Errorf("after the trigger: %+v", w)
			}
			approve := -1
			for i, s := range j.Steps {
				if s.Action == journeys.ActIAMSmart {
					approve = i
				}
			}
			if approve <= trig+1 || j.Steps[approve].Value != journeys.OutcomeApprove {
				t.Errorf("iamsmart step at %d, trigger at %d", approve, trig)
			}
			if j.Steps[0].Action != journeys.ActGoto || !strings.HasSuffix(j.Steps[0].Value, "?lang=${lang}") || strings.Contains(j.Steps[0].Value, "localhost") {
				t.Errorf("first step %+v", j.Steps[0])
			}
		})
	}
}

// The most stable selector wins; aria/ and text/ are kept as such.
func TestSelectorChoice(t *testing.T) {
	tests := []struct {
		alts []string
		want string
	}{
		{[]string{"aria/Submit", "#form-submit", "xpath///*[@id=\"form-submit\"]", "text/Submit"}, "#form-submit"},
		{[]string{"aria/Submit", "div > form > button", "xpath//html/body/form/button"}, "aria/Submit"},
		{[]string{"div.card > p.lead", "xpath///*[@id=\"main\"]/div[2]/p", "text/Let iAM Smart"}, "text/Let iAM Smart"},
		{[]string{"aria/Submit", "[data-testid=\"submit\"]"}, "[data-testid=\"submit\"]"},
		{[]string{"#ember1234", "aria/Next"}, "aria/Next"},
		{[]string{"xpath///*[@id=\"go\"]", "button.primary"}, "#go"},
		{[]string{"pierce/#deep", "div > span"}, "#deep"},
		{[]string{"input[name=\"q\"]", "text/Search"}, "input[name=\"q\"]"},
		{[]string{"xpath//html/body/div/button"}, "/html/body/div/button"},
	}
	for _, tc := range tests {
		var sels []string
		for _, a := range tc.alts {
			sels = append(sels, `["`+strings.ReplaceAll(a, `"`, `\"`)+`"]`)
		}
		rec := `{"title": "t", "steps": [{"type": "navigate", "url": "https://a.example/x"}, {"type": "click", "selectors": [` + strings.Join(sels, ",") + `]}]}`
		o := options("r.json")
		o.Process = "authentication"
		res, err := recorder.Convert([]byte(rec), o)
		if err != nil {
			t.Fatalf("%v: %v", tc.alts, err)
		}
		if got := res.Journey.Steps[1].Selector; got != tc.want {
			t.Errorf("%v: chose %q, want %q", tc.alts, got, tc.want)
		}
	}
}

// A recording that stops on the iAM Smart page gets no iamsmart step but a
// comment; a mobile viewport makes a mobile journey; --process wins; a
// deny on the phone side becomes iamsmart: deny; modifier keys and hover
// are warned about.
func TestImportCases(t *testing.T) {
	nav := func(u string) string { return `{"type": "navigate", "url": "` + u + `"}` }
	click := func(sel, extra string) string {
		return `{"type": "click", "selectors": [["` + sel + `"]]` + extra + `}`
	}
	auth := `, "assertedEvents": [{"type": "navigation", "url": "https://apigw.iamsmart.gov.hk/api/v1/auth/getQR?scope=eidapi_auth&state=x"}]`
	rec := func(steps ...string) []byte {
		return []byte(`{"title": "Case", "steps": [` + strings.Join(steps, ",") + `]}`)
	}
	t.Run("ends on iAM Smart", func(t *testing.T) {
		res, err := recorder.Convert(rec(nav("https://svc.example/zh-HK/login"), click("#iam", auth)), options("r.json"))
		if err != nil {
			t.Fatal(err)
		}
		y := string(res.YAML)
		if !strings.Contains(y, "goto: /${lang}/login") || !strings.Contains(y, "The recording ends on the iAM Smart page") || strings.Contains(y, "\n    iamsmart: approve") {
			t.Fatalf("%s", y)
		}
		if s := res.Journey.Steps[2]; s.URL != "https://apigw.iamsmart.gov.hk/api/v1/auth/getQR" {
			t.Errorf("wait for the real iAM Smart page: %+v", s)
		}
	})
	t.Run("mobile, deny, process option", func(t *testing.T) {
		o := options("r.json")
		o.Process = "signing"
		res, err := recorder.Convert(rec(`{"type": "setViewport", "width": 390, "height": 844, "isMobile": true, "hasTouch": true}`,
			nav("https://svc.example/login"), click("#iam", auth),
			`{"type": "click", "target": "https://phone.example/x", "selectors": [["#deny"]]}`,
			`{"type": "waitForElement", "selectors": [["#cancelled"]]}`), o)
		if err != nil {
			t.Fatal(err)
		}
		j := res.Journey
		if j.Process != "signing" || j.Matrix.Devices[0] != "mobile" || j.Steps[3].Value != journeys.OutcomeDeny || j.Steps[4].Selector != "#cancelled" {
			t.Fatalf("%s", res.YAML)
		}
	})
	t.Run("trigger by label, return by navigation", func(t *testing.T) {
		res, err := recorder.Convert(rec(nav("https://svc.example/login"), click("aria/Log in with iAM Smart", ""),
			nav("https://svc.example/account"), `{"type": "keyDown", "key": "Shift"}`, `{"type": "keyDown", "key": "Enter"}`, `{"type": "keyUp", "key": "Enter"}`,
			`{"type": "hover", "selectors": [["#menu"]]}`), options("r.json"))
		if err != nil {
			t.Fatal(err)
		}
		j := res.Journey
		if !j.Steps[1].Trigger || j.Steps[2].Action != journeys.ActIAMSmart || j.Steps[3].Value != "/account" || j.Steps[4].Value != "Enter" || len(j.Steps) != 5 {
			t.Fatalf("%s", res.YAML)
		}
		if len(res.Warnings) != 3 { // Shift, hover, and the aria/ selector with no language in the URLs
			t.Errorf("warnings %q", res.Warnings)
		}
	})
	t.Run("no trigger", func(t *testing.T) {
		_, err := recorder.Convert(rec(nav("https://svc.example/"), click("#go", "")), options("r.json"))
		if err == nil || !strings.Contains(err.Error(), "cannot tell the business process (no step of the recording triggers iAM Smart); give --process") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("select", func(t *testing.T) {
		o := options("r.json")
		o.Process = "form-filling"
		o.BaseURL = "https://svc.example/app"
		res, err := recorder.Convert(rec(nav("https://svc.example/app/form?x=1"), `{"type": "change", "selectors": [["select#district"]], "value": "wan-chai"}`), o)
		if err != nil {
			t.Fatal(err)
		}
		if s := res.Journey.Steps; s[0].Value != "/form?x=1" || s[1].Action != journeys.ActSelect || s[1].Value != "wan-chai" {
			t.Fatalf("%s", res.YAML)
		}
	})
}

// A file that is not a recording is named with its position.
func TestBadRecordings(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"yaml journey", "name: Log in\nsteps:\n  - goto: /\n", "bad.json:1:1: not a recording: expected a Chrome DevTools Recorder recording"},
		{"empty", "", "bad.json:1:1: not a recording"},
		{"array", "[1, 2]", "bad.json:1:1: not a recording"},
		{"no steps", `{"title": "x"}`, `bad.json:1:1: not a recording: no "steps"`},
		{"steps not a list", `{"title": "x", "steps": {}}`, `bad.json:1:25: not a recording: "steps" is not a list`},
		{"syntax", "{\n  \"title\": \"x\",\n  \"steps\": [\n    {\"type\": \"click\",}\n  ]\n}", "bad.json:4:22: not a recording: invalid JSON"},
		{"no type", "{\"steps\": [\n  {\"url\": \"https://a\"}\n]}", `bad.json:2:3: step 1: no "type"`},
		{"unknown type", "{\"steps\": [{\"type\": \"navigate\", \"url\": \"https://a\"}, {\"type\": \"teleport\"}]}", `bad.json:1:54: step 2: unknown step type "teleport"`},
		{"bad selectors", `{"steps": [{"type": "click", "selectors": "#a"}]}`, `bad.json:1:12: step 1 (click): "selectors" is not a list`},
		{"no steps at all", `{"title": "x", "steps": []}`, "bad.json:1:1: the recording has no steps"},
		{"wrong field type", `{"steps": [{"type": "click", "url": 3}]}`, `bad.json:1:12: step 1: "url" should be string`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := recorder.Convert([]byte(tc.src), options("bad.json"))
			var fe *recorder.FormatError
			if err == nil || !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error %v, want prefix %q", err, tc.want)
			}
		})
	}
}
