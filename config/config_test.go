package config

import (
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// minimal is the smallest valid file: every other key takes its default.
const minimal = `[[division]]
id = "a"
name = "A"
code = "S3CRET-A"
`

// mustParse parses doc as dir/userdir.toml and fails the test on error.
func mustParse(tb testing.TB, dir, doc string) *Config {
	tb.Helper()
	c, err := Parse(filepath.Join(dir, "userdir.toml"), []byte(doc))
	if err != nil {
		tb.Fatalf("Parse: %v", err)
	}
	return c
}

// parseErrors parses doc and returns its errors, failing if there are none.
func parseErrors(tb testing.TB, doc string) []*Error {
	tb.Helper()
	c, err := Parse("userdir.toml", []byte(doc))
	if err == nil {
		tb.Fatalf("Parse succeeded (%+v), want an error", c)
	}
	if c != nil {
		tb.Errorf("Parse returned a config with an error")
	}
	errs := Errors(err)
	if len(errs) == 0 {
		tb.Fatalf("Parse error %v holds no *Error", err)
	}
	return errs
}

// lineOf returns the 1-based line of doc where substr last starts, or 0.
func lineOf(doc, substr string) int {
	i := strings.LastIndex(doc, substr)
	if i < 0 {
		return 0
	}
	return strings.Count(doc[:i], "\n") + 1
}

func TestLoadSample(t *testing.T) {
	c, err := Load("../testdata/userdir.toml")
	if err != nil {
		t.Fatalf("Load(sample): %v", err)
	}
	if want := filepath.Join("..", "testdata", "userdir.db"); c.Store != want {
		t.Errorf("Store = %q, want %q", c.Store, want)
	}
	var ids []string
	for _, d := range c.Divisions {
		ids = append(ids, d.ID)
	}
	if want := []string{"tyumen", "tobolsk", "surgut"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("division ids = %q, want %q", ids, want)
	}
	if len(c.LDAP.Accounts) != 2 || c.LDAP.Accounts[0].Role != "mta" {
		t.Errorf("Accounts = %+v, want postfix (mta) and reader", c.LDAP.Accounts)
	}
	if d := c.Division("tobolsk"); d == nil || d.Charset != "koi8-r" || d.Name != "Тобольск" {
		t.Errorf("Division(tobolsk) = %+v", d)
	}
	if d := c.Division("surgut"); d == nil || d.Charset != DefaultCharset {
		t.Errorf("Division(surgut) = %+v, want the default charset", d)
	}
	if d := c.Division("nowhere"); d != nil {
		t.Errorf("Division(nowhere) = %+v, want nil", d)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.toml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(absent) = %v, want fs.ErrNotExist", err)
	}
}

func TestDefaults(t *testing.T) {
	c := mustParse(t, "/etc/userdir", minimal)
	want := &Config{
		Path:            "/etc/userdir/userdir.toml",
		Store:           "/var/db/userdir/userdir.db",
		NameOrder:       "family-first",
		MaxMessageBytes: 10 << 20,
		TombstoneDays:   90,
		LDAP: LDAP{
			Listen:        []string{"ldap://0.0.0.0:389"},
			Suffix:        "dc=company,dc=ru",
			Organization:  "Company",
			AnonymousRole: "book",
			SizeLimit:     50,
			MinSubstring:  2,
			RateLimit:     600,
			IdleTimeout:   5 * time.Minute,
			MaxConns:      1024, MaxConnsAddr: 128, HarvestBudget: 20000,
		},
		Divisions: []Division{{ID: "a", Name: "A", Code: "S3CRET-A", Charset: "windows-1251", MaxSilence: DefaultMaxSilence}},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Parse(minimal) =\n%+v\nwant\n%+v", c, want)
	}
}

func TestExplicitValues(t *testing.T) {
	doc := `store = "/data/u.db"
name_order = "given-first"
max_message_bytes = 1024
tombstone_days = 1
[ldap]
listen = ["ldap://127.0.0.1:0", "ldap://[::1]:389", "ldap://:1389"]
suffix = "o=Example"
organization = "Example"
allow = ["192.168.1.7", "fd00::/8", "10.1.2.3/8"]
anonymous_role = "reader"
size_limit = 1
min_substring = 1
rate_limit = 0
idle_timeout = "90s"
max_connections = 1
[[ldap.network]]
cidr = "127.0.0.1"
role = "mta"
[[division]]
id = "x-1.y_z"
name = "Ёлкино"
code = "1"
charset = "cp866"
mail_host = "mx.тест.рф"
senders = ["@example.org", "admin@example.org", ".example.org"]
domains = ["example.org", "пример.рф"]
sync_max_delete = "25%"
`
	c := mustParse(t, "/etc", doc)
	l := c.LDAP
	checks := []struct {
		name      string
		got, want any
	}{
		{"Store", c.Store, "/data/u.db"},
		{"NameOrder", c.NameOrder, "given-first"},
		{"MaxMessageBytes", c.MaxMessageBytes, int64(1024)},
		{"TombstoneDays", c.TombstoneDays, 1},
		{"Listen", l.Listen, []string{"ldap://127.0.0.1:0", "ldap://[::1]:389", "ldap://:1389"}},
		{"Suffix", l.Suffix, "o=Example"},
		{"Organization", l.Organization, "Example"},
		{"Allow", l.Allow, []netip.Prefix{
			netip.MustParsePrefix("192.168.1.7/32"), netip.MustParsePrefix("fd00::/8"), netip.MustParsePrefix("10.0.0.0/8")}},
		{"AnonymousRole", l.AnonymousRole, "reader"},
		{"SizeLimit", l.SizeLimit, 1},
		{"MinSubstring", l.MinSubstring, 1},
		{"RateLimit", l.RateLimit, 0},
		{"IdleTimeout", l.IdleTimeout, 90 * time.Second},
		{"MaxConns", l.MaxConns, 1},
		{"Networks", l.Networks, []Network{{CIDR: netip.MustParsePrefix("127.0.0.1/32"), Role: "mta"}}},
		{"Division", c.Divisions[0], Division{ID: "x-1.y_z", Name: "Ёлкино", Code: "1", Charset: "cp866", MaxSilence: DefaultMaxSilence,
			MailHost: "mx.тест.рф", Senders: []string{"@example.org", "admin@example.org", ".example.org"},
			Domains: []string{"example.org", "пример.рф"}, SyncMaxDelete: SyncLimit{Percent: 25, Set: true}}},
	}
	for _, tc := range checks {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestInlineTablesAndDottedKeys(t *testing.T) {
	doc := `ldap = { size_limit = 7, account = [{ dn = "cn=a,o=x", password_hash = "` + testHash + `", role = "book" }] }
division = [{ id = "a", name = "A", code = "1" }, { id = "b", name = "B", code = "2" }]
`
	c := mustParse(t, ".", doc)
	if c.LDAP.SizeLimit != 7 || len(c.LDAP.Accounts) != 1 || len(c.Divisions) != 2 {
		t.Errorf("got size_limit %d, %d accounts, %d divisions; want 7, 1, 2",
			c.LDAP.SizeLimit, len(c.LDAP.Accounts), len(c.Divisions))
	}
	errs := parseErrors(t, `division = [{ id = "a", name = "A", code = 1 }]`)
	if errs[0].Key != "division[1].code" || errs[0].Line != 1 {
		t.Errorf("inline division error = %v, want division[1].code on line 1", errs[0])
	}
}

func TestRelativePaths(t *testing.T) {
	dir := t.TempDir()
	writeKeyPair(t, dir, "cert.pem", "key.pem")
	tests := []struct {
		store, want string
	}{
		{"u.db", filepath.Join(dir, "u.db")},
		{"sub/u.db", filepath.Join(dir, "sub", "u.db")},
		{"../u.db", filepath.Join(filepath.Dir(dir), "u.db")},
		{"/abs/u.db", "/abs/u.db"},
		{":memory:", ":memory:"},
		{"file:u.db?mode=memory", "file:u.db?mode=memory"},
		{"postgres://userdir@db1,db2/userdir", "postgres://userdir@db1,db2/userdir"},
		{"postgresql:///userdir?host=/run/postgresql", "postgresql:///userdir?host=/run/postgresql"},
	}
	for _, tc := range tests {
		doc := "store = \"" + tc.store + "\"\n[ldap]\ntls_cert = \"cert.pem\"\ntls_key = \"key.pem\"\n" + minimal
		c := mustParse(t, dir, doc)
		if c.Store != tc.want {
			t.Errorf("store %q → %q, want %q", tc.store, c.Store, tc.want)
		}
		if want := filepath.Join(dir, "cert.pem"); c.LDAP.TLSCert != want {
			t.Errorf("TLSCert = %q, want %q", c.LDAP.TLSCert, want)
		}
		if want := filepath.Join(dir, "key.pem"); c.LDAP.TLSKey != want {
			t.Errorf("TLSKey = %q, want %q", c.LDAP.TLSKey, want)
		}
	}
}

func TestLoadRelativeToFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "userdir.toml")
	if err := os.WriteFile(path, []byte("store = \"u.db\"\n"+minimal), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if want := filepath.Join(dir, "u.db"); c.Store != want || c.Path != path {
		t.Errorf("Store, Path = %q, %q; want %q, %q", c.Store, c.Path, want, path)
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "userdir.toml", Line: 12, Key: "ldap.size_limit", Msg: "must be at least 1"},
			"userdir.toml:12: ldap.size_limit: must be at least 1"},
		{Error{File: "u.toml", Key: "division", Msg: "m"}, "u.toml: division: m"},
		{Error{Line: 3, Msg: "m"}, "line 3: m"},
		{Error{Msg: "m"}, "m"},
	}
	for _, tc := range tests {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%#v.Error() = %q, want %q", tc.e, got, tc.want)
		}
	}
}

