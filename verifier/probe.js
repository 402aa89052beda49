// probe.js: the page probe of journeyproof's verifier.
//
// This file is ONE async function expression. The verifier evaluates
// "(" + this + ")()" in the page and awaits the promise. It reads the page and
// returns plain facts (no rule logic, no pack values) as a JSON string: the
// rules run in Go.
// The probe restores the scroll position it found, keeps the scroll events
// of its own scrolling from the page, and changes nothing else.
async function journeyproofProbe(exposed) {
  "use strict";
  const win = window;
  const doc = document;
  const body = doc.body || doc.documentElement;
  const root = doc.documentElement;
  const sx0 = win.scrollX, sy0 = win.scrollY;
  const vw = root.clientWidth || win.innerWidth;
  const vh = root.clientHeight || win.innerHeight;
  const scrollW = Math.max(root.scrollWidth, body.scrollWidth, vw);
  const scrollH = Math.max(root.scrollHeight, body.scrollHeight, vh);

  const round = (n) => Math.round(n * 100) / 100;
  const collapse = (s) => (s || "").replace(/\s+/g, " ").trim();
  const styleCache = new Map();
  const cs = (el) => {
    let s = styleCache.get(el);
    if (!s) {
      s = (el.ownerDocument.defaultView || win).getComputedStyle(el);
      styleCache.set(el, s);
    }
    return s;
  };

  // ---- the composed page ------------------------------------------------
  // The probe walks the page as the user sees it: the document, the open
  // shadow roots, the closed ones the verifier handed it through the
  // DevTools protocol (globalThis.__journeyproofClosed, a WeakMap from host
  // to root in this isolated world, invisible to the page), and the
  // documents of the same-origin frames. Frames of other origins are
  // probed on their own and merged by the verifier.
  const closedRoots = globalThis.__journeyproofClosed || null;
  const shadowOf = (el) => el.shadowRoot || (closedRoots && closedRoots.get(el)) || null;
  // frameOf maps a frame's document to its iframe element.
  const frameOf = new Map();
  // up is the parent in the flat tree: the slot a light child is shown
  // in, the parent element, a shadow root's host, a frame document's iframe.
  const up = (el) => {
    const sl = el.assignedSlot;
    if (sl) return sl;
    const p = el.parentElement;
    if (p) return p;
    const pn = el.parentNode;
    if (!pn) return null;
    if (pn.host) return pn.host;
    if (pn.nodeType === 9) return frameOf.get(pn) || null;
    return null;
  };
  const composedContains = (a, b) => {
    for (let n = b; n; n = up(n)) if (n === a) return true;
    return false;
  };
  // frameOffset is where a frame document's viewport starts in the top
  // viewport: its iframe's content box, frame by frame.
  const frameOffset = (d) => {
    let x = 0, y = 0;
    for (let f = frameOf.get(d); f; f = frameOf.get(f.ownerDocument)) {
      const r = f.getBoundingClientRect();
      const s = cs(f);
      x += r.left + f.clientLeft + parseFloat(s.paddingLeft);
      y += r.top + f.clientTop + parseFloat(s.paddingTop);
    }
    return [x, y];
  };
  // frameDocument is the document of an iframe or frame element when the
  // probe may read it (same origin), else null.
  const frameDocument = (el) => {
    if (el.localName !== "iframe" && el.localName !== "frame") return null;
    try {
      return el.contentDocument;
    } catch (e) {
      return null;
    }
  };
  // rectOf is an element's border box in the top viewport.
  const rectOf = (el) => {
    const r = el.getBoundingClientRect();
    if (el.ownerDocument === doc) return r;
    const [ox, oy] = frameOffset(el.ownerDocument);
    return { left: r.left + ox, top: r.top + oy, right: r.right + ox, bottom: r.bottom + oy, width: r.width, height: r.height };
  };
  // roots are the document, the shadow roots and the frame documents, in
  // the order of the composed tree; all its elements in that order.
  const roots = [];
  const all = [];
  const walkRoot = (rt) => {
    roots.push(rt);
    for (const el of rt.querySelectorAll("*")) {
      all.push(el);
      const sr = shadowOf(el);
      if (sr) walkRoot(sr);
      const d = frameDocument(el);
      if (d && d.documentElement && el.getClientRects().length) {
        frameOf.set(d, el);
        walkRoot(d);
      }
    }
  };
  walkRoot(doc);
  // possiblyClosed: a custom element with no shadow root the probe can see
  // may hold a closed one; the verifier then hands them over and probes again.
  // Once they were handed over (exposed), the custom elements still without
  // one are remembered as having none (a WeakSet of this world).
  const noShadow = globalThis.__journeyproofNoShadow || (globalThis.__journeyproofNoShadow = new WeakSet());
  let possiblyClosed = false;
  for (const el of all) {
    if (!el.localName.includes("-") || shadowOf(el) || noShadow.has(el)) continue;
    if (exposed) noShadow.add(el);
    else possiblyClosed = true;
  }

  // ---- visibility -------------------------------------------------------
  // hiddenBy says why an element is not rendered: "display", "visibility",
  // "opacity" or "size"; "" when it is rendered.
  // opacityOf is an element's own computed opacity, parsed once.
  const opacityCache = new Map();
  const opacityOf = (el) => {
    let o = opacityCache.get(el);
    if (o === undefined) {
      o = parseFloat(cs(el).opacity);
      opacityCache.set(el, o);
    }
    return o;
  };
  // ancestorHidden is the first reason, walking up from a, that hides what
  // is inside a: zero opacity, or content-visibility:hidden. Memoised.
  const ancestorHiddenCache = new Map();
  const ancestorHidden = (a) => {
    if (!a || a.nodeType !== 1) return "";
    let h = ancestorHiddenCache.get(a);
    if (h === undefined) {
      if (opacityOf(a) === 0) h = "opacity";
      else if (cs(a).contentVisibility === "hidden") h = "display";
      else h = ancestorHidden(up(a));
      ancestorHiddenCache.set(a, h);
    }
    return h;
  };
  const hiddenByCache = new Map();
  const hiddenBy = (el) => {
    let h = hiddenByCache.get(el);
    if (h !== undefined) return h;
    // display:none anywhere up the tree gives no client rects.
    if (el.getClientRects().length === 0) h = "display";
    else {
      const s = cs(el);
      if (s.visibility === "hidden" || s.visibility === "collapse") h = "visibility";
      else if (opacityOf(el) === 0) h = "opacity";
      else h = ancestorHidden(up(el));
      if (h === "") {
        const r = el.getBoundingClientRect();
        if (r.width * r.height <= 1) h = "size"; // zero size, or a 1px "visually hidden" box
      }
    }
    hiddenByCache.set(el, h);
    return h;
  };
  const rendered = (el) => hiddenBy(el) === "";
  // opacityFactors lists the opacities other than 1 from el up to the root,
  // in that order (multiplying by 1 changes nothing). Memoised.
  const factorsCache = new Map();
  const noFactors = [];
  const opacityFactors = (el) => {
    if (!el || el.nodeType !== 1) return noFactors;
    let f = factorsCache.get(el);
    if (f === undefined) {
      const above = opacityFactors(up(el));
      const o = opacityOf(el);
      f = o === 1 ? above : [o, ...above];
      factorsCache.set(el, f);
    }
    return f;
  };
  const effectiveOpacity = (el) => {
    let o = 1;
    for (const f of opacityFactors(el)) o *= f;
    return o;
  };
  const ariaHiddenCache = new Map();
  const ariaHidden = (el) => {
    if (!el || el.nodeType !== 1) return false;
    let h = ariaHiddenCache.get(el);
    if (h === undefined) {
      h = el.getAttribute("aria-hidden") === "true" || el.hasAttribute("inert") || ariaHidden(up(el));
      ariaHiddenCache.set(el, h);
    }
    return h;
  };
  const hiddenForName = (el) => {
    if (el.nodeType !== 1) return false;
    if (el.getAttribute("aria-hidden") === "true") return true;
    const s = cs(el);
    return s.display === "none" || s.visibility === "hidden";
  };

  // ---- selectors ----------------------------------------------------------
  const esc = (s) => (win.CSS && CSS.escape ? CSS.escape(s) : s.replace(/([^\w-])/g, "\\$1"));
  // idCount counts the elements of each id, as an #id selector matches them
  // (ASCII case-insensitively in quirks mode).
  const quirks = doc.compatMode === "BackCompat";
  const idKey = (id) => (quirks ? id.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : id);
  // idCounts holds, per document or shadow root, how many elements have
  // each id.
  const idCounts = new Map();
  const uniqueID = (el) => {
    const id = el.getAttribute("id");
    if (!id) return "";
    const rt = el.getRootNode();
    let idCount = idCounts.get(rt);
    if (!idCount) {
      idCount = new Map();
      for (const d of rt.querySelectorAll("[id]")) {
        const k = idKey(d.getAttribute("id"));
        idCount.set(k, (idCount.get(k) || 0) + 1);
      }
      idCounts.set(rt, idCount);
    }
    return idCount.get(idKey(id)) === 1 ? "#" + esc(id) : "";
  };
  // scopeOf is the selector of what an element's tree hangs from, ending
  // in " >> ": a shadow root's host, a frame's iframe (each named by its
  // unique id, else its tag when that is unique in its own tree), "" in
  // the top document. "iframe#login >> my-login >> #iamsmart" is the
  // element #iamsmart in the shadow root of my-login in the frame of
  // iframe#login, as journeys write it.
  const scopeCache = new Map();
  const hostName = (h) => {
    const id = uniqueID(h);
    if (id) return h.localName === "iframe" ? "iframe" + id : id;
    const same = h.getRootNode().querySelectorAll(h.localName);
    return same.length === 1 ? h.localName : selectorOf(h);
  };
  const scopeOf = (el) => {
    const rt = el.getRootNode();
    if (rt === doc) return "";
    let sc = scopeCache.get(rt);
    if (sc === undefined) {
      const h = rt.host || frameOf.get(rt);
      sc = h ? scopeOf(h) + hostName(h) + " >> " : "";
      scopeCache.set(rt, sc);
    }
    return sc;
  };
  // selectorOf builds a unique selector: the nearest ancestor with a unique
  // id, then tag:nth-of-type steps, after the element's scope. Selectors
  // are memoised per element.
  const selectorCache = new Map();
  const selectorOf = (el) => {
    if (selectorCache.has(el)) return selectorCache.get(el);
    const sel = scopeOf(el) + localSelector(el);
    selectorCache.set(el, sel);
    return sel;
  };
  const localCache = new Map();
  const localSelector = (el) => {
    if (localCache.has(el)) return localCache.get(el);
    let sel;
    const id = uniqueID(el);
    const tag = el.localName;
    if (id) sel = id;
    else if (el === el.ownerDocument.documentElement || el === el.ownerDocument.body || !el.parentElement) sel = tag;
    else {
      let n = 1, same = 0;
      for (let s = el.parentElement.firstElementChild; s; s = s.nextElementSibling) {
        if (s.localName === tag) {
          same++;
          if (s === el) n = same;
        }
      }
      sel = localSelector(el.parentElement) + " > " + (same > 1 ? `${tag}:nth-of-type(${n})` : tag);
    }
    localCache.set(el, sel);
    return sel;
  };

  // ---- roles and names ----------------------------------------------------
  const buttonTypes = new Set(["button", "submit", "reset", "image"]);
  const nonFieldInputs = new Set(["hidden", "button", "submit", "reset", "image"]);
  const roleOf = (el) => {
    const explicit = (el.getAttribute("role") || "").trim().split(/\s+/)[0];
    if (explicit) return explicit;
    const tag = el.localName;
    const type = (el.getAttribute("type") || "").toLowerCase();
    switch (tag) {
      case "a":
      case "area":
        return el.hasAttribute("href") ? "link" : "";
      case "button":
        return "button";
      case "input":
        if (buttonTypes.has(type)) return "button";
        if (type === "checkbox") return "checkbox";
        if (type === "radio") return "radio";
        if (type === "range") return "slider";
        if (type === "number") return "spinbutton";
        if (type === "search") return "searchbox";
        if (type === "hidden") return "";
        return "textbox";
      case "select":
        return el.multiple || el.size > 1 ? "listbox" : "combobox";
      case "textarea":
        return "textbox";
      case "img":
        return el.getAttribute("alt") === "" ? "presentation" : "img";
      case "summary":
        return "button";
    }
    return "";
  };
  const fieldRoles = new Set(["textbox", "combobox", "listbox", "searchbox", "spinbutton", "checkbox", "radio", "switch", "slider"]);
  const isField = (el) => {
    const tag = el.localName;
    if (tag === "select" || tag === "textarea") return true;
    if (tag === "input") return !nonFieldInputs.has((el.getAttribute("type") || "text").toLowerCase());
    const role = (el.getAttribute("role") || "").trim();
    return fieldRoles.has(role);
  };
  const nameFromContentRoles = new Set([
    "button", "link", "menuitem", "tab", "checkbox", "radio", "switch", "option", "heading",
    "cell", "columnheader", "rowheader", "tooltip", "treeitem", "menuitemcheckbox", "menuitemradio", "",
  ]);

  // pseudoText is the quoted string content of a ::before or ::after.
  const pseudoCache = new Map();
  const pseudoText = (node, which) => {
    const key = which === "::before" ? 0 : 1;
    let both = pseudoCache.get(node);
    if (!both) {
      both = [undefined, undefined];
      pseudoCache.set(node, both);
    }
    if (both[key] === undefined) {
      const c = win.getComputedStyle(node, which).content;
      let t = "";
      if (c && c !== "none" && c !== "normal") {
        const m = c.match(/^"(.*)"$/);
        t = m ? m[1] : "";
      }
      both[key] = t;
    }
    return both[key];
  };
  // textFrom computes the accessible name of the contents of a node (accname 2F).
  const textFrom = (node, visited) => {
    if (node.nodeType === 3) return node.nodeValue;
    if (node.nodeType !== 1 || visited.has(node)) return "";
    visited.add(node);
    if (hiddenForName(node)) return "";
    const al = node.getAttribute("aria-label");
    if (al && al.trim()) return " " + al + " ";
    const tag = node.localName;
    if (tag === "img" || (tag === "input" && (node.getAttribute("type") || "").toLowerCase() === "image")) {
      return " " + (node.getAttribute("alt") || node.getAttribute("title") || "") + " ";
    }
    if (tag === "svg") {
      const t = node.querySelector("title");
      return t ? " " + t.textContent + " " : "";
    }
    if (tag === "input" && buttonTypes.has((node.getAttribute("type") || "").toLowerCase())) return " " + (node.value || "") + " ";
    if (tag === "script" || tag === "style" || tag === "template" || tag === "noscript") return "";
    let s = "";
    s += pseudoText(node, "::before");
    for (let c = node.firstChild; c; c = c.nextSibling) s += textFrom(c, visited);
    s += pseudoText(node, "::after");
    const block = cs(node).display;
    if (block && block !== "inline" && block !== "contents") s = " " + s + " ";
    return s;
  };
  const labelsText = (el) => {
    const parts = [];
    if (el.labels) for (const l of el.labels) parts.push(textFrom(l, new Set([el])));
    return collapse(parts.join(" "));
  };
  const accName = (el) => {
    const lb = el.getAttribute("aria-labelledby");
    if (lb) {
      const parts = [];
      for (const id of lb.trim().split(/\s+/)) {
        const ref = el.getRootNode().getElementById(id);
        if (ref) {
          const al = ref.getAttribute("aria-label");
          parts.push(al && al.trim() ? al : textFrom(ref, new Set()));
        }
      }
      const n = collapse(parts.join(" "));
      if (n) return n;
    }
    const al = el.getAttribute("aria-label");
    if (al && al.trim()) return collapse(al);
    const tag = el.localName;
    const type = (el.getAttribute("type") || "").toLowerCase();
    if (tag === "input") {
      if (type === "image") return collapse(el.getAttribute("alt") || el.getAttribute("value") || el.getAttribute("title") || "");
      if (type === "button" || type === "submit" || type === "reset") {
        if (el.hasAttribute("value")) return collapse(el.value);
        if (type === "submit") return "Submit";
        if (type === "reset") return "Reset";
        return collapse(el.getAttribute("title") || "");
      }
    }
    if (tag === "img") return collapse(el.getAttribute("alt") || el.getAttribute("title") || "");
    if (isField(el) || tag === "meter" || tag === "progress" || tag === "output") {
      const l = labelsText(el);
      if (l) return l;
      return collapse(el.getAttribute("title") || el.getAttribute("placeholder") || "");
    }
    if (tag === "fieldset") {
      const lg = el.querySelector(":scope > legend");
      if (lg) return collapse(textFrom(lg, new Set()));
    }
    if (tag === "svg") {
      const t = el.querySelector(":scope > title");
      if (t) return collapse(t.textContent);
    }
    if (nameFromContentRoles.has(roleOf(el)) && (roleOf(el) !== "" || tag === "label" || tag === "summary")) {
      const n = collapse(textFrom(el, new Set()));
      if (n) return n;
    }
    return collapse(el.getAttribute("title") || "");
  };
  const hasProgrammaticLabel = (el) => {
    const lb = el.getAttribute("aria-labelledby");
    if (lb && lb.trim().split(/\s+/).some((id) => {
      const r = el.getRootNode().getElementById(id);
      return r && collapse(r.textContent || r.getAttribute("aria-label"));
    })) return true;
    const al = el.getAttribute("aria-label");
    if (al && al.trim()) return true;
    if (labelsText(el)) return true;
    const t = el.getAttribute("title");
    return !!(t && t.trim());
  };

  // ---- colours ------------------------------------------------------------
  const parseRGBA = (c) => {
    const m = (c || "").match(/rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)/);
    if (!m) return null;
    let a = m[4] === undefined ? 1 : m[4].endsWith("%") ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    return [parseFloat(m[1]), parseFloat(m[2]), parseFloat(m[3]), a];
  };
  const over = (top, bottom) => {
    const a = top[3] + bottom[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    const ch = (i) => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a;
    return [ch(0), ch(1), ch(2), a];
  };
  const fmt = (c) => `rgba(${Math.round(c[0])}, ${Math.round(c[1])}, ${Math.round(c[2])}, ${round(c[3])})`;
  // effectiveBackground walks up through transparent ancestors and blends
  // translucent layers. It gives "" when an image or gradient is behind the
  // text before an opaque colour, because then the background is unknown.
  // The layers are blended from the top one down, each over what is below
  // it: over(l0, over(l1, ... over(ln, canvas))). backdrop(a) is what is
  // drawn behind the contents of a, memoised per element; null when an image
  // or gradient is there.
  const canvas = [255, 255, 255, 1]; // the canvas of the browser is white
  const backdropCache = new Map();
  const backdrop = (a) => {
    if (!a || a.nodeType !== 1) return canvas;
    let b = backdropCache.get(a);
    if (b !== undefined) return b;
    const s = cs(a);
    if (s.backgroundImage && s.backgroundImage !== "none") b = null;
    else {
      const c = parseRGBA(s.backgroundColor);
      if (c && c[3] > 0) {
        if (c[3] >= 1) b = over(c, canvas);
        else {
          const below = backdrop(up(a));
          b = below === null ? null : over(c, below);
        }
      } else b = backdrop(up(a));
    }
    backdropCache.set(a, b);
    return b;
  };
  const effectiveBackground = (el) => {
    const b = backdrop(el);
    return b === null ? "" : fmt(b);
  };

  // ---- images -------------------------------------------------------------
  const naturalSize = (url) =>
    new Promise((resolve) => {
      const img = new Image();
      const done = () => resolve([img.naturalWidth || 0, img.naturalHeight || 0]);
      img.onload = done;
      img.onerror = done;
      setTimeout(done, 1500);
      img.src = url;
    });
  const bgURL = (s) => {
    const m = (s.backgroundImage || "").match(/url\(\s*["']?([^"')]+)["']?\s*\)/);
    return m ? m[1] : "";
  };
  const pending = [];
  const imageFacts = (el) => {
    const out = [];
    const add = (n) => {
      const r = rectOf(n);
      const s = cs(n);
      const tag = n.localName;
      const f = {
        tag,
        selector: selectorOf(n),
        src: "",
        alt: n.getAttribute("alt") || "",
        hasAlt: n.hasAttribute("alt"),
        title: n.getAttribute("title") || "",
        naturalW: 0,
        naturalH: 0,
        renderedW: round(r.width),
        renderedH: round(r.height),
        viewBoxW: 0,
        viewBoxH: 0,
        objectFit: s.objectFit || "",
        preserveAspectRatio: "",
        backgroundImage: "",
        backgroundSize: "",
        visible: rendered(n),
      };
      if (tag === "img" || (tag === "input" && (n.getAttribute("type") || "").toLowerCase() === "image")) {
        f.src = n.currentSrc || n.src || "";
        if (tag === "img") {
          f.naturalW = n.naturalWidth || 0;
          f.naturalH = n.naturalHeight || 0;
        } else if (f.src) {
          pending.push(naturalSize(f.src).then(([w, h]) => ((f.naturalW = w), (f.naturalH = h))));
        }
        // content box: the image is drawn inside padding and border
        const pl = parseFloat(s.paddingLeft) + parseFloat(s.paddingRight) + parseFloat(s.borderLeftWidth) + parseFloat(s.borderRightWidth);
        const pt = parseFloat(s.paddingTop) + parseFloat(s.paddingBottom) + parseFloat(s.borderTopWidth) + parseFloat(s.borderBottomWidth);
        f.renderedW = round(Math.max(0, r.width - pl));
        f.renderedH = round(Math.max(0, r.height - pt));
      } else if (tag === "svg") {
        const vb = n.viewBox && n.viewBox.baseVal;
        if (vb && vb.width && vb.height) {
          f.viewBoxW = vb.width;
          f.viewBoxH = vb.height;
        }
        f.preserveAspectRatio = n.getAttribute("preserveAspectRatio") || "";
        f.alt = n.getAttribute("aria-label") || "";
        const t = n.querySelector(":scope > title");
        if (t) f.title = collapse(t.textContent);
      } else {
        f.backgroundImage = s.backgroundImage;
        f.backgroundSize = s.backgroundSize;
        f.objectFit = "";
        const url = bgURL(s);
        if (url) pending.push(naturalSize(url).then(([w, h]) => ((f.naturalW = w), (f.naturalH = h))));
        // the drawn size of the background image
        const parts = (s.backgroundSize || "auto").split(/\s+/);
        const len = (v, whole) => (v.endsWith("%") ? (parseFloat(v) / 100) * whole : v.endsWith("px") ? parseFloat(v) : NaN);
        if (parts.length === 2 && parts[0] !== "auto" && parts[1] !== "auto") {
          f.renderedW = round(len(parts[0], r.width));
          f.renderedH = round(len(parts[1], r.height));
        } else {
          // auto, contain, cover, or one length: the ratio is kept
          f.renderedW = 0;
          f.renderedH = 0;
        }
      }
      out.push(f);
    };
    const consider = (n) => {
      const tag = n.localName;
      if (tag === "img" || tag === "svg" || (tag === "input" && (n.getAttribute("type") || "").toLowerCase() === "image")) return add(n);
      const s = cs(n);
      if (s.backgroundImage && s.backgroundImage.includes("url(")) add(n);
    };
    consider(el);
    if (el.localName !== "svg") for (const d of el.querySelectorAll("img, svg, input, *")) {
      if (d.closest("svg") && d.localName !== "svg") continue;
      consider(d);
    }
    return out;
  };

  // ---- collection ---------------------------------------------------------
  const interactiveSel = [
    "a[href]", "area[href]", "button", "input:not([type=hidden])", "select", "textarea", "summary",
    "[role=button]", "[role=link]", "[role=checkbox]", "[role=radio]", "[role=switch]", "[role=tab]",
    "[role=menuitem]", "[role=option]", "[role=textbox]", "[role=combobox]", "[tabindex]", "[onclick]",
    "[contenteditable=''], [contenteditable=true]",
  ].join(",");
  const ownText = (el) => {
    let s = "";
    for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === 3) s += c.nodeValue;
    return collapse(s);
  };
  const chosen = new Set();
  for (const rt of roots) {
    for (const el of rt.querySelectorAll(interactiveSel)) chosen.add(el);
    for (const el of rt.querySelectorAll("img, [role=img]")) chosen.add(el);
    const rb = rt.nodeType === 9 ? rt.body || rt.documentElement : rt;
    for (const el of rb.querySelectorAll("label")) chosen.add(el);
    // the parents of text nodes that are not only white space: the elements
    // with an own text
    const texts = doc.createTreeWalker(rb, NodeFilter.SHOW_TEXT);
    for (let t = texts.nextNode(); t; t = texts.nextNode()) {
      const el = t.parentElement;
      if (!el || el === rb || chosen.has(el) || !/\S/.test(t.nodeValue)) continue;
      const tag = el.localName;
      if (tag === "script" || tag === "style" || tag === "noscript" || tag === "template" || tag === "title") continue;
      chosen.add(el);
    }
  }
  // in the composed tree's order
  const list = [];
  for (const el of all) if (chosen.has(el)) list.push(el);

  const focusableTags = new Set(["button", "select", "textarea", "summary", "iframe"]);
  const focusable = (el) => {
    if (el.disabled) return false;
    const ti = el.getAttribute("tabindex");
    if (ti !== null && !isNaN(parseInt(ti, 10))) return parseInt(ti, 10) >= 0;
    const tag = el.localName;
    if ((tag === "a" || tag === "area") && el.hasAttribute("href")) return true;
    if (focusableTags.has(tag)) return true;
    if (tag === "input") return (el.getAttribute("type") || "").toLowerCase() !== "hidden";
    return el.isContentEditable;
  };
  const widgetRoles = new Set(["link", "button", "checkbox", "radio", "switch", "tab", "menuitem", "option", "textbox", "combobox",
    "listbox", "searchbox", "spinbutton", "slider", "menuitemcheckbox", "menuitemradio", "treeitem"]);
  const isInteractive = (el, role) =>
    widgetRoles.has(role) ||
    el.hasAttribute("onclick") || (el.hasAttribute("tabindex") && parseInt(el.getAttribute("tabindex"), 10) >= 0);
  // inline: a target in a sentence, or whose size is set by the line height
  // of text around it (the WCAG 2.5.8 inline exception)
  const inlineTarget = (el) => {
    if (!cs(el).display.startsWith("inline") || cs(el).display === "inline-block" || cs(el).display === "inline-flex") return false;
    const p = el.parentElement;
    if (!p) return false;
    for (let c = p.firstChild; c; c = c.nextSibling) if (c !== el && c.nodeType === 3 && c.nodeValue.trim()) return true;
    return false;
  };
  // clipOf is the box an ancestor clips its contents to (overflow hidden or
  // clip), or null when it shows them or lets them be scrolled to. Memoised.
  const clipCache = new Map();
  const clipOf = (a) => {
    let c = clipCache.get(a);
    if (c === undefined) {
      const s = cs(a);
      const ox = s.overflowX, oy = s.overflowY;
      const clips = !(ox === "visible" && oy === "visible") && ox !== "auto" && ox !== "scroll" && oy !== "auto" && oy !== "scroll";
      c = clips ? rectOf(a) : null;
      clipCache.set(a, c);
    }
    return c;
  };
  const clippedOut = (el, r) => {
    for (let a = up(el); a && a !== root && a !== doc.body; a = up(a)) {
      const d = a.ownerDocument;
      if (a === d.documentElement || a === d.body || a.localName === "iframe" || a.localName === "frame" || a.localName === "slot") continue;
      const ar = clipOf(a);
      if (ar && (r.right <= ar.left || r.left >= ar.right || r.bottom <= ar.top || r.top >= ar.bottom)) return true;
    }
    return false;
  };
  const fontWeight = (s) => {
    const w = parseInt(s.fontWeight, 10);
    if (!isNaN(w)) return w;
    return s.fontWeight === "bold" || s.fontWeight === "bolder" ? 700 : 400;
  };
  const textFontSize = (el) => {
    let max = 0;
    const walker = el.ownerDocument.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      if (!t.nodeValue.trim() || !t.parentElement) continue;
      const fs = parseFloat(cs(t.parentElement).fontSize);
      if (fs > max) max = fs;
    }
    if (!max && (el.localName === "input" || el.localName === "select" || el.localName === "textarea")) max = parseFloat(cs(el).fontSize);
    return max;
  };

  // visuallyHidden: the "screen reader only" pattern: rendered, but clipped
  // to nothing or 1px, so a sighted user does not see its text.
  const visuallyHiddenCache = new Map();
  const visuallyHidden = (el) => {
    let v = visuallyHiddenCache.get(el);
    if (v === undefined) {
      v = visuallyHiddenUncached(el);
      visuallyHiddenCache.set(el, v);
    }
    return v;
  };
  const visuallyHiddenUncached = (el) => {
    const s = cs(el);
    const r = el.getBoundingClientRect();
    if (r.width * r.height <= 1 && el.getClientRects().length > 0) return true;
    if (s.position === "absolute" || s.position === "fixed") {
      if (/rect\(\s*0(px)?[\s,]+0(px)?[\s,]+0(px)?[\s,]+0(px)?\s*\)/.test(s.clip)) return true;
      if (/inset\(\s*50%/.test(s.clipPath)) return true;
    }
    return false;
  };
  // visibleText is what a sighted user reads in an element: its innerText
  // without the text of visually hidden descendants.
  const visibleText = (el) => {
    let hidden = false;
    for (const d of el.querySelectorAll("*")) {
      if (visuallyHidden(d)) {
        hidden = true;
        break;
      }
    }
    if (!hidden) return collapse(el.innerText !== undefined ? el.innerText : el.textContent);
    let s = "";
    const walk = (n) => {
      if (n.nodeType === 3) {
        s += n.nodeValue;
        return;
      }
      if (n.nodeType !== 1 || visuallyHidden(n) || hiddenBy(n) !== "") return;
      const tag = n.localName;
      if (tag === "script" || tag === "style" || tag === "template") return;
      if (tag === "br") s += " ";
      for (let c = n.firstChild; c; c = c.nextSibling) walk(c);
      if (!cs(n).display.startsWith("inline")) s += " ";
    };
    for (let c = el.firstChild; c; c = c.nextSibling) walk(c);
    return collapse(s);
  };

  const controlTags = new Set(["a", "button", "select", "textarea", "summary", "input"]);
  // langOf is the nearest lang attribute up the flat tree.
  const langOf = (el) => {
    for (let a = el; a; a = up(a)) if (a.hasAttribute("lang")) return a.getAttribute("lang") || "";
    return "";
  };
  const elements = [];
  const index = new Map();
  const needCover = [];
  for (const el of list) {
    const s = cs(el);
    const r = rectOf(el);
    const role = roleOf(el);
    const hidden = hiddenBy(el);
    const visible = hidden === "";
    const x = r.left + sx0, y = r.top + sy0;
    const cx = x + r.width / 2, cy = y + r.height / 2;
    const inArea = visible && cx >= 0 && cy >= 0 && cx <= scrollW && cy <= scrollH && !clippedOut(el, r);
    const interactive = isInteractive(el, role) || (controlTags.has(el.localName) && focusable(el));
    const field = isField(el);
    const fg = parseRGBA(s.color) || [0, 0, 0, 1];
    const op = effectiveOpacity(el);
    const e = {
      tag: el.localName,
      role,
      type: el.localName === "input" ? (el.getAttribute("type") || "text").toLowerCase() : el.getAttribute("type") || "",
      id: el.getAttribute("id") || "",
      text: "",
      ownText: ownText(el),
      name: accName(el),
      ariaLabel: el.getAttribute("aria-label") || "",
      title: el.getAttribute("title") || "",
      alt: el.getAttribute("alt") || "",
      hasAlt: el.hasAttribute("alt"),
      value: el.localName === "input" ? el.value || "" : "",
      lang: langOf(el),
      box: { x: round(x), y: round(y), w: round(r.width), h: round(r.height) },
      color: fmt([fg[0], fg[1], fg[2], fg[3] * op]),
      background: effectiveBackground(el),
      fontSize: parseFloat(s.fontSize) || 0,
      textFontSize: 0,
      fontWeight: fontWeight(s),
      display: s.display,
      visible,
      hiddenBy: hidden,
      inViewportScrollableArea: inArea,
      coveredBy: "",
      images: [],
      focusable: focusable(el),
      interactive,
      inline: false,
      disabled: !!el.disabled || el.getAttribute("aria-disabled") === "true",
      ariaHidden: ariaHidden(el),
      href: el.getAttribute("href") || "",
      isField: field,
      hasLabel: field ? hasProgrammaticLabel(el) : false,
      placeholder: el.getAttribute("placeholder") || "",
      selector: selectorOf(el),
      parent: -1,
    };
    e.text = interactive ? visibleText(el) : collapse(el.innerText !== undefined ? el.innerText : el.textContent);
    if (interactive || el.localName === "img" || role === "img") {
      e.images = imageFacts(el);
      e.textFontSize = textFontSize(el);
      e.inline = inlineTarget(el);
      if (visible && inArea) needCover.push([el, e]);
    }
    index.set(el, elements.length);
    for (let a = up(el); a; a = up(a)) {
      if (index.has(a)) {
        e.parent = index.get(a);
        break;
      }
    }
    elements.push(e);
  }

  // ---- covered ----------------------------------------------------------------
  // elementFromPoint works in the viewport, so elements below the fold are
  // scrolled to, one at a time, and the original scroll position is restored.
  // hitAt is the element on top at a point of the top viewport, looked
  // for down through shadow roots and same-origin frames.
  const hitAt = (x, y) => {
    let hit = doc.elementFromPoint(x, y);
    for (let n = 0; hit && n < 32; n++) {
      const sr = shadowOf(hit);
      if (sr) {
        const inner = sr.elementFromPoint(x - frameOffset(hit.ownerDocument)[0], y - frameOffset(hit.ownerDocument)[1]);
        if (inner && inner !== hit) {
          hit = inner;
          continue;
        }
      }
      const d = frameDocument(hit);
      if (d && frameOf.get(d) === hit) {
        const [ox, oy] = frameOffset(d);
        const inner = d.elementFromPoint(x - ox, y - oy);
        if (inner) {
          hit = inner;
          continue;
        }
      }
      break;
    }
    return hit;
  };
  const selOrEmpty = (el, hit) => {
    if (!hit || hit === el || composedContains(el, hit)) return "";
    // a label of the field forwards its clicks to it
    if (el.labels && Array.from(el.labels).some((l) => l === hit || l.contains(hit))) return "";
    return selectorOf(hit);
  };
  // The elements are taken in document-position order, and the page is
  // scrolled only when the next centre is outside the viewport.
  // A scroll, even one undone at once, makes the page fire a scroll event
  // (and a scrollend) at its next frame. The page's handlers must not see
  // them (a menu that closes on scroll would close): they are stopped at
  // the window, which is first on their way, until that frame's animation
  // frame callbacks, which run after its scroll events.
  needCover.sort((p, q) => p[1].box.y - q[1].box.y || p[1].box.x - q[1].box.x);
  let stopping = false;
  const stop = (ev) => {
    if (ev.target === doc || ev.target === win) ev.stopImmediatePropagation();
  };
  try {
    for (const [el, e] of needCover) {
      const px = e.box.x + e.box.w / 2, py = e.box.y + e.box.h / 2;
      let cx = px - win.scrollX, cy = py - win.scrollY;
      if (cx < 0 || cy < 0 || cx >= vw || cy >= vh) {
        const left = cx < 0 || cx >= vw ? Math.max(0, px - vw / 2) : win.scrollX;
        const top = cy < 0 || cy >= vh ? Math.max(0, py - vh / 4) : win.scrollY;
        if (!stopping) {
          stopping = true;
          win.addEventListener("scroll", stop, true);
          win.addEventListener("scrollend", stop, true);
          win.requestAnimationFrame(() => {
            win.removeEventListener("scroll", stop, true);
            win.removeEventListener("scrollend", stop, true);
          });
        }
        win.scrollTo({ left, top, behavior: "instant" });
        const r = rectOf(el);
        cx = r.left + r.width / 2;
        cy = r.top + r.height / 2;
      }
      if (cx < 0 || cy < 0 || cx >= vw || cy >= vh) continue;
      e.coveredBy = selOrEmpty(el, hitAt(cx, cy));
    }
  } finally {
    if (win.scrollX !== sx0 || win.scrollY !== sy0) win.scrollTo({ left: sx0, top: sy0, behavior: "instant" });
  }

  if (pending.length) await Promise.all(pending);

  // The facts go back as one JSON string, which is much quicker to pass
  // through the DevTools protocol than an object. The fields with a zero
  // value ("", false, 0, no items) are cut out of the JSON text: they decode
  // to the same zero. Two regular expressions do that much more quickly
  // than copying the objects without them, and they cannot match inside a
  // string: there every quote is escaped, so a quote after a comma or a
  // brace is always the start of a key.
  const zero = '(?:""|false|0|\\[\\])(?=[,}])';
  // pageText is the visible text of the body and of each shadow root and
  // frame document the body's innerText leaves out.
  function pageText() {
    let t = body.innerText || "";
    for (const rt of roots) {
      if (rt === doc) continue;
      if (rt.nodeType === 9) {
        t += "\n" + ((rt.body || rt.documentElement).innerText || "");
        continue;
      }
      if (!rendered(rt.host)) continue;
      for (let c = rt.firstElementChild; c; c = c.nextElementSibling) {
        if (c.localName === "style" || c.localName === "link" || c.localName === "script") continue;
        t += "\n" + (c.innerText || "");
      }
    }
    return t;
  }
  return JSON.stringify({
    url: String(location.href),
    title: doc.title || "",
    lang: root.getAttribute("lang") || "",
    viewport: { w: vw, h: vh },
    scroll: { w: scrollW, h: scrollH },
    scrollPos: { w: sx0, h: sy0 },
    text: pageText(),
    elements,
    possiblyClosed,
  })
    .replace(new RegExp(',"\\w+":' + zero, "g"), "")
    .replace(new RegExp('\\{"\\w+":' + zero + ",?", "g"), "{");
}
