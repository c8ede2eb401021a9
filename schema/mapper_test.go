package schema

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"userdir/mailcmd"
	"userdir/store"
)

// attrMap flattens attributes to name → values.
func attrMap(attrs []Attr) map[string][]string {
	m := make(map[string][]string, len(attrs))
	for _, a := range attrs {
		m[a.Type.Name] = a.Values
	}
	return m
}

func TestMapperEntry(t *testing.T) {
	personOC := []string{"top", "person", "organizationalPerson", "inetOrgPerson", "userdirEntry"}
	tests := []struct {
		name  string
		order string
		r     *store.Record
		want  map[string][]string
	}{
		{"family-first full", "", rec(t, "tyumen", "ivanov@company.ru", "name", "Иванов Иван Иванович",
			"gor", "88-02-93", "mer", "38-32-93", "sot", "+7 912 345-67-89", "of", "214", "post", "Инженер",
			"sdiv", "Отдел ИТ", "dst", "never@published"),
			map[string][]string{
				"objectClass": personOC, "cn": {"Иванов Иван Иванович"}, "sn": {"Иванов"}, "givenName": {"Иван"},
				"displayName": {"Иванов Иван Иванович"}, "mail": {"ivanov@company.ru"},
				"telephoneNumber": {"88-02-93", "38-32-93"}, "ipPhone": {"38-32-93"}, "mobile": {"+7 912 345-67-89"},
				"roomNumber": {"214"}, "physicalDeliveryOfficeName": {"214"}, "title": {"Инженер"},
				"ou": {"Отдел ИТ"}, "departmentNumber": {"Отдел ИТ"}, "o": {"Тюмень"},
				"mailHost": {"mx.tyumen.company.ru"}, "userdirKind": {"mailbox"},
			}},
		{"given-first", NameOrderGivenFirst, rec(t, "tobolsk", "smith@company.ru", "name", "John Smith"),
			map[string][]string{
				"objectClass": personOC, "cn": {"John Smith"}, "sn": {"Smith"}, "givenName": {"John"},
				"displayName": {"John Smith"}, "mail": {"smith@company.ru"}, "o": {"Тобольск"},
				"userdirKind": {"mailbox"},
			}},
		{"one word", "", rec(t, "tobolsk", "admin@company.ru", "name", "Администратор"),
			map[string][]string{
				"objectClass": personOC, "cn": {"Администратор"}, "sn": {"Администратор"},
				"displayName": {"Администратор"}, "mail": {"admin@company.ru"}, "o": {"Тобольск"},
				"userdirKind": {"mailbox"},
			}},
		{"empty name", "", rec(t, "tobolsk", "noname@company.ru", "name", "  ", "mer", "2771"),
			map[string][]string{
				"objectClass": personOC, "cn": {"noname"}, "sn": {"noname"}, "mail": {"noname@company.ru"},
				"telephoneNumber": {"2771"}, "ipPhone": {"2771"}, "o": {"Тобольск"}, "userdirKind": {"mailbox"},
			}},
		{"city phone only", "", rec(t, "tyumen", "p@company.ru", "name", "Петров Пётр", "gor", "88-02-49"),
			map[string][]string{
				"objectClass": personOC, "cn": {"Петров Пётр"}, "sn": {"Петров"}, "givenName": {"Пётр"},
				"displayName": {"Петров Пётр"}, "mail": {"p@company.ru"}, "telephoneNumber": {"88-02-49"},
				"o": {"Тюмень"}, "mailHost": {"mx.tyumen.company.ru"}, "userdirKind": {"mailbox"},
			}},
		{"alias", "", rec(t, "tyumen", "info@company.ru", "type", "alias", "dst", "a@company.ru,b@company.ru"),
			map[string][]string{
				"objectClass": personOC, "cn": {"info"}, "sn": {"info"}, "mail": {"info@company.ru"},
				"o": {"Тюмень"}, "mailHost": {"mx.tyumen.company.ru"}, "userdirKind": {"alias"},
			}},
		{"alias with a name is not split", "", rec(t, "tyumen", "sales@company.ru", "type", "alias", "name", "Отдел продаж", "dst", "a@company.ru"),
			map[string][]string{
				"objectClass": personOC, "cn": {"Отдел продаж"}, "sn": {"Отдел продаж"}, "displayName": {"Отдел продаж"},
				"mail": {"sales@company.ru"}, "o": {"Тюмень"}, "mailHost": {"mx.tyumen.company.ru"}, "userdirKind": {"alias"},
			}},
	}
	for _, tt := range tests {
		m := newTestMapper(t, tt.order)
		e := mustEntry(t, m, tt.r)
		if got := attrMap(e.Attrs); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: attributes\n got %v\nwant %v", tt.name, got, tt.want)
		}
		if e.Attrs[0].Type != AttrObjectClass {
			t.Errorf("%s: first attribute is %s, want objectClass", tt.name, e.Attrs[0].Type.Name)
		}
		checkNorms(t, e)
	}
}

