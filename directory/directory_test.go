package directory

import (
	"context"
	"log/slog"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"golang.org/x/crypto/bcrypt"

	"userdir/internal/fixture"
	"userdir/ldapserver/wire"
	"userdir/schema"
)

// collector is an Emitter that decodes what it is sent.
type collector struct {
	dns   []string
	attrs []map[string][]string
}

func (c *collector) SendEntry(dn, attrs []byte) error {
	p, err := ber.DecodePacketErr(dn)
	if err != nil {
		return err
	}
	c.dns = append(c.dns, string(p.ByteValue))
	m := map[string][]string{}
	for len(attrs) > 0 {
		a, err := ber.DecodePacketErr(attrs)
		if err != nil {
			return err
		}
		attrs = attrs[len(a.Bytes()):]
		name := a.Children[0].Value.(string)
		m[name] = []string{}
		for _, v := range a.Children[1].Children {
			m[name] = append(m[name], string(v.ByteValue))
		}
	}
	c.attrs = append(c.attrs, m)
	return nil
}

func (c *collector) mails() []string {
	var out []string
	for _, dn := range c.dns {
		if strings.HasPrefix(dn, "mail=") {
			out = append(out, strings.TrimPrefix(dn[:strings.IndexByte(dn, ',')], "mail="))
		}
	}
	sort.Strings(out)
	return out
}

var (
	loopback = netip.MustParseAddr("127.0.0.1")
	mtaNet   = netip.MustParseAddr("10.0.0.25")
)

func newTestDirectory(t testing.TB, src Source, mut ...func(*Options)) *Directory {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("secret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	o := Options{
		Logger:   slog.New(slog.DiscardHandler),
		Source:   src,
		Mapper:   fixture.Mapper(),
		Encoder:  wire.EntryEncoder{},
		Accounts: []Account{{DN: "cn=postfix,dc=company,dc=ru", PasswordHash: string(hash), Role: schema.RoleMTA}},
		Networks: []Network{{Prefix: netip.MustParsePrefix("10.0.0.25/32"), Role: schema.RoleMTA}},
		Allow:    []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")},
	}
	for _, m := range mut {
		m(&o)
	}
	d, err := New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func search(t testing.TB, d *Directory, s *Session, base string, scope Scope, filter string, attrs ...string) (*collector, SearchResult) {
	t.Helper()
	f, err := schema.ParseFilter(filter)
	if err != nil {
		t.Fatalf("ParseFilter(%q): %v", filter, err)
	}
	c := &collector{}
	res := d.Search(context.Background(), s, &SearchRequest{BaseDN: base, Scope: scope, Filter: f, Attributes: attrs}, c)
	return c, res
}

func TestSearchRoles(t *testing.T) {
	d := newTestDirectory(t, fixture.NewSource(fixture.Book()...))
	book := d.Anonymous(loopback)
	mta := d.Anonymous(mtaNet)
	if book.Role != schema.RoleBook || mta.Role != schema.RoleMTA {
		t.Fatalf("roles: anonymous %q, mta network %q", book.Role, mta.Role)
	}
	tests := []struct {
		name   string
		s      *Session
		filter string
		want   []string
	}{
		{"book sees visible mailboxes", book, "(mail=*@company.ru)", nil}, // final piece "@company.ru" is selective? no: mail domain is common, but long enough
		{"book: hidden invisible", book, "(mail=hidden@company.ru)", nil},
		{"mta: hidden visible", mta, "(mail=hidden@company.ru)", []string{"hidden@company.ru"}},
		{"book: alias visible like a mailbox", book, "(mail=sales@company.ru)", []string{"sales@company.ru"}},
		{"book: alias found by its whole name", book, "(cn=*продаж*)", []string{"sales@company.ru"}},
		{"book: alias name not split", book, "(sn=отдел продаж)", []string{"sales@company.ru"}},
		{"mta: alias visible", mta, "(mail=sales@company.ru)", []string{"sales@company.ru"}},
		{"book: inactive invisible", book, "(mail=inactive@company.ru)", nil},
		{"mta: inactive invisible", mta, "(mail=inactive@company.ru)", nil},
		{"mail ignores case", book, "(mail=IVANOV@Company.RU)", []string{"ivanov@company.ru"}},
		{"cyrillic case folding", book, "(cn=иван*)", []string{"ivanov@company.ru", "ivanova@company.ru"}},
		{"ё equals е", book, "(sn=елкин)", []string{"yolkin@company.ru"}},
		{"caller id bare digits", book, "(|(telephoneNumber=83452880293)(mobile=83452880293)(ipPhone=83452880293))", []string{"ivanov@company.ru"}},
		{"caller id +7", book, "(telephoneNumber=+73452880293)", []string{"ivanov@company.ru"}},
		{"caller id 6 digits", book, "(telephoneNumber=880293)", []string{"ivanov@company.ru"}},
		{"extension", book, "(ipPhone=8293)", []string{"ivanov@company.ru"}},
		{"phone substring", book, "(telephoneNumber=*880249*)", []string{"petrov@company.ru"}},
		{"mobile substring", book, "(mobile=*9121112233*)", []string{"sidorov@company.ru"}},
		{"unknown attribute is undefined", book, "(|(mozillaNickname=иван)(cn=иван*))", []string{"ivanov@company.ru", "ivanova@company.ru"}},
		{"phone piece without digits is undefined", book, "(|(cn=*иван*)(mail=иван*)(telephoneNumber=*иван*))", []string{"ivanov@company.ru", "ivanova@company.ru"}},
		{"phone piece without digits alone", book, "(telephoneNumber=*иван*)", nil},
		{"not", mta, "(&(cn=иван*)(!(cn=*мария*)))", []string{"ivanov@company.ru"}},
	}
	tests[0].want = []string{"ivanov@company.ru", "ivanova@company.ru", "petrov@company.ru", "sales@company.ru", "sidorov@company.ru", "smith@company.ru", "yolkin@company.ru"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, res := search(t, d, tt.s, "dc=company,dc=ru", ScopeSub, tt.filter)
			if res.Code != Success {
				t.Fatalf("code %d %q", res.Code, res.Message)
			}
			if got := c.mails(); !slices.Equal(got, tt.want) {
				t.Errorf("%s: got %v, want %v", tt.filter, got, tt.want)
			}
		})
	}
}

