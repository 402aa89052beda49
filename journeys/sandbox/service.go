package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// reqCtx is what every service page needs to know about its request.
type reqCtx struct {
	lang    string    // en, zh-HK or zh-CN
	defects defectSet // global and per-session defects
	// session holds the per-session defects alone (from ?defects= or the
	// cookie): the entry's link carries them, as it carries the language.
	session defectSet
}

// page is the data every service template gets.
type page struct {
	Lang     string
	T        map[string]string
	Title    string
	Lead     string // the lead paragraph under the title (entry pages only)
	Langs    []langLink
	D        defectSet // defects that change this page (entry pages only)
	Entry    *entry
	Error    string
	Notice   string
	Form     map[string]string
	Fields   []field
	HashCode string
	Message  string
	Status   int
	LoggedIn string
}

// langLink is one link of the language switch.
type langLink struct {
	ID, Code, Name, Href string
	Current              bool
}

// entry is the iAM Smart entry of an entry page.
type entry struct {
	ID, InfoID, Href, Label, Process string
}

// field is one field of the application form.
type field struct {
	ID, Label, Type, Autocomplete, Value string
}

// On reports whether the named defect changes the page.
func (d defectSet) On(name string) bool { return d[name] }

// service wraps a service page handler: it resolves the language and the defects
// from the query (remembering them in cookies) or the cookies.
func (s *Server) service(h func(http.ResponseWriter, *http.Request, *reqCtx)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		rc := &reqCtx{lang: "en"}
		if l := q.Get("lang"); validLang(l) {
			rc.lang = l
			http.SetCookie(w, &http.Cookie{Name: cookieLang, Value: l, Path: "/", SameSite: http.SameSiteLaxMode})
		} else if c, err := r.Cookie(cookieLang); err == nil && validLang(c.Value) {
			rc.lang = c.Value
		}
		var session defectSet
		if vals, ok := q["defects"]; ok {
			set, err := parseDefects(vals)
			if err != nil {
				s.message(w, http.StatusBadRequest, rc, "bad_title", err.Error())
				return
			}
			session = set
			c := &http.Cookie{Name: cookieDefects, Value: set.String(), Path: "/", SameSite: http.SameSiteLaxMode}
			if len(set) == 0 {
				c.MaxAge = -1
			}
			http.SetCookie(w, c)
		} else if c, err := r.Cookie(cookieDefects); err == nil {
			session, _ = parseDefects([]string{c.Value}) // a stale cookie with an unknown name switches nothing on
		}
		rc.defects, rc.session = s.defects.union(session), session
		h(w, r, rc)
	}
}

// newPage fills the data every service page shows.
func (s *Server) newPage(r *http.Request, rc *reqCtx, titleKey string) *page {
	t := texts[rc.lang]
	p := &page{Lang: rc.lang, T: t, Title: t[titleKey], D: defectSet{}}
	for _, l := range pageLangs {
		q := url.Values{}
		for k, v := range r.URL.Query() {
			if k != "lang" && k != "defects" && k != "error" {
				q[k] = v
			}
		}
		q.Set("lang", l)
		p.Langs = append(p.Langs, langLink{ID: "lang-" + l, Code: l, Name: langNames[l], Href: r.URL.Path + "?" + q.Encode(), Current: l == rc.lang})
	}
	return p
}

// entryPage fills the data of a page with an iAM Smart entry for process.
func (s *Server) entryPage(r *http.Request, rc *reqCtx, titleKey, process string) *page {
	p := s.newPage(r, rc, titleKey)
	p.D = rc.defects
	p.Lead = p.T[process+"_lead"]
	p.Error = errorText(rc.lang, process, r.URL.Query().Get("error"))
	if rc.defects.On("no-entry") {
		return p
	}
	ids := map[string]string{"login": "iamsmart-login", "form": "iamsmart-fill", "sign": "iamsmart-sign"}
	// The language and the session's defects travel with the link: a
	// cross-site frame (the corpus's iframe-cross) sends no SameSite=Lax
	// cookies, so the trigger request would lose them.
	href := "/auth/iamsmart?process=" + process + "&lang=" + rc.lang
	if len(rc.session) > 0 {
		href += "&defects=" + url.QueryEscape(rc.session.String())
	}
	p.Entry = &entry{
		ID:      ids[process],
		InfoID:  "iamsmart-info",
		Href:    href,
		Label:   entryLabel(rc, process),
		Process: process,
	}
	return p
}

// entryLabel is the entry's visible label, as the defects have it.
func entryLabel(rc *reqCtx, process string) string {
	own := texts[rc.lang]["label_"+process]
	switch {
	case rc.defects.On("wrong-lang-label"):
		next := map[string]string{"en": "zh-HK", "zh-HK": "zh-CN", "zh-CN": "en"}[rc.lang]
		if l := texts[next]["label_"+process]; l != own {
			return l
		}
		return texts["en"]["label_"+process]
	case rc.defects.On("wrong-label"):
		return texts[rc.lang]["wrong_"+process]
	}
	return own
}

