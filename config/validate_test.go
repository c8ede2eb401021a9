package config

import (
	"path/filepath"
	"strings"
	"testing"
)

// ldapDoc is minimal with an [ldap] table holding body.
func ldapDoc(body string) string { return minimal + "[ldap]\n" + body }

// account is an [[ldap.account]] with a valid hash.
func account(dn, role string) string {
	return "[[ldap.account]]\ndn = \"" + dn + "\"\npassword_hash = \"" + testHash + "\"\nrole = \"" + role + "\"\n"
}

// division is a [[division]] table holding body.
func division(body string) string { return minimal + "[[division]]\n" + body }

func TestValidationErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		key  string // want exactly one error, with this key,
		at   string // on the line holding this text ("": line 0),
		msg  string // whose message holds this
	}{
		// Top level.
		{"store empty", `store = ""` + "\n" + minimal, "store", "store", "must not be empty"},
		{"store bad URL", `store = "postgres://u:secret@db1:x/userdir"` + "\n" + minimal, "store", "store", "not a valid PostgreSQL URL"},
		{"password file for SQLite", `store_password_file = "pw"` + "\n" + minimal, "store_password_file", "store_password_file", "only for a PostgreSQL store"},
		{"name_order", `name_order = "last-first"` + "\n" + minimal, "name_order", "name_order", `"family-first" or "given-first"`},
		{"max_message_bytes", "max_message_bytes = 1023\n" + minimal, "max_message_bytes", "max_message", "at least 1024"},
		{"tombstone_days 0", "tombstone_days = 0\n" + minimal, "tombstone_days", "tombstone", "at least 1"},
		{"tombstone_days huge", "tombstone_days = 36501\n" + minimal, "tombstone_days", "tombstone", "at most 36500"},

		// Listeners and TLS.
		{"listen empty", ldapDoc("listen = []\n"), "ldap.listen", "listen", "at least one URL"},
		{"listen scheme", ldapDoc(`listen = ["http://x:1"]`), "ldap.listen[1]", "listen", "ldap:// or ldaps://"},
		{"listen no port", ldapDoc(`listen = ["ldap://x"]`), "ldap.listen[1]", "listen", "host:port"},
		{"listen big port", ldapDoc(`listen = ["ldap://x:65536"]`), "ldap.listen[1]", "listen", "port must be"},
		{"listen path", ldapDoc(`listen = ["ldap://x:389/dc=x"]`), "ldap.listen[1]", "listen", "just scheme://host:port"},
		{"listen bad host", ldapDoc(`listen = ["ldap://-x-:389"]`), "ldap.listen[1]", "listen", "host name"},
		{"listen second of two", ldapDoc("listen = [\n  \"ldap://:389\",\n  \"ldap:/x\",\n]"), "ldap.listen[2]", `"ldap:/x"`, "host:port"},
		{"listen not url", ldapDoc(`listen = ["ldap://a b:389"]`), "ldap.listen[1]", "listen", "not a URL"},
		{"http listen no port", minimal + "[http]\nlisten = \"127.0.0.1\"\n", "http.listen", "listen", "host:port"},
		{"http listen big port", minimal + "[http]\nlisten = \":70000\"\n", "http.listen", "listen", "host:port"},
		{"http listen number", minimal + "[http]\nlisten = 8389\n", "http.listen", "listen", "must be a string"},
		{"ldaps without cert", ldapDoc(`listen = ["ldaps://:636"]`), "ldap.tls_cert", "[ldap]", "must be set for an ldaps://"},
		{"cert without key", ldapDoc(`tls_cert = "c.pem"`), "ldap.tls_key", "[ldap]", "must be set with tls_cert"},
		{"key without cert", ldapDoc(`tls_key = "k.pem"`), "ldap.tls_cert", "[ldap]", "must be set with tls_key"},
		{"cert missing", ldapDoc("tls_cert = \"/nonexistent/c.pem\"\ntls_key = \"/nonexistent/k.pem\""), "ldap.tls_cert", "tls_cert", "cannot load"},

		// Directory.
		{"suffix empty", ldapDoc(`suffix = ""`), "ldap.suffix", "suffix", "must not be empty"},
		{"suffix bad", ldapDoc(`suffix = "dc=x,=y"`), "ldap.suffix", "suffix", "not a DN"},
		{"organization empty", ldapDoc(`organization = ""`), "ldap.organization", "organization", "must not be empty"},
		{"allow bad prefix", ldapDoc(`allow = ["10.0.0.0/8", "10.0.0.0/33"]`), "ldap.allow[2]", "allow", "not an address or a prefix"},
		{"allow zone", ldapDoc(`allow = ["fe80::1%eth0"]`), "ldap.allow[1]", "allow", "not an address or a prefix"},
		{"anonymous all", ldapDoc(`anonymous_role = "all"`), "ldap.anonymous_role", "anonymous_role", "unknown role"},
		{"anonymous mta open", ldapDoc(`anonymous_role = "mta"`), "ldap.anonymous_role", "anonymous_role", "mta would let any client list every address"},
		{"anonymous mta public", ldapDoc("anonymous_role = \"mta\"\nallow = [\"10.0.0.0/8\", \"8.8.8.8\"]"), "ldap.anonymous_role", "anonymous_role", "list every address"},
		{"anonymous mta wide", ldapDoc("anonymous_role = \"mta\"\nallow = [\"10.0.0.0/7\"]"), "ldap.anonymous_role", "anonymous_role", "list every address"},
		{"anonymous mta ula wide", ldapDoc("anonymous_role = \"mta\"\nallow = [\"fc00::/6\"]"), "ldap.anonymous_role", "anonymous_role", "list every address"},

		// Limits.
		{"size_limit", ldapDoc("size_limit = 0"), "ldap.size_limit", "size_limit", "at least 1"},
		{"min_substring", ldapDoc("min_substring = 0"), "ldap.min_substring", "min_substring", "at least 1"},
		{"rate_limit", ldapDoc("rate_limit = -1"), "ldap.rate_limit", "rate_limit", "at least 0"},
		{"max_connections", ldapDoc("max_connections = 0"), "ldap.max_connections", "max_connections", "at least 1"},
		{"max_connections_per_address", ldapDoc("max_connections_per_address = 0"), "ldap.max_connections_per_address", "max_connections_per_address", "at least 1"},
		{"harvest_budget", ldapDoc("harvest_budget = 0"), "ldap.harvest_budget", "harvest_budget", "at least 1"},
		{"idle_timeout words", ldapDoc(`idle_timeout = "5 minutes"`), "ldap.idle_timeout", "idle_timeout", "not a duration"},
		{"idle_timeout zero", ldapDoc(`idle_timeout = "0s"`), "ldap.idle_timeout", "idle_timeout", "more than 0"},

		// Accounts and networks.
		{"account dn empty", ldapDoc(account("", "mta")), "ldap.account[1].dn", `dn = ""`, "must not be empty"},
		{"account dn bad", ldapDoc(account("postfix", "mta")), "ldap.account[1].dn", "dn =", "not a DN"},
		{"account dn twice", ldapDoc(account("cn=a,o=x", "mta") + account("CN=A, O=X", "book")),
			"ldap.account[2].dn", `"CN=A, O=X"`, "same dn as ldap.account[1]"},
		{"account hash empty", ldapDoc("[[ldap.account]]\ndn = \"cn=a\"\nrole = \"mta\""), "ldap.account[1].password_hash", "[[ldap.account]]", "userdir passwd"},
		{"account hash plain", ldapDoc("[[ldap.account]]\ndn = \"cn=a\"\npassword_hash = \"secret\"\nrole = \"mta\""), "ldap.account[1].password_hash", "password_hash", "not a bcrypt hash"},
		{"account role", ldapDoc(account("cn=a", "admin")), "ldap.account[1].role", "role", "unknown role"},
		{"account role missing", ldapDoc("[[ldap.account]]\ndn = \"cn=a\"\npassword_hash = \"" + testHash + "\""), "ldap.account[1].role", "[[ldap.account]]", "book, reader or mta"},
		{"second account", ldapDoc(account("cn=a", "mta") + account("cn=b", "root")), "ldap.account[2].role", `"root"`, "unknown role"},
		{"network cidr", ldapDoc("[[ldap.network]]\ncidr = \"x\"\nrole = \"mta\""), "ldap.network[1].cidr", "cidr", "not an address or a prefix"},
		{"network role", ldapDoc("[[ldap.network]]\ncidr = \"::1\""), "ldap.network[1].role", "[[ldap.network]]", "book, reader or mta"},
		{"network budget not book", ldapDoc("[[ldap.network]]\ncidr = \"10.0.0.1\"\nrole = \"mta\"\nharvest_budget = 5"),
			"ldap.network[1].harvest_budget", "harvest_budget", "only to role book"},
		{"network budget negative", ldapDoc("[[ldap.network]]\ncidr = \"10.0.0.1\"\nrole = \"book\"\nharvest_budget = -5"),
			"ldap.network[1].harvest_budget", "harvest_budget", "at least 1"},
		{"network twice", ldapDoc("[[ldap.network]]\ncidr = \"10.0.0.0/8\"\nrole = \"mta\"\n[[ldap.network]]\ncidr = \"10.1.1.1/8\"\nrole = \"book\""),
			"ldap.network[2].cidr", "10.1.1.1", "same cidr as ldap.network[1]"},

		// Divisions.
		{"no division", `store = "x.db"`, "division", "", "at least one [[division]]"},
		{"id empty", division("name = \"B\"\ncode = \"2\""), "division[2].id", "[[division]]\nname", "must not be empty"},
		{"id upper", division("id = \"B\"\nname = \"B\"\ncode = \"2\""), "division[2].id", `id = "B"`, "must match"},
		{"id twice", division("id = \"a\"\nname = \"B\"\ncode = \"2\""), "division[2].id", "id = \"a\"\nname = \"B\"", "same id as division[1]"},
		{"name empty", division("id = \"b\"\ncode = \"2\""), "division[2].name", "[[division]]\nid = \"b\"", "must not be empty"},
		{"name spaces", division("id = \"b\"\nname = \" B\"\ncode = \"2\""), "division[2].name", `" B"`, "white space"},
		{"name twice", division("id = \"b\"\nname = \"a\"\ncode = \"2\""), "division[2].name", `name = "a"`, "same name as division[1]"},
		{"name yo", `[[division]]` + "\nid = \"a\"\nname = \"Ёлка\"\ncode = \"1\"\n[[division]]\nid = \"b\"\nname = \"елка\"\ncode = \"2\"",
			"division[2].name", `"елка"`, "same name as division[1]"},
		{"code empty", division("id = \"b\"\nname = \"B\"\ncode = \"\""), "division[2].code", `code = ""`, "must not be empty"},
		{"code missing", division("id = \"b\"\nname = \"B\""), "division[2].code", "[[division]]\nid = \"b\"", "must not be empty"},
		{"code spaces", division("id = \"b\"\nname = \"B\"\ncode = \"S3CRET-B \""), "division[2].code", "S3CRET-B", "white space"},
		{"code control", division("id = \"b\"\nname = \"B\"\ncode = \"S3CRET\\tB\""), "division[2].code", "S3CRET\\tB", "control"},
		{"code twice", division("id = \"b\"\nname = \"B\"\ncode = \"S3CRET-A\""), "division[2].code", "code = \"S3CRET-A\"", "same code as division[1]"},
		{"charset", division("id = \"b\"\nname = \"B\"\ncode = \"2\"\ncharset = \"klingon\""), "division[2].charset", "charset", `unknown charset "klingon"`},
		{"mail_host", division("id = \"b\"\nname = \"B\"\ncode = \"2\"\nmail_host = \"mx_1.x\""), "division[2].mail_host", "mail_host", "not a host name"},
		{"sender display name", division("id = \"b\"\nname = \"B\"\ncode = \"2\"\nsenders = [\"@x.org\", \"Bob <b@x.org>\"]"), "division[2].senders[2]", "senders", "neither an address nor @domain nor .domain"},
		{"sender bare at", division("id = \"b\"\nname = \"B\"\ncode = \"2\"\nsenders = [\"@\"]"), "division[2].senders[1]", "senders", "neither an address nor @domain nor .domain"},

		{"domain with at", division("id = \"b\"\nname = \"B\"\ncode = \"2\"\ndomains = [\"@x.org\"]"), "division[2].domains[1]", "domains", "not a domain name"},
		{"sync_max_delete words", division("id = \"b\"\nname = \"B\"\ncode = \"2\"\nsync_max_delete = \"ten\""), "division[2].sync_max_delete", "sync_max_delete", "neither a count"},
		{"sync_max_delete percent", division("id = \"b\"\nname = \"B\"\ncode = \"2\"\nsync_max_delete = \"150%\""), "division[2].sync_max_delete", "sync_max_delete", "1% to 100%"},
		{"sync_max_delete integer", division("id = \"b\"\nname = \"B\"\ncode = \"2\"\nsync_max_delete = 10"), "division[2].sync_max_delete", "sync_max_delete", "must be a string"},
		{"max_silence", division("id = \"b\"\nname = \"B\"\ncode = \"2\"\nmax_silence = \"2 days\""), "division[2].max_silence", "max_silence", "not a duration"},
		{"max_silence 0", division("id = \"b\"\nname = \"B\"\ncode = \"2\"\nmax_silence = \"0s\""), "division[2].max_silence", "max_silence", "more than 0"},
		{"admin", division("id = \"b\"\nname = \"B\"\ncode = \"2\"\nadmin = \"Bob <b@x.org>\""), "division[2].admin", "admin", "not an address"},
		{"report_to", "report_to = \"nobody\"\n" + minimal, "report_to", "report_to", "not an address"},
		{"http listen", "[http]\nlisten = \"8389\"\n" + minimal, "http.listen", "listen", "host:port"},
		{"http listen port", "[http]\nlisten = \"127.0.0.1:99999\"\n" + minimal, "http.listen", "listen", "host:port"},

		// Unknown keys and wrong kinds.
		{"typo in ldap", ldapDoc("sise_limit = 3"), "ldap.sise_limit", "sise_limit", "unknown key (did you mean size_limit?)"},
		{"typo at top", "stor = \"x\"\n" + minimal, "stor", "stor", "unknown key (did you mean store?)"},
		{"typo in division", minimal + "naem = \"x\"", "division[1].naem", "naem", "unknown key (did you mean name?)"},
		{"typo far off", minimal + "colour = \"x\"", "division[1].colour", "colour", "unknown key"},
		{"unknown table", minimal + "[metrics]\nlisten = \":9100\"\n[metrics.http]\nx = 1", "metrics", "[metrics]", "unknown key"},
		{"string for integer", ldapDoc(`size_limit = "50"`), "ldap.size_limit", "size_limit", "must be an integer"},
		{"float for integer", ldapDoc(`size_limit = 5.0`), "ldap.size_limit", "size_limit", "must be an integer"},
		{"string for array", ldapDoc(`listen = "ldap://x:1"`), "ldap.listen", "listen", "must be an array of strings"},
		{"integer in array", ldapDoc(`listen = ["ldap://x:1", 2]`), "ldap.listen[2]", "listen", "must be a string"},
		{"integer for string", division("id = 2\nname = \"B\"\ncode = \"2\""), "division[2].id", "id = 2", "must be a string"},
		{"table for division", "[division]\nid = \"a\"\nname = \"A\"\ncode = \"1\"", "division", "[division]", "must be an array of tables: write [[division]]"},
		{"ldap not a table", "ldap = 5\n" + minimal, "ldap", "ldap", "must be a table"},
		{"ldap array of tables", minimal + "[[ldap]]\nsize_limit = 1", "ldap", "[[ldap]]", "must be a table"},
		{"key twice", ldapDoc("size_limit = 1\nsize_limit = 2"), "ldap.size_limit", "size_limit = 2", "defined twice (first on line 6)"},
		{"table twice", ldapDoc("size_limit = 1\n[ldap]\nmin_substring = 2"), "ldap", "[ldap]\nmin", "defined twice (first on line 5)"},
		{"syntax", ldapDoc("size_limit = \n"), "", "size_limit", "invalid TOML"},
		{"syntax unquoted", ldapDoc("suffix = dc=x\n"), "", "suffix", "invalid TOML"},
		{"integer overflow", ldapDoc("size_limit = 99999999999999999999"), "ldap.size_limit", "size_limit", "too large"},
		{"table after array of tables", minimal + "[division]\nid = \"b\"", "division", "[division]", "already exists"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			errs := parseErrors(t, tc.doc)
			e := errs[0]
			wantLine := 0
			if tc.at != "" {
				wantLine = lineOf(tc.doc, tc.at)
			}
			if len(errs) != 1 || e.Key != tc.key || e.Line != wantLine || !strings.Contains(e.Msg, tc.msg) || e.File != "userdir.toml" {
				t.Errorf("Parse(%q) errors = %q\nwant one: userdir.toml:%d: %s: …%s…", tc.doc, errs, wantLine, tc.key, tc.msg)
			}
		})
	}
}

