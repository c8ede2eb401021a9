package integration

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// OIDs the root DSE must announce (RFC 2696, RFC 2891, VLV draft, RFC
// 4511 StartTLS, RFC 4532 Who am I?).
const (
	oidPaging   = "1.2.840.113556.1.4.319"
	oidSort     = "1.2.840.113556.1.4.473"
	oidVLV      = "2.16.840.1.113730.3.4.9"
	oidStartTLS = "1.3.6.1.4.1.1466.20037"
	oidWhoAmI   = "1.3.6.1.4.1.4203.1.11.3"
)

// LDAP result codes that ldapsearch returns as its exit status.
const (
	ldapSuccess                      = 0
	ldapSizeLimitExceeded            = 4
	ldapUnavailableCriticalExtension = 12
	ldapInvalidCredentials           = 49
	ldapUnwillingToPerform           = 53
)

// ldapsearch runs OpenLDAP's ldapsearch against one server, isolated from
// the machine's ldap.conf and ~/.ldaprc, accepting the test's self-signed
// certificate.
type ldapsearch struct {
	path string
	url  string
	env  []string
}

// newLdapsearch returns an ldapsearch for url with its own empty
// configuration in a temporary directory.
func newLdapsearch(tb testing.TB, path, url string) ldapsearch {
	tb.Helper()
	home := tb.TempDir()
	conf := filepath.Join(home, "ldap.conf")
	must(tb, os.WriteFile(conf, nil, 0o644), "write empty ldap.conf")
	return ldapsearch{path: path, url: url, env: []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LDAPCONF=" + conf, "LDAPRC=ldaprc-none",
		"LDAPTLS_REQCERT=never",
	}}
}

// with returns a copy of c talking to url.
func (c ldapsearch) with(url string) ldapsearch {
	c.url = url
	return c
}

// search runs ldapsearch -x -LLL -o ldif-wrap=no with args after the
// common ones and returns its parsed output and exit status (the LDAP
// result code). Output that is not LDIF fails the test.
func (c ldapsearch) search(tb testing.TB, args ...string) (ldif, result) {
	tb.Helper()
	all := append([]string{"-x", "-LLL", "-o", "ldif-wrap=no", "-o", "nettimeout=10", "-l", "10", "-H", c.url}, args...)
	r := runCmd(tb, nil, c.env, c.path, all...)
	out, err := parseLDIF(r.stdout)
	if err != nil {
		tb.Fatalf("ldapsearch %q printed something that is not LDIF: %v\n%s", args, err, r)
	}
	return out, r
}

// expect runs search, fails the test unless the exit status is code, and
// returns the entries.
func (c ldapsearch) expect(tb testing.TB, code int, args ...string) ldif {
	tb.Helper()
	out, r := c.search(tb, args...)
	if r.code != code {
		tb.Fatalf("ldapsearch %q: exit %d, want %d\n%s", args, r.code, code, r)
	}
	return out
}

// bindArgs returns ldapsearch's simple-bind arguments for dn, or none for
// an anonymous search.
func bindArgs(dn, pw string) []string {
	if dn == "" {
		return nil
	}
	return []string{"-D", dn, "-w", pw}
}

// sortedMails returns the mail values of out, sorted.
func sortedMails(out ldif) []string {
	m := out.values("mail")
	slices.Sort(m)
	return m
}

// TestIntegrationLdapsearch serves a fixture directory and queries it
// with OpenLDAP's ldapsearch as anonymous, reader and mta clients: Cyrillic
// values, roles, paging, sorting, the anti-harvesting rules, StartTLS,
// LDAPS, the root DSE and the subschema.
func TestIntegrationLdapsearch(t *testing.T) {
	tools := requireTools(t, "ldapsearch")
	bin := buildUserdir(t)
	dir := t.TempDir()
	cert, key := selfSignedCert(t, dir)
	cfg := writeConfig(t, dir, configOptions{
		store:   filepath.Join(dir, "userdir.db"),
		listen:  []string{"ldap://127.0.0.1:0", "ldaps://127.0.0.1:0"},
		tlsCert: cert, tlsKey: key,
	})
	loadFixture(t, bin, cfg)
	srv := startServe(t, bin, cfg, 2, nil)
	if !strings.HasPrefix(srv.urls[0], "ldap://") || !strings.HasPrefix(srv.urls[1], "ldaps://") {
		t.Fatalf("listening on %q, want an ldap:// and an ldaps:// URL", srv.urls)
	}
	ls := newLdapsearch(t, tools["ldapsearch"], srv.urls[0])

	t.Run("anonymous Cyrillic substring", func(t *testing.T) { testCyrillic(t, ls) })
	t.Run("roles", func(t *testing.T) { testRoles(t, ls) })
	t.Run("paged as mta", func(t *testing.T) { testPaged(t, ls) })
	t.Run("size limit", func(t *testing.T) { testSizeLimit(t, ls) })
	t.Run("sorted", func(t *testing.T) { testSorted(t, ls) })
	t.Run("anonymous harvesting", func(t *testing.T) { testHarvesting(t, ls) })
	t.Run("StartTLS and LDAPS", func(t *testing.T) { testTLS(t, ls, srv.urls[1]) })
	t.Run("root DSE", func(t *testing.T) { testRootDSE(t, ls) })
	t.Run("subschema", func(t *testing.T) { testSubschema(t, ls) })
	t.Run("update visible within a second", func(t *testing.T) { testLiveUpdate(t, ls, bin, cfg) })
}

