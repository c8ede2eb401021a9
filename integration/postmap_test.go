package integration

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// postmap runs Postfix's postmap with a private, empty main.cf, so that
// the machine's Postfix configuration (or its absence) does not matter.
type postmap struct {
	path    string
	confDir string
}

// newPostmap prepares a Postfix configuration directory in dir and checks
// that Postfix has the ldap table type (Debian's postfix-ldap).
func newPostmap(tb testing.TB, tools map[string]string, dir string) postmap {
	tb.Helper()
	conf := filepath.Join(dir, "postfix")
	must(tb, os.MkdirAll(conf, 0o755), "create %s", conf)
	must(tb, os.WriteFile(filepath.Join(conf, "main.cf"), []byte("# userdir integration test: postmap only\n"), 0o644), "write main.cf")
	r := runCmd(tb, nil, nil, tools["postconf"], "-c", conf, "-m")
	if r.code != 0 {
		tb.Fatalf("postconf -m: %s", r)
	}
	if !slices.Contains(strings.Fields(r.stdout), "ldap") {
		unavailable(tb, "Postfix has no ldap table type (postconf -m: %s)", strings.Join(strings.Fields(r.stdout), " "))
	}
	return postmap{path: tools["postmap"], confDir: conf}
}

// query runs postmap -q key ldap:table. postmap exits 0 with the value
// when the key is found and 1 without output when it is not — but also 1
// when the lookup fails ("fatal: table ... query error"), so anything on
// stderr, or any other outcome, is an error, never "not found".
func (p postmap) query(tb testing.TB, table, key string) (value string, found bool, err error) {
	tb.Helper()
	r := runCmd(tb, nil, nil, p.path, "-c", p.confDir, "-q", key, "ldap:"+table)
	switch {
	case r.code == 0 && r.stderr == "" && strings.HasSuffix(r.stdout, "\n"):
		return strings.TrimSuffix(r.stdout, "\n"), true, nil
	case r.code == 1 && r.stdout == "" && r.stderr == "":
		return "", false, nil
	default:
		return "", false, fmt.Errorf("postmap -q %s ldap:%s failed: %s", key, filepath.Base(table), r)
	}
}

// ldapTable writes a Postfix ldap_table(5) file named name in dir: the
// lines of README.md#postfix for server url, then extra. It returns the file's path.
func ldapTable(tb testing.TB, dir, name, url string, extra ...string) string {
	tb.Helper()
	lines := append([]string{
		"# " + name + ": written by the userdir integration test, as README documents it",
		"server_host = " + url,
		"search_base = " + suffix,
		"query_filter = (mail=%s)",
	}, extra...)
	path := filepath.Join(dir, name)
	must(tb, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600), "write %s", path)
	// Postfix re-reads a table file whose mtime is not yet a second old,
	// 0.3 s at a time, until it has "cooled down": 1.5-2 s per fresh file.
	old := time.Now().Add(-time.Hour)
	must(tb, os.Chtimes(path, old, old), "age %s", path)
	return path
}

// mtaBind are the lines of a table that binds as the mta account.
var mtaBind = []string{"version = 3", "bind = yes", "bind_dn = " + postfixDN, "bind_pw = " + postfixPW}

// TestIntegrationPostmap looks addresses up with Postfix's own LDAP client
// as the README's ldap_table files configure it: recipient validation with
// the mta bind, an anonymous table, transport lookups of the branch's mail
// host, and upstream Postfix's default LDAPv2.
func TestIntegrationPostmap(t *testing.T) {
	tools := requireTools(t, "postmap", "postconf")
	bin := buildUserdir(t)
	dir := t.TempDir()
	pm := newPostmap(t, tools, dir)
	cfg := writeConfig(t, dir, configOptions{store: filepath.Join(dir, "userdir.db"), listen: []string{"ldap://127.0.0.1:0"}})
	loadFixture(t, bin, cfg)
	url := startServe(t, bin, cfg, 1, nil).urls[0]

	recipients := ldapTable(t, dir, "ldap-recipients.cf", url, append([]string{"result_attribute = mail"}, mtaBind...)...)
	anonymous := ldapTable(t, dir, "ldap-anonymous.cf", url, "result_attribute = mail", "version = 3", "bind = no")
	transport := ldapTable(t, dir, "ldap-transport.cf", url, append([]string{"result_attribute = mailHost", "result_format = smtp:[%s]"}, mtaBind...)...)
	v2 := ldapTable(t, dir, "ldap-v2.cf", url, "result_attribute = mail", "version = 2")

	tests := []struct {
		name, table, key string
		want             string // "" = not found
	}{
		{"visible", recipients, visibleAddr, visibleAddr},
		{"visible, key in mixed case", recipients, "IVANOV@Company.RU", visibleAddr},
		{"hidden, mta bind", recipients, hiddenAddr, hiddenAddr},
		{"alias, mta bind", recipients, aliasAddr, aliasAddr},
		{"inactive", recipients, inactiveAddr, ""},
		{"missing", recipients, missingAddr, ""},
		{"wildcard key is a literal", recipients, "*@company.ru", ""},
		{"visible, anonymous", anonymous, visibleAddr, visibleAddr},
		{"hidden, anonymous", anonymous, hiddenAddr, ""},
		{"inactive, anonymous", anonymous, inactiveAddr, ""},
		{"transport tyumen", transport, visibleAddr, "smtp:[mx.tyumen.company.ru]"},
		{"transport tobolsk", transport, "staff007@tobolsk.company.ru", "smtp:[mx.tobolsk.company.ru]"},
		{"transport hidden", transport, hiddenAddr, "smtp:[mx.tyumen.company.ru]"},
		{"transport missing", transport, missingAddr, ""},
		{"LDAPv2 visible", v2, visibleAddr, visibleAddr},
		{"LDAPv2 surgut", v2, "elkin@surgut.company.ru", "elkin@surgut.company.ru"},
		{"LDAPv2 hidden", v2, hiddenAddr, ""},
	}
	for _, tt := range tests {
		value, found, err := pm.query(t, tt.table, tt.key)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if wantFound := tt.want != ""; found != wantFound || value != tt.want {
			t.Errorf("%s: postmap -q %s ldap:%s = %q (found %v), want %q (found %v)",
				tt.name, tt.key, filepath.Base(tt.table), value, found, tt.want, wantFound)
		}
	}

	t.Run("lookup errors are not misread as not found", func(t *testing.T) {
		testPostmapErrors(t, pm, dir, url)
	})
}

// testPostmapErrors checks postmap.query itself: a table that cannot bind
// and a server that hangs up must give errors, not "not found" — else the
// not-found cases above would prove nothing.
func testPostmapErrors(t *testing.T, pm postmap, dir, url string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err, "listen")
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	tables := map[string]string{
		"wrong password": ldapTable(t, dir, "ldap-wrong-pw.cf", url, "result_attribute = mail", "version = 3", "bind = yes",
			"bind_dn = "+postfixDN, "bind_pw = wrong"),
		"server hangs up": ldapTable(t, dir, "ldap-hangup.cf", "ldap://"+l.Addr().String(), "result_attribute = mail", "version = 3", "bind = no"),
	}
	for name, table := range tables {
		if value, found, err := pm.query(t, table, visibleAddr); err == nil {
			t.Errorf("%s: postmap gave %q (found %v) and no error", name, value, found)
		}
	}
}