// errorText is the message for an ?error= value after an iAM Smart request.
func errorText(lang, process, code string) string {
	t := texts[lang]
	switch code {
	case "":
		return ""
	case "denied":
		return t["error_"+process+"_denied"]
	case "timeout":
		return t["error_timeout"]
	}
	return t["error_failed"]
}

// message renders the message page with a title key and a text.
func (s *Server) message(w http.ResponseWriter, status int, rc *reqCtx, titleKey, text string) {
	p := &page{Lang: rc.lang, T: texts[rc.lang], Title: texts[rc.lang][titleKey], D: defectSet{}, Message: text, Status: status}
	for _, l := range pageLangs {
		p.Langs = append(p.Langs, langLink{ID: "lang-" + l, Code: l, Name: langNames[l], Href: "/?lang=" + l, Current: l == rc.lang})
	}
	s.render(w, status, "message", p)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	s.message(w, http.StatusNotFound, rc, "notfound_title", texts[rc.lang]["notfound_body"])
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	s.render(w, http.StatusOK, "home", s.newPage(r, rc, "home_title"))
}

func (s *Server) about(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	s.render(w, http.StatusOK, "about", s.newPage(r, rc, "about_title"))
}

func (s *Server) help(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	s.render(w, http.StatusOK, "help", s.newPage(r, rc, "help_title"))
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	s.render(w, http.StatusOK, "login", s.entryPage(r, rc, "login_title", "login"))
}

// Demo account for the username and password login.
const (
	demoUsername = "chantaiman"
	demoPassword = "sandbox"
)

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	if r.PostFormValue("username") == demoUsername && r.PostFormValue("password") == demoPassword {
		s.updateSession(w, r, func(ss *session) { ss.user = "password" })
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	p := s.entryPage(r, rc, "login_title", "login")
	p.Error = texts[rc.lang]["bad_login"]
	s.render(w, http.StatusOK, "login", p)
}

func (s *Server) account(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	user := s.sessionOf(w, r).user
	s.afterStep(w, r, rc, user != "", "/login", "account", func(p *page) { p.LoggedIn = user })
}

// afterStep renders the page that follows a step (the template name, titled
// by the text name_title) once the session shows the step done; before that
// it sends the browser to the step's own page, from. fill adds what the
// page shows of the session.
func (s *Server) afterStep(w http.ResponseWriter, r *http.Request, rc *reqCtx, done bool, from, name string, fill func(*page)) {
	if !done {
		http.Redirect(w, r, from, http.StatusSeeOther)
		return
	}
	p := s.newPage(r, rc, name+"_title")
	fill(p)
	s.render(w, http.StatusOK, name, p)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	s.updateSession(w, r, func(ss *session) { ss.user = "" })
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// profileFields is the simulated iAM Smart user's form-filling profile.
func profileFields() map[string]string {
	return map[string]string{
		"name":      "CHAN Tai Man",
		"id-prefix": "A123",
		"dob":       "1990-01-01",
		"phone":     "91234567",
		"address":   "1 Harbour Road, Wan Chai",
	}
}

// formFields lists the application form's fields in order, with values.
func formFields(lang string, values map[string]string) []field {
	t := texts[lang]
	return []field{
		{ID: "name", Label: t["name"], Type: "text", Autocomplete: "name", Value: values["name"]},
		{ID: "id-prefix", Label: t["id_prefix"], Type: "text", Autocomplete: "off", Value: values["id-prefix"]},
		{ID: "dob", Label: t["dob"], Type: "date", Autocomplete: "bday", Value: values["dob"]},
		{ID: "phone", Label: t["phone"], Type: "tel", Autocomplete: "tel", Value: values["phone"]},
		{ID: "address", Label: t["address"], Type: "text", Autocomplete: "street-address", Value: values["address"]},
	}
}

func (s *Server) formPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	p := s.entryPage(r, rc, "form_title", "form")
	prefilled := r.URL.Query().Get("prefilled") == "1" && s.sessionOf(w, r).profile
	values := map[string]string{}
	if prefilled {
		values = profileFields()
		p.Notice = p.T["prefilled_notice"]
	}
	p.Fields = formFields(rc.lang, values)
	s.render(w, http.StatusOK, "form", p)
}

func (s *Server) formSubmit(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	values := map[string]string{}
	for id := range profileFields() {
		values[id] = strings.TrimSpace(r.PostFormValue(id))
	}
	s.updateSession(w, r, func(ss *session) { ss.form = values })
	http.Redirect(w, r, "/form/done", http.StatusSeeOther)
}

func (s *Server) formDone(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	values := s.sessionOf(w, r).form
	s.afterStep(w, r, rc, values != nil, "/form", "form_done", func(p *page) { p.Fields = formFields(rc.lang, values) })
}