// testCyrillic: an anonymous substring search in Cyrillic, lower case,
// finds exactly the visible Ивановы; their base64 values decode to the
// exact UTF-8 names.
func testCyrillic(t *testing.T, ls ldapsearch) {
	out := ls.expect(t, ldapSuccess, "-b", suffix, "(cn=иван*)", "cn", "sn", "givenName", "mail", "telephoneNumber")
	want := map[string][4]string{ // dn → cn, sn, givenName, mail
		"mail=ivanov@company.ru," + tyumenOU:         {"Иванов Иван Иванович", "Иванов", "Иван", visibleAddr},
		"mail=ivanova@tyumen.company.ru," + tyumenOU: {"Иванова Мария Петровна", "Иванова", "Мария", "ivanova@tyumen.company.ru"},
	}
	if len(out.entries) != len(want) {
		t.Fatalf("(cn=иван*) gave %d entries %q, want %d", len(out.entries), out.dns(), len(want))
	}
	for _, e := range out.entries {
		w, ok := want[e.dn]
		got := [4]string{e.first("cn"), e.first("sn"), e.first("givenName"), e.first("mail")}
		if !ok || got != w {
			t.Errorf("entry %q = %q, want %q", e.dn, got, w)
		}
		if e.dn == "mail=ivanov@company.ru,"+tyumenOU {
			if got, want := e.get("telephoneNumber"), []string{"+7 (3452) 88-02-93", "38-32-93"}; !slices.Equal(got, want) {
				t.Errorf("telephoneNumber of %s = %q, want %q", e.dn, got, want)
			}
		}
	}
}

// testRoles: who sees what (docs/roles.md).
func testRoles(t *testing.T, ls ldapsearch) {
	tests := []struct {
		role, dn, pw string
		filter       string
		want         []string // mail values, sorted
	}{
		{"anonymous", "", "", "(cn=иван*)", []string{visibleAddr, "ivanova@tyumen.company.ru"}},
		{"anonymous", "", "", "(mail=" + hiddenAddr + ")", nil},
		{"anonymous", "", "", "(mail=" + inactiveAddr + ")", nil},
		{"anonymous", "", "", "(mail=" + aliasAddr + ")", []string{aliasAddr}}, // a visible alias is in the book
		{"anonymous", "", "", "(telephoneNumber=3452880293)", []string{visibleAddr}},
		{"reader", readerDN, readerPW, "(cn=иван*)", []string{visibleAddr, "ivanova@tyumen.company.ru"}},
		{"reader", readerDN, readerPW, "(mail=" + hiddenAddr + ")", nil},
		{"mta", postfixDN, postfixPW, "(cn=иван*)", []string{visibleAddr, hiddenAddr, "ivanova@tyumen.company.ru"}},
		{"mta", postfixDN, postfixPW, "(mail=" + hiddenAddr + ")", []string{hiddenAddr}},
		{"mta", postfixDN, postfixPW, "(mail=" + aliasAddr + ")", []string{aliasAddr}},
		{"mta", postfixDN, postfixPW, "(mail=" + inactiveAddr + ")", nil},
		{"mta", postfixDN, postfixPW, "(mail=" + missingAddr + ")", nil},
	}
	for _, tt := range tests {
		args := append(bindArgs(tt.dn, tt.pw), "-b", suffix, tt.filter, "mail")
		out := ls.expect(t, ldapSuccess, args...)
		slices.Sort(tt.want)
		if got := sortedMails(out); !slices.Equal(got, tt.want) {
			t.Errorf("%s %s: mail = %q, want %q", tt.role, tt.filter, got, tt.want)
		}
	}
	alias := ls.expect(t, ldapSuccess, append(bindArgs(postfixDN, postfixPW), "-b", suffix, "(mail="+aliasAddr+")", "userdirKind", "mailHost", "cn")...)
	if len(alias.entries) != 1 {
		t.Fatalf("mta (mail=%s): %d entries, want 1", aliasAddr, len(alias.entries))
	}
	e := alias.entries[0]
	if got := [3]string{e.first("userdirKind"), e.first("mailHost"), e.first("cn")}; got != [3]string{"alias", "mx.tyumen.company.ru", "Отдел кадров"} {
		t.Errorf("alias entry userdirKind, mailHost, cn = %q", got)
	}
	if _, r := ls.search(t, "-D", postfixDN, "-w", "wrong", "-b", suffix, "(mail="+visibleAddr+")"); r.code != ldapInvalidCredentials {
		t.Errorf("bind with a wrong password: exit %d, want %d (invalidCredentials)\n%s", r.code, ldapInvalidCredentials, r)
	}
}

