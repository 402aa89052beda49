package verifier

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"journeyproof"
)

//go:embed probe.js
var probeSource string

// probeJS is the probe as it is sent to the page on every step: without
// comment lines and indentation, a quarter fewer bytes to send and parse.
// Lines stay where they are, so an error's line number points into
// probe.js. (No string or template literal of the probe spans lines, which
// TestProbeScriptCompacts checks.)
var probeJS = compactScript(probeSource)

// compactScript blanks the lines of src that hold only a // comment and
// trims the white space around every line.
func compactScript(src string) string {
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "//") {
			l = ""
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}

// ProbeScript returns the page probe: one async JavaScript function
// expression. Evaluating "(" + ProbeScript() + ")()" in a page and awaiting
// the promise gives the JSON form of PageFacts, as a string (fields with a
// zero value are left out).
func ProbeScript() string { return probeJS }

// Evaluator evaluates a JavaScript expression in a page, awaits it when it
// is a promise, and returns its value as JSON. The runner's isolated world
// (chrome.World) is one.
type Evaluator interface {
	Eval(ctx context.Context, expression string) ([]byte, error)
}

// Probe runs the page probe in a new isolated world of the tab of ctx (a
// chromedp context) and returns what it saw. See ProbeIn.
func Probe(ctx context.Context) (*PageFacts, error) {
	return ProbeIn(ctx, newWorld{})
}

