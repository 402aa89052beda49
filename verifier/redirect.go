package verifier

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"journeyproof"
)

// Request is the trigger request a step sent to the iAM Smart authorisation
// endpoint, as read from the browser's network events.
type Request struct {
	URL            string
	PreviousStates []string // state values sent by earlier runs of the same cell
}

// IsAuthorizeURL reports whether u is a request to the iAM Smart
// authorisation endpoint, by the pack's redirect.authorize patterns.
func (p *Pack) IsAuthorizeURL(u string) bool { return matchesAny(p.redirect.authorize, u) }

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
func (p *Pack) CheckRedirect(r Request, c Context) []journeyproof.Finding {
	var out []journeyproof.Finding
	add := func(rule, format string, args ...any) {
		sev := p.severity(rule)
		if sev == SeverityOff {
			return
		}
		out = append(out, journeyproof.Finding{Rule: rule, Severity: sev, Message: sprintf(format, args...)})
	}
	u, err := url.Parse(r.URL)
	if err != nil {
		add(RuleRedirectParams, "the authorisation request URL does not parse (%v); expected a URL with %s", err, strings.Join(p.redirect.params, ", "))
		return out
	}
	q := u.Query()

	var missing []string
	for _, name := range p.redirect.params {
		if strings.TrimSpace(q.Get(name)) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		add(RuleRedirectParams, "the authorisation request has no %s; expected non-empty %s", strings.Join(missing, ", "), strings.Join(p.redirect.params, ", "))
	}
	if rt := q.Get("responseType"); rt != "" && rt != p.redirect.responseType {
		add(RuleRedirectParams, "responseType is %q; expected %q", rt, p.redirect.responseType)
	}

	if lang := q.Get("lang"); lang != "" {
		var allowed []string
		for _, l := range cellLangs() {
			allowed = append(allowed, p.redirect.langs[l])
		}
		want := p.redirect.langs[p.pageLang("", c.Lang)]
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
		if want := p.redirect.sources[dev]; !slices.Contains(want, src) {
			add(RuleRedirectSource, "source is %q on %s; expected one of %s", src, dev, quoteList(want))
		}
	}

	if st := q.Get("state"); st != "" {
		switch {
		case len([]rune(st)) < p.redirect.stateMin:
			add(RuleRedirectState, "state %q has %d characters; expected at least %d random characters", st, len([]rune(st)), p.redirect.stateMin)
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
	if slices.Contains(p.redirect.loopbackNames, host) {
		return true
	}
	addr, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	return slices.ContainsFunc(p.redirect.loopbackNets, func(n netip.Prefix) bool { return n.Contains(addr) })
}

// secretParams are the query and form parameters whose values a message
// never shows.
var secretParams = []string{"state", "code", "token", "access_token", "id_token", "refresh_token", "nonce", "secret", "client_secret",
	"password", "passwd", "pwd", "otp", "session", "sessionid", "sid", "jwt", "assertion", "samlrequest", "samlresponse", "ticket", "key", "apikey", "api_key", "signature", "sig"}

// RedactURL returns u with the values of secret-looking query parameters
// (state, code, tokens, passwords, session ids...) replaced by "…", and
// any user:password removed, for messages and logs.
func RedactURL(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return u
	}
	parsed.User = nil
	if parsed.RawQuery != "" {
		var parts []string
		for _, kv := range strings.Split(parsed.RawQuery, "&") {
			k, _, hasValue := strings.Cut(kv, "=")
			name, _ := url.QueryUnescape(k)
			if hasValue && slices.Contains(secretParams, strings.ToLower(name)) {
				kv = k + "=…"
			}
			parts = append(parts, kv)
		}
		parsed.RawQuery = strings.Join(parts, "&")
	}
	return parsed.String()
}

// maxSeenInMessage bounds the requests a redirect.sent message lists.
const maxSeenInMessage = 5

// CheckNoRedirect is the finding of a trigger step whose action sent no
// request matching the pack's redirect.authorize patterns within waited:
// iamsmart.redirect.sent, listing the first requests and navigations seen
// (secrets redacted) and the pack setting that would make one of them
// the authorisation request. It gives nothing when the rule is off.
func (p *Pack) CheckNoRedirect(seen []string, waited string) []journeyproof.Finding {
	sev := p.severity(RuleRedirectSent)
	if sev == SeverityOff {
		return nil
	}
	var pats []string
	for _, re := range p.redirect.authorize {
		pats = append(pats, re.String())
	}
	msg := fmt.Sprintf("the trigger sent no request matching the pack's authorisation patterns (redirect.authorize: %s) within %s, so none of the iAM Smart request rules could check it", quoteList(pats), waited)
	if len(seen) == 0 {
		msg += "; no document request or navigation was seen: check that the step clicks the iAM Smart entry"
	} else {
		shown := make([]string, 0, maxSeenInMessage)
		for i, s := range seen {
			if i == maxSeenInMessage {
				shown = append(shown, fmt.Sprintf("and %d more", len(seen)-i))
				break
			}
			method, u, ok := strings.Cut(s, " ")
			if !ok {
				method, u = "", s
			}
			shown = append(shown, strings.TrimSpace(method+" "+RedactURL(u)))
		}
		msg += "; seen instead: " + strings.Join(shown, ", ")
		if hint := authorizeHint(seen); hint != "" {
			msg += fmt.Sprintf("; if that is the authorisation endpoint, add it to the rule pack: redirect: {authorize: {add: ['%s']}}", hint)
		}
	}
	return []journeyproof.Finding{{Rule: RuleRedirectSent, Severity: sev, Message: msg}}
}

// authorizeHint is a redirect.authorize pattern for the first request seen
// that carries the parameters of an authorisation request (else the first
// last one seen: where the trigger led).
func authorizeHint(seen []string) string {
	var urls []*url.URL
	for _, s := range seen {
		_, u, ok := strings.Cut(s, " ")
		if !ok {
			u = s
		}
		if parsed, err := url.Parse(u); err == nil && parsed.Host != "" {
			urls = append(urls, parsed)
		}
	}
	if len(urls) == 0 {
		return ""
	}
	pick := urls[len(urls)-1]
	for _, u := range urls {
		q := u.Query()
		if q.Has("clientID") || q.Has("redirectURI") || q.Has("responseType") {
			pick = u
			break
		}
	}
	return "^" + regexp.QuoteMeta(pick.Scheme+"://"+pick.Host+pick.Path)
}
