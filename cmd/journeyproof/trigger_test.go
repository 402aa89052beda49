package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"journeyproof"
	"journeyproof/engine"
	"journeyproof/journeys"
	"journeyproof/journeys/chrome"
	"journeyproof/verifier"
)

// triggerParams are the parameters of the test's authorisation requests:
// complete, but with a short constant state and an http redirectURI, so
// that a request the runner catches gets exactly those two findings.
func triggerParams() url.Values {
	return url.Values{"clientID": {"client-1"}, "responseType": {"code"}, "source": {"PC_Browser"}, "redirectURI": {"http://service.example/callback"},
		"scope": {"eidapi_auth"}, "lang": {"en-US"}, "state": {"short-state"}}
}

// triggerPage is a login page whose iAM Smart entry sends the
// authorisation request to target in the given style.
func triggerPage(style, target string) string {
	q := triggerParams()
	full := target + "?" + q.Encode()
	var hidden strings.Builder
	for _, k := range []string{"clientID", "responseType", "source", "redirectURI", "scope", "lang", "state"} {
		fmt.Fprintf(&hidden, `<input type="hidden" name="%s" value="%s">`, k, q.Get(k))
	}
	label := `<img src="/logo.svg" width="24" height="24" alt="">Log in with iAM Smart`
	var entry string
	switch style {
	case "link":
		entry = `<a id="iamsmart-login" class="entry" href="` + full + `">` + label + `</a>`
	case "form-get", "form-post":
		method := strings.TrimPrefix(style, "form-")
		entry = `<form method="` + method + `" action="` + target + `">` + hidden.String() + `<button id="iamsmart-login" class="entry" type="submit">` + label + `</button></form>`
	case "fetch-assign":
		entry = `<button id="iamsmart-login" class="entry" type="button" onclick="fetch('/api/authorize-url?target=` + url.QueryEscape(target) + `').then(r => r.json()).then(j => location.assign(j.url))">` + label + `</button>`
	case "delayed":
		entry = `<button id="iamsmart-login" class="entry" type="button" onclick="setTimeout(() => { location.href = '` + full + `'; }, 1500)">` + label + `</button>`
	case "dead":
		entry = `<button id="iamsmart-login" class="entry" type="button">` + label + `</button>`
	case "popup":
		entry = `<button id="iamsmart-login" class="entry" type="button" onclick="window.open('` + full + `', '_blank')">` + label + `</button>`
	}
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Log in</title>
<style>body{font:16px sans-serif;margin:24px} .entry{display:inline-flex;align-items:center;gap:8px;min-width:220px;height:48px;padding:0 16px;background:#2b7a78;color:#fff;border:0;font-size:16px;text-decoration:none}</style></head>
<body><h1>Log in</h1>` + entry + `<p><a href="/about">What is iAM Smart?</a></p></body></html>`
}

// triggerServer serves the trigger pages, the authorisation endpoint
// (/iamsmart/authorize, which the default pack knows, and /proxy/oauth/start,
// which it does not) and the API a fetch-then-assign page asks.
func triggerServer() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, triggerPage(r.URL.Query().Get("style"), r.URL.Query().Get("target")))
	})
	mux.HandleFunc("/logo.svg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		fmt.Fprint(w, `<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24"><circle cx="12" cy="12" r="10" fill="#fff"/></svg>`)
	})
	mux.HandleFunc("/api/authorize-url", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"url": %q}`, r.URL.Query().Get("target")+"?"+triggerParams().Encode())
	})
	authorize := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><title>Authorise</title><p>Scan the QR code</p></html>`)
	}
	mux.HandleFunc("/iamsmart/authorize", authorize)
	mux.HandleFunc("/proxy/oauth/start", authorize)
	return httptest.NewServer(mux)
}

