package chrome

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Selectors of the journey format. A selector is CSS or XPath (the DOM
// search finds either), or one of the forms the DevTools Recorder and
// Puppeteer write:
//
//   - aria/NAME or aria/NAME[role="ROLE"]: the first element whose computed
//     accessible name is NAME (and role ROLE), looked up in Chromium's
//     accessibility tree;
//   - text/TEXT: the first innermost element of the body whose text
//     contains TEXT (or a button-like input whose value does).
//
// Any of them but aria/ and text/ may be chained with " >> " to reach into
// frames and shadow roots, as Playwright and the probe's findings write
// them: in "iframe#login >> my-login >> #iamsmart", each part is looked
// for inside what the part before it matched: the document of a frame
// (same-origin or not, when Chromium runs it in the page's process), the
// shadow root of a host (open or closed), else its descendants.
const (
	ariaPrefix = "aria/"
	textPrefix = "text/"
	// Pierce separates the parts of a selector that reaches into frames
	// and shadow roots.
	Pierce = " >> "
)

// query returns the chromedp query options that find a journey selector:
// none for CSS and XPath, a lookup of its own for aria/ and text/.
func query(sel string) []chromedp.QueryOption {
	switch {
	case strings.Contains(sel, Pierce):
		return []chromedp.QueryOption{chromedp.ByFunc(pierceLookup(strings.Split(sel, Pierce)))}
	case strings.HasPrefix(sel, ariaPrefix):
		name, role := ParseARIASelector(sel)
		return []chromedp.QueryOption{chromedp.ByFunc(ariaLookup(name, role))}
	case strings.HasPrefix(sel, textPrefix):
		return []chromedp.QueryOption{chromedp.ByFunc(searchFirst(textXPath(strings.TrimPrefix(sel, textPrefix))))}
	}
	return nil
}

var ariaAttr = regexp.MustCompile(`\[\s*(\w+)\s*=\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\]`)

// ParseARIASelector splits aria/NAME[role="ROLE"] into its name and role
// (either may be ""), as Puppeteer reads it.
func ParseARIASelector(sel string) (name, role string) {
	rest := strings.TrimPrefix(sel, ariaPrefix)
	for _, m := range ariaAttr.FindAllStringSubmatch(rest, -1) {
		v := m[2][1 : len(m[2])-1]
		v = strings.NewReplacer(`\"`, `"`, `\'`, `'`, `\\`, `\`).Replace(v)
		switch m[1] {
		case "role":
			role = v
		case "name":
			name = v
		}
	}
	if stripped := strings.TrimSpace(ariaAttr.ReplaceAllString(rest, "")); stripped != "" {
		name = stripped
	}
	return name, role
}

// ariaLookup finds the first element with the accessible name and role in
// the accessibility tree under the query's root. Text nodes, which carry
// their element's name, are left out.
func ariaLookup(name, role string) func(context.Context, *chromedp.Target, *chromedp.Node) ([]cdp.NodeID, error) {
	return func(ctx context.Context, t *chromedp.Target, n *chromedp.Node) ([]cdp.NodeID, error) {
		res, err := cdp.Call(ctx, t, accessibility.QueryAXTree, accessibility.QueryAXTreeParams{NodeID: n.NodeID, AccessibleName: name, Role: role})
		if err != nil {
			return nil, err
		}
		for _, ax := range res.Nodes {
			if ax.BackendDOMNodeID == 0 || ax.Ignored {
				continue
			}
			if ax.Role != nil {
				if r := strings.Trim(string(ax.Role.Value), `"`); r == "StaticText" || r == "InlineTextBox" {
					continue
				}
			}
			pushed, err := cdp.Call(ctx, t, dom.PushNodesByBackendIDsToFrontend, dom.PushNodesByBackendIDsToFrontendParams{BackendNodeIDs: []cdp.BackendNodeID{ax.BackendDOMNodeID}})
			if err != nil {
				return nil, err
			}
			if len(pushed.NodeIDs) == 1 && pushed.NodeIDs[0] != 0 {
				return pushed.NodeIDs, nil
			}
		}
		return []cdp.NodeID{}, nil
	}
}

// searchFirst finds the first element the DOM search gives for a query.
func searchFirst(q string) func(context.Context, *chromedp.Target, *chromedp.Node) ([]cdp.NodeID, error) {
	return func(ctx context.Context, t *chromedp.Target, n *chromedp.Node) ([]cdp.NodeID, error) {
		found, err := cdp.Call(ctx, t, dom.PerformSearch, dom.PerformSearchParams{Query: q})
		if err != nil {
			return nil, err
		}
		defer cdp.Call(ctx, t, dom.DiscardSearchResults, dom.DiscardSearchResultsParams{SearchID: found.SearchID})
		if found.ResultCount < 1 {
			return []cdp.NodeID{}, nil
		}
		res, err := cdp.Call(ctx, t, dom.GetSearchResults, dom.GetSearchResultsParams{SearchID: found.SearchID, FromIndex: 0, ToIndex: 1})
		if err != nil {
			return nil, err
		}
		return res.NodeIDs, nil
	}
}

