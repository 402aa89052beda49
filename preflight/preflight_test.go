package preflight_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"journeyproof/preflight"
)

// pki is a test certificate authority, trusted by the checker under test.
type pki struct {
	cert *x509.Certificate
	key  crypto.Signer
	pool *x509.CertPool
}

var serial int64 = 100

func newCA(t *testing.T, name string) *pki {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-10 * 365 * 24 * time.Hour), NotAfter: time.Now().Add(10 * 365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &pki{cert, key, pool}
}

type leafOpts struct {
	hosts      []string
	notBefore  time.Time
	notAfter   time.Time
	rsaBits    int
	selfSigned bool
	key        crypto.Signer
}

// leaf issues a server certificate (or a self-signed one).
func (ca *pki) leaf(t *testing.T, o leafOpts) (tls.Certificate, *x509.Certificate) {
	t.Helper()
	key := o.key
	if key == nil && o.rsaBits > 0 {
		k, err := rsa.GenerateKey(rand.Reader, o.rsaBits)
		if err != nil {
			t.Fatal(err)
		}
		key = k
	} else if key == nil {
		key, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if o.notBefore.IsZero() {
		o.notBefore = time.Now().Add(-time.Hour)
	}
	if o.notAfter.IsZero() {
		o.notAfter = time.Now().Add(365 * 24 * time.Hour)
	}
	if o.hosts == nil {
		o.hosts = []string{"127.0.0.1"}
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: o.hosts[0]},
		NotBefore: o.notBefore, NotAfter: o.notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range o.hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	parent, signer := ca.cert, ca.key
	if o.selfSigned {
		parent, signer = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, cert
}

// serve starts an https server on loopback with the certificate and TLS
// versions.
func serve(t *testing.T, cert tls.Certificate, minV, maxV uint16, h http.Handler) *httptest.Server {
	t.Helper()
	if h == nil {
		h = http.NotFoundHandler()
	}
	s := httptest.NewUnstartedServer(h)
	s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: minV, MaxVersion: maxV}
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // the version probes' refused handshakes
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

func run(t *testing.T, roots *x509.CertPool, cfg preflight.Config) *preflight.Report {
	t.Helper()
	c := &preflight.Checker{Roots: roots, Timeout: 5 * time.Second}
	rep, err := c.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// status returns the status and message of the check with the id on a
// target containing target ("" when there is none).
func status(rep *preflight.Report, id, target string) (string, string) {
	for _, c := range rep.Checks {
		if c.ID == id && strings.Contains(c.Target, target) {
			return string(c.Status), c.Message
		}
	}
	return "", ""
}

func TestTLS(t *testing.T) {
	ca := newCA(t, "Test Public Root")
	private := newCA(t, "Corp Private CA")
	good, _ := ca.leaf(t, leafOpts{})
	selfSigned, _ := ca.leaf(t, leafOpts{selfSigned: true})
	expired, _ := ca.leaf(t, leafOpts{notBefore: time.Now().Add(-400 * 24 * time.Hour), notAfter: time.Now().Add(-48 * time.Hour)})
	soon, _ := ca.leaf(t, leafOpts{notAfter: time.Now().Add(10 * 24 * time.Hour)})
	wrongHost, _ := ca.leaf(t, leafOpts{hosts: []string{"other.example"}})
	weak, _ := ca.leaf(t, leafOpts{rsaBits: 1024})
	privLeaf, _ := private.leaf(t, leafOpts{})

	type want struct{ id, status, msg string }
	tests := []struct {
		name       string
		cert       tls.Certificate
		minV, maxV uint16
		want       []want
	}{
		{"good", good, tls.VersionTLS12, 0, []want{
			{"preflight.tls.chain", "ok", "issued by Test Public Root"},
			{"preflight.tls.expiry", "ok", "days left"},
			{"preflight.tls.version", "ok", "TLS 1.3 negotiated; TLS 1.0 and 1.1 refused"},
			{"preflight.tls.key", "ok", "ECDSA P-256 key"},
		}},
		{"self-signed", selfSigned, tls.VersionTLS12, 0, []want{{"preflight.tls.chain", "error", "is self-signed"}}},
		{"private CA", privLeaf, tls.VersionTLS12, 0, []want{{"preflight.tls.chain", "error", `the chain ends at "Corp Private CA", which is not a public root`}}},
		{"expired", expired, tls.VersionTLS12, 0, []want{{"preflight.tls.expiry", "error", "expired on"}, {"preflight.tls.chain", "ok", ""}}},
		{"expires soon", soon, tls.VersionTLS12, 0, []want{{"preflight.tls.expiry", "warning", "in 9 days"}}},
		{"wrong host", wrongHost, tls.VersionTLS12, 0, []want{{"preflight.tls.chain", "error", "the certificate is for other.example, not 127.0.0.1"}}},
		{"TLS 1.0 only", good, tls.VersionTLS10, tls.VersionTLS10, []want{{"preflight.tls.version", "error", "negotiates TLS 1.0 at best"}}},
		{"TLS 1.1 still on", good, tls.VersionTLS11, 0, []want{{"preflight.tls.version", "error", "still accepts TLS 1.1"}}},
		{"weak key", weak, tls.VersionTLS12, 0, []want{{"preflight.tls.key", "error", "RSA 1024-bit key is too weak"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := serve(t, tc.cert, tc.minV, tc.maxV, nil)
			rep := run(t, ca.pool, preflight.Config{URLs: []string{s.URL}})
			for _, w := range tc.want {
				st, msg := status(rep, w.id, strings.TrimPrefix(s.URL, "https://"))
				if st != w.status || !strings.Contains(msg, w.msg) {
					t.Errorf("%s: %s %q, want %s containing %q", w.id, st, msg, w.status, w.msg)
				}
			}
		})
	}
	// Plain http and a port with nothing on it.
	rep := run(t, ca.pool, preflight.Config{URLs: []string{"http://127.0.0.1:1/x", "https://127.0.0.1:1"}})
	if st, _ := status(rep, "preflight.tls.https", "http://127.0.0.1:1/x"); st != "error" {
		t.Errorf("plain http: %s", st)
	}
	if st, msg := status(rep, "preflight.tls.connect", "127.0.0.1:1"); st != "error" || !strings.Contains(msg, "could not make a TLS connection") {
		t.Errorf("nothing listening: %s %s", st, msg)
	}
	if rep.Status() != "error" || rep.Errors != 2 || len(rep.Findings()) != 2 {
		t.Errorf("report %s errors %d", rep.Status(), rep.Errors)
	}
}

const goodAssetLinks = `[{"relation": ["delegate_permission/common.handle_all_urls"],
  "target": {"namespace": "android_app", "package_name": "hk.gov.example.eservice",
  "sha256_cert_fingerprints": ["14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5"]}}]`

const goodAASA = `{"applinks": {"details": [{"appIDs": ["ABCDE12345.hk.gov.example.eservice"], "components": [{"/": "/iamsmart/*"}]}]}}`

func wellKnown(files map[string]func(w http.ResponseWriter)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f, ok := files[r.URL.Path]; ok {
			f(w)
			return
		}
		http.NotFound(w, r)
	})
}

func jsonFile(body, ct string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		if ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.Write([]byte(body))
	}
}

func TestAppLinks(t *testing.T) {
	ca := newCA(t, "Test Public Root")
	cert, _ := ca.leaf(t, leafOpts{})
	type want struct{ id, status, msg string }
	tests := []struct {
		name  string
		files map[string]func(w http.ResponseWriter)
		want  []want
	}{
		{"good", map[string]func(http.ResponseWriter){
			"/.well-known/assetlinks.json":            jsonFile(goodAssetLinks, "application/json"),
			"/.well-known/apple-app-site-association": jsonFile(goodAASA, "application/json"),
		}, []want{
			{"preflight.applink.fetch", "ok", "status 200"}, {"preflight.applink.content-type", "ok", ""},
			{"preflight.applink.relation", "ok", ""}, {"preflight.applink.package", "ok", "hk.gov.example.eservice"},
			{"preflight.applink.fingerprint", "ok", ""}, {"preflight.universallink.applinks", "ok", ""},
			{"preflight.universallink.appid", "ok", "ABCDE12345.hk.gov.example.eservice"}, {"preflight.universallink.paths", "ok", ""},
		}},
		{"missing", nil, []want{
			{"preflight.applink.fetch", "warning", "not found (404)"}, {"preflight.universallink.fetch", "warning", "not found (404)"},
		}},
		{"broken", map[string]func(http.ResponseWriter){
			"/.well-known/assetlinks.json": jsonFile(`[{"relation": ["delegate_permission/common.get_login_creds"], "target": {"namespace": "web", "site": "https://a"}},
				{"relation": ["delegate_permission/common.handle_all_urls"], "target": {"namespace": "android_app", "package_name": "eservice", "sha256_cert_fingerprints": ["14:6d:e9"]}}]`, "text/plain"),
			"/.well-known/apple-app-site-association": func(w http.ResponseWriter) {
				w.Header().Set("Location", "/aasa.json")
				w.WriteHeader(http.StatusMovedPermanently)
			},
		}, []want{
			{"preflight.applink.content-type", "error", "content type text/plain; serve it as application/json"},
			{"preflight.applink.package", "error", `statement 2: package_name "eservice"`},
			{"preflight.applink.fingerprint", "error", `statement 2: "14:6d:e9" is not a SHA-256 fingerprint`},
			{"preflight.universallink.redirect", "error", "answers 301 Moved Permanently to /aasa.json"},
		}},
		{"malformed", map[string]func(http.ResponseWriter){
			"/.well-known/assetlinks.json":            jsonFile(`{"relation": }`, "application/json"),
			"/.well-known/apple-app-site-association": jsonFile(`{"webcredentials": {"apps": ["ABCDE12345.a.b"]}}`, "application/json"),
		}, []want{
			{"preflight.applink.json", "error", "not a JSON list of statements"},
			{"preflight.universallink.applinks", "error", "no applinks.details"},
		}},
		{"no relation, bad app id", map[string]func(http.ResponseWriter){
			"/.well-known/assetlinks.json":            jsonFile(`[]`, "application/json; charset=utf-8"),
			"/.well-known/apple-app-site-association": jsonFile(`{"applinks": {"details": [{"appID": "hk.gov.app", "paths": []}]}}`, "application/json"),
		}, []want{
			{"preflight.applink.relation", "error", "no statement gives an android_app the relation delegate_permission/common.handle_all_urls"},
			{"preflight.universallink.appid", "error", `"hk.gov.app" is not TEAMID.bundle.id`},
			{"preflight.universallink.paths", "error", "detail 1 has no components or paths"},
		}},
		{"server error", map[string]func(http.ResponseWriter){
			"/.well-known/assetlinks.json": func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) },
		}, []want{{"preflight.applink.fetch", "error", "answers 500 Internal Server Error"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := serve(t, cert, tls.VersionTLS12, 0, wellKnown(tc.files))
			rep := run(t, ca.pool, preflight.Config{Origin: s.URL})
			for _, w := range tc.want {
				st, msg := status(rep, w.id, "/.well-known/")
				if st != w.status || !strings.Contains(msg, w.msg) {
					t.Errorf("%s: %s %q, want %s containing %q", w.id, st, msg, w.status, w.msg)
				}
			}
		})
	}
}

