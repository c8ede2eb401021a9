package ldapserver_test

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
	"golang.org/x/crypto/bcrypt"

	"userdir/directory"
	"userdir/internal/fixture"
	"userdir/ldapserver"
	"userdir/ldapserver/wire"
	"userdir/schema"
	"userdir/store"
)

const suffix = "dc=company,dc=ru"

// testServer is a running server on 127.0.0.1:0.
type testServer struct {
	addr  string
	addr6 string // [::1]:port when serverOptions.ipv6
	dir   *directory.Directory
	src   *fixture.Source
	srv   *ldapserver.Server
}

type serverOptions struct {
	records []store.Record
	allow   []netip.Prefix
	tls     *tls.Config
	wrap    func(ldapserver.Backend) ldapserver.Backend
	mtaNet  bool // give 127.0.0.1 the mta role
	observe ldapserver.Observer
	dir     func(*directory.Options)
	srv     func(*ldapserver.Options)
	ipv6    bool // listen on [::1]:0 too (addr6)
}

func startServer(t testing.TB, so serverOptions) *testServer {
	t.Helper()
	if so.records == nil {
		so.records = fixture.Book()
	}
	hash, err := bcrypt.GenerateFromPassword([]byte("postfixpass"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	src := fixture.NewSource(so.records...)
	o := directory.Options{
		Logger:  slog.New(slog.DiscardHandler),
		Source:  src,
		Mapper:  fixture.Mapper(),
		Encoder: wire.EntryEncoder{},
		Accounts: []directory.Account{
			{DN: "cn=postfix," + suffix, PasswordHash: string(hash), Role: schema.RoleMTA},
			{DN: "cn=reader," + suffix, PasswordHash: string(hash), Role: schema.RoleReader},
		},
		Allow:    so.allow,
		StartTLS: so.tls != nil,
	}
	if so.mtaNet {
		o.Networks = []directory.Network{{Prefix: netip.MustParsePrefix("127.0.0.1/32"), Role: schema.RoleMTA}}
	}
	if so.dir != nil {
		so.dir(&o)
	}
	dir, err := directory.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	var backend ldapserver.Backend = dir
	if so.wrap != nil {
		backend = so.wrap(dir)
	}
	lo := ldapserver.Options{Backend: backend, TLS: so.tls, Logger: slog.New(slog.DiscardHandler), Observer: so.observe}
	if so.srv != nil {
		so.srv(&lo)
	}
	srv, err := ldapserver.New(lo)
	if err != nil {
		t.Fatal(err)
	}
	addr6 := ""
	if so.ipv6 {
		l6, err := srv.Listen("ldap://[::1]:0")
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(l6)
		addr6 = l6.Addr().String()
	}
	l, err := srv.Listen("ldap://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return &testServer{addr: l.Addr().String(), addr6: addr6, dir: dir, src: src, srv: srv}
}

func (ts *testServer) dial(t testing.TB) *ldap.Conn {
	t.Helper()
	c, err := ldap.DialURL("ldap://"+ts.addr, ldap.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	c.SetTimeout(10 * time.Second)
	t.Cleanup(func() { c.Close() })
	return c
}

func (ts *testServer) bindMTA(t testing.TB) *ldap.Conn {
	t.Helper()
	c := ts.dial(t)
	if err := c.Bind("cn=postfix,"+suffix, "postfixpass"); err != nil {
		t.Fatal(err)
	}
	return c
}

func mails(sr *ldap.SearchResult) []string {
	var out []string
	for _, e := range sr.Entries {
		if v := e.GetAttributeValue("mail"); v != "" {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

func searchReq(base string, scope int, filter string, attrs ...string) *ldap.SearchRequest {
	return ldap.NewSearchRequest(base, scope, ldap.NeverDerefAliases, 0, 0, false, filter, attrs, nil)
}

func TestFilterTypes(t *testing.T) {
	ts := startServer(t, serverOptions{})
	c := ts.bindMTA(t)
	tests := []struct {
		filter string
		want   []string
	}{
		{"(mail=ivanov@company.ru)", []string{"ivanov@company.ru"}},
		{"(&(objectClass=inetOrgPerson)(sn=Петров))", []string{"petrov@company.ru"}},
		{"(|(sn=Петров)(sn=Сидоров))", []string{"petrov@company.ru", "sidorov@company.ru"}},
		{"(&(ou=*)(!(sn=Иванов)))", nil},
		{"(&(cn=иван*)(!(sn=Иванов)))", []string{"ivanova@company.ru"}},
		{"(cn=*ван*вич)", []string{"ivanov@company.ru"}},
		{"(sn>=Сидоров)", []string{"sidorov@company.ru", "hidden@company.ru"}}, // Скрытов; Latin Smith sorts before Cyrillic
		{"(sn<=Елкин)", []string{"yolkin@company.ru", "smith@company.ru"}},
		{"(title=*)", []string{"ivanov@company.ru", "ivanova@company.ru"}},
		{"(cn~=иванов иван иванович)", []string{"ivanov@company.ru"}},
		{"(sn:caseIgnoreMatch:=ПЕТРОВ)", []string{"petrov@company.ru"}},
		{"(:dn:2.5.13.2:=Тобольск)", []string{"sidorov@company.ru", "smith@company.ru", "yolkin@company.ru"}},
		{"(sn:1.2.3.4.5:=x)", nil},
		{"(mozillaNickname=иван)", nil},
		{"(userdirKind=alias)", []string{"sales@company.ru"}},
	}
	for _, tt := range tests {
		sr, err := c.Search(searchReq(suffix, ldap.ScopeWholeSubtree, tt.filter, "mail"))
		if err != nil {
			t.Errorf("%s: %v", tt.filter, err)
			continue
		}
		want := slices.Clone(tt.want)
		sort.Strings(want)
		if got := mails(sr); !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", tt.filter, got, want)
		}
	}
}

// The filters real clients send, against the Cyrillic fixture, anonymously (role book).
func TestRealClientFilters(t *testing.T) {
	ts := startServer(t, serverOptions{})
	c := ts.dial(t)
	tests := []struct {
		client, filter string
		attrs          []string
		want           []string
	}{
		{"Thunderbird autocomplete", "(|(cn=*иван*)(mail=*иван*)(givenName=*иван*)(sn=*иван*))", []string{"cn", "mail", "displayName"},
			[]string{"ivanov@company.ru", "ivanova@company.ru"}},
		{"Thunderbird autocomplete two words", "(|(cn=*иванов*иван-*)(mail=*иванов иван*)(givenName=*иванов*)(sn=*иванов иван*))", nil, nil},
		{"Thunderbird autocomplete two words", "(|(cn=*иванов*иван*)(mail=*иванов*)(givenName=*иванов*)(sn=*иванов*))", nil,
			[]string{"ivanov@company.ru", "ivanova@company.ru"}},
		{"Thunderbird quick search", "(|(mail=*петр*)(cn=*петр*)(givenName=*петр*)(sn=*петр*)(mozillaNickname=*петр*))", nil,
			[]string{"ivanova@company.ru", "petrov@company.ru"}},
		{"Outlook", "(&(mail=*)(|(mail=ив*)(|(cn=ив*)(|(sn=ив*)(givenName=ив*)))))", nil, []string{"ivanov@company.ru", "ivanova@company.ru"}},
		{"Outlook latin", "(&(mail=*)(|(mail=smi*)(|(cn=smi*)(|(sn=smi*)(givenName=smi*)))))", nil, []string{"smith@company.ru"}},
		{"Yealink name", "(|(cn=Ёлкин*)(sn=Ёлкин*))", nil, []string{"yolkin@company.ru"}},
		{"Yealink number", "(|(telephoneNumber=*88-02-49*)(mobile=*88-02-49*)(ipPhone=*88-02-49*))", nil, []string{"petrov@company.ru"}},
		{"Yealink caller ID", "(|(telephoneNumber=83452880293)(mobile=83452880293)(ipPhone=83452880293))", nil, []string{"ivanov@company.ru"}},
		{"Yealink extension", "(|(telephoneNumber=2771)(mobile=2771)(ipPhone=2771))", nil, []string{"petrov@company.ru"}},
		{"caller ID bare digits", "(telephoneNumber=3452880293)", nil, []string{"ivanov@company.ru"}},
		{"caller ID mobile", "(mobile=+79121112233)", nil, []string{"sidorov@company.ru"}},
	}
	for _, tt := range tests {
		sr, err := c.Search(searchReq(suffix, ldap.ScopeWholeSubtree, tt.filter, tt.attrs...))
		if err != nil {
			t.Errorf("%s %s: %v", tt.client, tt.filter, err)
			continue
		}
		if got := mails(sr); !slices.Equal(got, tt.want) {
			t.Errorf("%s %s: got %v, want %v", tt.client, tt.filter, got, tt.want)
		}
	}
}

func TestPostfixLookup(t *testing.T) {
	ts := startServer(t, serverOptions{})
	c := ts.bindMTA(t)
	for _, tt := range []struct {
		addr, host string
		found      bool
	}{
		{"ivanov@company.ru", "mx.tyumen.company.ru", true},
		{"Hidden@Company.ru", "mx.tyumen.company.ru", true},
		{"sales@company.ru", "mx.tyumen.company.ru", true},
		{"yolkin@company.ru", "mx.tobolsk.company.ru", true},
		{"inactive@company.ru", "", false},
		{"nobody@company.ru", "", false},
	} {
		sr, err := c.Search(searchReq(suffix, ldap.ScopeWholeSubtree, "(mail="+ldap.EscapeFilter(tt.addr)+")", "mail", "mailHost"))
		if err != nil {
			t.Fatal(err)
		}
		if got := len(sr.Entries) == 1; got != tt.found {
			t.Errorf("%s: found %v, want %v", tt.addr, got, tt.found)
			continue
		}
		if tt.found {
			e := sr.Entries[0]
			if e.GetAttributeValue("mailHost") != tt.host || !strings.EqualFold(e.GetAttributeValue("mail"), tt.addr) || len(e.Attributes) != 2 {
				t.Errorf("%s: entry %v", tt.addr, e.Attributes)
			}
		}
	}
}

func TestScopesAndRootDSE(t *testing.T) {
	ts := startServer(t, serverOptions{})
	c := ts.bindMTA(t)
	for _, tt := range []struct {
		base  string
		scope int
		want  int
	}{
		{suffix, ldap.ScopeBaseObject, 1},
		{suffix, ldap.ScopeSingleLevel, 2},
		{suffix, ldap.ScopeWholeSubtree, 11},
		{"ou=Тобольск," + suffix, ldap.ScopeSingleLevel, 3},
		{"ou=Тобольск," + suffix, ldap.ScopeWholeSubtree, 4},
		{"mail=smith@company.ru,ou=Тобольск," + suffix, ldap.ScopeBaseObject, 1},
	} {
		sr, err := c.Search(searchReq(tt.base, tt.scope, "(objectClass=*)", "1.1"))
		if err != nil || len(sr.Entries) != tt.want {
			t.Errorf("base %s scope %d: %v entries, err %v; want %d", tt.base, tt.scope, entriesLen(sr), err, tt.want)
		}
	}
	sr, err := c.Search(searchReq("", ldap.ScopeBaseObject, "(objectClass=*)", "namingContexts", "supportedControl", "supportedLDAPVersion", "subschemaSubentry"))
	if err != nil || len(sr.Entries) != 1 {
		t.Fatalf("root DSE: %v", err)
	}
	root := sr.Entries[0]
	if root.GetAttributeValue("namingContexts") != suffix || root.GetAttributeValue("subschemaSubentry") != "cn=Subschema" ||
		!slices.Contains(root.GetAttributeValues("supportedControl"), ldap.ControlTypePaging) {
		t.Errorf("root DSE: %v", root.Attributes)
	}
	_, err = c.Search(searchReq("ou=Нигде,"+suffix, ldap.ScopeWholeSubtree, "(objectClass=*)"))
	if !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		t.Errorf("missing base: %v", err)
	}
	_, err = c.Search(searchReq("this is not a dn", ldap.ScopeWholeSubtree, "(objectClass=*)"))
	if !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidDNSyntax) {
		t.Errorf("bad base: %v", err)
	}
}

func entriesLen(sr *ldap.SearchResult) int {
	if sr == nil {
		return -1
	}
	return len(sr.Entries)
}

func TestAttributeSelectionOverTheWire(t *testing.T) {
	ts := startServer(t, serverOptions{})
	c := ts.bindMTA(t)
	dn := "mail=ivanov@company.ru,ou=Тюмень," + suffix
	get := func(attrs ...string) *ldap.Entry {
		t.Helper()
		sr, err := c.Search(searchReq(dn, ldap.ScopeBaseObject, "(objectClass=*)", attrs...))
		if err != nil || len(sr.Entries) != 1 {
			t.Fatalf("%v: %v", attrs, err)
		}
		return sr.Entries[0]
	}
	if e := get(); e.GetAttributeValue("cn") != "Иванов Иван Иванович" || e.GetAttributeValue("entryUUID") != "" {
		t.Errorf("default attributes: %v", e.Attributes)
	}
	if e := get("+"); e.GetAttributeValue("entryUUID") == "" || e.GetAttributeValue("cn") != "" || e.GetAttributeValue("modifyTimestamp") != "20261101090000Z" {
		t.Errorf("+: %v", e.Attributes)
	}
	if e := get("1.1"); len(e.Attributes) != 0 {
		t.Errorf("1.1: %v", e.Attributes)
	}
	if e := get("gn", "surname", "telephoneNumber"); e.GetAttributeValue("givenName") != "Иван" || e.GetAttributeValue("sn") != "Иванов" ||
		!slices.Equal(e.GetAttributeValues("telephoneNumber"), []string{"+7 (3452) 88-02-93", "8293"}) {
		t.Errorf("aliases: %v", e.Attributes)
	}
	req := searchReq(dn, ldap.ScopeBaseObject, "(objectClass=*)", "cn")
	req.TypesOnly = true
	sr, err := c.Search(req)
	if err != nil || len(sr.Entries) != 1 || len(sr.Entries[0].Attributes) != 1 || len(sr.Entries[0].Attributes[0].Values) != 0 {
		t.Errorf("typesOnly: %v", err)
	}
}

func TestPagingThousandEntries(t *testing.T) {
	ts := startServer(t, serverOptions{records: fixture.Many("tyumen", 1000)})
	c := ts.bindMTA(t)
	sr, err := c.SearchWithPaging(searchReq(suffix, ldap.ScopeWholeSubtree, "(objectClass=inetOrgPerson)", "mail"), 97)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range sr.Entries {
		seen[e.GetAttributeValue("mail")] = true
	}
	if len(sr.Entries) != 1000 || len(seen) != 1000 {
		t.Errorf("paged: %d entries, %d distinct; want 1000", len(sr.Entries), len(seen))
	}
}

func TestBookPagingCannotWalkPastTheLimit(t *testing.T) {
	ts := startServer(t, serverOptions{records: fixture.Many("tyumen", 300)})
	c := ts.dial(t)
	sr, err := c.SearchWithPaging(searchReq(suffix, ldap.ScopeWholeSubtree, "(cn=пользователь*)", "mail"), 20)
	if len(sr.Entries) > 50 {
		t.Errorf("anonymous paging returned %d entries, more than size_limit 50", len(sr.Entries))
	}
	if !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		t.Errorf("want sizeLimitExceeded, got %v", err)
	}
	for _, f := range []string{"(mail=a*)", "(mail=u*)"} {
		sr, err := c.SearchWithPaging(searchReq(suffix, ldap.ScopeWholeSubtree, f), 10)
		if err != nil || len(sr.Entries) != 0 {
			t.Errorf("anonymous %s: %d entries, %v", f, entriesLen(sr), err)
		}
	}
	// A dump is refused with 53 and a diagnostic the user reads.
	for _, f := range []string{"(objectClass=*)", "(cn=*)", "(objectClass=inetOrgPerson)"} {
		sr, err := c.SearchWithPaging(searchReq(suffix, ldap.ScopeWholeSubtree, f), 10)
		var le *ldap.Error
		if !errors.As(err, &le) || le.ResultCode != ldap.LDAPResultUnwillingToPerform || !strings.Contains(le.Err.Error(), "reader account") || entriesLen(sr) != 0 {
			t.Errorf("anonymous %s: %d entries, %v; want 53 with a diagnostic", f, entriesLen(sr), err)
		}
	}
}

// vlvControl is a Virtual List View request control (go-ldap has none).
type vlvControl struct {
	before, after, offset, count int64
	assertion                    string
	byValue                      bool
}

func (v *vlvControl) GetControlType() string { return "2.16.840.1.113730.3.4.9" }
func (v *vlvControl) String() string         { return "VLV" }
func (v *vlvControl) Encode() *ber.Packet {
	p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Control")
	p.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, v.GetControlType(), ""))
	p.AppendChild(ber.NewBoolean(ber.ClassUniversal, ber.TypePrimitive, ber.TagBoolean, true, ""))
	val := ber.NewSequence("")
	val.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, v.before, ""))
	val.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, v.after, ""))
	if v.byValue {
		val.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 1, v.assertion, ""))
	} else {
		t := ber.Encode(ber.ClassContext, ber.TypeConstructed, 0, nil, "")
		t.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, v.offset, ""))
		t.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, v.count, ""))
		val.AppendChild(t)
	}
	s := ber.Encode(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, nil, "")
	s.Value = val.Bytes()
	s.Data.Write(val.Bytes())
	p.AppendChild(s)
	return p
}

