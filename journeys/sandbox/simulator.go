package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"
)

// Outcomes of an iAM Smart request.
const (
	statusPending  = "pending"
	statusApproved = "approved"
	statusDenied   = "denied"
	statusTimeout  = "timeout"
)

// authRequest is one iAM Smart authorisation request the simulator holds.
type authRequest struct {
	id       string
	process  string // login, form or sign
	lang     string // page language of the simulator pages
	source   string
	state    string
	callback string // the client's registered redirect URI
	hashCode string // signing only
	status   string
	outcome  string // where the browser goes once the request is decided
	created  time.Time
}

// simPage is the data of the simulator templates.
type simPage struct {
	Lang     string
	T        map[string]string
	Title    string
	ID       string
	PhoneURL string
	Mobile   bool
	Process  string
	Fields   []string
	HashCode string
	Status   string
	Message  string
	Poll     bool // the page polls the request's status and carries its ids
	// Consent are the fields a form-filling request asks for, with the
	// simulated user's values (phone side).
	Consent []consentField
	// Expires says how long the request waits for the user ("2 min").
	Expires string
	// PhoneView styles the page as the iAM Smart app on a phone.
	PhoneView bool
}

// consentField is one field of the profile the phone side asks consent for.
type consentField struct{ Label, Value string }

func newSimPage(lang string) *simPage {
	return &simPage{Lang: lang, T: texts[lang]}
}

// simMessage renders a simulator page with just a message.
func (s *Server) simMessage(w http.ResponseWriter, status int, lang, text string) {
	p := newSimPage(lang)
	p.Title = p.T["sim_tag"]
	p.Message = text
	s.render(w, status, "sim_message", p)
}

// simAuthorize is the simulator's authorisation endpoint: a QR code page on
// desktop, an "open the app" page on mobile; both poll the request's status.
func (s *Server) simAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	lang := pageLangOf(q.Get("lang"))
	if q.Get("clientID") != s.clientID || q.Get("responseType") != "code" || q.Get("state") == "" {
		s.simMessage(w, http.StatusBadRequest, lang, texts[lang]["sim_unknown"])
		return
	}
	req := &authRequest{
		id:       randomHex(12),
		process:  "login",
		lang:     lang,
		source:   q.Get("source"),
		state:    q.Get("state"),
		callback: baseURL(r) + "/callback",
		status:   statusPending,
	}
	s.mu.Lock()
	sg, asked := s.signings[req.state]
	hash := sg.hash
	delete(s.signings, req.state)
	switch {
	case q.Get("scope") == "eidapi_sign" || asked:
		req.process, req.hashCode = "sign", hash
	case q.Get("scope") == "eidapi_formFilling":
		req.process = "form"
	}
	if req.process == "sign" && !asked {
		s.mu.Unlock()
		s.simMessage(w, http.StatusBadRequest, lang, texts[lang]["sim_unknown"])
		return
	}
	req.created = time.Now()
	s.prune(req.created)
	s.requests[req.id] = req
	s.mu.Unlock()

	p := s.requestPage(r, req)
	p.Poll = true
	s.render(w, http.StatusOK, "sim_authorize", p)
}

// requestPage fills the simulator page data for a request.
func (s *Server) requestPage(r *http.Request, req *authRequest) *simPage {
	p := newSimPage(req.lang)
	p.ID = req.id
	p.PhoneURL = baseURL(r) + "/iamsmart/phone/" + req.id
	p.Mobile = req.source != "PC_Browser"
	p.Process = req.process
	p.HashCode = req.hashCode
	p.Status = req.status
	titles := map[string]string{"login": "sim_title_auth", "form": "sim_title_form", "sign": "sim_title_sign"}
	p.Title = p.T[titles[req.process]]
	if req.process == "form" {
		profile := profileFields()
		for _, k := range []string{"name", "id_prefix", "dob", "phone", "address"} {
			p.Fields = append(p.Fields, p.T[k])
			p.Consent = append(p.Consent, consentField{Label: p.T[k], Value: profile[strings.ReplaceAll(k, "_", "-")]})
		}
	}
	p.Expires = durationText(req.lang, s.requestTimeout)
	return p
}

