package sandbox

import (
	"bytes"
	"encoding/json"
	"image"
	_ "image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// User agents of the three kinds of browser the sandbox tells apart.
const (
	uaDesktop = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36"
	uaIPhone  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
	uaAndroid = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36"
)

// newSandbox starts a sandbox with the given global defects on a loopback server.
func newSandbox(t testing.TB, defects ...string) *httptest.Server {
	t.Helper()
	s, err := New(Options{Defects: defects})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

// browser is a cookie-keeping HTTP client with one user agent that does not
// follow redirects, so each hop can be checked.
type browser struct {
	t    testing.TB
	base string
	ua   string
	c    *http.Client
}

func newBrowser(t testing.TB, base, ua string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: base, ua: ua, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// do sends a request and returns the response and its body.
func (b *browser) do(method, target string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = b.base + target
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("User-Agent", b.ua)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp, string(data)
}

func (b *browser) get(target string) (*http.Response, string) {
	return b.do(http.MethodGet, target, nil)
}

// follow GETs target and follows redirects; it returns the last response, its
// body and its URL.
func (b *browser) follow(target string) (*http.Response, string, string) {
	b.t.Helper()
	for range 10 {
		resp, body := b.get(target)
		if resp.StatusCode/100 != 3 {
			return resp, body, target
		}
		loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
		if err != nil {
			b.t.Fatal(err)
		}
		target = loc.String()
	}
	b.t.Fatalf("too many redirects from %s", target)
	return nil, "", ""
}

// iamsmartRequest is a started iAM Smart request as the simulator page shows it.
type iamsmartRequest struct {
	authorize *url.URL // the trigger request
	page      string   // the simulator page
	id        string
	phone     string
}

var (
	reRequestID = regexp.MustCompile(`data-iamsmart-request="([0-9a-f]+)"`)
	rePhone     = regexp.MustCompile(`<meta name="iamsmart-phone" content="([^"]+)">`)
)

// start opens the process's page in lang and clicks its entry, as a browser
// would: it follows /auth/iamsmart to the simulator and loads its page.
func (b *browser) start(process, lang string) *iamsmartRequest {
	b.t.Helper()
	page := map[string]string{"login": "/login", "form": "/form", "sign": "/sign"}[process]
	if resp, _ := b.get(page + "?lang=" + lang); resp.StatusCode != http.StatusOK {
		b.t.Fatalf("%s: %s", page, resp.Status)
	}
	resp, _ := b.get("/auth/iamsmart?process=" + process)
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("entry of %s: %s, want 302", process, resp.Status)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		b.t.Fatal(err)
	}
	resp, body := b.get(u.String())
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("simulator: %s: %s", resp.Status, body)
	}
	r := &iamsmartRequest{authorize: u, page: body}
	if m := reRequestID.FindStringSubmatch(body); m != nil {
		r.id = m[1]
	}
	if m := rePhone.FindStringSubmatch(body); m != nil {
		r.phone = m[1]
	}
	if r.id == "" || r.phone != b.base+"/iamsmart/phone/"+r.id {
		b.t.Fatalf("simulator page has request %q and phone %q", r.id, r.phone)
	}
	return r
}

// decide posts the simulated user's decision and returns the status code.
func (b *browser) decide(r *iamsmartRequest, action string) int {
	b.t.Helper()
	resp, _ := b.do(http.MethodPost, r.phone+"/"+action, nil)
	return resp.StatusCode
}

// poll does what the simulator page's script does: read the status and, once
// decided, go to the outcome. It returns the final page and its URL.
func (b *browser) poll(r *iamsmartRequest) (*http.Response, string, string) {
	b.t.Helper()
	resp, body := b.get("/iamsmart/status/" + r.id)
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("status: %s", resp.Status)
	}
	var st struct{ Status, Redirect string }
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		b.t.Fatalf("status %q: %v", body, err)
	}
	if st.Status == "pending" || st.Redirect == "" {
		b.t.Fatalf("status after the decision = %q", body)
	}
	return b.follow(st.Redirect)
}

