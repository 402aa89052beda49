package journeys

import (
	"strings"
	"testing"
)

func TestCheckBaseURL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want string // "" for accepted, else part of the error
	}{
		{"http://127.0.0.1:8080", ""},
		{"https://eservice.example.gov.hk/app/", ""},
		{"http://[::1]:9000", ""},
		{"", "must be an http:// or https:// URL"},
		{"eservice.example.gov.hk", "must be an http:// or https:// URL"},
		{"file:///etc/passwd", "must be an http:// or https:// URL"},
		{"javascript:alert(1)", "must be an http:// or https:// URL"},
		{"ftp://example.com", "must be an http:// or https:// URL"},
		{"http://", "has no host"},
		{"https://:443/", "has no host"},
		{"http:/relative", "has no host"},
		{"https://user:secret@example.com", "user name or password"},
		{"http://a b.com", "must be an http:// or https:// URL"},
	} {
		err := CheckBaseURL(tc.url)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckBaseURL(%q) = %v, want accepted", tc.url, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n")):
			t.Errorf("CheckBaseURL(%q) = %v, want one line with %q", tc.url, err, tc.want)
		}
	}
}