// testPaged: the mta pages through every active entry, 10 at a time.
func testPaged(t *testing.T, ls ldapsearch) {
	for _, control := range []string{"pr=10/noprompt", "!pr=10/noprompt"} {
		out := ls.expect(t, ldapSuccess, "-D", postfixDN, "-w", postfixPW, "-E", control, "-b", suffix, "(objectClass=inetOrgPerson)", "mail")
		got := sortedMails(out)
		if len(got) != mtaEntries || len(slices.Compact(slices.Clone(got))) != mtaEntries {
			t.Errorf("-E %s: %d entries (%d distinct), want %d distinct", control, len(got), len(slices.Compact(slices.Clone(got))), mtaEntries)
		}
		pages := 0
		for _, c := range out.comments {
			if strings.HasPrefix(c, "pagedresults:") {
				pages++
			}
		}
		if want := (mtaEntries + 9) / 10; pages != want {
			t.Errorf("-E %s: %d pages, want %d", control, pages, want)
		}
	}
}

// testSizeLimit: an anonymous search stops at size_limit (50) with
// sizeLimitExceeded; the reader and mta roles get all 120.
func testSizeLimit(t *testing.T, ls ldapsearch) {
	const filter = "(mail=*@tobolsk.company.ru)"
	tests := []struct {
		role, dn, pw string
		code, count  int
	}{
		{"anonymous", "", "", ldapSizeLimitExceeded, 50},
		{"reader", readerDN, readerPW, ldapSuccess, staffCount},
		{"mta", postfixDN, postfixPW, ldapSuccess, staffCount},
	}
	for _, tt := range tests {
		out := ls.expect(t, tt.code, append(bindArgs(tt.dn, tt.pw), "-b", suffix, filter, "mail")...)
		if len(out.entries) != tt.count {
			t.Errorf("%s %s: %d entries, want %d", tt.role, filter, len(out.entries), tt.count)
		}
	}
}

// testSorted: server-side sorting on cn, ascending, descending and
// critical, for the mta and anonymously.
func testSorted(t *testing.T, ls ldapsearch) {
	reversed := slices.Clone(surgutByCN)
	slices.Reverse(reversed)
	mta := bindArgs(postfixDN, postfixPW)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"mta one-level sss=cn", slices.Concat(mta, []string{"-E", "sss=cn", "-b", surgutOU, "-s", "one", "(objectClass=inetOrgPerson)", "cn"}), surgutByCN},
		{"mta sss=-cn", slices.Concat(mta, []string{"-E", "sss=-cn", "-b", surgutOU, "-s", "one", "(objectClass=inetOrgPerson)", "cn"}), reversed},
		{"anonymous !sss=cn", []string{"-E", "!sss=cn", "-b", suffix, "(mail=*@surgut.company.ru)", "cn"}, surgutByCN},
	}
	for _, tt := range tests {
		out := ls.expect(t, ldapSuccess, tt.args...)
		if got := out.values("cn"); !slices.Equal(got, tt.want) {
			t.Errorf("%s: cn order %q, want %q", tt.name, got, tt.want)
		}
		if !slices.Contains(out.comments, "sortResult: (0) Success") {
			t.Errorf("%s: no successful sortResult control in %q", tt.name, out.comments)
		}
	}
	// Unsupported controls: refused when critical, ignored when not.
	controls := []struct {
		args []string
		code int
	}{
		{[]string{"-e", "!assert=(objectClass=*)"}, ldapUnavailableCriticalExtension}, // RFC 4528
		{[]string{"-E", "!mv=(mail=*)"}, ldapUnavailableCriticalExtension},            // RFC 3876
		{[]string{"-E", "mv=(mail=*)"}, ldapSuccess},
	}
	for _, c := range controls {
		out, r := ls.search(t, append(c.args, "-b", suffix, "(mail="+visibleAddr+")", "mail")...)
		wantN := 0
		if c.code == ldapSuccess {
			wantN = 1
		}
		if r.code != c.code || len(out.entries) != wantN {
			t.Errorf("control %q: exit %d with %d entries, want exit %d with %d\n%s", c.args, r.code, len(out.entries), c.code, wantN, r)
		}
	}
}