func vlvResponse(t *testing.T, sr *ldap.SearchResult) (target, count int64) {
	t.Helper()
	for _, c := range sr.Controls {
		if c.GetControlType() == "2.16.840.1.113730.3.4.10" {
			cs, ok := c.(*ldap.ControlString)
			if !ok {
				t.Fatalf("VLV response is %T", c)
			}
			p, err := ber.DecodePacketErr([]byte(cs.ControlValue))
			if err != nil {
				t.Fatal(err)
			}
			return p.Children[0].Value.(int64), p.Children[1].Value.(int64)
		}
	}
	t.Fatal("no VLV response control")
	return 0, 0
}

func TestSortAndVLV(t *testing.T) {
	ts := startServer(t, serverOptions{records: fixture.Many("tyumen", 100)})
	c := ts.bindMTA(t)
	sortCtl := ldap.NewControlServerSideSortingWithSortKeys([]*ldap.SortKey{{AttributeType: "cn"}})
	req := searchReq("ou=Тюмень,"+suffix, ldap.ScopeSingleLevel, "(objectClass=inetOrgPerson)", "cn")
	req.Controls = []ldap.Control{sortCtl}
	sr, err := c.Search(req)
	if err != nil || len(sr.Entries) != 100 {
		t.Fatalf("sorted: %v", err)
	}
	for i := 1; i < len(sr.Entries); i++ {
		if sr.Entries[i-1].GetAttributeValue("cn") > sr.Entries[i].GetAttributeValue("cn") {
			t.Fatalf("not sorted at %d", i)
		}
	}
	// Reverse.
	req.Controls = []ldap.Control{ldap.NewControlServerSideSortingWithSortKeys([]*ldap.SortKey{{AttributeType: "cn", Reverse: true}})}
	sr, _ = c.Search(req)
	if sr.Entries[0].GetAttributeValue("cn") != "Пользователь0099 Тест" {
		t.Errorf("reverse sort starts with %s", sr.Entries[0].GetAttributeValue("cn"))
	}
	// VLV windows, as Outlook and Poly phones browse.
	for _, tt := range []struct {
		vlv        vlvControl
		first      string
		n          int
		wantTarget int64
	}{
		{vlvControl{before: 0, after: 9, offset: 1, count: 0}, "Пользователь0000 Тест", 10, 1},
		{vlvControl{before: 2, after: 2, offset: 50, count: 100}, "Пользователь0047 Тест", 5, 50},
		{vlvControl{before: 0, after: 4, byValue: true, assertion: "пользователь0042"}, "Пользователь0042 Тест", 5, 43},
		{vlvControl{before: 1, after: 5, offset: 100, count: 100}, "Пользователь0098 Тест", 2, 100},
	} {
		v := tt.vlv
		req.Controls = []ldap.Control{sortCtl, &v}
		sr, err := c.Search(req)
		if err != nil {
			t.Fatalf("VLV %+v: %v", v, err)
		}
		target, count := vlvResponse(t, sr)
		if len(sr.Entries) != tt.n || sr.Entries[0].GetAttributeValue("cn") != tt.first || target != tt.wantTarget || count != 100 {
			t.Errorf("VLV %+v: %d entries from %q, target %d count %d", v, len(sr.Entries), sr.Entries[0].GetAttributeValue("cn"), target, count)
		}
	}
	// VLV without sort.
	v := vlvControl{after: 3, offset: 1}
	req.Controls = []ldap.Control{&v}
	if _, err := c.Search(req); !ldap.IsErrorWithCode(err, 60) {
		t.Errorf("VLV without sort: %v", err)
	}
}