func TestAntiHarvesting(t *testing.T) {
	recs := append(fixture.Book(), fixture.Many("tyumen", 200)...)
	d := newTestDirectory(t, fixture.NewSource(recs...))
	book := d.Anonymous(loopback)
	tests := []struct {
		filter string
		want   ResultCode
	}{
		{"(objectClass=*)", UnwillingToPerform},
		{"(cn=*)", UnwillingToPerform},
		{"(objectClass=inetOrgPerson)", UnwillingToPerform},
		{"(title=*)", UnwillingToPerform},
		{"(&(mail>=a)(mail<=z))", UnwillingToPerform},
		{"(cn~=иванов)", UnwillingToPerform},
		{"(mail=a*)", Success},
		{"(|(cn=*)(sn=иванов))", Success},
		{"(!(cn=иванов))", Success},
		{"(|(cn=*и*)(mail=*и*)(givenName=*и*)(sn=*и*))", Success},
	}
	for _, tt := range tests {
		for _, scope := range []Scope{ScopeOne, ScopeSub} {
			base := "dc=company,dc=ru"
			if scope == ScopeOne {
				base = "ou=Тюмень,dc=company,dc=ru"
			}
			c, res := search(t, d, book, base, scope, tt.filter)
			if res.Code != tt.want || len(c.dns) != 0 {
				t.Errorf("book %s scope %d: %d entries, code %d; want none, code %d", tt.filter, scope, len(c.dns), res.Code, tt.want)
			}
			if tt.want == UnwillingToPerform && !strings.Contains(res.Message, "too broad") {
				t.Errorf("book %s: diagnostic %q", tt.filter, res.Message)
			}
		}
	}
	// A selective filter matching more than size_limit is cut at 50 with sizeLimitExceeded.
	c, res := search(t, d, book, "dc=company,dc=ru", ScopeSub, "(cn=пользователь*)")
	if res.Code != SizeLimitExceeded || len(c.dns) != 50 {
		t.Errorf("book over the limit: %d entries, code %d; want 50, 4", len(c.dns), res.Code)
	}
	// mta is never limited.
	c, res = search(t, d, d.Anonymous(mtaNet), "dc=company,dc=ru", ScopeSub, "(objectClass=*)")
	if res.Code != Success || len(c.dns) < 200 {
		t.Errorf("mta: %d entries, code %d", len(c.dns), res.Code)
	}
	// A base read of a known DN always works.
	c, res = search(t, d, book, "mail=ivanov@company.ru,ou=Тюмень,dc=company,dc=ru", ScopeBase, "(objectClass=*)")
	if res.Code != Success || len(c.dns) != 1 {
		t.Errorf("book base read: %d entries, code %d", len(c.dns), res.Code)
	}
}

