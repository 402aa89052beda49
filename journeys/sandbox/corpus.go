package sandbox

import (
	"bytes"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
)

// The corpus (/corpus/KIND/PAGE): the sandbox's login, form and signing
// pages built the way real e-services are built, each the same content as
// the static page (/login, /form, /sign, with the same ?lang= and
// ?defects=), so that the verifier can be held to the same findings on
// both. Its pages are listed by CorpusKinds.

// CorpusKind is one way of building a page in the corpus.
type CorpusKind struct {
	Name        string
	Description string
}

// CorpusKinds lists the corpus's ways of building a page.
func CorpusKinds() []CorpusKind {
	return []CorpusKind{
		{"shadow-open", "the page inside nested web components (jp-app >> jp-page), open shadow roots"},
		{"shadow-closed", "the same with closed shadow roots"},
		{"slotted", "the page as the light DOM of a web component, shown through its slot"},
		{"iframe", "the page in a same-origin iframe (iframe#login)"},
		{"iframe-cross", "the page in an iframe of the second loopback origin (localhost for 127.0.0.1 and back): a cross-site, out-of-process frame"},
		{"late", "a framework-style shell that fetches and renders the page one second after load"},
	}
}

// corpusPages maps a corpus page name to the static page it wraps.
var corpusPages = map[string]string{"login": "/login", "form": "/form", "sign": "/sign"}

var bodyRE = regexp.MustCompile(`(?s)<body[^>]*>(.*)</body>`)

// OtherLoopbackHost is the second loopback origin's host for a sandbox
// served at host: the same port under the other loopback name (localhost
// for 127.0.0.1, 127.0.0.1 for localhost and anything else).
func OtherLoopbackHost(host string) string {
	h, port, err := net.SplitHostPort(host)
	if err != nil {
		h, port = host, ""
	}
	other := "127.0.0.1"
	if h == "127.0.0.1" {
		other = "localhost"
	}
	if port == "" {
		return other
	}
	return net.JoinHostPort(other, port)
}

var corpusShell = template.Must(template.New("corpus").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="stylesheet" href="/static/site.css">
{{- if not (eq .Kind "iframe" "iframe-cross")}}
<script src="/static/site.js"></script>
{{- end}}
<style>jp-app, jp-page, jp-shell { display: block; } iframe.jp-frame { display: block; width: 100%; height: 2400px; border: 0; } body.jp-frame-body { margin: 0; }</style>
</head>
{{- if eq .Kind "iframe" "iframe-cross"}}
<body class="jp-frame-body">
<iframe id="login" class="jp-frame" title="{{.Title}}" src="{{.Src}}"></iframe>
{{- if eq .Kind "iframe"}}
<script>
(function () {
  var f = document.getElementById("login");
  var fit = function () { try { f.style.height = f.contentDocument.documentElement.scrollHeight + "px"; } catch (e) {} };
  f.addEventListener("load", fit);
  fit();
})();
</script>
{{- end}}
</body>
{{- else if eq .Kind "late"}}
<body>
<script>
// A framework-style page: nothing to see at load; a second later it
// fetches its content and renders it.
addEventListener("load", function () {
  setTimeout(function () {
    fetch({{.Src}}, {credentials: "same-origin"}).then(function (r) { return r.text(); }).then(function (html) {
      var d = new DOMParser().parseFromString(html, "text/html");
      var nodes = Array.prototype.slice.call(d.body.childNodes);
      nodes.forEach(function (n) { document.body.appendChild(document.adoptNode(n)); });
      jpSite(document);
    });
  }, 1000);
});
</script>
</body>
{{- else if eq .Kind "slotted"}}
<body>
<jp-shell>{{.Body}}</jp-shell>
<script>
customElements.define("jp-shell", class extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({mode: "open"}).innerHTML = '<style>:host { display: block; }</style><div part="frame"><slot></slot></div>';
  }
});
</script>
</body>
{{- else}}
<body>
<template id="jp-content">{{.Body}}</template>
<jp-app></jp-app>
<script>
(function () {
  var mode = {{.Mode}};
  customElements.define("jp-page", class extends HTMLElement {
    constructor() {
      super();
      var root = this.attachShadow({mode: mode});
      root.innerHTML = '<link rel="stylesheet" href="/static/site.css"><style>:host { display: block; }</style>';
      root.appendChild(document.getElementById("jp-content").content.cloneNode(true));
      jpSite(root);
    }
  });
  customElements.define("jp-app", class extends HTMLElement {
    constructor() {
      super();
      this.attachShadow({mode: mode}).innerHTML = '<style>:host { display: block; }</style><jp-page></jp-page>';
    }
  });
})();
</script>
</body>
{{- end}}
</html>
`))

// corpus serves /corpus/{kind}/{page}.
func (s *Server) corpus(w http.ResponseWriter, r *http.Request) {
	kind, name := r.PathValue("kind"), r.PathValue("page")
	static, ok := corpusPages[name]
	known := false
	for _, k := range CorpusKinds() {
		known = known || k.Name == kind
	}
	if !ok || !known {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	src := static
	if enc := q.Encode(); enc != "" {
		src += "?" + enc
	}
	data := struct {
		Lang, Title, Kind, Mode string
		Src                     string
		Body                    template.HTML
	}{Kind: kind, Mode: "open", Src: src}
	if kind == "shadow-closed" {
		data.Mode = "closed"
	}
	if kind == "iframe-cross" {
		u := url.URL{Scheme: "http", Host: OtherLoopbackHost(r.Host), Path: static, RawQuery: q.Encode()}
		data.Src = u.String()
	}
	// The static page, rendered as for this request (language, defects,
	// session), gives the content, the language and the title.
	sub := r.Clone(r.Context())
	sub.URL.Path, sub.RequestURI = static, src
	rec := httptest.NewRecorder()
	s.mux.ServeHTTP(rec, sub)
	if rec.Code != http.StatusOK {
		http.Error(w, fmt.Sprintf("sandbox corpus: %s answered %d", static, rec.Code), http.StatusInternalServerError)
		return
	}
	for _, c := range rec.Result().Cookies() {
		http.SetCookie(w, c)
	}
	page := rec.Body.Bytes()
	if m := bodyRE.FindSubmatch(page); m != nil {
		data.Body = template.HTML(m[1]) // the sandbox's own page
	}
	if m := regexp.MustCompile(`<html lang="([^"]*)"`).FindSubmatch(page); m != nil {
		data.Lang = string(m[1])
	}
	if m := regexp.MustCompile(`(?s)<title>(.*?)</title>`).FindSubmatch(page); m != nil {
		data.Title = strings.TrimSpace(htmlUnescape(string(m[1])))
	}
	var buf bytes.Buffer
	if err := corpusShell.Execute(&buf, data); err != nil {
		http.Error(w, "sandbox corpus: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// corpusIndex lists the corpus's pages.
func (s *Server) corpusIndex(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	b.WriteString("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sandbox corpus</title></head><body><h1>Sandbox corpus</h1><ul>")
	for _, k := range CorpusKinds() {
		fmt.Fprintf(&b, "<li>%s: %s —", template.HTMLEscapeString(k.Name), template.HTMLEscapeString(k.Description))
		for _, p := range []string{"login", "form", "sign"} {
			fmt.Fprintf(&b, ` <a href="/corpus/%s/%s">%s</a>`, k.Name, p, p)
		}
		b.WriteString("</li>")
	}
	b.WriteString("</ul></body></html>")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`).Replace(s)
}