// elementText returns the text inside the element with the id (tags removed).
func elementText(body, id string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	start := strings.Index(rest, ">")
	if start < 0 {
		return ""
	}
	rest = rest[start+1:]
	// up to the end of the element: good enough for the flat elements tested here
	end := regexp.MustCompile(`</(p|div|a|button|strong|dd|h1|li)>\s*(</div>|$|\n)`).FindStringIndex(rest)
	if end != nil {
		rest = rest[:end[0]]
	}
	return strings.Join(strings.Fields(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(rest, " ")), " ")
}

func TestNewRejectsUnknownDefect(t *testing.T) {
	_, err := New(Options{Defects: []string{"small-button", "no-such-defect"}})
	if err == nil {
		t.Fatal("New accepted an unknown defect")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "no-such-defect") || !strings.Contains(msg, "wrong-label") {
		t.Errorf("error %q should be one line naming the defect and the valid ones", msg)
	}
	if _, err := New(Options{Defects: []string{"small-button,wrong-label"}}); err != nil {
		t.Errorf("comma-separated defects: %v", err)
	}
}

func TestDefectsList(t *testing.T) {
	rules := map[string]bool{}
	for _, r := range strings.Fields(`iamsmart.entry.present iamsmart.label.approved iamsmart.brand.spelling
		iamsmart.logo.present iamsmart.logo.aspect iamsmart.button.size iamsmart.visible iamsmart.prominence
		iamsmart.lang.consistent iamsmart.more-info a11y.contrast a11y.name a11y.label-in-name a11y.target-size
		a11y.form-label a11y.image-alt iamsmart.redirect.params iamsmart.redirect.lang iamsmart.redirect.source
		iamsmart.redirect.state iamsmart.redirect.https`) {
		rules[r] = false
	}
	names := map[string]bool{}
	for _, d := range Defects() {
		if names[d.Name] {
			t.Errorf("defect %s listed twice", d.Name)
		}
		names[d.Name] = true
		seen, known := rules[d.Rule]
		if !known {
			t.Errorf("defect %s breaks unknown rule %q", d.Name, d.Rule)
		}
		if seen {
			t.Errorf("rule %s is broken by two defects", d.Rule)
		}
		rules[d.Rule] = true
		if d.Description == "" {
			t.Errorf("defect %s has no description", d.Name)
		}
	}
	for r, seen := range rules {
		if !seen {
			t.Errorf("no defect breaks rule %s", r)
		}
	}
}

func TestTranslationsComplete(t *testing.T) {
	// Characters written differently in the two scripts; a text of one
	// language must not use the other's form.
	const traditional = "錄簽書實證驗資戶碼號關麼為這與網頁續請選擇個們會電話務帳設讀說體簡轉換開啟時間處應運動發問題歡專業輸錯誤從對細線總認識記許詳試語該調護辦歷過達還進連適屬傳產"
	const simplified = "录签书实证验资户码号关么为这与网页续请选择个们会电话务账设读说体简转换开启时间处应运动发问题欢专业输错误从对细线总认识记许详试语该调护办历过达还进连适属传产"
	brand := regexp.MustCompile(`(?i)i\s*am\s*smart`)
	for key := range texts["en"] {
		for _, lang := range pageLangs {
			v, ok := texts[lang][key]
			if !ok || v == "" {
				t.Errorf("%s: no %s text", key, lang)
				continue
			}
			if key == "app_tip_misspelt" {
				continue
			}
			if strings.Contains(v, "智方便") && strings.Count(v, "「智方便」") != strings.Count(v, "智方便") {
				t.Errorf("%s %s: 智方便 without corner brackets: %s", lang, key, v)
			}
			for _, m := range brand.FindAllString(v, -1) {
				if m != "iAM Smart" {
					t.Errorf("%s %s: brand spelt %q", lang, key, m)
				}
			}
			wrong := map[string]string{"zh-HK": simplified, "zh-CN": traditional}[lang]
			if i := strings.IndexAny(v, wrong); i >= 0 {
				t.Errorf("%s %s: %q is in the other script: %s", lang, key, []rune(v[i:])[0], v)
			}
		}
	}
	for _, lang := range pageLangs[1:] {
		if len(texts[lang]) != len(texts["en"]) {
			t.Errorf("%s has %d texts, en has %d", lang, len(texts[lang]), len(texts["en"]))
		}
	}
}

