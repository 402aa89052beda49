// Package preflight checks an online service against the iAM Smart
// integration checklist before ITE and production: production-grade TLS on
// its domains, the App Link (assetlinks.json) and Universal Link
// (apple-app-site-association) files, its callback URLs, and its separate
// encipherment certificates for ITE and production.
//
// Every check has a stable id (preflight.tls.chain, preflight.applink.json,
// ...) and ends ok, warning or error. The package imports no package of
// journeyproof: the command line hands it what the service file and the
// evidence store say.
package preflight

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Status is how a check ended: ok, warning or error.
type Status string

// Statuses of a check.
const (
	StatusOK      Status = "ok"
	StatusWarning Status = "warning"
	StatusError   Status = "error"
)

// Check is the outcome of one check on one target.
type Check struct {
	// ID is the check's stable id, such as preflight.tls.chain.
	ID string `json:"id"`
	// Status is ok, warning or error.
	Status Status `json:"status"`
	// Target is the host, URL or file checked.
	Target string `json:"target"`
	// Message says what was found, and for a problem what to do.
	Message string `json:"message"`
}

// Redirect is a redirectURI a trigger request sent, as the evidence store
// has it.
type Redirect struct {
	// URI is the redirectURI parameter of the authorisation request.
	URI string `json:"uri"`
	// Page is the URL of the page that sent it (its origin is the host the
	// journey ran against).
	Page string `json:"page"`
	// Where names the run (journey/lang/device of a release).
	Where string `json:"where"`
}

// Config is what to check.
type Config struct {
	// Service is the online service's name ("" when checking bare URLs).
	Service string
	// Origin is the production origin: its TLS and its App Link and
	// Universal Link files are checked.
	Origin string
	// Callbacks are the declared callback URLs. With a Service, having none
	// is a finding.
	Callbacks []string
	// URLs are more URLs whose TLS is checked.
	URLs []string
	// ITECert and ProdCert are PEM files of the encipherment certificates.
	ITECert, ProdCert string
	// Redirects are the redirectURIs a release's trigger requests sent.
	Redirects []Redirect
	// Release names the release the redirects come from.
	Release string
}

// Checker runs the checks. The zero value uses the system's roots, the
// current time and a 10-second timeout per connection.
type Checker struct {
	// Roots are the trusted root certificates; nil means the system's.
	Roots *x509.CertPool
	// Now returns the time the certificates are judged at.
	Now func() time.Time
	// Timeout bounds each connection and request.
	Timeout time.Duration
}

// Report is the outcome of a preflight.
type Report struct {
	Service  string    `json:"service,omitempty"`
	Origin   string    `json:"origin,omitempty"`
	Release  string    `json:"release,omitempty"`
	Checked  time.Time `json:"checked"`
	Checks   []Check   `json:"checks"`
	Errors   int       `json:"errors"`
	Warnings int       `json:"warnings"`
}

// Status is error when any check failed, warning when any warned, else ok.
func (r *Report) Status() Status {
	switch {
	case r.Errors > 0:
		return StatusError
	case r.Warnings > 0:
		return StatusWarning
	}
	return StatusOK
}

// Findings are the checks that did not end ok, errors first.
func (r *Report) Findings() []Check {
	var out []Check
	for _, c := range r.Checks {
		if c.Status != StatusOK {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, k int) bool { return out[i].Status == StatusError && out[k].Status != StatusError })
	return out
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Checker) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return 10 * time.Second
}

func (c *Checker) roots() (*x509.CertPool, error) {
	if c.Roots != nil {
		return c.Roots, nil
	}
	p, err := x509.SystemCertPool()
	if err != nil {
		return nil, fmt.Errorf("read the system's root certificates: %w", err)
	}
	return p, nil
}

// ConfigError is a Config that cannot be checked (a URL that does not
// parse, nothing to check).
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

