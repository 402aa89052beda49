package verifier

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"journeyproof"
)

// authURL builds a sandbox authorisation URL from a good request, with the
// given parameters changed ("" removes one).
func authURL(base string, change map[string]string) string {
	q := url.Values{
		"clientID":     {"sample-service"},
		"responseType": {"code"},
		"source":       {"PC_Browser"},
		"redirectURI":  {"https://service.example.gov.hk/iamsmart/callback"},
		"scope":        {"eidapi_auth"},
		"lang":         {"en-US"},
		"state":        {"q8Jx0Lw2ZrT5uVb9"},
	}
	for k, v := range change {
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	return base + "?" + q.Encode()
}

func TestCheckRedirect(t *testing.T) {
	const sandbox = "http://127.0.0.1:8080/iamsmart/authorize"
	mobile := ctxWith(auth, func(c *Context) { c.Device = DeviceMobile })
	hk := ctxWith(auth, func(c *Context) { c.Lang = LangZHHK })
	cases := []struct {
		name     string
		url      string
		ctx      Context
		previous []string
		want     []string
	}{
		{"good desktop", authURL(sandbox, nil), auth, nil, nil},
		{"good mobile", authURL(sandbox, map[string]string{"source": "iOS_Safari"}), mobile, nil, nil},
		{"good zh-HK", authURL(sandbox, map[string]string{"lang": "zh-HK"}), hk, nil, nil},
		{"good new state", authURL(sandbox, nil), auth, []string{"AAAAAAAAAAAAAAAAAAAA"}, nil},
		{"loopback http", authURL(sandbox, map[string]string{"redirectURI": "http://127.0.0.1:8080/cb"}), auth, nil, nil},
		{"localhost http", authURL(sandbox, map[string]string{"redirectURI": "http://localhost:3000/cb"}), auth, nil, nil},
		{"ipv6 loopback http", authURL(sandbox, map[string]string{"redirectURI": "http://[::1]:3000/cb"}), auth, nil, nil},
		{"loopback range", authURL(sandbox, map[string]string{"redirectURI": "http://127.5.6.7/cb"}), auth, nil, nil},

		{"missing state", authURL(sandbox, map[string]string{"state": ""}), auth, nil, []string{RuleRedirectParams}},
		{"missing two", authURL(sandbox, map[string]string{"scope": "", "clientID": ""}), auth, nil, []string{RuleRedirectParams}},
		{"empty scope", authURL(sandbox, map[string]string{"scope": " "}), auth, nil, []string{RuleRedirectParams}},
		{"wrong responseType", authURL(sandbox, map[string]string{"responseType": "token"}), auth, nil, []string{RuleRedirectParams}},
		{"bad lang", authURL(sandbox, map[string]string{"lang": "en"}), auth, nil, []string{RuleRedirectLang}},
		{"lang of another cell", authURL(sandbox, map[string]string{"lang": "zh-CN"}), hk, nil, []string{RuleRedirectLang}},
		{"mobile source on desktop", authURL(sandbox, map[string]string{"source": "Android_Chrome"}), auth, nil, []string{RuleRedirectSource}},
		{"desktop source on mobile", authURL(sandbox, nil), mobile, nil, []string{RuleRedirectSource}},
		{"short state", authURL(sandbox, map[string]string{"state": "abc123"}), auth, nil, []string{RuleRedirectState}},
		{"repeated state", authURL(sandbox, nil), auth, []string{"q8Jx0Lw2ZrT5uVb9"}, []string{RuleRedirectState}},
		{"http redirect", authURL(sandbox, map[string]string{"redirectURI": "http://service.example.gov.hk/cb"}), auth, nil, []string{RuleRedirectHTTPS}},
		{"http lookalike host", authURL(sandbox, map[string]string{"redirectURI": "http://localhost.evil.example/cb"}), auth, nil, []string{RuleRedirectHTTPS}},
		{"relative redirect", authURL(sandbox, map[string]string{"redirectURI": "/cb"}), auth, nil, []string{RuleRedirectHTTPS}},
	}
	p := DefaultPack()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := p.CheckRedirect(Request{URL: tc.url, PreviousStates: tc.previous}, tc.ctx)
			if got := ruleIDsOf(fs); !slices.Equal(got, tc.want) {
				t.Fatalf("rules %v, want %v%s", got, tc.want, describe(fs))
			}
			for _, f := range fs {
				if !strings.Contains(f.Message, "expected") {
					t.Errorf("message %q does not say what was expected", f.Message)
				}
			}
		})
	}
}

func TestIsAuthorizeURL(t *testing.T) {
	p := DefaultPack()
	cases := []struct {
		url  string
		want bool
	}{
		{"http://127.0.0.1:41234/iamsmart/authorize?clientID=x", true},
		{"https://sandbox.example/iamsmart/authorize", true},
		{"https://apigw.iamsmart.gov.hk/api/v1/auth/getQR?clientID=x", true},
		{"https://apigw-isit.staging-eid.gov.hk/api/v1/auth/getQR?source=PC_Browser", true},
		{"https://service.example/iamsmart/authorize/callback", false},
		{"https://service.example/login", false},
		{"https://evil.example/?next=https://apigw.iamsmart.gov.hk/api/v1/auth/getQR", false},
	}
	for _, tc := range cases {
		if got := p.IsAuthorizeURL(tc.url); got != tc.want {
			t.Errorf("IsAuthorizeURL(%q) = %v, want %v", tc.url, got, tc.want)
		}
	}
}

func TestStateOf(t *testing.T) {
	if got := StateOf(authURL("https://x/iamsmart/authorize", nil)); got != "q8Jx0Lw2ZrT5uVb9" {
		t.Errorf("StateOf = %q", got)
	}
	if got := StateOf("https://x/"); got != "" {
		t.Errorf("StateOf without state = %q", got)
	}
	if got := StateOf("%zz"); got != "" {
		t.Errorf("StateOf bad URL = %q", got)
	}
}

func TestWaive(t *testing.T) {
	fs := []journeyproof.Finding{{Rule: RuleContrast}, {Rule: RuleMoreInfo}, {Rule: RuleName}}
	got := Waive(fs, RuleMoreInfo, "approved by reviewer 2026-03")
	if len(got) != 3 || !got[1].Waived || got[1].WaiverReason != "approved by reviewer 2026-03" || got[0].Waived || got[2].Waived {
		t.Errorf("Waive one rule: %+v", got)
	}
	if fs[1].Waived {
		t.Error("Waive changed its input")
	}
	got = Waive(fs, "a11y.*", "legacy page")
	if !got[0].Waived || got[1].Waived || !got[2].Waived {
		t.Errorf("Waive a11y.*: %+v", got)
	}
}