func TestNoSuchObject(t *testing.T) {
	d := newTestDirectory(t, fixture.NewSource(fixture.Book()...))
	for _, s := range []*Session{d.Anonymous(loopback), d.Anonymous(mtaNet)} {
		for _, base := range []string{"ou=Nowhere,dc=company,dc=ru", "dc=other,dc=ru", "mail=nobody@company.ru,ou=Тюмень,dc=company,dc=ru"} {
			_, res := search(t, d, s, base, ScopeSub, "(objectClass=*)")
			if res.Code != NoSuchObject {
				t.Errorf("role %s base %s: code %d, want 32", s.Role, base, res.Code)
			}
		}
	}
	_, res := search(t, d, d.Anonymous(loopback), "mail=nobody@company.ru,ou=Тюмень,dc=company,dc=ru", ScopeBase, "(objectClass=*)")
	if res.MatchedDN != "ou=Тюмень,dc=company,dc=ru" {
		t.Errorf("matchedDN %q", res.MatchedDN)
	}
	// A hidden entry does not exist for book, even by its DN.
	_, res = search(t, d, d.Anonymous(loopback), "mail=hidden@company.ru,ou=Тюмень,dc=company,dc=ru", ScopeBase, "(objectClass=*)")
	if res.Code != NoSuchObject {
		t.Errorf("hidden entry read by book: code %d", res.Code)
	}
}

func TestScopes(t *testing.T) {
	d := newTestDirectory(t, fixture.NewSource(fixture.Book()...))
	mta := d.Anonymous(mtaNet)
	tests := []struct {
		base  string
		scope Scope
		want  int
	}{
		{"dc=company,dc=ru", ScopeBase, 1},
		{"dc=company,dc=ru", ScopeOne, 2},
		{"dc=company,dc=ru", ScopeSub, 1 + 2 + 8},
		{"ou=Тюмень,dc=company,dc=ru", ScopeOne, 5},
		{"ou=Тюмень,dc=company,dc=ru", ScopeSub, 6},
		{"OU=тюмень, DC=Company, DC=ru", ScopeSub, 6},
		{"mail=ivanov@company.ru,ou=Тюмень,dc=company,dc=ru", ScopeOne, 0},
		{"mail=ivanov@company.ru,ou=Тюмень,dc=company,dc=ru", ScopeSub, 1},
	}
	for _, tt := range tests {
		c, res := search(t, d, mta, tt.base, tt.scope, "(objectClass=*)", "1.1")
		if res.Code != Success || len(c.dns) != tt.want {
			t.Errorf("base %q scope %d: %d entries (code %d), want %d: %v", tt.base, tt.scope, len(c.dns), res.Code, tt.want, c.dns)
		}
	}
}