func TestPagesInEveryLanguage(t *testing.T) {
	ts := newSandbox(t)
	pages := []struct {
		path string
		keys []string // texts the page shows
		ids  []string // stable ids on the page
	}{
		{"/", []string{"home_title", "go_login", "go_form", "go_sign"}, []string{"go-login", "go-form", "go-sign"}},
		{"/login", []string{"login_title", "label_login", "more_info", "username", "password", "login_submit"}, []string{"iamsmart-login", "iamsmart-info", "username", "password", "login-submit"}},
		{"/form", []string{"form_title", "label_form", "more_info", "name", "id_prefix", "dob", "phone", "address", "form_submit"}, []string{"iamsmart-fill", "iamsmart-info", "name", "id-prefix", "dob", "phone", "address", "form-submit"}},
		{"/sign", []string{"sign_title", "label_sign", "more_info", "doc_title", "doc_body"}, []string{"iamsmart-sign", "iamsmart-info", "document"}},
		{"/about-iamsmart", []string{"about_title", "about_body"}, nil},
		{"/help", []string{"help_title", "help_body"}, nil},
	}
	for _, p := range pages {
		for _, lang := range pageLangs {
			t.Run(p.path+"/"+lang, func(t *testing.T) {
				b := newBrowser(t, ts.URL, uaDesktop)
				resp, body := b.get(p.path + "?lang=" + lang)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %s", resp.Status)
				}
				if !strings.Contains(body, `<html lang="`+lang+`">`) {
					t.Errorf("no <html lang=%q>", lang)
				}
				for _, k := range append([]string{"service", "footer"}, p.keys...) {
					if !strings.Contains(body, htmlText(texts[lang][k])) {
						t.Errorf("missing %s text %q", k, texts[lang][k])
					}
				}
				for _, id := range append([]string{"lang-en", "lang-zh-HK", "lang-zh-CN"}, p.ids...) {
					if !strings.Contains(body, `id="`+id+`"`) {
						t.Errorf("missing #%s", id)
					}
				}
				for _, name := range []string{"English", "繁體中文", "简体中文"} {
					if !strings.Contains(body, ">"+name+"</a>") {
						t.Errorf("language switch lacks %s", name)
					}
				}
				// The language is remembered: the next page without ?lang= keeps it.
				if _, body := b.get("/"); !strings.Contains(body, `<html lang="`+lang+`">`) {
					t.Errorf("language %s not remembered", lang)
				}
			})
		}
	}
	// The script of each Chinese page.
	b := newBrowser(t, ts.URL, uaDesktop)
	if _, body := b.get("/login?lang=zh-HK"); !strings.Contains(body, "登入") || strings.Contains(body, "登录") {
		t.Error("the Traditional Chinese login page should say 登入, not 登录")
	}
	if _, body := b.get("/login?lang=zh-CN"); !strings.Contains(body, "登录") || strings.Contains(body, "登入") {
		t.Error("the Simplified Chinese login page should say 登录, not 登入")
	}
	if resp, body := b.get("/login?lang=fr"); resp.StatusCode != http.StatusOK || !strings.Contains(body, `<html lang="zh-CN">`) {
		t.Errorf("an unknown ?lang= should keep the remembered language: %s", resp.Status)
	}
	if resp, _ := b.get("/no/such/page"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown page: %s, want 404", resp.Status)
	}
}