func TestAllErrorsAtOnce(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string // every error, in order
	}{
		{"semantic", `store = ""
tombstone_days = 0
[ldap]
size_limit = 0
anonymous_role = "x"
[[division]]
id = "A"
name = "A"
code = "1"
[[division]]
id = "b"
name = "a"
code = "1"
`, []string{
			"f.toml:1: store: must not be empty",
			"f.toml:2: tombstone_days: must be at least 1",
			"f.toml:4: ldap.size_limit: must be at least 1",
			`f.toml:5: ldap.anonymous_role: unknown role "x" (want book, reader or mta)`,
			`f.toml:7: division[1].id: "A" must match [a-z0-9][a-z0-9_.-]*`,
			"f.toml:12: division[2].name: same name as division[1]",
			"f.toml:13: division[2].code: same code as division[1]",
		}},
		{"structural", `store = 1
stroe = "x"
[ldap]
listen = "x"
[[division]]
code = 1
`, []string{
			"f.toml:1: store: must be a string",
			"f.toml:2: stroe: unknown key (did you mean store?)",
			"f.toml:4: ldap.listen: must be an array of strings",
			"f.toml:6: division[1].code: must be a string",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("f.toml", []byte(tc.doc))
			var got []string
			for _, e := range Errors(err) {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if err == nil || err.Error() != strings.Join(tc.want, "\n") {
				t.Errorf("err.Error() = %q, want the errors one a line", err)
			}
		})
	}
}