// checkNorms checks that every Attr.Norm is its type's equality normalization.
func checkNorms(t *testing.T, e *Entry) {
	t.Helper()
	for _, a := range append(append([]Attr(nil), e.Attrs...), e.Operational...) {
		if len(a.Norm()) != len(a.Values) {
			t.Errorf("%s %s: %d norms for %d values", e.DN, a.Type.Name, len(a.Norm()), len(a.Values))
			continue
		}
		for i, v := range a.Values {
			want := ""
			if a.Type.Equality != nil {
				want, _ = a.Type.Equality.Normalize(v)
			}
			if a.Norm()[i] != want {
				t.Errorf("%s %s: Norm[%d] = %q, want %q", e.DN, a.Type.Name, i, a.Norm()[i], want)
			}
		}
	}
}

func TestMapperEntryFields(t *testing.T) {
	m := newTestMapper(t, "")
	r := rec(t, "tyumen", "ivanov@company.ru", "name", "Иванов Иван", "vis", "0")
	e := mustEntry(t, m, r)
	if want := "mail=ivanov@company.ru,ou=Тюмень,dc=company,dc=ru"; e.DN != want {
		t.Errorf("DN = %q, want %q", e.DN, want)
	}
	if norm, err := NormalizeDN(e.DN); err != nil || e.NormDN != norm {
		t.Errorf("NormDN = %q, want NormalizeDN(DN) = %q (%v)", e.NormDN, norm, err)
	}
	if e.ParentDN != m.DivisionEntries()[0].NormDN || e.ParentDN != ParentDN(e.NormDN) {
		t.Errorf("ParentDN = %q, want %q", e.ParentDN, m.DivisionEntries()[0].NormDN)
	}
	if !e.Active || e.Visible || e.Kind != mailcmd.KindMailbox || e.Division != "tyumen" {
		t.Errorf("Active %v Visible %v Kind %q Division %q; want true false mbox tyumen",
			e.Active, e.Visible, e.Kind, e.Division)
	}
	ops := attrMap(e.Operational)
	wantUUID := uuid.NewSHA1(uuidNamespace, []byte("tyumen\x00ivanov@company.ru")).String()
	want := map[string][]string{
		"entryUUID":         {wantUUID},
		"createTimestamp":   {"20240301093000Z"},
		"modifyTimestamp":   {"20240517090203Z"}, // 14:02:03 +05:00 in UTC
		"entryDN":           {e.DN},
		"subschemaSubentry": {"cn=Subschema"},
		"hasSubordinates":   {"FALSE"},
	}
	if !reflect.DeepEqual(ops, want) {
		t.Errorf("operational\n got %v\nwant %v", ops, want)
	}
	// The UUID is stable: another mapper (another store) gives the same.
	if again := mustEntry(t, newTestMapper(t, NameOrderGivenFirst), r); again.Operational[0].Values[0] != wantUUID {
		t.Errorf("entryUUID is not stable")
	}
	if other := mustEntry(t, m, rec(t, "tobolsk", "ivanov@company.ru")); other.Operational[0].Values[0] == wantUUID {
		t.Errorf("the same address in another division has the same entryUUID")
	}
}

func TestMapperTombstoneAndTimes(t *testing.T) {
	m := newTestMapper(t, "")
	r := rec(t, "tyumen", "gone@company.ru", "name", "Ушедший")
	r.Exists = false
	r.Created = time.Time{}
	e := mustEntry(t, m, r)
	if e.Active {
		t.Errorf("tombstone maps to an active entry")
	}
	ops := attrMap(e.Operational)
	if got := ops["createTimestamp"]; len(got) != 1 || got[0] != ops["modifyTimestamp"][0] {
		t.Errorf("createTimestamp = %v, want modifyTimestamp %v when Created is zero", got, ops["modifyTimestamp"])
	}
	r.Exists, r.Values[mailcmd.FieldAct] = true, "0"
	if e := mustEntry(t, m, r); e.Active {
		t.Errorf("act=0 maps to an active entry")
	}
}

func TestMapperErrors(t *testing.T) {
	m := newTestMapper(t, "")
	_, err := m.Entry(rec(t, "surgut", "x@company.ru"))
	if !errors.Is(err, ErrUnknownDivision) {
		t.Errorf("Entry of an unknown division: %v, want ErrUnknownDivision", err)
	}
	if _, err := m.Entry(rec(t, "tyumen", "")); err == nil {
		t.Errorf("Entry without an address: no error")
	}
	bad := []MapOptions{
		{Suffix: ""},
		{Suffix: "dc=company,"},
		{Suffix: "cn=x,dc=company"},
		{Suffix: "dc=a+dc=b,dc=ru"},
		{Suffix: "dc=company,dc=ru", NameOrder: "surname-first"},
		{Suffix: "dc=company,dc=ru", Divisions: []DivisionInfo{{ID: "", Name: "X"}}},
		{Suffix: "dc=company,dc=ru", Divisions: []DivisionInfo{{ID: "a", Name: " "}}},
		{Suffix: "dc=company,dc=ru", Divisions: []DivisionInfo{{ID: "a", Name: "X"}, {ID: "a", Name: "Y"}}},
		{Suffix: "dc=company,dc=ru", Divisions: []DivisionInfo{{ID: "a", Name: "Тюмень"}, {ID: "b", Name: "ТЮМЕНЬ"}}},
	}
	for _, o := range bad {
		if _, err := NewMapper(o); err == nil {
			t.Errorf("NewMapper(%+v): no error", o)
		}
	}
}

