package integration

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// TestIntegrationHTTP runs `userdir serve` with an [http] listener and
// reads the search page's JSON and a phone book from it, as a person and
// as a phone: the same book that LDAP serves, with the same roles.
func TestIntegrationHTTP(t *testing.T) {
	bin := buildUserdir(t)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, configOptions{store: filepath.Join(dir, "userdir.db"), listen: []string{"ldap://127.0.0.1:0"}, http: "127.0.0.1:0"})
	loadFixture(t, bin, cfg)
	srv := startServe(t, bin, cfg, 2, nil)
	var base string
	for _, u := range srv.urls {
		if strings.HasPrefix(u, "http://") {
			base = u
		}
	}
	if base == "" {
		t.Fatalf("no http listening line in %q", srv.urls)
	}

	get := func(path, user, pass string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		must(t, err, "request %s", path)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		res, err := http.DefaultClient.Do(req)
		must(t, err, "GET %s", path)
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		must(t, err, "read %s", path)
		return res.StatusCode, string(body)
	}

	code, body := get("/search?format=json&q="+url.QueryEscape("Иванов"), "", "")
	var a struct {
		Results []struct {
			Name, Mail string
		}
	}
	must(t, json.Unmarshal([]byte(body), &a), "decode %s", body)
	found := map[string]bool{}
	for _, r := range a.Results {
		found[r.Mail] = true
	}
	if code != http.StatusOK || !found[visibleAddr] || found[hiddenAddr] || found[inactiveAddr] {
		t.Errorf("anonymous search: %d %s", code, body)
	}
	if code, _ := get("/phonebook/yealink.xml", "", ""); code != http.StatusUnauthorized {
		t.Errorf("anonymous whole book: %d, want 401", code)
	}
	code, body = get("/phonebook/yealink.xml", "cn=reader,dc=company,dc=ru", "readerpass")
	if code != http.StatusOK || !strings.HasPrefix(body, `<?xml version="1.0" encoding="UTF-8"?>`) || !strings.Contains(body, "<YealinkIPPhoneBook>") {
		t.Errorf("reader whole book: %d %.200s", code, body)
	}
	t.Logf("yealink.xml: %d bytes; first lines:\n%s", len(body), strings.Join(strings.SplitN(body, "\n", 8)[:7], "\n"))
}