// secretDocs are bad files whose every error concerns a division code or a
// password hash; the values all contain "S3CRET".
var secretDocs = map[string]string{
	"code twice":         division("id = \"b\"\nname = \"B\"\ncode = \"S3CRET-A\""),
	"code spaces":        division("id = \"b\"\nname = \"B\"\ncode = \" S3CRET \""),
	"code control":       division("id = \"b\"\nname = \"B\"\ncode = \"S3CRET\x01\""),
	"code bad escape":    "[[division]]\nid = \"a\"\nname = \"A\"\ncode = \"S3CRET\\q\"\n",
	"code bad escape 2":  "[[division]]\nid = \"a\"\nname = \"A\"\ncode = \"S3\\qCRET\"\n",
	"code newline":       "[[division]]\nid = \"a\"\nname = \"A\"\ncode = \"S3CRET\n\"\n",
	"code unterminated":  "[[division]]\nid = \"a\"\nname = \"A\"\ncode = \"S3CRET\n",
	"code unquoted":      "[[division]]\nid = \"a\"\nname = \"A\"\ncode = S3CRET\n",
	"code bare 2":        "[[division]]\nid = \"a\"\nname = \"A\"\ncode = 0S3CRET\n",
	"code array":         "[[division]]\nid = \"a\"\nname = \"A\"\ncode = [\"S3CRET\"]\n",
	"code twice in file": "[[division]]\nid = \"a\"\nname = \"A\"\ncode = \"S3CRET1\"\ncode = \"S3CRET2\"\n",
	"code bad utf8":      "[[division]]\nid = \"a\"\nname = \"A\"\ncode = \"S3CRET\xff\"\n",
	"hash plain":         ldapDoc("[[ldap.account]]\ndn = \"cn=a\"\npassword_hash = \"S3CRET\"\nrole = \"mta\""),
	"hash almost":        ldapDoc("[[ldap.account]]\ndn = \"cn=a\"\npassword_hash = \"$2a$10$S3CRET\"\nrole = \"mta\""),
	"hash bad version":   ldapDoc("[[ldap.account]]\ndn = \"cn=a\"\npassword_hash = \"$9a$10$S3CRETS3CRETS3CRETS3CRETS3CRETS3CRETS3CRETS3CRETS3CRETS\"\nrole = \"mta\""),
	"hash integer":       ldapDoc("[[ldap.account]]\ndn = \"cn=a\"\npassword_hash = 0x53\nrole = \"mta\""),
	"hash bad escape":    ldapDoc("[[ldap.account]]\ndn = \"cn=a\"\npassword_hash = \"$2a$\\S3CRET\"\nrole = \"mta\""),
}