func TestAttributeSelection(t *testing.T) {
	d := newTestDirectory(t, fixture.NewSource(fixture.Book()...))
	mta := d.Anonymous(mtaNet)
	base := "mail=ivanov@company.ru,ou=Тюмень,dc=company,dc=ru"
	tests := []struct {
		attrs      []string
		has, hasnt []string
	}{
		{nil, []string{"cn", "mail", "telephoneNumber", "mailHost", "objectClass"}, []string{"entryUUID"}},
		{[]string{"*"}, []string{"cn", "sn", "givenName"}, []string{"modifyTimestamp"}},
		{[]string{"+"}, []string{"entryUUID", "modifyTimestamp", "entryDN"}, []string{"cn"}},
		{[]string{"*", "+"}, []string{"cn", "entryUUID"}, nil},
		{[]string{"1.1"}, nil, []string{"cn", "mail"}},
		{[]string{"MAIL", "gn", "surname", "commonName", "nonsense"}, []string{"mail", "givenName", "sn", "cn"}, []string{"title"}},
		{[]string{"name"}, []string{"cn", "sn", "givenName"}, []string{"mail"}},
	}
	for _, tt := range tests {
		c, res := search(t, d, mta, base, ScopeBase, "(objectClass=*)", tt.attrs...)
		if res.Code != Success || len(c.attrs) != 1 {
			t.Fatalf("%v: code %d, %d entries", tt.attrs, res.Code, len(c.attrs))
		}
		for _, a := range tt.has {
			if _, ok := c.attrs[0][a]; !ok {
				t.Errorf("attrs %v: missing %s in %v", tt.attrs, a, c.attrs[0])
			}
		}
		for _, a := range tt.hasnt {
			if _, ok := c.attrs[0][a]; ok {
				t.Errorf("attrs %v: unexpected %s", tt.attrs, a)
			}
		}
	}
	f, _ := schema.ParseFilter("(objectClass=*)")
	c := &collector{}
	d.Search(context.Background(), mta, &SearchRequest{BaseDN: base, Filter: f, TypesOnly: true, Attributes: []string{"cn"}}, c)
	if v, ok := c.attrs[0]["cn"]; !ok || len(v) != 0 {
		t.Errorf("typesOnly: cn = %v, %v", v, ok)
	}
}

func TestRootDSEAndSubschema(t *testing.T) {
	d := newTestDirectory(t, fixture.NewSource(fixture.Book()...))
	c, res := search(t, d, d.Anonymous(loopback), "", ScopeBase, "(objectClass=*)")
	if res.Code != Success || len(c.attrs) != 1 {
		t.Fatalf("root DSE: code %d, %d entries", res.Code, len(c.attrs))
	}
	root := c.attrs[0]
	if !slices.Equal(root["namingContexts"], []string{"dc=company,dc=ru"}) || !slices.Contains(root["supportedControl"], OIDVLV) ||
		!slices.Contains(root["supportedExtension"], OIDWhoAmI) || !slices.Equal(root["supportedLDAPVersion"], []string{"2", "3"}) {
		t.Errorf("root DSE: %v", root)
	}
	for _, attrs := range [][]string{{"+"}, {"*"}, {"supportedControl"}} {
		c, _ := search(t, d, d.Anonymous(loopback), "", ScopeBase, "(objectClass=*)", attrs...)
		if len(c.attrs) != 1 || !slices.Contains(c.attrs[0]["supportedControl"], OIDPaging) {
			t.Errorf("root DSE with %v: %v", attrs, c.attrs)
		}
	}
	c, res = search(t, d, d.Anonymous(loopback), "cn=Subschema", ScopeBase, "(objectClass=subschema)", "objectClasses", "attributeTypes")
	if res.Code != Success || len(c.attrs) != 1 || len(c.attrs[0]["attributeTypes"]) < 20 {
		t.Fatalf("subschema: code %d, %v", res.Code, c.attrs)
	}
	if !slices.ContainsFunc(c.attrs[0]["objectClasses"], func(s string) bool { return strings.Contains(s, "userdirEntry") && strings.Contains(s, "2.25.") }) {
		t.Error("subschema lacks userdirEntry with a 2.25 OID")
	}
}