// unknownControl is a critical control the server does not implement.
type unknownControl struct{}

func (unknownControl) GetControlType() string { return "1.2.3.4.5.6.7" }
func (unknownControl) String() string         { return "unknown" }
func (unknownControl) Encode() *ber.Packet {
	p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Control")
	p.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "1.2.3.4.5.6.7", ""))
	p.AppendChild(ber.NewBoolean(ber.ClassUniversal, ber.TypePrimitive, ber.TagBoolean, true, ""))
	return p
}

func TestUnknownCriticalControl(t *testing.T) {
	ts := startServer(t, serverOptions{})
	c := ts.bindMTA(t)
	req := searchReq(suffix, ldap.ScopeWholeSubtree, "(mail=ivanov@company.ru)")
	req.Controls = []ldap.Control{unknownControl{}}
	if _, err := c.Search(req); !ldap.IsErrorWithCode(err, ldap.LDAPResultUnavailableCriticalExtension) {
		t.Errorf("search: %v", err)
	}
	// The connection still works.
	if sr, err := c.Search(searchReq(suffix, ldap.ScopeWholeSubtree, "(mail=ivanov@company.ru)")); err != nil || len(sr.Entries) != 1 {
		t.Errorf("after: %v", err)
	}
}

func TestCompareAndWhoAmI(t *testing.T) {
	ts := startServer(t, serverOptions{})
	c := ts.dial(t)
	dn := "mail=ivanov@company.ru,ou=Тюмень," + suffix
	if ok, err := c.Compare(dn, "sn", "иванов"); err != nil || !ok {
		t.Errorf("compare true: %v %v", ok, err)
	}
	if ok, err := c.Compare(dn, "sn", "петров"); err != nil || ok {
		t.Errorf("compare false: %v %v", ok, err)
	}
	if _, err := c.Compare("mail=hidden@company.ru,ou=Тюмень,"+suffix, "sn", "x"); !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		t.Errorf("compare hidden: %v", err)
	}
	who, err := c.WhoAmI(nil)
	if err != nil || who.AuthzID != "" {
		t.Errorf("anonymous whoami: %+v %v", who, err)
	}
	if err := c.Bind("cn=postfix,"+suffix, "postfixpass"); err != nil {
		t.Fatal(err)
	}
	if who, err := c.WhoAmI(nil); err != nil || who.AuthzID != "dn:cn=postfix,"+suffix {
		t.Errorf("whoami: %+v %v", who, err)
	}
	if err := c.Bind("cn=postfix,"+suffix, "wrong"); !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
		t.Errorf("bad password: %v", err)
	}
	if who, _ := c.WhoAmI(nil); who.AuthzID != "" {
		t.Errorf("after a failed bind the connection is not anonymous: %q", who.AuthzID)
	}
}