func TestNoSecretsInErrors(t *testing.T) {
	for name, doc := range secretDocs {
		_, err := Parse("userdir.toml", []byte(doc))
		if err == nil {
			t.Errorf("%s: Parse succeeded, want an error", name)
			continue
		}
		for _, leak := range []string{"S3CRET", "S3", "CRET", "'S'", "'q'", "'0'", "0x53"} {
			if strings.Contains(err.Error(), leak) {
				t.Errorf("%s: error %q shows %q", name, err, leak)
			}
		}
	}
}

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	writeKeyPair(t, dir, "a.pem", "a.key")
	writeKeyPair(t, dir, "b.pem", "b.key")
	tests := []struct {
		name, cert, key string
		ok              bool
	}{
		{"pair", "a.pem", "a.key", true},
		{"absolute", filepath.Join(dir, "b.pem"), filepath.Join(dir, "b.key"), true},
		{"mismatched", "a.pem", "b.key", false},
		{"key as cert", "a.key", "a.key", false},
		{"missing", "c.pem", "c.key", false},
	}
	for _, tc := range tests {
		doc := ldapDoc("listen = [\"ldaps://127.0.0.1:636\", \"ldap://127.0.0.1:389\"]\ntls_cert = \"" + tc.cert + "\"\ntls_key = \"" + tc.key + "\"\n")
		_, err := Parse(filepath.Join(dir, "userdir.toml"), []byte(doc))
		if tc.ok && err != nil {
			t.Errorf("%s: Parse: %v", tc.name, err)
		}
		errs := Errors(err)
		if !tc.ok && (len(errs) != 1 || errs[0].Key != "ldap.tls_cert" || !strings.Contains(errs[0].Msg, "cannot load")) {
			t.Errorf("%s: errors %v, want one: ldap.tls_cert: cannot load", tc.name, errs)
		}
	}
}