// htmlText is how html/template writes a text inside an element.
func htmlText(s string) string {
	return strings.NewReplacer("'", "&#39;", `"`, "&#34;", "&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func TestAuthorizeRequest(t *testing.T) {
	ts := newSandbox(t)
	hex32 := regexp.MustCompile(`^[0-9a-f]{32,}$`)
	for _, dev := range []struct{ ua, source string }{{uaDesktop, "PC_Browser"}, {uaIPhone, "iOS_Safari"}, {uaAndroid, "Android_Chrome"}} {
		for _, lang := range pageLangs {
			for process, scope := range map[string]string{"login": "eidapi_auth", "form": "eidapi_formFilling", "sign": "eidapi_sign"} {
				t.Run(dev.source+"/"+lang+"/"+process, func(t *testing.T) {
					b := newBrowser(t, ts.URL, dev.ua)
					r := b.start(process, lang)
					u := r.authorize
					if u.Scheme+"://"+u.Host+u.Path != ts.URL+"/iamsmart/authorize" {
						t.Errorf("trigger goes to %s", u)
					}
					q := u.Query()
					want := map[string]string{
						"clientID": "journeyproof-sandbox", "responseType": "code", "source": dev.source,
						"redirectURI": ts.URL + "/callback", "scope": scope, "lang": iamsmartLang(lang), "brokerPage": "true",
					}
					for k, v := range want {
						if got := q.Get(k); got != v {
							t.Errorf("%s = %q, want %q", k, got, v)
						}
					}
					if !hex32.MatchString(q.Get("state")) {
						t.Errorf("state %q is not 32 random hex characters", q.Get("state"))
					}
					again := b.start(process, lang)
					if again.authorize.Query().Get("state") == q.Get("state") {
						t.Error("state did not change between two requests")
					}
					// Desktop gets a QR code, mobile the app page; both in the request's language.
					mobile := dev.source != "PC_Browser"
					if got := strings.Contains(r.page, `id="open-app"`); got != mobile {
						t.Errorf("open-app shown = %v on %s", got, dev.source)
					}
					if got := strings.Contains(r.page, `id="qr-code"`); got == mobile {
						t.Errorf("qr-code shown = %v on %s", got, dev.source)
					}
					if !strings.Contains(r.page, `<html lang="`+lang+`">`) {
						t.Errorf("simulator page not in %s", lang)
					}
					if process == "form" && !strings.Contains(r.page, `id="requested-fields"`) {
						t.Error("form-filling simulator page does not list the requested fields")
					}
				})
			}
		}
	}
}

func TestClientID(t *testing.T) {
	s, err := New(Options{ClientID: "my-client"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	b := newBrowser(t, ts.URL, uaDesktop)
	if got := b.start("login", "en").authorize.Query().Get("clientID"); got != "my-client" {
		t.Errorf("clientID = %q", got)
	}
	// The simulator only knows its registered client.
	if resp, _ := b.get("/iamsmart/authorize?clientID=other&responseType=code&state=0123456789abcdef&lang=en-US&source=PC_Browser"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown client: %s, want 400", resp.Status)
	}
}

func TestFlows(t *testing.T) {
	ts := newSandbox(t)
	tests := []struct {
		process, action, lang string
		wantPath, wantID      string
		wantText              string // text key in the page language
	}{
		{"login", "approve", "en", "/account", "welcome", "welcome"},
		{"login", "approve", "zh-HK", "/account", "welcome", "welcome"},
		{"login", "deny", "en", "/login", "error", "error_login_denied"},
		{"login", "timeout", "zh-CN", "/login", "error", "error_timeout"},
		{"form", "approve", "en", "/form", "prefilled-notice", "prefilled_notice"},
		{"form", "deny", "zh-HK", "/form", "error", "error_form_denied"},
		{"form", "timeout", "en", "/form", "error", "error_timeout"},
		{"sign", "approve", "zh-CN", "/sign/done", "signed", "signed"},
		{"sign", "deny", "en", "/sign", "error", "error_sign_denied"},
		{"sign", "timeout", "zh-HK", "/sign", "error", "error_timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.process+"/"+tt.action+"/"+tt.lang, func(t *testing.T) {
			b := newBrowser(t, ts.URL, uaDesktop)
			r := b.start(tt.process, tt.lang)
			if code := b.decide(r, tt.action); code != http.StatusNoContent {
				t.Fatalf("%s: %d, want 204", tt.action, code)
			}
			resp, body, final := b.poll(r)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("outcome %s: %s", final, resp.Status)
			}
			u, _ := url.Parse(final)
			if u.Path != tt.wantPath {
				t.Errorf("ended at %s, want %s", final, tt.wantPath)
			}
			if got := elementText(body, tt.wantID); !strings.Contains(got, texts[tt.lang][tt.wantText]) {
				t.Errorf("#%s = %q, want %q", tt.wantID, got, texts[tt.lang][tt.wantText])
			}
			switch {
			case tt.process == "form" && tt.action == "approve":
				if u.RawQuery != "prefilled=1" {
					t.Errorf("form outcome %s, want ?prefilled=1", final)
				}
				for id, v := range profileFields() {
					if !strings.Contains(body, `id="`+id+`" name="`+id+`"`) || !strings.Contains(body, `value="`+htmlText(v)+`"`) {
						t.Errorf("#%s not filled with %q", id, v)
					}
				}
				form := url.Values{}
				for id, v := range profileFields() {
					form.Set(id, v)
				}
				resp, _ := b.do(http.MethodPost, "/form", form)
				_, body, _ = b.follow(resp.Header.Get("Location"))
				if got := elementText(body, "done"); got != texts[tt.lang]["form_done"] {
					t.Errorf("#done = %q", got)
				}
				if got := elementText(body, "done-address"); got != "1 Harbour Road, Wan Chai" {
					t.Errorf("submitted address = %q", got)
				}
			case tt.process == "sign" && tt.action == "approve":
				code := elementText(r.page, "hash-code")
				if !regexp.MustCompile(`^[0-9A-F]{4}$`).MatchString(code) || code != hashCode(tt.lang) {
					t.Errorf("simulator hash code %q, want %q", code, hashCode(tt.lang))
				}
				_, phone := b.get(r.phone)
				if got := elementText(phone, "hash-code"); got != code {
					t.Errorf("phone hash code %q, simulator %q", got, code)
				}
				if got := elementText(body, "signed-hash"); got != code {
					t.Errorf("signed page hash code %q, want %q", got, code)
				}
			}
		})
	}
}

func TestHashCodeIsDeterministic(t *testing.T) {
	seen := map[string]bool{}
	for _, lang := range pageLangs {
		c := hashCode(lang)
		if c != hashCode(lang) || len(c) != 4 {
			t.Errorf("%s: hash code %q", lang, c)
		}
		seen[c] = true
	}
	if len(seen) != 3 {
		t.Errorf("the three documents differ, their hash codes should too: %v", seen)
	}
}

func TestStateIsChecked(t *testing.T) {
	ts := newSandbox(t)
	b := newBrowser(t, ts.URL, uaDesktop)
	r := b.start("login", "en")
	b.decide(r, "approve")
	_, body := b.get("/iamsmart/status/" + r.id)
	var st struct{ Redirect string }
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	forged := strings.Replace(st.Redirect, "state="+r.authorize.Query().Get("state"), "state=00000000000000000000000000000000", 1)
	if resp, body := b.get(forged); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, texts["en"]["bad_state"]) {
		t.Errorf("callback with a wrong state: %s", resp.Status)
	}
	// Another browser (no session) cannot use the callback either.
	if resp, _ := newBrowser(t, ts.URL, uaDesktop).get(st.Redirect); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("callback from another session: %s, want 400", resp.Status)
	}
	// A rejected callback does not consume the state: the real one still works, once.
	if resp, _, final := b.follow(st.Redirect); resp.StatusCode != http.StatusOK || !strings.HasSuffix(final, "/account") {
		t.Errorf("callback: %s at %s", resp.Status, final)
	}
	if resp, _ := b.get(st.Redirect); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("replayed callback: %s, want 400", resp.Status)
	}
}

