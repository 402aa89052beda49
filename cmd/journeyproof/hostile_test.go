package main

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"journeyproof"
	"journeyproof/journeys"
)

// hostileCase is a page of the hostile corpus: the clean page with a
// script that replaces what a reader of the page would use. proof, run in
// the page's own world, is true when the override is in effect there.
type hostileCase struct {
	name, head, tail, proof string
}

// hostileCorpus is the hostile-page corpus: each page overrides one global
// the probe, the waits or the mask reads could use, or hides an element
// from the page's scripts while it stays visible.
func hostileCorpus() []hostileCase {
	return []hostileCase{
		{name: "JSON.stringify", head: `JSON.stringify = () => "{}";`, proof: `JSON.stringify([1]) === "{}"`},
		{name: "JSON.parse", head: `JSON.parse = () => ({});`, proof: `Object.keys(JSON.parse("[1]")).length === 0`},
		{name: "Array.prototype.map", head: `Array.prototype.map = function () { return []; };`, proof: `[1].map(x => x).length === 0`},
		{name: "Array.prototype.filter", head: `Array.prototype.filter = function () { return []; };`, proof: `[1].filter(x => x).length === 0`},
		{name: "Array.prototype.forEach", head: `Array.prototype.forEach = function () {};`, proof: `(() => { let n = 0; [1].forEach(() => n++); return n === 0; })()`},
		{name: "Array.prototype.push", head: `Array.prototype.push = function () { return 0; };`, proof: `(() => { const a = []; a.push(1); return a.length === 0; })()`},
		// Prototype.js's toJSON: arrays serialise as strings.
		{name: "Array.prototype.toJSON", head: `Array.prototype.toJSON = function () { return "[" + this.length + " items]"; };`, proof: `JSON.stringify([1]) === '"[1 items]"'`},
		{name: "Object.keys", head: `Object.keys = () => [];`, proof: `Object.keys({a: 1}).length === 0`},
		// A polyfill that forgets what it was given.
		{name: "Map", head: `window.Map = function () { this.get = () => undefined; this.set = function () { return this; }; this.has = () => false; };`, proof: `new Map().set(1, 2).get(1) === undefined`},
		{name: "Set", head: `window.Set = function () { this.add = function () { return this; }; this.has = () => true; this.size = 0; };`, proof: `new Set().has(1)`},
		{name: "document.querySelectorAll", head: `Document.prototype.querySelectorAll = Element.prototype.querySelectorAll = function () { return []; }; Document.prototype.querySelector = Element.prototype.querySelector = function () { return null; };`, proof: `document.querySelectorAll("*").length === 0`},
		{name: "Element.prototype.getBoundingClientRect", head: `Element.prototype.getBoundingClientRect = function () { return new DOMRect(0, 0, 400, 60); }; Element.prototype.getClientRects = function () { return [new DOMRect(0, 0, 400, 60)]; };`, proof: `document.documentElement.getBoundingClientRect().width === 400`},
		{name: "window.getComputedStyle", head: `window.getComputedStyle = function () { return {display: "block", visibility: "visible", opacity: "1", color: "rgb(0, 0, 0)", backgroundColor: "rgb(255, 255, 255)", fontSize: "40px", fontWeight: "700", getPropertyValue: () => ""}; };`, proof: `getComputedStyle(document.documentElement).fontSize === "40px"`},
		{name: "Node.prototype.textContent", head: `Object.defineProperty(Node.prototype, "textContent", {get() { return "Log in with iAM Smart"; }, configurable: true});`, proof: `document.documentElement.textContent === "Log in with iAM Smart"`},
		// The entry stays on screen, but the page's scripts cannot find it,
		// measure it or read its label.
		{name: "hidden from scripts", tail: `(() => {
  const e = document.getElementById("iamsmart-login");
  const qsa = Document.prototype.querySelectorAll;
  Document.prototype.querySelectorAll = function (s) { return Array.from(qsa.call(this, s)).filter(x => x !== e && !e.contains(x)); };
  const qs = Document.prototype.querySelector;
  Document.prototype.querySelector = function (s) { const x = qs.call(this, s); return x === e ? null : x; };
  const tw = Document.prototype.createTreeWalker;
  Document.prototype.createTreeWalker = function (root, what) { return tw.call(this, root, what, {acceptNode: n => (n === e || e.contains(n)) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT}); };
  e.getBoundingClientRect = () => new DOMRect(0, 0, 0, 0);
  Object.defineProperty(e, "innerText", {get: () => "Log in with iAM Smart"});
  Object.defineProperty(e, "textContent", {get: () => "Log in with iAM Smart"});
})();`, proof: `document.querySelector("#iamsmart-login") === null && document.querySelectorAll("button").length === 1`},
	}
}

// hostileCases are the clean page and the hostile corpus, in the order
// hostilePages serves them.
func hostileCases() []hostileCase {
	return append([]hostileCase{{name: "clean"}}, hostileCorpus()...)
}

// hostilePages serves each of hostileCases at /case/N.
func hostilePages(mux *http.ServeMux) {
	for i, c := range hostileCases() {
		page := hostilePage(c)
		mux.HandleFunc(fmt.Sprintf("/case/%d", i), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, page)
		})
	}
}