// testHarvesting: anonymous filters that would list the directory get
// success and no entries, and paging cannot walk past size_limit.
func testHarvesting(t *testing.T, ls ldapsearch) {
	tests := []struct {
		base, scope, filter string
		code                int
	}{
		{suffix, "sub", "(objectClass=*)", ldapUnwillingToPerform},
		{suffix, "sub", "(cn=*)", ldapUnwillingToPerform},
		{suffix, "sub", "(mail=*)", ldapUnwillingToPerform},
		{suffix, "sub", "(mail=a*)", ldapSuccess},
		{suffix, "sub", "(|(cn=*)(mail=*))", ldapUnwillingToPerform},
		{suffix, "sub", "(objectClass=inetOrgPerson)", ldapUnwillingToPerform},
		{suffix, "sub", "(&(mail>=a)(mail<=z))", ldapUnwillingToPerform},
		{suffix, "sub", "(|(cn=*и*)(mail=*и*)(givenName=*и*)(sn=*и*))", ldapSuccess}, // the first letter typed
		{suffix, "one", "(objectClass=*)", ldapUnwillingToPerform},
		{"ou=Тобольск," + suffix, "one", "(objectClass=*)", ldapUnwillingToPerform},
		{"ou=Тобольск," + suffix, "sub", "(sn=*)", ldapUnwillingToPerform},
	}
	for _, tt := range tests {
		for _, paged := range []bool{false, true} {
			args := []string{"-b", tt.base, "-s", tt.scope, tt.filter, "mail"}
			if paged {
				args = append([]string{"-E", "pr=10/noprompt"}, args...)
			}
			out, r := ls.search(t, args...)
			if r.code != tt.code || len(out.entries) != 0 {
				t.Errorf("anonymous %q (paged %v): %d entries %q, exit %d; want none, exit %d", args, paged, len(out.entries), out.dns(), r.code, tt.code)
			}
			// The diagnostic reaches the user: ldapsearch prints it.
			if tt.code == ldapUnwillingToPerform && !strings.Contains(r.stderr, "Additional information: search too broad") {
				t.Errorf("anonymous %q: ldapsearch does not show the diagnostic:\n%s", args, r)
			}
		}
	}
	out, r := ls.search(t, "-E", "pr=10/noprompt", "-b", suffix, "(mail=*@tobolsk.company.ru)", "mail")
	got := sortedMails(out)
	n := len(slices.Compact(slices.Clone(got)))
	t.Logf("anonymous paged walk over %d matching entries: %d returned, exit %d", staffCount, n, r.code)
	if n > 50 || r.code != ldapSizeLimitExceeded {
		t.Errorf("anonymous paged walk: %d distinct entries, exit %d; want at most 50 and exit %d (sizeLimitExceeded)", n, r.code, ldapSizeLimitExceeded)
	}
}

// testTLS: StartTLS (-ZZ: TLS required) on the ldap:// listener and a
// search over the ldaps:// one, anonymous and bound.
func testTLS(t *testing.T, ls ldapsearch, ldapsURL string) {
	tests := []struct {
		name   string
		client ldapsearch
		args   []string
		want   string
	}{
		{"StartTLS anonymous", ls, []string{"-ZZ", "-b", suffix, "(mail=" + visibleAddr + ")", "mail"}, visibleAddr},
		{"StartTLS mta", ls, []string{"-ZZ", "-D", postfixDN, "-w", postfixPW, "-b", suffix, "(mail=" + hiddenAddr + ")", "mail"}, hiddenAddr},
		{"LDAPS anonymous", ls.with(ldapsURL), []string{"-b", suffix, "(mail=" + visibleAddr + ")", "mail"}, visibleAddr},
		{"LDAPS mta", ls.with(ldapsURL), []string{"-D", postfixDN, "-w", postfixPW, "-b", suffix, "(mail=" + aliasAddr + ")", "mail"}, aliasAddr},
	}
	for _, tt := range tests {
		out := tt.client.expect(t, ldapSuccess, tt.args...)
		if got := out.values("mail"); !slices.Equal(got, []string{tt.want}) {
			t.Errorf("%s: mail = %q, want [%q]", tt.name, got, tt.want)
		}
	}
}

