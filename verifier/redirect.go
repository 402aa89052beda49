package verifier

import (
	"net/netip"
	"net/url"
	"slices"
	"strings"
)

// Request is the trigger request a step sent to the iAM Smart authorisation
// endpoint, as read from the browser's network events.
type Request struct {
	URL            string
	PreviousStates []string // state values sent by earlier runs of the same cell
}

// IsAuthorizeURL reports whether u is a request to the iAM Smart
// authorisation endpoint, by the pack's redirect.authorize patterns.
func (p *Pack) IsAuthorizeURL(u string) bool { return matchesAny(p.authorize, u) }

// StateOf returns the state query parameter of a URL ("" when there is none
// or the URL does not parse).
func StateOf(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return parsed.Query().Get("state")
}

// CheckRedirect runs the pack's trigger request rules on one request to the
// authorisation endpoint. A parameter that is missing is reported once, by
// iamsmart.redirect.params; the other rules judge the values that are there.
func (p *Pack) CheckRedirect(r Request, c Context) []Finding {
	var out []Finding
	add := func(rule, format string, args ...any) {
		sev := p.severity(rule)
		if sev == SeverityOff {
			return
		}
		out = append(out, Finding{Rule: rule, Severity: sev, Message: sprintf(format, args...)})
	}
	u, err := url.Parse(r.URL)
	if err != nil {
		add(RuleRedirectParams, "the authorisation request URL does not parse (%v); expected a URL with %s", err, strings.Join(p.params, ", "))
		return out
	}
	q := u.Query()

	var missing []string
	for _, name := range p.params {
		if strings.TrimSpace(q.Get(name)) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		add(RuleRedirectParams, "the authorisation request has no %s; expected non-empty %s", strings.Join(missing, ", "), strings.Join(p.params, ", "))
	}
	if rt := q.Get("responseType"); rt != "" && rt != p.responseType {
		add(RuleRedirectParams, "responseType is %q; expected %q", rt, p.responseType)
	}

	if lang := q.Get("lang"); lang != "" {
		var allowed []string
		for _, l := range cellLangs() {
			allowed = append(allowed, p.redirectLangs[l])
		}
		want := p.redirectLangs[p.pageLang("", c.Lang)]
		switch {
		case !slices.Contains(allowed, lang):
			add(RuleRedirectLang, "lang is %q; expected one of %s", lang, quoteList(allowed))
		case want != "" && lang != want:
			add(RuleRedirectLang, "lang is %q but the page language is %s; expected %q", lang, c.Lang, want)
		}
	}

	if src := q.Get("source"); src != "" {
		dev := c.Device
		if dev != DeviceMobile {
			dev = DeviceDesktop
		}
		if want := p.sources[dev]; !slices.Contains(want, src) {
			add(RuleRedirectSource, "source is %q on %s; expected one of %s", src, dev, quoteList(want))
		}
	}

	if st := q.Get("state"); st != "" {
		switch {
		case len([]rune(st)) < p.stateMin:
			add(RuleRedirectState, "state %q has %d characters; expected at least %d random characters", st, len([]rune(st)), p.stateMin)
		case slices.Contains(r.PreviousStates, st):
			add(RuleRedirectState, "state %q was sent by an earlier run of this cell; expected a new random value each time", st)
		}
	}

	if ru := q.Get("redirectURI"); ru != "" {
		target, err := url.Parse(ru)
		switch {
		case err != nil || target.Host == "":
			add(RuleRedirectHTTPS, "redirectURI %q is not an absolute URL; expected an https URL", ru)
		case target.Scheme == "https":
		case target.Scheme == "http" && p.isLoopback(target.Hostname()):
		default:
			add(RuleRedirectHTTPS, "redirectURI %q uses %s; expected https (plain http only for loopback hosts)", ru, target.Scheme)
		}
	}
	return out
}

// isLoopback reports whether host is one of the pack's loopback hosts.
func (p *Pack) isLoopback(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if slices.Contains(p.loopbackNames, host) {
		return true
	}
	addr, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	return slices.ContainsFunc(p.loopbackNets, func(n netip.Prefix) bool { return n.Contains(addr) })
}