// Run runs every check the config asks for. It returns an error only when
// the config is unusable; what the checks find is in the report.
func (c *Checker) Run(ctx context.Context, cfg Config) (*Report, error) {
	rep := &Report{Service: cfg.Service, Origin: cfg.Origin, Release: cfg.Release, Checked: c.now().UTC(), Checks: []Check{}}
	var origin *url.URL
	if cfg.Origin != "" {
		u, err := parseAbs(cfg.Origin)
		if err != nil {
			return nil, &ConfigError{fmt.Sprintf("origin %q: %v", cfg.Origin, err)}
		}
		origin = u
	}
	callbacks, err := parseAllAbs("callback", cfg.Callbacks)
	if err != nil {
		return nil, err
	}
	extra, err := parseAllAbs("URL", cfg.URLs)
	if err != nil {
		return nil, err
	}
	if origin == nil && len(callbacks) == 0 && len(extra) == 0 && cfg.ITECert == "" && cfg.ProdCert == "" {
		return nil, &ConfigError{"nothing to check: give URLs, certificates or a service file with an origin"}
	}
	roots, err := c.roots()
	if err != nil {
		return nil, err
	}

	// The TLS of every https host, once, in parallel; plain http is a finding.
	var hosts []string
	seen := map[string]bool{}
	isCallback := map[*url.URL]bool{}
	for _, u := range callbacks {
		isCallback[u] = true
	}
	for _, u := range append(append([]*url.URL{origin}, callbacks...), extra...) {
		if u == nil {
			continue
		}
		if u.Scheme != "https" {
			// A callback over http is preflight.callback.https's finding.
			if !isCallback[u] && !seen["http "+u.String()] {
				seen["http "+u.String()] = true
				rep.add(Check{"preflight.tls.https", StatusError, u.String(), "served over plain http; iAM Smart needs https with a production-grade certificate"})
			}
			continue
		}
		if hp := hostPort(u); !seen[hp] {
			seen[hp] = true
			hosts = append(hosts, hp)
		}
	}
	results := make([][]Check, len(hosts))
	var wg sync.WaitGroup
	for i, hp := range hosts {
		wg.Go(func() { results[i] = c.checkTLS(ctx, hp, roots) })
	}
	wg.Wait()
	reachable := map[string]bool{}
	for i, r := range results {
		rep.add(r...)
		reachable[hosts[i]] = len(r) == 0 || r[0].ID != "preflight.tls.connect"
	}
	// The app link files of an origin that takes no connection would only
	// repeat the connection's error.
	if origin != nil && origin.Scheme == "https" && reachable[hostPort(origin)] {
		rep.add(c.checkAppLinks(ctx, origin)...)
	}
	if cfg.Service != "" || len(callbacks) > 0 {
		rep.add(c.checkCallbacks(ctx, origin, callbacks, cfg.Redirects)...)
	}
	rep.add(c.checkCerts(cfg.ITECert, cfg.ProdCert)...)
	return rep, nil
}

func (r *Report) add(cs ...Check) {
	for _, c := range cs {
		switch c.Status {
		case StatusError:
			r.Errors++
		case StatusWarning:
			r.Warnings++
		}
		r.Checks = append(r.Checks, c)
	}
}

func parseAbs(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("expected an absolute http(s) URL such as https://eservice.example.gov.hk")
	}
	return u, nil
}

// hostPort is the host:port of an https URL.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return u.Hostname() + ":443"
}

// client is an HTTP client that does not follow redirects and does not
// judge certificates (the TLS checks do, once per host).
func (c *Checker) client() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = insecureTLS()
	return &http.Client{
		Transport:     tr,
		Timeout:       c.timeout(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func days(d time.Duration) int { return int(d.Hours() / 24) }

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// parseAllAbs parses absolute URLs; an error names the first that is not
// one (what: "callback", "URL").
func parseAllAbs(what string, raws []string) ([]*url.URL, error) {
	var out []*url.URL
	for _, raw := range raws {
		u, err := parseAbs(raw)
		if err != nil {
			return nil, &ConfigError{fmt.Sprintf("%s %q: %v", what, raw, err)}
		}
		out = append(out, u)
	}
	return out, nil
}