func TestPhoneSide(t *testing.T) {
	ts := newSandbox(t)
	b := newBrowser(t, ts.URL, uaIPhone)
	r := b.start("login", "zh-HK")
	resp, page := b.get(r.phone)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="approve"`) || !strings.Contains(page, `id="deny"`) || !strings.Contains(page, `<html lang="zh-HK">`) {
		t.Errorf("phone page: %s", resp.Status)
	}
	if _, body := b.get("/iamsmart/status/" + r.id); !strings.Contains(body, `"pending"`) {
		t.Errorf("status before the decision: %s", body)
	}
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{http.MethodPost, "/iamsmart/phone/ffffffffffffffffffffffff/approve", http.StatusNotFound},
		{http.MethodGet, "/iamsmart/status/ffffffffffffffffffffffff", http.StatusNotFound},
		{http.MethodPost, "/iamsmart/phone/" + r.id + "/dance", http.StatusNotFound},
		{http.MethodPost, "/iamsmart/phone/" + r.id + "/deny", http.StatusNoContent},
		{http.MethodPost, "/iamsmart/phone/" + r.id + "/approve", http.StatusConflict},
		{http.MethodPost, "/iamsmart/phone/" + r.id + "/timeout", http.StatusConflict},
	} {
		if resp, _ := b.do(c.method, c.path, nil); resp.StatusCode != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, resp.StatusCode, c.want)
		}
	}
	if _, page := b.get(r.phone); !strings.Contains(page, texts["zh-HK"]["phone_denied"]) || strings.Contains(page, `id="approve"`) {
		t.Error("phone page after the decision should show it and no buttons")
	}
}

func TestQRCode(t *testing.T) {
	ts := newSandbox(t)
	b := newBrowser(t, ts.URL, uaDesktop)
	r := b.start("login", "en")
	m := regexp.MustCompile(`id="qr-code"[^>]*src="([^"]+)"|src="([^"]+)"[^>]*id="qr-code"`).FindStringSubmatch(r.page)
	if m == nil {
		t.Fatal("no #qr-code image")
	}
	src := m[1] + m[2]
	resp, body := b.get(src)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("QR code: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	img, format, err := image.Decode(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatalf("decode QR code: %v", err)
	}
	if format != "png" || img.Bounds().Dx() != 256 || img.Bounds().Dy() != 256 {
		t.Errorf("QR code is %s %v, want a 256x256 png", format, img.Bounds())
	}
	if resp, _ := b.get("/iamsmart/qr/ffffffffffffffffffffffff.png"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("QR code of an unknown request: %s", resp.Status)
	}
}

func TestPasswordLogin(t *testing.T) {
	ts := newSandbox(t)
	b := newBrowser(t, ts.URL, uaDesktop)
	if resp, _ := b.get("/account"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("account when logged out: %s, want a redirect to /login", resp.Status)
	}
	_, body := b.do(http.MethodPost, "/login", url.Values{"username": {"chantaiman"}, "password": {"wrong"}})
	if got := elementText(body, "error"); got != texts["en"]["bad_login"] {
		t.Errorf("wrong password: #error = %q", got)
	}
	resp, _ := b.do(http.MethodPost, "/login", url.Values{"username": {demoUsername}, "password": {demoPassword}})
	if _, body, final := b.follow(resp.Header.Get("Location")); !strings.HasSuffix(final, "/account") || !strings.Contains(body, texts["en"]["account_password"]) {
		t.Errorf("demo login ended at %s", final)
	}
}

// TestDefectRedirects checks the trigger request each redirect defect spoils.
func TestDefectRedirects(t *testing.T) {
	ts := newSandbox(t)
	tests := []struct {
		defect, ua, lang string
		check            func(q url.Values) bool
	}{
		{"redirect-missing-param", uaDesktop, "en", func(q url.Values) bool { _, ok := q["scope"]; return !ok }},
		{"redirect-wrong-lang", uaDesktop, "en", func(q url.Values) bool { return q.Get("lang") == "zh-HK" }},
		{"redirect-wrong-lang", uaDesktop, "zh-HK", func(q url.Values) bool { return q.Get("lang") == "en-US" }},
		{"redirect-wrong-lang", uaDesktop, "zh-CN", func(q url.Values) bool { return q.Get("lang") == "en-US" }},
		{"redirect-wrong-source", uaDesktop, "en", func(q url.Values) bool { return q.Get("source") == "Android_Chrome" }},
		{"redirect-wrong-source", uaIPhone, "en", func(q url.Values) bool { return q.Get("source") == "PC_Browser" }},
		{"redirect-weak-state", uaDesktop, "en", func(q url.Values) bool { return q.Get("state") == "abc123" }},
		{"redirect-http", uaDesktop, "en", func(q url.Values) bool {
			return q.Get("redirectURI") == "http://sandbox-service.example/callback"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.defect+"/"+tt.lang, func(t *testing.T) {
			for _, process := range []string{"login", "form", "sign"} {
				b := newBrowser(t, ts.URL, tt.ua)
				page := map[string]string{"login": "/login", "form": "/form", "sign": "/sign"}[process]
				b.get(page + "?defects=" + tt.defect)
				r := b.start(process, tt.lang)
				if !tt.check(r.authorize.Query()) {
					t.Errorf("%s: trigger request %s", process, r.authorize)
				}
				// The journey still completes.
				b.decide(r, "approve")
				resp, _, final := b.poll(r)
				want := map[string]string{"login": "/account", "form": "/form?prefilled=1", "sign": "/sign/done"}[process]
				if resp.StatusCode != http.StatusOK || !strings.HasSuffix(final, want) {
					t.Errorf("%s: ended at %s (%s), want %s", process, final, resp.Status, want)
				}
			}
			// Without the defect the request is right again.
			b := newBrowser(t, ts.URL, tt.ua)
			b.get("/login?defects=")
			if tt.check(b.start("login", tt.lang).authorize.Query()) {
				t.Error("the defect outlived ?defects=")
			}
		})
	}
}

func TestDefectsQuery(t *testing.T) {
	ts := newSandbox(t)
	b := newBrowser(t, ts.URL, uaDesktop)
	resp, body := b.get("/login?defects=no-logo,bogus")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "bogus") {
		t.Errorf("unknown defect in the query: %s", resp.Status)
	}
	b.get("/login?defects=no-entry")
	if _, body := b.get("/form"); strings.Contains(body, `id="iamsmart-fill"`) {
		t.Error("?defects= not kept for the session")
	}
	b.get("/form?defects=")
	if _, body := b.get("/form"); !strings.Contains(body, `id="iamsmart-fill"`) {
		t.Error("?defects= (empty) did not clear the defects")
	}
	b.get("/?defects=no-logo,wrong-label")
	_, body = b.get("/sign")
	if strings.Contains(body, `class="iams-logo`) || !strings.Contains(body, texts["en"]["wrong_sign"]) {
		t.Error("two defects in ?defects= are not both kept for the session")
	}
	// Global defects hold for every request, and the pages outside the
	// processes are never changed.
	g := newBrowser(t, newSandbox(t, "no-entry", "missing-alt").URL, uaDesktop)
	if _, body := g.get("/sign?defects="); strings.Contains(body, `id="iamsmart-sign"`) {
		t.Error("global defect no-entry not applied")
	}
	if _, body := g.get("/"); !strings.Contains(body, `class="banner" src="/static/banner.svg" width="1200" height="120" alt=""`) {
		t.Error("a defect changed a page without an iAM Smart entry")
	}
}