// textXPath is the XPath of a text/ selector: the innermost elements of the
// body whose normalised text contains the text, and inputs whose value does.
func textXPath(text string) string {
	lit := xpathLiteral(strings.Join(strings.Fields(text), " "))
	has := "contains(normalize-space(.), " + lit + ")"
	skip := "self::script or self::style or self::noscript or self::template"
	return "//body//*[not(" + skip + ")][" + has + "][not(.//*[not(" + skip + ")][" + has + "])] | //body//input[contains(@value, " + lit + ")]"
}

// xpathLiteral quotes s for XPath 1.0, which has no escapes.
func xpathLiteral(s string) string {
	if !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	parts := strings.Split(s, `"`)
	var b strings.Builder
	b.WriteString("concat(")
	for i, p := range parts {
		if i > 0 {
			b.WriteString(`, '"', `)
		}
		b.WriteString(`"` + p + `"`)
	}
	b.WriteString(")")
	return b.String()
}

// fieldType returns the type of the form field a selector finds, as the
// DOM's type property gives it ("text", "date", "select-one", ...).
func fieldType(ctx context.Context, sel string) (string, error) {
	nodes, err := chromedp.Run(ctx, chromedp.Nodes(sel, query(sel)...))
	if err != nil {
		return "", err
	}
	if len(nodes) == 0 {
		return "", fmt.Errorf("no element %s", sel)
	}
	n := nodes[0]
	switch strings.ToLower(n.NodeName) {
	case "select":
		if _, ok := n.Attribute("multiple"); ok {
			return "select-multiple", nil
		}
		return "select-one", nil
	case "textarea":
		return "textarea", nil
	case "input":
		if t := strings.ToLower(n.AttributeValue("type")); t != "" {
			return t, nil
		}
	}
	return "text", nil
}

// dispatchChange fires input and change events on the element a selector
// finds, as a user's edit would.
func dispatchChange(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.QueryAfter(sel, func(ctx context.Context, t *chromedp.Target, nodes []*chromedp.Node) (chromedp.Void, error) {
		obj, err := cdp.Call(ctx, t, dom.ResolveNode, dom.ResolveNodeParams{NodeID: nodes[0].NodeID})
		if err != nil {
			return chromedp.Void{}, err
		}
		defer cdp.Call(ctx, t, runtime.ReleaseObject, runtime.ReleaseObjectParams{ObjectID: obj.Object.ObjectID})
		res, err := cdp.Call(ctx, t, runtime.CallFunctionOn, runtime.CallFunctionOnParams{
			ObjectID:            obj.Object.ObjectID,
			FunctionDeclaration: `function() { this.dispatchEvent(new Event("input", {bubbles: true})); this.dispatchEvent(new Event("change", {bubbles: true})); }`,
		})
		if err != nil {
			return chromedp.Void{}, err
		}
		if res.ExceptionDetails != nil {
			return chromedp.Void{}, fmt.Errorf("dispatch change on %s: %s", sel, res.ExceptionDetails.Text)
		}
		return chromedp.Void{}, nil
	}, query(sel)...)
}

// pierceLookup finds the element of a " >> " selector: each part in what
// the part before it matched (its frame's document, its shadow root, or
// itself), through the DevTools protocol's DOM view, which reaches closed
// shadow roots too.
func pierceLookup(parts []string) func(context.Context, *chromedp.Target, *chromedp.Node) ([]cdp.NodeID, error) {
	return func(ctx context.Context, t *chromedp.Target, n *chromedp.Node) ([]cdp.NodeID, error) {
		cur := n.NodeID
		for i, p := range parts {
			p = strings.TrimSpace(p)
			found, err := cdp.Call(ctx, t, dom.QuerySelector, dom.QuerySelectorParams{NodeID: cur, Selector: p})
			if err != nil {
				return nil, fmt.Errorf("selector part %q: %w", p, err)
			}
			if found.NodeID == 0 {
				return []cdp.NodeID{}, nil
			}
			if i == len(parts)-1 {
				return []cdp.NodeID{found.NodeID}, nil
			}
			yes := true
			d, err := cdp.Call(ctx, t, dom.DescribeNode, dom.DescribeNodeParams{NodeID: found.NodeID, Pierce: &yes})
			if err != nil {
				return nil, err
			}
			inner := cdp.BackendNodeID(0)
			switch {
			case d.Node.ContentDocument != nil:
				inner = d.Node.ContentDocument.BackendNodeID
			case len(d.Node.ShadowRoots) > 0:
				inner = d.Node.ShadowRoots[0].BackendNodeID
			}
			cur = found.NodeID
			if inner != 0 {
				pushed, err := cdp.Call(ctx, t, dom.PushNodesByBackendIDsToFrontend, dom.PushNodesByBackendIDsToFrontendParams{BackendNodeIDs: []cdp.BackendNodeID{inner}})
				if err != nil {
					return nil, err
				}
				if len(pushed.NodeIDs) != 1 || pushed.NodeIDs[0] == 0 {
					return []cdp.NodeID{}, nil
				}
				cur = pushed.NodeIDs[0]
			}
		}
		return []cdp.NodeID{}, nil
	}
}
