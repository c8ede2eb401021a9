package integration

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// SIGHUP re-reads the configuration: a new account can bind and a new
// size limit applies at once; a broken file is refused and the running
// configuration stays.
func TestIntegrationServeReload(t *testing.T) {
	bin := buildUserdir(t)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, configOptions{store: filepath.Join(dir, "userdir.db"), listen: []string{"ldap://127.0.0.1:0"}})
	loadFixture(t, bin, cfg)
	srv := startServe(t, bin, cfg, 1, nil)
	url := srv.urls[0]

	anonymous := func() (int, error) {
		c, err := ldap.DialURL(url)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		sr, err := c.Search(ldap.NewSearchRequest(suffix, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
			"(cn=сотрудник*)", []string{"mail"}, nil))
		if sr == nil {
			return 0, err
		}
		return len(sr.Entries), err
	}
	bindPhones := func() error {
		c, err := ldap.DialURL(url)
		if err != nil {
			return err
		}
		defer c.Close()
		return c.Bind("cn=phones,dc=company,dc=ru", "phonespass")
	}
	if n, err := anonymous(); n != 50 || !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		t.Fatalf("before reload: %d entries, %v; want the default size_limit 50", n, err)
	}
	if err := bindPhones(); !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
		t.Fatalf("before reload, the phones account bound: %v", err)
	}

	hash := runCmd(t, []byte("phonespass\n"), nil, bin, "passwd", "-cost", "4")
	if hash.code != 0 {
		t.Fatalf("userdir passwd: %s", hash)
	}
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), "size_limit = 50", "size_limit = 7", 1)
	if text == string(data) {
		t.Fatalf("no size_limit = 50 line in the test configuration:\n%s", data)
	}
	text += "\n[[ldap.account]]\ndn = \"cn=phones,dc=company,dc=ru\"\npassword_hash = \"" + strings.TrimSpace(hash.stdout) + "\"\nrole = \"reader\"\n"
	reload := func(text, wantLog string) {
		t.Helper()
		if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		before := strings.Count(srv.log.String(), wantLog)
		if err := srv.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "the reload log line "+wantLog, func() (bool, string) {
			return strings.Count(srv.log.String(), wantLog) > before, srv.log.String()
		})
	}
	reload(text, "configuration reloaded")
	if n, err := anonymous(); n != 7 || !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		t.Errorf("after reload: %d entries, %v; want the new size_limit 7", n, err)
	}
	if err := bindPhones(); err != nil {
		t.Errorf("after reload, the new account cannot bind: %v", err)
	}

	reload(strings.Replace(text, "size_limit = 7", "size_limt = 3", 1), "keeping the old one")
	if n, _ := anonymous(); n != 7 {
		t.Errorf("a broken configuration changed the limit: %d entries", n)
	}
	if err := bindPhones(); err != nil {
		t.Errorf("a broken configuration dropped the new account: %v", err)
	}
}
