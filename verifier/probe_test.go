package verifier

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// probeFixtures are pages for the probe's own tests, served with the others.
func probeFixtures() map[string]string {
	return map[string]string{
		"probe-names": `<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>Names</title></head><body>
<button id="b1">Save</button>
<button id="b2" aria-label="Close dialog">X</button>
<span id="lbl">Search the site</span><button id="b3" aria-labelledby="lbl">Go</button>
<a id="a1" href="/x"><img src="/logo.png" alt="Home" width="40" height="40"></a>
<input id="i1" type="submit" value="Send"> <input id="i2" type="submit">
<label for="f1">Email</label><input id="f1">
<label>Phone <input id="f2"></label>
<input id="f3" aria-label="Code"> <input id="f4" placeholder="Name only"> <input id="f5" title="Tip">
<button id="b4"><span aria-hidden="true">★</span> Star</button>
<a id="a2" href="/y"><svg width="24" height="24" viewBox="0 0 24 24"><title>Settings</title><circle cx="12" cy="12" r="8"/></svg></a>
<div id="d1" role="button" tabindex="0">Custom</div>
<a id="a3">no href</a>
<button id="b5" style="display:none">Hidden</button>
<button id="b6" style="visibility:hidden">Invisible</button>
<div style="opacity:0"><button id="b7">Transparent</button></div>
<button id="b8" style="width:0;height:0;padding:0;border:0;overflow:hidden">Zero</button>
<div style="background:rgba(0,0,255,.5)"><p id="p1" style="color:rgba(0,0,0,.5);background:rgba(255,0,0,.5)">blend</p></div>
<div style="background:linear-gradient(#000,#fff)"><p id="p2">over a gradient</p></div>
<p>Read the <a id="inl" href="/t">terms</a> first.</p>
</body></html>`,
		"probe-pseudo": `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pseudo</title><style>
*, *::before, *::after { box-sizing: border-box; }
.lead::before { content: "Log in with "; }
@media screen { .tail::after { content: " now"; } }
.empty::before { content: ""; }
</style></head><body>
<button id="p1" class="lead">iAM Smart</button>
<button id="p2" class="tail">Continue</button>
<button id="p3" class="empty">Plain</button>
</body></html>`,
		"probe-reset": `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Reset</title><style>
*, *::before, *::after { box-sizing: border-box; }
.divider::before { content: ""; border-top: 1px solid #ccc; }
</style></head><body>
<button id="r1" class="divider">Save</button>
</body></html>`,
		"probe-deep": `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Deep</title></head><body style="margin:0">
<script>window.scrolls = 0; document.addEventListener("scroll", () => scrolls++); addEventListener("scrollend", () => scrolls++);</script>
<div style="height:2000px"></div>
<button id="deep" style="display:block;width:200px;height:50px">Deep</button>
<div id="over" style="position:absolute;top:2000px;left:0;width:300px;height:80px;background:#ccc"></div>
<button id="deeper" style="display:block;margin-top:800px;width:200px;height:50px">Deeper</button>
<div style="height:600px"></div>
</body></html>`,
	}
}

func TestProbeNames(t *testing.T) {
	facts := probePage(t, DeviceDesktop, "probe-names")
	if facts.Lang != "en-GB" {
		t.Errorf("lang = %q", facts.Lang)
	}
	byID := map[string]Element{}
	for _, e := range facts.Elements {
		if e.ID != "" {
			byID[e.ID] = e
		}
	}
	cases := []struct {
		id, role, name string
		hasLabel       bool
	}{
		{"b1", "button", "Save", false},
		{"b2", "button", "Close dialog", false},
		{"b3", "button", "Search the site", false},
		{"a1", "link", "Home", false},
		{"i1", "button", "Send", false},
		{"i2", "button", "Submit", false},
		{"f1", "textbox", "Email", true},
		{"f2", "textbox", "Phone", true},
		{"f3", "textbox", "Code", true},
		{"f4", "textbox", "Name only", false},
		{"f5", "textbox", "Tip", true},
		{"b4", "button", "Star", false},
		{"a2", "link", "Settings", false},
		{"d1", "button", "Custom", false},
		{"a3", "", "", false},
	}
	for _, tc := range cases {
		e, ok := byID[tc.id]
		if !ok {
			t.Errorf("%s: not probed", tc.id)
			continue
		}
		if e.Role != tc.role || e.Name != tc.name || e.HasLabel != tc.hasLabel {
			t.Errorf("%s: role %q name %q hasLabel %v; want %q %q %v", tc.id, e.Role, e.Name, e.HasLabel, tc.role, tc.name, tc.hasLabel)
		}
	}
	if !byID["d1"].Focusable || !byID["d1"].Interactive || byID["a3"].Focusable {
		t.Errorf("focusable: d1 %v, a3 %v", byID["d1"].Focusable, byID["a3"].Focusable)
	}
	if !byID["f1"].IsField || byID["i1"].IsField {
		t.Errorf("isField: f1 %v, i1 %v", byID["f1"].IsField, byID["i1"].IsField)
	}
	for id, why := range map[string]string{"b5": "display", "b6": "visibility", "b7": "opacity", "b8": "size", "b1": ""} {
		if e := byID[id]; e.HiddenBy != why || e.Visible != (why == "") {
			t.Errorf("%s: visible %v hiddenBy %q, want %q", id, e.Visible, e.HiddenBy, why)
		}
	}
	// red at 50% over blue at 50% over the white canvas, and half-black text
	if p := byID["p1"]; p.Background != "rgba(191, 64, 128, 1)" || p.Color != "rgba(0, 0, 0, 0.5)" {
		t.Errorf("p1 colours %q on %q", p.Color, p.Background)
	}
	if p := byID["p2"]; p.Background != "" {
		t.Errorf("text over a gradient has background %q, want unknown", p.Background)
	}
	if !byID["inl"].Inline || byID["b1"].Inline {
		t.Errorf("inline: inl %v, b1 %v", byID["inl"].Inline, byID["b1"].Inline)
	}
	svg := byID["a2"].Images
	if len(svg) != 1 || svg[0].Tag != "svg" || svg[0].ViewBoxW != 24 || svg[0].RenderedW != 24 {
		t.Errorf("svg image facts %+v", svg)
	}
	img := byID["a1"].Images
	if len(img) != 1 || img[0].NaturalW != 40 || img[0].Alt != "Home" || !img[0].HasAlt {
		t.Errorf("img facts %+v", img)
	}
	imgParent := ""
	for _, e := range facts.Elements {
		if e.Tag == "img" && e.Parent >= 0 {
			imgParent = facts.Elements[e.Parent].ID
		}
	}
	if imgParent != "a1" {
		t.Errorf("the img's parent is %q, want a1", imgParent)
	}
}