// hostilePage is the corpus's clean page, with the case's scripts. It
// breaks a few rules on purpose (an unapproved label, an image without
// alt, low contrast, a small button), so that equal findings mean
// something.
func hostilePage(c hostileCase) string {
	var head, tail string
	if c.head != "" {
		head = "<script>" + c.head + "</script>"
	}
	if c.tail != "" {
		tail = "<script>" + c.tail + "</script>"
	}
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Hostile ` + c.name + `</title>` + head + `
<style>body{font:16px sans-serif;margin:24px;color:#222} .entry{display:inline-flex;align-items:center;gap:8px;height:48px;padding:0 16px;background:#2b7a78;color:#fff;border:0;border-radius:6px;font-size:16px}
.pale{color:#bbb} #clock{font:14px monospace} .tiny{width:16px;height:16px;padding:0;font-size:10px}</style></head>
<body><h1>Welcome to the sample service</h1>
<p>Sign in to continue. <span class="pale">Pale text nobody can read.</span></p>
<button id="iamsmart-login" class="entry"><img src="data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24' width='24' height='24'><circle cx='12' cy='12' r='10' fill='white'/></svg>" width="24" height="24" alt="iAM Smart logo">Login via iAM Smart</button>
<button id="password-login" class="tiny">Go</button>
<img src="data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='40' height='40'/>" width="40" height="40">
<p id="clock">12:00:00</p>
<p>About iAM Smart: <a href="/about">Learn more</a></p>
<div style="height:1600px"></div>` + tail + `</body></html>`
}

// observed is what a user sees of a step: its findings, entries, mask
// boxes and scroll position, in a form that compares.
func observed(sr *journeys.StepResult) []string {
	var out []string
	for _, f := range sr.Findings {
		out = append(out, fmt.Sprintf("finding %s %s %s %q %v", f.Severity, f.Rule, f.Selector, f.Message, f.Box))
	}
	sort.Strings(out)
	for _, e := range sr.Entries {
		out = append(out, fmt.Sprintf("entry %s %q %v", e.Selector, e.Text, e.Box))
	}
	for _, m := range sr.Masks {
		out = append(out, fmt.Sprintf("mask %v", m))
	}
	return append(out, fmt.Sprintf("status %s %s title %q scroll %v,%v", sr.Status, sr.Error, sr.Title, sr.ScrollX, sr.ScrollY))
}

// TestHostilePagesCannotChangeFindings runs the same journey (load, wait
// for the entry, expect its text, a masked snapshot) on the clean page and
// on every page of the hostile corpus, in one browser: each hostile page
// gets exactly the clean page's findings, entries, mask boxes and step
// results, although its override is in effect in its own world.
func TestHostilePagesCannotChangeFindings(t *testing.T) {
	shared.Need(t)
	cases := hostileCases()
	var js []*journeys.Journey
	for i := range cases {
		js = append(js, &journeys.Journey{ID: fmt.Sprintf("case%d", i), Name: cases[i].name, Process: journeyproof.ProcessAuthentication,
			Matrix: journeys.Matrix{Languages: []string{"en"}, Devices: []string{"desktop"}},
			Steps: []journeys.Step{
				{Name: "load", Action: journeys.ActGoto, Value: fmt.Sprintf("/case/%d", i)},
				{Name: "wait for the entry", Action: journeys.ActWait, Selector: "#iamsmart-login"},
				{Name: "expect its label", Action: journeys.ActExpect, Selector: "#iamsmart-login", Text: "Login via iAM Smart"},
				{Name: "masked", Action: journeys.ActSnapshot, Value: "masked", Mask: []string{"#clock", "#iamsmart-login img"}},
			}})
	}
	results, steps := runJourneys(t, false, nil, js...)

	clean := steps["case0"]
	if results[0].Status != journeyproof.StatusPassed || len(clean) != 4 {
		t.Fatalf("clean page: %s %s", results[0].Status, results[0].Error)
	}
	rules := map[string]bool{}
	for _, sr := range clean {
		for _, f := range sr.Findings {
			rules[f.Rule] = true
		}
	}
	for _, want := range []string{"iamsmart.label.approved", "a11y.image-alt", "a11y.contrast"} {
		if !rules[want] {
			t.Fatalf("the clean page should break %s; its findings: %v", want, observed(clean[0]))
		}
	}
	if len(clean[3].Masks) != 2 {
		t.Fatalf("clean page: want 2 mask boxes, got %v", clean[3].Masks)
	}

	// Each override is in effect in the page's own world.
	tab, cancel := chromedp.NewContext(site.Browser.Context(), chromedp.WithNewBrowserContext())
	defer cancel()
	for i, c := range cases[1:] {
		if _, err := chromedp.Run(tab, chromedp.Navigate(fmt.Sprintf("%s/case/%d", site.URL, i+1))); err != nil {
			t.Fatal(err)
		}
		ok, err := chromedp.Run(tab, chromedp.Evaluate[bool](c.proof))
		if err != nil || !ok {
			t.Errorf("%s: the override is not in effect in the page (%v)", c.name, err)
		}
	}

	for i, c := range cases[1:] {
		t.Run(c.name, func(t *testing.T) {
			res := results[i+1]
			got := steps[fmt.Sprintf("case%d", i+1)]
			if res.Status != journeyproof.StatusPassed {
				t.Fatalf("run: %s", res.Error)
			}
			if len(got) != len(clean) {
				t.Fatalf("%d steps, want %d", len(got), len(clean))
			}
			for k := range clean {
				want, have := observed(clean[k]), observed(got[k])
				// The title names the case.
				want[len(want)-1] = strings.Replace(want[len(want)-1], "Hostile clean", "Hostile "+c.name, 1)
				if !slices.Equal(want, have) {
					t.Errorf("step %d %q:\nclean:   %s\nhostile: %s", k+1, clean[k].Step.Name, strings.Join(want, "\n         "), strings.Join(have, "\n         "))
				}
			}
		})
	}
}