func TestCallbacks(t *testing.T) {
	ca := newCA(t, "Test Public Root")
	cert, _ := ca.leaf(t, leafOpts{hosts: []string{"127.0.0.1", "localhost"}})
	s := serve(t, cert, tls.VersionTLS12, 0, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/callback":
			http.Error(w, "missing code", http.StatusBadRequest)
		case "/broken":
			http.Error(w, "oops", http.StatusInternalServerError)
		default:
			http.NotFound(w, r)
		}
	}))
	good := s.URL + "/callback"
	rep := run(t, ca.pool, preflight.Config{
		Service: "Test", Origin: s.URL,
		Callbacks: []string{good, s.URL + "/broken", "http://127.0.0.1:1/cb", "https://other.example.org:1/cb"},
		Redirects: []preflight.Redirect{
			{URI: good, Page: s.URL + "/login", Where: "login/en/desktop"},
			{URI: "http://127.0.0.1:8090/callback", Page: "http://127.0.0.1:8090/login?lang=en", Where: "login/en/mobile"},
			{URI: "http://127.0.0.1:8090/callback", Page: "http://127.0.0.1:8090/login?lang=zh-HK", Where: "login/zh-HK/mobile"},
			{URI: "https://attacker.example/cb", Page: s.URL + "/form", Where: "form/en/desktop"},
		},
	})
	checks := []struct{ id, target, status, msg string }{
		{"preflight.callback.reachable", good, "ok", "answers 400 Bad Request"},
		{"preflight.callback.reachable", "/broken", "error", "answers 500 Internal Server Error"},
		{"preflight.callback.reachable", "http://127.0.0.1:1/cb", "error", "not reachable"},
		{"preflight.callback.https", "http://127.0.0.1:1/cb", "error", "must use https"},
		{"preflight.callback.https", good, "ok", ""},
		{"preflight.callback.domain", good, "ok", ""},
		{"preflight.callback.domain", "other.example.org", "error", "other.example.org is not on the service's domain 127.0.0.1"},
		{"preflight.callback.declared", good, "ok", "sent by login/en/desktop"},
		{"preflight.callback.declared", "http://127.0.0.1:8090/callback", "ok", "on the test host 127.0.0.1:8090 (sent by 2 runs, such as login/en/mobile)"},
		{"preflight.callback.declared", "https://attacker.example/cb", "error", "redirectURI sent by form/en/desktop is not a declared callback"},
	}
	for _, c := range checks {
		st, msg := status(rep, c.id, c.target)
		if st != c.status || !strings.Contains(msg, c.msg) {
			t.Errorf("%s %s: %s %q, want %s containing %q", c.id, c.target, st, msg, c.status, c.msg)
		}
	}
	// A service with no callback declared is a finding.
	rep = run(t, ca.pool, preflight.Config{Service: "Test", Origin: s.URL})
	if st, msg := status(rep, "preflight.callback.declared", ""); st != "error" || !strings.Contains(msg, "no callback URL declared") {
		t.Errorf("no callbacks: %s %s", st, msg)
	}
}