func TestLiveChangesAndOverlay(t *testing.T) {
	src := fixture.NewSource(fixture.Book()...)
	d := newTestDirectory(t, src)
	mta := d.Anonymous(mtaNet)
	ctx := context.Background()
	count := func(filter string) int {
		c, _ := search(t, d, mta, "dc=company,dc=ru", ScopeSub, filter)
		return len(c.dns)
	}
	src.Put(fixture.Record("tyumen", "new@company.ru", "name", "Новиков Николай", "gor", "11-22-33"))
	gone := fixture.Record("tyumen", "petrov@company.ru")
	gone.Exists = false
	src.Put(gone)
	changed := fixture.Record("tyumen", "ivanov@company.ru", "name", "Иванов Иван Иванович", "act", "0")
	src.Put(changed)
	if err := d.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if d.Snapshot().extra == nil {
		t.Fatal("small change did not go to the overlay")
	}
	check := func(when string) {
		for f, want := range map[string]int{"(cn=новиков*)": 1, "(telephoneNumber=112233)": 1, "(mail=petrov@company.ru)": 0,
			"(mail=ivanov@company.ru)": 0, "(cn=иван*)": 1} {
			if got := count(f); got != want {
				t.Errorf("%s: %s: %d entries, want %d", when, f, got, want)
			}
		}
		c, _ := search(t, d, mta, "ou=Тюмень,dc=company,dc=ru", ScopeOne, "(objectClass=*)")
		if len(c.dns) != 4 { // ivanova, hidden, sales, new: ivanov went inactive, petrov was deleted
			t.Errorf("%s: one-level under Тюмень: %v", when, c.dns)
		}
	}
	check("overlay")
	if err := d.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if s := d.Snapshot(); s.extra != nil || s.masked != nil {
		t.Error("compaction left an overlay")
	}
	check("compacted")
	// A large change set is searchable through the overlay's own indexes.
	src.Put(fixture.Many("tobolsk", 300)...)
	if err := d.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if s := d.Snapshot(); len(s.extra) != 300 {
		t.Errorf("overlay holds %d items, want 300", len(s.extra))
	}
	check("large overlay")
	if got := count("(cn=пользователь0042*)"); got != 1 {
		t.Errorf("indexed lookup in the overlay: %d entries", got)
	}
	// Changes that arrive while a compaction runs are not lost.
	cur := d.Snapshot()
	next := cur.compact()
	src.Put(fixture.Record("tobolsk", "late@company.ru", "name", "Поздний Павел"))
	if err := d.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	_ = next
	if err := d.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if got := count("(cn=поздний*)"); got != 1 {
		t.Errorf("a change during compaction: %d entries", got)
	}
	check("rebuilt")
	if got := count("(cn=пользователь*)"); got != 300 {
		t.Errorf("after rebuild: %d generated entries", got)
	}
}

func TestBind(t *testing.T) {
	d := newTestDirectory(t, fixture.NewSource(fixture.Book()...))
	ctx := context.Background()
	s, res := d.Bind(ctx, loopback, "cn=Postfix, dc=company,dc=ru", []byte("secret"))
	if res.Code != Success || s.Role != schema.RoleMTA || d.WhoAmI(s) != "dn:cn=Postfix, dc=company,dc=ru" {
		t.Fatalf("good bind: %+v role %s", res, s.Role)
	}
	// The second bind is served from the verified cache.
	if _, res := d.Bind(ctx, loopback, "cn=postfix,dc=company,dc=ru", []byte("secret")); res.Code != Success {
		t.Fatalf("cached bind: %+v", res)
	}
	start := time.Now()
	s, res = d.Bind(ctx, netip.MustParseAddr("127.0.0.9"), "cn=postfix,dc=company,dc=ru", []byte("wrong"))
	first := time.Since(start)
	if res.Code != InvalidCredentials || s.Role != schema.RoleBook || s.Authenticated {
		t.Fatalf("bad password: %+v role %s", res, s.Role)
	}
	start = time.Now()
	d.Bind(ctx, netip.MustParseAddr("127.0.0.9"), "cn=postfix,dc=company,dc=ru", []byte("wrong2"))
	if second := time.Since(start); second < first+failureBaseDelay/2 {
		t.Errorf("delay did not grow: %v then %v", first, second)
	}
	if _, res := d.Bind(ctx, loopback, "cn=nobody,dc=company,dc=ru", []byte("x")); res.Code != InvalidCredentials {
		t.Errorf("unknown DN: %+v", res)
	}
	if _, res := d.Bind(ctx, loopback, "cn=postfix,dc=company,dc=ru", nil); res.Code != UnwillingToPerform {
		t.Errorf("unauthenticated bind: %+v", res)
	}
	if s, res := d.Bind(ctx, mtaNet, "", nil); res.Code != Success || s.Role != schema.RoleMTA {
		t.Errorf("anonymous bind from the MTA network: %+v %s", res, s.Role)
	}
}

