package journeyproof_test

import (
	"encoding/json"
	"slices"
	"sort"
	"testing"

	"journeyproof"
)

// TestProcessTitles: the submission's names of the business processes, in
// the order the coverage and the pack list them; a free process is named by
// its words and listed after the three.
func TestProcessTitles(t *testing.T) {
	for _, tc := range []struct{ process, title string }{
		{journeyproof.ProcessAuthentication, "Authentication"},
		{journeyproof.ProcessFormFilling, "Form filling"},
		{journeyproof.ProcessSigning, "Digital signing"},
		{"address-change", "Address change"},
		{"", "Business process"},
	} {
		if got := journeyproof.ProcessTitle(tc.process); got != tc.title {
			t.Errorf("ProcessTitle(%q) = %q, want %q", tc.process, got, tc.title)
		}
	}
	ps := []string{"address-change", journeyproof.ProcessSigning, journeyproof.ProcessAuthentication, journeyproof.ProcessFormFilling}
	sort.SliceStable(ps, func(a, b int) bool { return journeyproof.ProcessOrder(ps[a]) < journeyproof.ProcessOrder(ps[b]) })
	want := []string{"authentication", "form-filling", "signing", "address-change"}
	if !slices.Equal(ps, want) {
		t.Errorf("processes in display order: %v, want %v", ps, want)
	}
	if got := journeyproof.Processes(); !slices.Equal(got, want[:3]) {
		t.Errorf("Processes() = %v, want %v", got, want[:3])
	}
}

// TestLanguageOrder: en, zh-HK, zh-CN, and any other code after them, the
// same for every caller (the coverage, the pack and the comparison sorted
// with three fallbacks of their own before).
func TestLanguageOrder(t *testing.T) {
	if got := journeyproof.Languages(); !slices.Equal(got, []string{"en", "zh-HK", "zh-CN"}) {
		t.Errorf("Languages() = %v", got)
	}
	for i, code := range journeyproof.Languages() {
		if got := journeyproof.LanguageOrder(code); got != i {
			t.Errorf("LanguageOrder(%q) = %d, want %d", code, got, i)
		}
		l, ok := journeyproof.LookupLanguage(code)
		if !ok || l.Code != code || l.Label == "" || l.Locale == "" || l.AcceptLanguage == "" || !journeyproof.IsLanguage(code) {
			t.Errorf("LookupLanguage(%q) = %+v, %v", code, l, ok)
		}
	}
	for _, unknown := range []string{"fr", "", "zh-TW", "EN"} {
		if got := journeyproof.LanguageOrder(unknown); got <= journeyproof.LanguageOrder("zh-CN") {
			t.Errorf("LanguageOrder(%q) = %d, want after zh-CN", unknown, got)
		}
		if journeyproof.IsLanguage(unknown) {
			t.Errorf("IsLanguage(%q) = true", unknown)
		}
		if _, ok := journeyproof.LookupLanguage(unknown); ok {
			t.Errorf("LookupLanguage(%q) found a language", unknown)
		}
	}
	if l, _ := journeyproof.LookupLanguage("zh-HK"); l.Label != "繁體中文" || l.AcceptLanguage != "zh-HK,zh" {
		t.Errorf("zh-HK: %+v", l)
	}
}

// TestDevices: the built-in devices and their display order, a journey's
// own device after them.
func TestDevices(t *testing.T) {
	ds := journeyproof.BuiltinDevices()
	d, m := ds[journeyproof.DeviceDesktop], ds[journeyproof.DeviceMobile]
	if d.Width != 1366 || d.Height != 768 || d.Scale != 1 || d.Mobile || d.UserAgent != "" {
		t.Errorf("desktop: %+v", d)
	}
	if m.Width != 390 || m.Height != 844 || m.Scale != 3 || !m.Mobile || !m.Touch || m.UserAgent != journeyproof.MobileUserAgent {
		t.Errorf("mobile: %+v", m)
	}
	if !(journeyproof.DeviceOrder("desktop") < journeyproof.DeviceOrder("mobile") && journeyproof.DeviceOrder("mobile") < journeyproof.DeviceOrder("tablet")) {
		t.Error("devices are not in the order desktop, mobile, others")
	}
}

// TestFindingJSON: a finding reads the same in every JSON output (run
// --json, check --json, the API); its crop stays out of it.
func TestFindingJSON(t *testing.T) {
	f := journeyproof.Finding{Rule: "a11y.name", Severity: "error", Message: "m", Selector: "#b",
		Box: journeyproof.Box{X: 1, Y: 2, W: 3, H: 4}, Crop: []byte("png")}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"rule":"a11y.name","severity":"error","message":"m","selector":"#b","box":{"x":1,"y":2,"w":3,"h":4},"waived":false}`
	if string(b) != want {
		t.Errorf("finding JSON:\n got %s\nwant %s", b, want)
	}
	box := journeyproof.Box{X: 10, Y: 10, W: 20, H: 10}
	if x, y := box.Center(); x != 20 || y != 15 || box.Area() != 200 || !box.Contains(journeyproof.Box{X: 12, Y: 12, W: 5, H: 5}) || box.Contains(journeyproof.Box{X: 25, Y: 12, W: 10, H: 5}) {
		t.Errorf("box geometry wrong for %+v", box)
	}
}