func writePEM(t *testing.T, dir, name string, c *x509.Certificate) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEnciphermentCertificates(t *testing.T) {
	ca := newCA(t, "iAM Smart Test CA")
	dir := t.TempDir()
	shared, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ite := ca.leaf(t, leafOpts{hosts: []string{"ite.eservice.example"}, key: shared})
	_, prodSame := ca.leaf(t, leafOpts{hosts: []string{"eservice.example"}, key: shared})
	_, prod := ca.leaf(t, leafOpts{hosts: []string{"eservice.example"}})
	_, old := ca.leaf(t, leafOpts{hosts: []string{"old.example"}, notBefore: time.Now().Add(-800 * 24 * time.Hour), notAfter: time.Now().Add(-24 * time.Hour)})
	itePath := writePEM(t, dir, "ite.pem", ite)
	sameKeyPath := writePEM(t, dir, "prod-same-key.pem", prodSame)
	prodPath := writePEM(t, dir, "prod.pem", prod)
	oldPath := writePEM(t, dir, "old.pem", old)
	junk := filepath.Join(dir, "junk.pem")
	os.WriteFile(junk, []byte("not a certificate"), 0o644)

	c := &preflight.Checker{}
	rep, err := c.Run(context.Background(), preflight.Config{ITECert: itePath, ProdCert: sameKeyPath})
	if err != nil {
		t.Fatal(err)
	}
	if st, msg := status(rep, "preflight.cert.shared", ""); st != "error" || !strings.Contains(msg, "share one key") {
		t.Errorf("same key: %s %s", st, msg)
	}
	rep, _ = c.Run(context.Background(), preflight.Config{ITECert: itePath, ProdCert: prodPath})
	if st, _ := status(rep, "preflight.cert.shared", ""); st != "ok" || rep.Status() != "ok" {
		t.Errorf("different keys: %s, report %s %+v", st, rep.Status(), rep.Findings())
	}
	rep, _ = c.Run(context.Background(), preflight.Config{ITECert: oldPath, ProdCert: junk})
	if st, msg := status(rep, "preflight.cert.expiry", "old.pem"); st != "error" || !strings.Contains(msg, "expired on") {
		t.Errorf("expired: %s %s", st, msg)
	}
	if st, msg := status(rep, "preflight.cert.read", "junk.pem"); st != "error" || !strings.Contains(msg, "the production encipherment certificate: no certificate in it") {
		t.Errorf("junk: %s %s", st, msg)
	}
	if _, err := c.Run(context.Background(), preflight.Config{}); err == nil {
		t.Error("an empty config ran")
	}
}