func BenchmarkLoginPage(b *testing.B) {
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/login?lang=zh-HK", nil)
	for b.Loop() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}

func BenchmarkLoginFlow(b *testing.B) {
	ts := newSandbox(b)
	for b.Loop() {
		br := newBrowser(b, ts.URL, uaDesktop)
		r := br.start("login", "en")
		br.decide(r, "approve")
		if resp, _, _ := br.poll(r); resp.StatusCode != http.StatusOK {
			b.Fatal(resp.Status)
		}
	}
}

// What the sandbox remembers is forgotten after stateTTL, so a sandbox that
// serves for days keeps its memory bounded.
func TestPruneForgetsOldState(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-stateTTL - time.Minute)
	s.mu.Lock()
	s.sessions["old"] = &session{seen: old}
	s.sessions["new"] = &session{seen: time.Now()}
	s.requests["old"] = &authRequest{created: old}
	s.codes["old"] = &authRequest{created: old}
	s.signings["old"] = signing{at: old}
	s.prune(time.Now())
	n := len(s.sessions) + len(s.requests) + len(s.codes) + len(s.signings)
	_, kept := s.sessions["new"]
	s.mu.Unlock()
	if n != 1 || !kept {
		t.Errorf("after prune: %d entries, recent session kept=%v; want only the recent session", n, kept)
	}
}