func TestErrorsOfWrapped(t *testing.T) {
	a, b := &Error{Msg: "a"}, &Error{Msg: "b"}
	err := errors.Join(a, errors.Join(b))
	if got := Errors(err); len(got) != 2 || got[0] != a || got[1] != b {
		t.Errorf("Errors(join) = %v, want [a b]", got)
	}
	if got := Errors(nil); got != nil {
		t.Errorf("Errors(nil) = %v, want nil", got)
	}
}

// TestMonitorKeys checks [http], report_to and a division's max_silence and
// admin, and their defaults.
func TestMonitorKeys(t *testing.T) {
	c := mustParse(t, t.TempDir(), "report_to = \"it@company.ru\"\n[http]\nlisten = \"127.0.0.1:8389\"\n"+minimal+
		"max_silence = \"72h\"\nadmin = \"admin@a.company.ru\"\n[[division]]\nid = \"b\"\nname = \"B\"\ncode = \"2\"\n")
	if c.HTTP.Listen != "127.0.0.1:8389" || c.ReportTo != "it@company.ru" {
		t.Errorf("http.listen %q, report_to %q", c.HTTP.Listen, c.ReportTo)
	}
	a, b := c.Divisions[0], c.Divisions[1]
	if a.MaxSilence != 72*time.Hour || a.Admin != "admin@a.company.ru" || b.MaxSilence != DefaultMaxSilence || b.Admin != "" {
		t.Errorf("divisions: %+v %+v", a, b)
	}
	if c := mustParse(t, t.TempDir(), minimal); c.HTTP.Listen != "" {
		t.Errorf("http.listen defaults to %q, want off", c.HTTP.Listen)
	}
}