func TestAnonymousMTAOnTrustedNetworks(t *testing.T) {
	for _, allow := range []string{
		`["127.0.0.1"]`, `["127.0.0.0/8", "::1"]`, `["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]`,
		`["172.31.255.0/24"]`, `["fd12:3456::/48"]`,
	} {
		doc := ldapDoc("anonymous_role = \"mta\"\nallow = " + allow + "\n")
		if _, err := Parse("u.toml", []byte(doc)); err != nil {
			t.Errorf("anonymous mta with allow = %s: %v", allow, err)
		}
	}
	for _, allow := range []string{`[]`, `["172.32.0.0/16"]`, `["0.0.0.0/0"]`, `["::/0"]`, `["192.168.0.0/15"]`} {
		doc := ldapDoc("anonymous_role = \"mta\"\nallow = " + allow + "\n")
		if _, err := Parse("u.toml", []byte(doc)); err == nil {
			t.Errorf("anonymous mta with allow = %s: accepted, want an error", allow)
		}
	}
}

func TestCharsets(t *testing.T) {
	for _, cs := range []string{"utf-8", "UTF-8", "windows-1251", "cp1251", "koi8-r", "iso-8859-5", "ibm866", "cp866"} {
		doc := "[[division]]\nid = \"a\"\nname = \"A\"\ncode = \"1\"\ncharset = \"" + cs + "\"\n"
		if _, err := Parse("u.toml", []byte(doc)); err != nil {
			t.Errorf("charset %q: %v", cs, err)
		}
	}
}

func TestHTTPListen(t *testing.T) {
	for doc, want := range map[string]string{
		minimal: "",
		minimal + "[http]\nlisten = \"127.0.0.1:8389\"\n": "127.0.0.1:8389",
		minimal + "[http]\nlisten = \"[::1]:0\"\n":        "[::1]:0",
	} {
		c, err := Parse("u.toml", []byte(doc))
		if err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		if c.HTTP.Listen != want {
			t.Errorf("http.listen = %q, want %q", c.HTTP.Listen, want)
		}
	}
}