// A request nobody answers times out by itself after Options.RequestTimeout,
// and the service then says so in the page's language; the phone side shows
// the app's screens in the request's language.
func TestRequestTimesOut(t *testing.T) {
	s, err := New(Options{RequestTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	for _, c := range []struct{ process, lang, heading string }{
		{"login", "en", "phone_heading_auth"}, {"form", "zh-HK", "phone_heading_form"}, {"sign", "zh-CN", "phone_heading_sign"},
	} {
		b := newBrowser(t, ts.URL, uaDesktop)
		r := b.start(c.process, c.lang)
		if !strings.Contains(r.page, texts[c.lang]["sim_expires_page"]+" "+durationText(c.lang, 300*time.Millisecond)) {
			t.Errorf("%s %s: the simulator page does not say when the request expires", c.process, c.lang)
		}
		_, phone := b.get(r.phone)
		if !strings.Contains(phone, texts[c.lang][c.heading]) || !strings.Contains(phone, `class="sim sim-phone-view"`) {
			t.Errorf("%s %s: phone side lacks %q", c.process, c.lang, texts[c.lang][c.heading])
		}
		if c.process == "form" && !strings.Contains(phone, "CHAN Tai Man") {
			t.Errorf("form: the consent screen does not show the values asked for")
		}
		if _, body := b.get("/iamsmart/status/" + r.id); !strings.Contains(body, `"pending"`) {
			t.Errorf("%s: status at once = %s, want pending", c.process, body)
		}
		time.Sleep(350 * time.Millisecond)
		_, body := b.get("/iamsmart/status/" + r.id)
		var st struct{ Status, Redirect string }
		if err := json.Unmarshal([]byte(body), &st); err != nil || st.Status != statusTimeout || !strings.Contains(st.Redirect, "error=timeout") {
			t.Fatalf("%s: status after the timeout = %s (%v)", c.process, body, err)
		}
		resp, page, _ := b.follow(st.Redirect)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, texts[c.lang]["error_timeout"]) {
			t.Errorf("%s %s: the service does not say the request timed out (%s)", c.process, c.lang, resp.Status)
		}
		if resp, _ := b.do(http.MethodPost, "/iamsmart/phone/"+r.id+"/approve", nil); resp.StatusCode != http.StatusConflict {
			t.Errorf("%s: approving a timed-out request: %s, want 409", c.process, resp.Status)
		}
	}
}