// testRootDSE: the root DSE read with "+" (RFC 3673: all operational
// attributes; its attributes are operational, RFC 4512 §5.1) and with
// the default attribute list.
func testRootDSE(t *testing.T, ls ldapsearch) {
	for _, attrs := range [][]string{{"+"}, nil} {
		out := ls.expect(t, ldapSuccess, append([]string{"-s", "base", "-b", ""}, attrs...)...)
		if len(out.entries) != 1 || out.entries[0].dn != "" {
			t.Fatalf("root DSE %q: entries %q, want the one with an empty DN", attrs, out.dns())
		}
		e := out.entries[0]
		checks := []struct {
			attr string
			want []string
		}{
			{"namingContexts", []string{suffix}},
			{"supportedLDAPVersion", []string{"3"}},
			{"supportedControl", []string{oidPaging, oidSort, oidVLV}},
			{"supportedExtension", []string{oidStartTLS, oidWhoAmI}},
			{"subschemaSubentry", []string{"cn=Subschema"}},
			{"vendorName", []string{"userdir"}},
		}
		for _, c := range checks {
			for _, w := range c.want {
				if !slices.Contains(e.get(c.attr), w) {
					t.Errorf("root DSE %q: %s = %q, want it to hold %q", attrs, c.attr, e.get(c.attr), w)
				}
			}
		}
	}
}

// testSubschema: cn=Subschema publishes inetOrgPerson and the auxiliary
// userdirEntry class, its OID under 2.25 and its attribute types.
func testSubschema(t *testing.T, ls ldapsearch) {
	out := ls.expect(t, ldapSuccess, "-b", "cn=Subschema", "-s", "base", "(objectClass=*)", "objectClasses", "attributeTypes")
	if len(out.entries) != 1 {
		t.Fatalf("cn=Subschema: %d entries, want 1", len(out.entries))
	}
	e := out.entries[0]
	find := func(attr, name string) string {
		for _, v := range e.get(attr) {
			if strings.Contains(v, "NAME '"+name+"'") {
				return v
			}
		}
		t.Errorf("%s has no NAME '%s' among %d values", attr, name, len(e.get(attr)))
		return ""
	}
	if v := find("objectClasses", "inetOrgPerson"); v != "" && !strings.Contains(v, "( 2.16.840.1.113730.3.2.2 ") {
		t.Errorf("inetOrgPerson = %q, want OID 2.16.840.1.113730.3.2.2", v)
	}
	if v := find("objectClasses", "userdirEntry"); v != "" {
		for _, want := range []string{"( 2.25.", "AUXILIARY", "ipPhone", "mailHost", "userdirKind"} {
			if !strings.Contains(v, want) {
				t.Errorf("userdirEntry = %q, want it to hold %q", v, want)
			}
		}
	}
	for _, name := range []string{"ipPhone", "mailHost", "userdirKind", "entryUUID"} {
		find("attributeTypes", name)
	}
}

// testLiveUpdate: a message ingested while the server runs is found over
// LDAP within a second (docs/directory.md#freshness).
func testLiveUpdate(t *testing.T, ls ldapsearch, bin, cfg string) {
	msg := commandMessage{code: codeTyumen, from: "admin@tyumen.company.ru", to: "dir@relay.company.ru",
		date: time.Now().Add(-time.Minute), messageID: "live-update@tyumen.company.ru",
		lines: []string{"_cmd=insert:type=mbox:name=Новиков Никита:eml=novikov@company.ru:vis=1"}}
	ingest(t, bin, cfg, "admin@tyumen.company.ru", msg.bytes(t))
	applied := time.Now()
	waitFor(t, 3*time.Second, "novikov@company.ru over LDAP", func() (bool, string) {
		out, r := ls.search(t, "-b", suffix, "(cn=новиков*)", "mail")
		return r.code == ldapSuccess && slices.Equal(out.values("mail"), []string{"novikov@company.ru"}), r.String()
	})
	took := time.Since(applied)
	t.Logf("an ingested update was found over LDAP %v after ingest exited", took.Round(time.Millisecond))
	if took > time.Second+200*time.Millisecond {
		t.Errorf("the update took %v to be visible, want about a second at most", took)
	}
}