// ProbeIn runs the page probe with ev, an isolated world of the page: the
// probe then uses the browser's own JSON, Map, Array, querySelectorAll and
// getComputedStyle, whatever the page did to its own. The probe reads the
// page and restores its scroll position.
//
// The probe sees the composed page: open shadow roots, slotted content and
// same-origin frames it walks itself; closed shadow roots when ev is a
// ShadowPiercer (it probes again after handing them over, when a custom
// element showed no shadow root); frames of other origins when ev is a
// FramePiercer (each probed in its own isolated world, merged with their
// boxes in the top page's coordinates and their selectors after the
// iframe's, "iframe#login >> ...").
func ProbeIn(ctx context.Context, ev Evaluator) (*PageFacts, error) {
	f, err := probeOnce(ctx, ev, false)
	if err != nil {
		return nil, err
	}
	if sp, ok := ev.(ShadowPiercer); ok && f.PossiblyClosed {
		if err := sp.ExposeClosedShadowRoots(ctx); err != nil {
			return nil, fmt.Errorf("probe page: closed shadow roots: %w", err)
		}
		if f, err = probeOnce(ctx, ev, true); err != nil {
			return nil, err
		}
	}
	if fp, ok := ev.(FramePiercer); ok {
		if err := mergeFrames(ctx, f, fp); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// ShadowPiercer is an Evaluator that can hand the probe the page's closed
// shadow roots, which no script can reach: the DevTools protocol's DOM view
// pierces them. It stores them, in its isolated world, in
// globalThis.__journeyproofClosed, a WeakMap from host to shadow root.
type ShadowPiercer interface {
	ExposeClosedShadowRoots(ctx context.Context) error
}

func probeOnce(ctx context.Context, ev Evaluator, exposed bool) (*PageFacts, error) {
	// The probe gives a JSON string: a string passes through the DevTools
	// protocol much more quickly than the same facts as an object.
	raw, err := ev.Eval(ctx, fmt.Sprintf("(%s)(%v)", probeJS, exposed))
	if err != nil {
		return nil, fmt.Errorf("probe page: %w", err)
	}
	var facts string
	if err := json.Unmarshal(raw, &facts); err != nil {
		return nil, fmt.Errorf("probe page: decode facts: %w", err)
	}
	var f PageFacts
	if err := json.Unmarshal([]byte(facts), &f); err != nil {
		return nil, fmt.Errorf("probe page: decode facts: %w", err)
	}
	return &f, nil
}

// newWorld evaluates in an isolated world it creates for the one
// evaluation, in the top frame of the tab of ctx.
type newWorld struct{}

func (newWorld) Eval(ctx context.Context, expression string) ([]byte, error) {
	c := chromedp.FromContext(ctx)
	if c == nil {
		return nil, chromedp.ErrInvalidContext
	}
	if c.Target == nil {
		if err := chromedp.Do(ctx); err != nil {
			return nil, err
		}
	}
	w, err := chromedp.Call(ctx, cdppage.CreateIsolatedWorld, cdppage.CreateIsolatedWorldParams{
		FrameID: cdp.FrameID(c.Target.TargetID), WorldName: "journeyproof-probe",
	})
	if err != nil {
		return nil, fmt.Errorf("create isolated world: %w", err)
	}
	yes := true
	r, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{
		Expression: expression, ContextID: w.ExecutionContextID, ReturnByValue: &yes, AwaitPromise: &yes,
	})
	if err != nil {
		return nil, err
	}
	if r.ExceptionDetails != nil {
		return nil, &chromedp.ExceptionError{ExceptionDetails: r.ExceptionDetails}
	}
	if r.Result == nil || len(r.Result.Value) == 0 {
		return []byte("null"), nil
	}
	return r.Result.Value, nil
}

// Size is a width and a height in CSS pixels.
type Size struct {
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// PageFacts is what the probe saw on one screen of a step.
type PageFacts struct {
	URL      string `json:"url"`
	Title    string `json:"title"`
	Lang     string `json:"lang"`     // the lang attribute of <html>, as written
	Viewport Size   `json:"viewport"` // the layout viewport, CSS px
	Scroll   Size   `json:"scroll"`   // scrollWidth and scrollHeight of the document
	// ScrollPos is the document's scroll position (W is scrollX, H scrollY).
	ScrollPos Size      `json:"scrollPos"`
	Text      string    `json:"text"`     // the visible text of the body (innerText)
	Elements  []Element `json:"elements"` // interactive elements, images, labels and text-bearing elements, in the composed tree's order
	// PossiblyClosed is set when a custom element showed no shadow root: it
	// may have a closed one.
	PossiblyClosed bool `json:"possiblyClosed,omitempty"`
}

// Element is one element the probe looked at.
type Element struct {
	Tag                      string           `json:"tag"`                      // lower-case tag name
	Role                     string           `json:"role"`                     // explicit role, else the implicit one ("link", "button", "textbox", "img", ...)
	Type                     string           `json:"type"`                     // the type attribute (for input, "text" when missing)
	ID                       string           `json:"id"`                       // the id attribute
	Text                     string           `json:"text"`                     // visible text (innerText, white space collapsed)
	OwnText                  string           `json:"ownText"`                  // the element's own text nodes, without its children's
	Name                     string           `json:"name"`                     // accessible name (aria-labelledby, aria-label, label, alt, title, value, contents)
	AriaLabel                string           `json:"ariaLabel"`                // the aria-label attribute
	Title                    string           `json:"title"`                    // the title attribute
	Alt                      string           `json:"alt"`                      // the alt attribute
	HasAlt                   bool             `json:"hasAlt"`                   // whether the alt attribute is present (it may be empty)
	Value                    string           `json:"value"`                    // an input's current value
	Lang                     string           `json:"lang"`                     // the nearest lang attribute
	Box                      journeyproof.Box `json:"box"`                      // border box, document coordinates, CSS px
	Color                    string           `json:"color"`                    // text colour, rgba(), alpha includes ancestors' opacity
	Background               string           `json:"background"`               // effective background colour, rgba(); "" when an image or gradient is behind
	FontSize                 float64          `json:"fontSize"`                 // computed font size, px
	TextFontSize             float64          `json:"textFontSize"`             // largest font size of the text inside (interactive elements), px
	FontWeight               int              `json:"fontWeight"`               // computed font weight (400 normal, 700 bold)
	Display                  string           `json:"display"`                  // computed display
	Visible                  bool             `json:"visible"`                  // rendered: not display:none, visibility:hidden, zero opacity or zero size
	HiddenBy                 string           `json:"hiddenBy"`                 // why it is not visible: "display", "visibility", "opacity" or "size"; "" when visible
	InViewportScrollableArea bool             `json:"inViewportScrollableArea"` // its centre is inside the page's scrollable area and not clipped away
	CoveredBy                string           `json:"coveredBy"`                // selector of the element on top at its centre; "" when it is the element itself or inside it
	Images                   []Image          `json:"images"`                   // images inside (and the element itself when it is one): img, svg, background images
	Focusable                bool             `json:"focusable"`                // reachable with the Tab key
	Interactive              bool             `json:"interactive"`              // a link, button, form control or other widget
	Inline                   bool             `json:"inline"`                   // an inline target inside a sentence (WCAG 2.5.8 inline exception)
	Disabled                 bool             `json:"disabled"`                 // disabled or aria-disabled
	AriaHidden               bool             `json:"ariaHidden"`               // hidden from assistive technology (aria-hidden or inert on it or an ancestor)
	Href                     string           `json:"href"`                     // the href attribute
	IsField                  bool             `json:"isField"`                  // a form field (input other than buttons, select, textarea, field roles)
	HasLabel                 bool             `json:"hasLabel"`                 // a field's programmatic label: label, aria-label, aria-labelledby or title
	Placeholder              string           `json:"placeholder"`              // the placeholder attribute
	Selector                 string           `json:"selector"`                 // a unique CSS selector, after its frames and shadow hosts ("iframe#login >> my-login >> #iamsmart")
	Parent                   int              `json:"parent"`                   // index in PageFacts.Elements of the nearest ancestor the probe also saw; -1 when none
}

// Image is one image inside an element.
type Image struct {
	Tag                 string  `json:"tag"`                 // img, svg, input, or the tag of an element with a background image
	Selector            string  `json:"selector"`            // a unique CSS selector
	Src                 string  `json:"src"`                 // the image URL (img, input type=image)
	Alt                 string  `json:"alt"`                 // alt attribute (aria-label for svg)
	HasAlt              bool    `json:"hasAlt"`              // whether the alt attribute is present
	Title               string  `json:"title"`               // title attribute, or an svg's <title>
	NaturalW            float64 `json:"naturalW"`            // intrinsic width, px (0 when unknown)
	NaturalH            float64 `json:"naturalH"`            // intrinsic height, px
	RenderedW           float64 `json:"renderedW"`           // drawn width, CSS px (0 when the drawn ratio is kept by CSS, as background-size: contain)
	RenderedH           float64 `json:"renderedH"`           // drawn height, CSS px
	ViewBoxW            float64 `json:"viewBoxW"`            // svg viewBox width (0 when none)
	ViewBoxH            float64 `json:"viewBoxH"`            // svg viewBox height
	ObjectFit           string  `json:"objectFit"`           // computed object-fit of an img
	PreserveAspectRatio string  `json:"preserveAspectRatio"` // an svg's preserveAspectRatio attribute
	BackgroundImage     string  `json:"backgroundImage"`     // computed background-image
	BackgroundSize      string  `json:"backgroundSize"`      // computed background-size
	Visible             bool    `json:"visible"`             // rendered
}