// hashCode is the 4-character code iAM Smart shows for signing the declaration in
// lang: the first 4 hex digits of the document's SHA-256.
func hashCode(lang string) string {
	sum := sha256.Sum256([]byte(texts[lang]["doc_title"] + "\n\n" + texts[lang]["doc_body"]))
	return strings.ToUpper(hex.EncodeToString(sum[:2]))
}

func (s *Server) signPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	s.render(w, http.StatusOK, "sign", s.entryPage(r, rc, "sign_title", "sign"))
}

func (s *Server) signDone(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	hash := s.sessionOf(w, r).signedHash
	s.afterStep(w, r, rc, hash != "", "/sign", "sign_done", func(p *page) { p.HashCode = hash })
}

// scopeOf is the iAM Smart scope a process asks for ("" for an unknown process).
func scopeOf(process string) string {
	return map[string]string{"login": "eidapi_auth", "form": "eidapi_formFilling", "sign": "eidapi_sign"}[process]
}

// sourceFor names the browser platform as iAM Smart's source parameter does.
func sourceFor(userAgent string) string {
	switch {
	case strings.Contains(userAgent, "iPhone"), strings.Contains(userAgent, "iPad"), strings.Contains(userAgent, "iPod"):
		return "iOS_Safari"
	case strings.Contains(userAgent, "Android"):
		return "Android_Chrome"
	}
	return "PC_Browser"
}

// startIAMSmart is where an entry points: it starts an iAM Smart request for the
// process and redirects the browser to the authorisation endpoint.
func (s *Server) startIAMSmart(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	process := r.URL.Query().Get("process")
	scope := scopeOf(process)
	if scope == "" {
		s.message(w, http.StatusBadRequest, rc, "bad_title", texts[rc.lang]["bad_request"])
		return
	}
	d := rc.defects
	state := randomHex(16)
	if d.On("redirect-weak-state") {
		state = "abc123"
	}
	s.mu.Lock()
	sess := s.sessionFor(w, r)
	sess.state, sess.process = state, process
	if process == "sign" {
		s.signings[state] = signing{hash: hashCode(rc.lang), at: time.Now()}
	}
	s.mu.Unlock()

	source := sourceFor(r.UserAgent())
	if d.On("redirect-wrong-source") {
		if source == "PC_Browser" {
			source = "Android_Chrome"
		} else {
			source = "PC_Browser"
		}
	}
	lang := iamsmartLang(rc.lang)
	if d.On("redirect-wrong-lang") {
		if rc.lang == "en" {
			lang = "zh-HK"
		} else {
			lang = "en-US"
		}
	}
	redirectURI := baseURL(r) + "/callback"
	if d.On("redirect-http") {
		redirectURI = "http://sandbox-service.example/callback"
	}
	q := url.Values{
		"clientID":     {s.clientID},
		"responseType": {"code"},
		"source":       {source},
		"redirectURI":  {redirectURI},
		"lang":         {lang},
		"state":        {state},
		"brokerPage":   {"true"},
	}
	if !d.On("redirect-missing-param") {
		q.Set("scope", scope)
	}
	http.Redirect(w, r, baseURL(r)+"/iamsmart/authorize?"+q.Encode(), http.StatusFound)
}

// callback is the service's registered redirect URI: it checks state, redeems the
// authorisation code and finishes the process.
func (s *Server) callback(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	q := r.URL.Query()
	s.mu.Lock()
	sess := s.sessionFor(w, r)
	if sess.state == "" || q.Get("state") != sess.state {
		s.mu.Unlock()
		s.message(w, http.StatusBadRequest, rc, "bad_title", texts[rc.lang]["bad_state"])
		return
	}
	process := sess.process
	sess.state, sess.process = "", ""
	back := map[string]string{"login": "/login", "form": "/form", "sign": "/sign"}[process]
	code := q.Get("code")
	if code == "" {
		s.mu.Unlock()
		reason := "failed"
		switch q.Get("error") {
		case "access_denied":
			reason = "denied"
		case "timeout":
			reason = "timeout"
		}
		http.Redirect(w, r, back+"?error="+reason, http.StatusSeeOther)
		return
	}
	req, ok := s.codes[code]
	if !ok {
		s.mu.Unlock()
		s.message(w, http.StatusBadRequest, rc, "bad_title", texts[rc.lang]["bad_request"])
		return
	}
	delete(s.codes, code)
	next := ""
	switch process {
	case "login":
		sess.user = "iamsmart"
		next = "/account"
	case "form":
		sess.profile = true
		next = "/form?prefilled=1"
	case "sign":
		sess.signedHash = req.hashCode
		if sess.signedHash == "" {
			sess.signedHash = hashCode(rc.lang)
		}
		next = "/sign/done"
	}
	s.mu.Unlock()
	http.Redirect(w, r, next, http.StatusSeeOther)
}