func TestMapperSuffixAndDivisions(t *testing.T) {
	m := newTestMapper(t, "")
	s := m.SuffixEntry()
	if m.SuffixDN() != "dc=company,dc=ru" || s.DN != "dc=company,dc=ru" || s.NormDN != "dc=company,dc=ru" || s.ParentDN != "" {
		t.Errorf("suffix DN %q/%q/%q/%q", m.SuffixDN(), s.DN, s.NormDN, s.ParentDN)
	}
	want := map[string][]string{"objectClass": {"top", "dcObject", "organization"}, "dc": {"company"}, "o": {"АО «Компания»"}}
	if got := attrMap(s.Attrs); !reflect.DeepEqual(got, want) {
		t.Errorf("suffix attributes %v, want %v", got, want)
	}
	if got := attrMap(s.Operational)["hasSubordinates"]; len(got) != 1 || got[0] != "TRUE" {
		t.Errorf("suffix hasSubordinates = %v", got)
	}
	checkNorms(t, s)
	divs := m.DivisionEntries()
	if len(divs) != 2 {
		t.Fatalf("%d division entries, want 2", len(divs))
	}
	d := divs[1]
	if d.DN != "ou=Тобольск,dc=company,dc=ru" || d.NormDN != "ou=тобольск,dc=company,dc=ru" ||
		d.ParentDN != s.NormDN || d.Division != "tobolsk" || !d.Active || !d.Visible || d.Kind != "" {
		t.Errorf("division entry %+v", d)
	}
	want = map[string][]string{"objectClass": {"top", "organizationalUnit"}, "ou": {"Тобольск"}}
	if got := attrMap(d.Attrs); !reflect.DeepEqual(got, want) {
		t.Errorf("division attributes %v, want %v", got, want)
	}
	if got := attrMap(d.Operational)["entryUUID"][0]; got == attrMap(divs[0].Operational)["entryUUID"][0] {
		t.Errorf("two divisions share entryUUID %s", got)
	}
	checkNorms(t, d)
	if !RoleBook.Sees(d) || !RoleBook.Sees(s) {
		t.Errorf("the book role does not see the suffix or division entries")
	}

	o, err := NewMapper(MapOptions{Suffix: "o=Company", Divisions: []DivisionInfo{{ID: "x", Name: "Отдел, склад"}}})
	if err != nil {
		t.Fatalf("NewMapper(o=Company): %v", err)
	}
	if got := attrMap(o.SuffixEntry().Attrs)["o"]; !reflect.DeepEqual(got, []string{"Company"}) {
		t.Errorf("o=Company suffix: o = %v", got)
	}
	if got := o.DivisionEntries()[0].DN; got != `ou=Отдел\, склад,o=Company` {
		t.Errorf("escaped division DN = %q", got)
	}
}

func TestSplitName(t *testing.T) {
	tests := []struct{ name, order, sn, given string }{
		{"Иванов Иван Иванович", NameOrderFamilyFirst, "Иванов", "Иван"},
		{"Иванов Иван Иванович", "", "Иванов", "Иван"},
		{"  Иванов   Иван  ", "", "Иванов", "Иван"},
		{"John Smith", NameOrderGivenFirst, "Smith", "John"},
		{"John Ronald Reuel Tolkien", NameOrderGivenFirst, "Tolkien", "John"},
		{"Madonna", NameOrderGivenFirst, "Madonna", ""},
		{"Иванов", NameOrderFamilyFirst, "Иванов", ""},
		{"", NameOrderFamilyFirst, "", ""},
	}
	for _, tt := range tests {
		sn, given := SplitName(tt.name, tt.order)
		if sn != tt.sn || given != tt.given {
			t.Errorf("SplitName(%q, %q) = %q, %q; want %q, %q", tt.name, tt.order, sn, given, tt.sn, tt.given)
		}
	}
}

func TestRolesSeePersons(t *testing.T) {
	byMail, _ := fixture(t)
	tests := []struct {
		mail              string
		book, reader, mta bool
	}{
		{"ivanov@company.ru", true, true, true},
		{"sidorova@company.ru", false, false, true}, // vis=0
		{"info@company.ru", true, true, true},       // alias: visible like a mailbox
	}
	for _, tt := range tests {
		e := byMail[tt.mail]
		if RoleBook.Sees(e) != tt.book || RoleReader.Sees(e) != tt.reader || RoleMTA.Sees(e) != tt.mta {
			t.Errorf("%s: book %v reader %v mta %v", tt.mail, RoleBook.Sees(e), RoleReader.Sees(e), RoleMTA.Sees(e))
		}
	}
}