// The runner catches the trigger's authorisation request however the page
// sends it — a link, a form GET or POST, location.assign after a fetch, a
// delayed navigation, a popup tab — and the request rules judge it; a
// trigger whose request goes to an endpoint the pack does not know gets
// iamsmart.redirect.sent (naming what was seen, secrets redacted, and the
// pattern to add), and with that pattern added to the pack every request
// rule applies again.
func TestTriggerRequestCaughtInEveryStyle(t *testing.T) {
	shared.Need(t)
	srv := triggerServer()
	defer srv.Close()

	type tcase struct {
		name, style, target string
		pack                string // a rule pack file's YAML; "" for the default
		want                []string
	}
	caught := []string{verifier.RuleRedirectHTTPS, verifier.RuleRedirectState}
	cases := []tcase{
		{"link", "link", "/iamsmart/authorize", "", caught},
		{"form GET", "form-get", "/iamsmart/authorize", "", caught},
		{"form POST", "form-post", "/iamsmart/authorize", "", caught},
		{"location.assign after fetch", "fetch-assign", "/iamsmart/authorize", "", caught},
		{"delayed navigation", "delayed", "/iamsmart/authorize", "", caught},
		{"window.open popup", "popup", "/iamsmart/authorize", "", caught},
		{"unknown endpoint", "fetch-assign", "/proxy/oauth/start", "", []string{verifier.RuleRedirectSent}},
		{"unknown endpoint added to the pack", "fetch-assign", "/proxy/oauth/start", "redirect:\n  authorize: {add: ['/proxy/oauth/start']}\n", caught},
		{"unknown endpoint, popup", "popup", "/proxy/oauth/start", "", []string{verifier.RuleRedirectSent}},
	}
	results := make([]*journeys.StepResult, len(cases))
	done := make(chan int)
	for i, c := range cases {
		go func() {
			defer func() { done <- i }()
			pack := verifier.DefaultPack()
			if c.pack != "" {
				p, err := verifier.ParsePack("team.yaml", []byte(c.pack))
				if err != nil {
					t.Errorf("%s: %v", c.name, err)
					return
				}
				pack = p
			}
			j := &journeys.Journey{ID: fmt.Sprintf("trigger%d", i), Name: c.name, Process: journeyproof.ProcessAuthentication,
				Matrix: journeys.Matrix{Languages: []string{"en"}, Devices: []string{"desktop"}},
				Steps: []journeys.Step{
					{Name: "open", Action: journeys.ActGoto, Value: "/page?" + url.Values{"style": {c.style}, "target": {c.target}}.Encode()},
					{Name: "choose iAM Smart", Action: journeys.ActClick, Selector: "#iamsmart-login", Trigger: true, Timeout: 5 * time.Second},
				}}
			cells, err := journeys.Expand([]*journeys.Journey{j}, nil, nil)
			if err != nil {
				t.Error(err)
				return
			}
			col := &stepCollector{steps: map[string][]*journeys.StepResult{}}
			r := &chrome.Runner{Browser: site.Browser, BaseURL: srv.URL, Parallel: 1, Checker: &engine.Checker{Pack: pack}, Observer: col, NoScreenshots: true}
			if res := r.Run(context.Background(), cells)[0]; res.Status != journeyproof.StatusPassed {
				t.Errorf("%s: %s", c.name, res.Error)
				return
			}
			results[i] = col.steps[j.ID][1]
		}()
		if i%2 == 1 {
			<-done
			<-done
		}
	}
	if len(cases)%2 == 1 {
		<-done
	}

	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sr := results[i]
			if sr == nil {
				t.Fatal("no result")
			}
			var rules []string
			for _, f := range sr.Findings {
				if strings.HasPrefix(f.Rule, "iamsmart.redirect.") {
					rules = append(rules, f.Rule)
				}
			}
			sort.Strings(rules)
			if !slices.Equal(rules, c.want) {
				t.Fatalf("redirect findings %v, want %v (request %q, navigations %v)", rules, c.want, sr.Request, sr.Navigations)
			}
			if c.want[0] != verifier.RuleRedirectSent {
				if !strings.Contains(sr.Request, c.target+"?") || verifier.StateOf(sr.Request) != "short-state" {
					t.Errorf("request %q: want the request to %s with its parameters", sr.Request, c.target)
				}
				return
			}
			msg := sr.Findings[slices.IndexFunc(sr.Findings, func(f journeyproof.Finding) bool { return f.Rule == verifier.RuleRedirectSent })].Message
			for _, want := range []string{"redirect.authorize", c.target + "?", "state=…", "add it to the rule pack: redirect: {authorize: {add: ['^http://127\\.0\\.0\\.1:"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message has no %q:\n%s", want, msg)
				}
			}
			t.Logf("message: %s", msg)
			if strings.Contains(msg, "short-state") {
				t.Errorf("message shows the state value:\n%s", msg)
			}
			if sr.Request != "" {
				t.Errorf("request %q, want none", sr.Request)
			}
		})
	}
}

// `check` on a page whose iAM Smart entry sends nothing when clicked
// reports iamsmart.redirect.sent (it used to keep only triggers that sent
// a request, and said nothing).
func TestCheckEntryThatSendsNothing(t *testing.T) {
	shared.Need(t)
	srv := triggerServer()
	defer srv.Close()
	for _, style := range []string{"dead", "link"} {
		fs, err := checkPage(context.Background(), site.Browser, verifier.DefaultPack(), srv.URL+"/page?style="+style+"&target=/iamsmart/authorize",
			journeyproof.ProcessAuthentication, "en", "desktop", true, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		sent := slices.ContainsFunc(fs, func(f journeyproof.Finding) bool { return f.Rule == verifier.RuleRedirectSent })
		if sent != (style == "dead") {
			t.Errorf("%s entry: findings %+v; want iamsmart.redirect.sent only when nothing is sent", style, fs)
		}
	}
}