// TestProbeBelowFold checks the cover test of elements below the fold, that
// the probe puts the scroll position back, and that the page's scroll
// handlers do not see the probe's scrolling (they do see the page's own).
func TestProbeBelowFold(t *testing.T) {
	ctx := openTab(t, DeviceDesktop, "probe-deep")
	// scrolls gives the page's count of scroll and scrollend events once
	// the frames after a scroll have run, and sets it back to 0.
	scrolls := func() int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => { r(scrolls); scrolls = 0; }, 50))))`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 120)`)); err != nil {
		t.Fatal(err)
	}
	if n := scrolls(); n == 0 {
		t.Fatal("the page saw no scroll event of its own scroll")
	}
	facts, err := Probe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	y, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`window.scrollY`))
	if err != nil {
		t.Fatal(err)
	}
	if y != 120 {
		t.Errorf("scrollY after the probe = %v, want 120", y)
	}
	if n := scrolls(); n != 0 {
		t.Errorf("the page saw %d scroll events of the probe's scrolling, want none", n)
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)); err != nil {
		t.Fatal(err)
	}
	if n := scrolls(); n == 0 {
		t.Error("after the probe, the page saw no scroll event of its own scroll")
	}
	for _, e := range facts.Elements {
		switch e.ID {
		case "deep":
			if e.CoveredBy != "#over" || e.Box.Y != 2000 {
				t.Errorf("deep: coveredBy %q at y %v; want #over at 2000", e.CoveredBy, e.Box.Y)
			}
		case "deeper":
			if e.CoveredBy != "" || !e.InViewportScrollableArea {
				t.Errorf("deeper: coveredBy %q, in area %v", e.CoveredBy, e.InViewportScrollableArea)
			}
		}
	}
	if facts.Scroll.H < 3400 || facts.Viewport.W != 1366 {
		t.Errorf("scroll %+v viewport %+v", facts.Scroll, facts.Viewport)
	}
}

func TestProbeScriptIsOneFunction(t *testing.T) {
	ctx := openTab(t, DeviceDesktop, "probe-names")
	kind, err := chromedp.Run(ctx, chromedp.Evaluate[string](`typeof (`+ProbeScript()+`)`))
	if err != nil || kind != "function" {
		t.Fatalf("typeof probe = %q, %v", kind, err)
	}
}

// TestProbeScriptCompacts checks that the compacted probe sent to pages is
// the same program as probe.js: no literal of probe.js spans lines (so
// trimming lines cannot change one), the lines keep their numbers, and both
// forms give the same facts on the realistic page.
func TestProbeScriptCompacts(t *testing.T) {
	src := strings.Split(probeSource, "\n")
	for i, l := range src {
		if strings.Count(l, "`")%2 != 0 || strings.HasSuffix(l, "\\") {
			t.Errorf("probe.js:%d: a literal spans lines: %s", i+1, l)
		}
	}
	if got := strings.Count(probeJS, "\n"); got != len(src)-1 {
		t.Errorf("compacted probe has %d lines, probe.js %d", got+1, len(src))
	}
	if len(probeJS) > len(probeSource)*4/5 {
		t.Errorf("compacted probe is %d bytes of %d", len(probeJS), len(probeSource))
	}
	ctx := openTab(t, DeviceDesktop, "realistic")
	var facts [2]string
	for i, s := range []string{probeSource, probeJS} {
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[string]("("+s+")()", chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		facts[i] = raw
	}
	if facts[0] != facts[1] || len(facts[0]) < 1000 {
		t.Errorf("probe.js and its compacted form disagree (%d and %d bytes of facts)", len(facts[0]), len(facts[1]))
	}
}

// TestProbePseudoNames checks names that take text from ::before and
// ::after, in a plain rule and inside @media, and that a page whose style
// sheets give pseudo-elements no text (a reset, an empty content) keeps the
// plain names.
func TestProbePseudoNames(t *testing.T) {
	want := map[string]map[string]string{
		"probe-pseudo": {"p1": "Log in with iAM Smart", "p2": "Continue now", "p3": "Plain"},
		"probe-reset":  {"r1": "Save"},
	}
	for page, names := range want {
		facts := probePage(t, DeviceDesktop, page)
		for _, e := range facts.Elements {
			if w, ok := names[e.ID]; ok {
				if e.Name != w {
					t.Errorf("%s: #%s name %q, want %q", page, e.ID, e.Name, w)
				}
				delete(names, e.ID)
			}
		}
		for id := range names {
			t.Errorf("%s: #%s not probed", page, id)
		}
	}
}