func TestRolesOverTheWire(t *testing.T) {
	ts := startServer(t, serverOptions{})
	anon := ts.dial(t)
	mta := ts.bindMTA(t)
	reader := ts.dial(t)
	if err := reader.Bind("cn=reader,"+suffix, "postfixpass"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		c      *ldap.Conn
		filter string
		n      int
	}{
		{"hidden: book", anon, "(mail=hidden@company.ru)", 0},
		{"hidden: reader", reader, "(mail=hidden@company.ru)", 0},
		{"hidden: mta", mta, "(mail=hidden@company.ru)", 1},
		{"inactive: mta", mta, "(mail=inactive@company.ru)", 0},
		{"alias: book", anon, "(mail=sales@company.ru)", 1},
		{"alias: mta", mta, "(mail=sales@company.ru)", 1},
		{"dump: reader", reader, "(objectClass=inetOrgPerson)", 7},
		{"dump: mta", mta, "(objectClass=inetOrgPerson)", 8},
	} {
		sr, err := tt.c.Search(searchReq(suffix, ldap.ScopeWholeSubtree, tt.filter, "mail"))
		if err != nil || len(sr.Entries) != tt.n {
			t.Errorf("%s: %d entries, %v; want %d", tt.name, entriesLen(sr), err, tt.n)
		}
	}
}

