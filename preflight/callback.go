package preflight

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// checkCallbacks checks each declared callback (https, on the service's
// domain, reachable and not failing) and that every redirectURI a release
// sent is one of them.
func (c *Checker) checkCallbacks(ctx context.Context, origin *url.URL, callbacks []*url.URL, seen []Redirect) []Check {
	var out []Check
	if len(callbacks) == 0 {
		out = append(out, Check{"preflight.callback.declared", StatusError, "service file", "no callback URL declared; add the callback(s) registered with iAM Smart under callbacks"})
	}
	for _, cb := range callbacks {
		target := cb.String()
		if cb.Scheme != "https" {
			out = append(out, Check{"preflight.callback.https", StatusError, target, "the callback must use https"})
		} else {
			out = append(out, Check{"preflight.callback.https", StatusOK, target, "https"})
		}
		if origin != nil {
			if sameSite(cb.Hostname(), origin.Hostname()) {
				out = append(out, Check{"preflight.callback.domain", StatusOK, target, "on the service's domain " + site(origin.Hostname())})
			} else {
				out = append(out, Check{"preflight.callback.domain", StatusError, target, fmt.Sprintf("%s is not on the service's domain %s", cb.Hostname(), site(origin.Hostname()))})
			}
		}
		out = append(out, c.reach(ctx, cb))
	}
	out = append(out, checkRedirects(callbacks, seen)...)
	return out
}

// reach requests the callback as a browser would without a code: any
// answer but a server error shows it is there.
func (c *Checker) reach(ctx context.Context, cb *url.URL) Check {
	target := cb.String()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return Check{"preflight.callback.reachable", StatusError, target, err.Error()}
	}
	resp, err := c.client().Do(req)
	if err != nil {
		return Check{"preflight.callback.reachable", StatusError, target, "not reachable: " + oneLine(err.Error())}
	}
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		return Check{"preflight.callback.reachable", StatusError, target, fmt.Sprintf("answers %s without a code; a callback must not fail on a bad or missing request", resp.Status)}
	}
	return Check{"preflight.callback.reachable", StatusOK, target, "reachable (answers " + resp.Status + " without a code)"}
}

// site is the registrable domain of a host (the host itself for IP
// addresses and single-label names).
func site(host string) string {
	if net.ParseIP(host) != nil {
		return host
	}
	s, err := publicsuffix.EffectiveTLDPlusOne(strings.TrimSuffix(strings.ToLower(host), "."))
	if err != nil {
		return strings.ToLower(host)
	}
	return s
}

func sameSite(a, b string) bool { return site(a) == site(b) }

// checkRedirects checks that every redirectURI a release sent is a
// declared callback. A run against a test host sends the callback's path
// on that host, so a declared callback moved to the page's origin counts.
func checkRedirects(callbacks []*url.URL, seen []Redirect) []Check {
	type use struct {
		where []string
		ok    bool
		as    string
	}
	uses := map[string]*use{}
	var order []string
	for _, r := range seen {
		u := uses[r.URI]
		if u == nil {
			u = &use{}
			uses[r.URI] = u
			order = append(order, r.URI)
			u.ok, u.as = declared(r, callbacks)
		}
		u.where = append(u.where, r.Where)
	}
	var out []Check
	var names []string
	for _, cb := range callbacks {
		names = append(names, cb.String())
	}
	for _, uri := range order {
		u := uses[uri]
		runs := fmt.Sprintf("%d runs, such as %s", len(u.where), u.where[0])
		if len(u.where) == 1 {
			runs = u.where[0]
		}
		if u.ok {
			out = append(out, Check{"preflight.callback.declared", StatusOK, uri, fmt.Sprintf("the declared callback %s (sent by %s)", u.as, runs)})
			continue
		}
		decl := "none is declared"
		if len(names) > 0 {
			decl = "declared: " + strings.Join(names, ", ")
		}
		out = append(out, Check{"preflight.callback.declared", StatusError, uri, fmt.Sprintf("redirectURI sent by %s is not a declared callback (%s)", runs, decl)})
	}
	return out
}

func declared(r Redirect, callbacks []*url.URL) (bool, string) {
	ru, err := url.Parse(r.URI)
	if err != nil {
		return false, ""
	}
	page, _ := url.Parse(r.Page)
	for _, cb := range callbacks {
		if r.URI == cb.String() {
			return true, cb.String()
		}
		if page != nil && page.Host != "" && ru.Host == page.Host && ru.Scheme == page.Scheme &&
			ru.Path == cb.Path && ru.RawQuery == cb.RawQuery {
			return true, cb.String() + " on the test host " + page.Host
		}
	}
	return false, ""
}
