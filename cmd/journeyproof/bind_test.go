package main

import (
	"strings"
	"testing"
)

func TestCheckBind(t *testing.T) {
	token := "a-token-of-32-characters-or-so-x"
	tests := []struct {
		addr, token string
		ok          bool
	}{
		{"127.0.0.1:8080", "", true},
		{"127.0.0.5:8080", "", true},
		{"[::1]:8080", "", true},
		{"localhost:0", "", true},
		{"0.0.0.0:8080", "", false},
		{":8080", "", false},
		{"[::]:8080", "", false},
		{"192.168.1.20:8080", "", false},
		{"example.com:80", "", false},
		{"0.0.0.0:8080", token, true},
		{"0.0.0.0:8080", "short", false},
		{"no-port", "", false},
	}
	for _, tt := range tests {
		err := checkBind(tt.addr, tt.token)
		if (err == nil) != tt.ok {
			t.Errorf("checkBind(%q, %q) = %v; want ok %v", tt.addr, tt.token, err, tt.ok)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("checkBind(%q): error is not one line: %q", tt.addr, err)
		}
	}
}