func TestCompare(t *testing.T) {
	d := newTestDirectory(t, fixture.NewSource(fixture.Book()...))
	book := d.Anonymous(loopback)
	dn := "mail=ivanov@company.ru,ou=Тюмень,dc=company,dc=ru"
	tests := []struct {
		dn, attr, value string
		want            ResultCode
	}{
		{dn, "sn", "иванов", CompareTrue},
		{dn, "sn", "Петров", CompareFalse},
		{dn, "telephoneNumber", "83452880293", CompareTrue},
		{dn, "nonsense", "x", UndefinedAttributeType},
		{dn, "roomNumber", "214", CompareTrue},
		{dn, "mailHost", "mx.tyumen.company.ru", CompareTrue},
		{"mail=hidden@company.ru,ou=Тюмень,dc=company,dc=ru", "cn", "x", NoSuchObject},
		{"mail=smith@company.ru,ou=Тобольск,dc=company,dc=ru", "title", "x", NoSuchAttribute},
	}
	for _, tt := range tests {
		if got := d.Compare(context.Background(), book, tt.dn, tt.attr, tt.value); got.Code != tt.want {
			t.Errorf("Compare(%s, %s=%s) = %d, want %d", tt.dn, tt.attr, tt.value, got.Code, tt.want)
		}
	}
}

func TestSelective(t *testing.T) {
	tests := []struct {
		filter string
		want   bool
	}{
		{"(cn=иванов)", true},
		{"(cn=и*)", false},
		{"(cn=ив*)", true},
		{"(cn=*ив*)", true},
		{"(mail=a*)", false},
		{"(objectClass=*)", false},
		{"(cn=*)", false},
		{"(|(cn=ив*)(mail=ив*)(sn=ив*)(givenName=ив*))", true},
		{"(|(cn=ив*)(objectClass=*))", false},
		{"(&(objectClass=person)(cn=ив*))", true},
		{"(&(mail=*)(|(mail=ив*)(|(cn=ив*)(|(sn=ив*)(givenName=ив*)))))", true},
		{"(&(mail=*)(|(mail=*)(|(cn=*)(|(sn=*)(givenName=*)))))", false},
		{"(|(mozillaNickname=ив)(cn=ив*))", true},
		{"(telephoneNumber=*29*)", true},
		{"(telephoneNumber=*-*)", true}, // no digits: Undefined, matches nothing
		{"(telephoneNumber=*-*2*)", false},
		{"(telephoneNumber=-*)", true},
		{"(|(cn=*ив*)(mail=ив*)(telephoneNumber=*ив*))", true},
		{"(|(cn=*и*)(telephoneNumber=*и*))", false},
		{"(title=инженер)", true},
		{"(o=*тюм*)", true},
		{"(objectClass=inetOrgPerson)", false},
		{"(&(mail=*)(mail>=ivanov))", false},
		{"(cn~=иванов)", false},
		{"(telephoneNumber=-)", true}, // no digits: Undefined, matches nothing
		{"(|(cn=*ив*)(givenName=*ив*)(sn=*ив*)(mozillaNickname=*ив*)(mail=*ив*)(mozillaSecondEmail=*ив*)(&(description=*ив*))(o=*ив*)(ou=*ив*)(title=*ив*)(mozillaWorkUrl=*ив*)(mozillaHomeUrl=*ив*))", true},
		{"(|(cn=*и*)(givenName=*и*)(sn=*и*)(mozillaNickname=*и*)(mail=*и*)(mozillaSecondEmail=*и*)(&(description=*и*))(o=*и*)(ou=*и*)(title=*и*)(mozillaWorkUrl=*и*)(mozillaHomeUrl=*и*))", false},
		{"(!(cn=иванов))", false},
	}
	for _, tt := range tests {
		f, err := schema.ParseFilter(tt.filter)
		if err != nil {
			t.Fatal(err)
		}
		if got := selective(f, 2); got != tt.want {
			t.Errorf("selective(%s) = %v, want %v", tt.filter, got, tt.want)
		}
	}
}

func TestRateLimit(t *testing.T) {
	d := newTestDirectory(t, fixture.NewSource(fixture.Book()...), func(o *Options) { o.RateLimit = 60 })
	book := d.Anonymous(loopback)
	busy := 0
	for i := 0; i < 30; i++ {
		if _, res := search(t, d, book, "dc=company,dc=ru", ScopeSub, "(cn=иван*)"); res.Code == Busy {
			busy++
		}
	}
	if busy == 0 {
		t.Error("30 searches at once never hit a limit of 60/min (burst 10)")
	}
	if _, res := search(t, d, d.Anonymous(mtaNet), "dc=company,dc=ru", ScopeSub, "(cn=иван*)"); res.Code != Success {
		t.Errorf("mta rate limited: %d", res.Code)
	}
}
