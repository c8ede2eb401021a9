package benchldap

import "testing"

func TestURLAndHostPort(t *testing.T) {
	tests := []struct{ in, url, hostport string }{
		{"127.0.0.1:3891", "ldap://127.0.0.1:3891", "127.0.0.1:3891"},
		{"ldap://127.0.0.1:3890", "ldap://127.0.0.1:3890", "127.0.0.1:3890"},
		{"ldap://[::1]:389/", "ldap://[::1]:389/", "[::1]:389"},
	}
	for _, tt := range tests {
		if got := URL(tt.in); got != tt.url {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.url)
		}
		if got := HostPort(tt.in); got != tt.hostport {
			t.Errorf("HostPort(%q) = %q, want %q", tt.in, got, tt.hostport)
		}
	}
}

func TestDialRefused(t *testing.T) {
	// Port 1 on loopback is not an LDAP server; the error names the URL.
	if _, err := Dial("127.0.0.1:1", "", ""); err == nil {
		t.Fatal("Dial to a closed port succeeded")
	}
}
