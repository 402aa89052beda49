package journeys

import (
	"fmt"
	"net/url"
)

// CheckBaseURL accepts a base URL of the service under test (what
// ${baseURL} in a journey file stands for, and the page `check` opens): an
// absolute http:// or https:// URL with a host and no user name or
// password, which would be stored with every run. The error is one line
// that names the value and says what is expected; the command line and
// the web app both use it.
func CheckBaseURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https"):
		return fmt.Errorf("base URL %q must be an http:// or https:// URL with a host, such as https://eservice.example.gov.hk", s)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("base URL %q has no host; give one, such as https://eservice.example.gov.hk", s)
	case u.User != nil:
		return fmt.Errorf("base URL %q has a user name or password in it, which would be stored with every run; leave them out", s)
	}
	return nil
}