// durationText says d in lang, in whole minutes or seconds ("2 min", "30 秒").
func durationText(lang string, d time.Duration) string {
	t := texts[lang]
	if d >= time.Minute && d%time.Minute == 0 {
		return fmt.Sprintf(t["unit_min"], int(d/time.Minute))
	}
	return fmt.Sprintf(t["unit_sec"], int((d+time.Second-1)/time.Second))
}

// expire lets a pending request time out once it has waited longer than
// the simulator's request timeout. The caller must hold s.mu.
func (s *Server) expire(req *authRequest, now time.Time) {
	if req.status == statusPending && now.Sub(req.created) >= s.requestTimeout {
		s.decide(req, statusTimeout)
	}
}

// lookup returns the request with the id in the path, or nil.
func (s *Server) lookup(r *http.Request) *authRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[strings.TrimSuffix(r.PathValue("id"), ".png")]
}

// simStatus answers the polling of the simulator pages:
// {"status":"pending"} or {"status":"approved","redirect":"…"}.
func (s *Server) simStatus(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	req, ok := s.requests[r.PathValue("id")]
	var body struct {
		Status   string `json:"status"`
		Redirect string `json:"redirect,omitempty"`
	}
	if ok {
		s.expire(req, time.Now())
		body.Status, body.Redirect = req.status, req.outcome
	}
	s.mu.Unlock()
	if !ok {
		http.Error(w, "unknown iAM Smart request", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body)
}

// simQR serves the QR code (PNG) of the request's phone side URL.
func (s *Server) simQR(w http.ResponseWriter, r *http.Request) {
	req := s.lookup(r)
	if req == nil {
		http.Error(w, "unknown iAM Smart request", http.StatusNotFound)
		return
	}
	png, err := qrcode.Encode(baseURL(r)+"/iamsmart/phone/"+req.id, qrcode.Medium, 256)
	if err != nil {
		http.Error(w, "sandbox: encode QR code: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(png)
}

// simPhone is the simulated phone: the request with Approve and Deny buttons.
func (s *Server) simPhone(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	req, ok := s.requests[r.PathValue("id")]
	var p *simPage
	if ok {
		s.expire(req, time.Now())
		p = s.requestPage(r, req)
		p.PhoneView = true
	}
	s.mu.Unlock()
	if !ok {
		s.simMessage(w, http.StatusNotFound, pageLangOf(r.URL.Query().Get("lang")), texts[pageLangOf(r.URL.Query().Get("lang"))]["sim_unknown"])
		return
	}
	p.Title = p.T["phone_title"]
	s.render(w, http.StatusOK, "sim_phone", p)
}

// simDecide is the simulated user's decision on the phone: approve, deny or
// timeout (the request's time runs out now, as it does by itself after the
// simulator's request timeout). 204 when decided, 404 for an unknown
// request, 409 when already decided.
func (s *Server) simDecide(w http.ResponseWriter, r *http.Request) {
	action := r.PathValue("action")
	status := map[string]string{"approve": statusApproved, "deny": statusDenied, "timeout": statusTimeout}[action]
	s.mu.Lock()
	defer s.mu.Unlock()
	req, ok := s.requests[r.PathValue("id")]
	if !ok || status == "" {
		http.Error(w, "unknown iAM Smart request or action", http.StatusNotFound)
		return
	}
	s.expire(req, time.Now())
	if req.status != statusPending {
		http.Error(w, "iAM Smart request already "+req.status, http.StatusConflict)
		return
	}
	s.decide(req, status)
	w.WriteHeader(http.StatusNoContent)
}

// decide ends a pending request with status and says where the browser
// goes next. The caller must hold s.mu.
func (s *Server) decide(req *authRequest, status string) {
	req.status = status
	v := url.Values{"state": {req.state}}
	switch status {
	case statusApproved:
		code := randomHex(16)
		s.codes[code] = req
		v.Set("code", code)
	case statusDenied:
		v.Set("error", "access_denied")
	case statusTimeout:
		v.Set("error", "timeout")
	}
	req.outcome = req.callback + "?" + v.Encode()
}