func TestAllowRefusesOtherClients(t *testing.T) {
	ts := startServer(t, serverOptions{allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	c, err := net.DialTimeout("tcp", ts.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := c.Read(make([]byte, 1)); err == nil || n != 0 {
		t.Fatalf("a client outside allow could read %d bytes (err %v)", n, err)
	}
}

func TestLiveUpdateVisibleWithinASecond(t *testing.T) {
	ts := startServer(t, serverOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go ts.dir.Run(ctx)
	c := ts.bindMTA(t)
	ts.src.Put(fixture.Record("tobolsk", "fresh@company.ru", "name", "Свежев Фёдор"))
	start := time.Now()
	for time.Since(start) < time.Second {
		sr, err := c.Search(searchReq(suffix, ldap.ScopeWholeSubtree, "(mail=fresh@company.ru)"))
		if err != nil {
			t.Fatal(err)
		}
		if len(sr.Entries) == 1 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("a committed change was not visible within 1 s")
}

func TestStartTLS(t *testing.T) {
	cfg := selfSignedTLS(t)
	ts := startServer(t, serverOptions{tls: cfg})
	c := ts.dial(t)
	if err := c.StartTLS(&tls.Config{InsecureSkipVerify: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.Bind("cn=postfix,"+suffix, "postfixpass"); err != nil {
		t.Fatal(err)
	}
	if sr, err := c.Search(searchReq(suffix, ldap.ScopeWholeSubtree, "(mail=ivanov@company.ru)")); err != nil || len(sr.Entries) != 1 {
		t.Errorf("search over TLS: %v", err)
	}
	if err := c.StartTLS(&tls.Config{InsecureSkipVerify: true}); err == nil {
		t.Error("a second StartTLS succeeded")
	}
	// Without a certificate StartTLS is refused, and the connection goes on.
	plain := startServer(t, serverOptions{}).dial(t)
	if err := plain.StartTLS(&tls.Config{InsecureSkipVerify: true}); err == nil {
		t.Error("StartTLS without a certificate succeeded")
	}
}

var errTest = errors.New("test")
