package schema

import (
	"slices"
	"testing"
)

// TestMatchClients runs the filters real clients send against the fixture.
func TestMatchClients(t *testing.T) {
	_, all := fixture(t)
	tests := []struct {
		client, filter string
		want           []string
	}{
		{"Thunderbird", "(|(cn=*ив*)(mail=*ив*)(givenName=*ив*)(sn=*ив*))",
			[]string{"ivanov@company.ru", "ivasenko@company.ru"}},
		{"Thunderbird upper case", "(|(cn=*ИВ*)(mail=*IV*)(givenName=*Ив*)(sn=*иВ*))",
			[]string{"ivanov@company.ru", "ivasenko@company.ru"}},
		{"Thunderbird with mozillaNickname",
			"(|(cn=*ив*)(mail=*ив*)(mozillaNickname=*ив*)(givenName=*ив*)(sn=*ив*))",
			[]string{"ivanov@company.ru", "ivasenko@company.ru"}},
		{"Thunderbird mozillaNickname equality", "(|(mozillaNickname=ivanov)(mail=ivanov))", nil},
		{"Thunderbird latin", "(|(cn=*smi*)(mail=*smi*)(givenName=*smi*)(sn=*smi*))",
			[]string{"smith@company.ru"}},
		{"Outlook", "(&(mail=*)(|(mail=иван*)(|(cn=иван*)(|(sn=иван*)(givenName=иван*)))))",
			[]string{"ivanov@company.ru"}},
		{"Outlook by mail", "(&(mail=*)(|(mail=petr*)(|(cn=petr*)(|(sn=petr*)(givenName=petr*)))))",
			[]string{"petrov@company.ru"}},
		{"Yealink name", "(|(cn=Иванов*)(sn=Иванов*))", []string{"ivanov@company.ru"}},
		{"Yealink name lower", "(|(cn=иванов*)(sn=иванов*))", []string{"ivanov@company.ru"}},
		{"Yealink caller ID", "(|(telephoneNumber=880293)(mobile=880293)(ipPhone=880293))",
			[]string{"ivanov@company.ru"}},
		{"Yealink caller ID full", "(|(telephoneNumber=+73452880293)(mobile=+73452880293)(ipPhone=+73452880293))",
			[]string{"ivanov@company.ru"}},
		{"Yealink caller ID long-distance", "(|(telephoneNumber=83452880293)(mobile=83452880293))",
			[]string{"ivanov@company.ru"}},
		{"caller ID of an extension", "(|(telephoneNumber=8293)(mobile=8293)(ipPhone=8293))",
			[]string{"sidorova@company.ru"}},
		{"mobile", "(mobile=89123456789)", []string{"ivanov@company.ru"}},
		{"Postfix", "(mail=petrov@company.ru)", []string{"petrov@company.ru"}},
		{"Postfix upper case", "(mail=Petrov@Company.RU)", []string{"petrov@company.ru"}},
		{"Postfix alias", "(mail=info@company.ru)", []string{"info@company.ru"}},
		{"ё and е", "(sn=елкин)", []string{"elkin@company.ru"}},
		{"е and ё", "(cn=*Пётр*)", []string{"petrov@company.ru"}},
		{"name supertype", "(name=Ивасенко)", []string{"ivasenko@company.ru"}},
		{"name supertype ou", "(name=склад)", []string{"ivasenko@company.ru"}},
		{"objectClass person", "(&(objectClass=person)(sn=Петров))", []string{"petrov@company.ru"}},
		{"objectClass by OID", "(&(objectClass=2.16.840.1.113730.3.2.2)(sn=Петров))", []string{"petrov@company.ru"}},
		{"objectClass case", "(&(objectClass=INETORGPERSON)(sn=Петров))", []string{"petrov@company.ru"}},
		{"division", "(&(o=Тобольск)(title=*))", []string{"elkin@company.ru", "smith@company.ru"}},
		{"kind", "(userdirKind=alias)", []string{"info@company.ru"}},
		{"alphabetical browsing", "(&(sn>=П)(sn<=Сидоровa))", []string{"petrov@company.ru"}},
		{"approx", "(cn~=иванов-иван иванович)", []string{"ivanov@company.ru"}},
		{"approx phone", "(telephoneNumber~=+7 3456 22 33 44)", []string{"elkin@company.ru"}},
		{"extensible", "(sn:caseIgnoreMatch:=ИВАНОВ)", []string{"ivanov@company.ru"}},
		{"extensible no rule", "(sn:=ИВАНОВ)", []string{"ivanov@company.ru"}},
		{"extensible no attr", "(:caseIgnoreMatch:=Бухгалтер)", []string{"elkin@company.ru"}},
		{"extensible substrings rule", "(cn:caseIgnoreSubstringsMatch:=*ива*)",
			[]string{"ivanov@company.ru", "ivasenko@company.ru"}},
		{"extensible dn", "(&(ou:dn:=Тюмень)(cn=*ов*))",
			[]string{"ivanov@company.ru", "petrov@company.ru", "sidorova@company.ru"}},
		{"extensible dn rule only", "(:dn:caseIgnoreMatch:=тобольск)",
			[]string{"elkin@company.ru", "ivasenko@company.ru", "smith@company.ru"}},
		{"extensible phone", "(telephoneNumber:telephoneNumberMatch:=880293)", []string{"ivanov@company.ru"}},
		{"extensible ordering", "(sn:caseIgnoreOrderingMatch:=Ж)", // less than: Latin sorts first
			[]string{"elkin@company.ru", "info@company.ru", "smith@company.ru"}},
		{"extensible unknown rule", "(cn:1.2.3.4:=Иванов)", nil},
		{"extensible rule not for the type", "(mail:telephoneNumberMatch:=880293)", nil},
		{"timestamps", "(modifyTimestamp>=20240517090000Z)", []string{"ivanov@company.ru", "petrov@company.ru",
			"elkin@company.ru", "ivasenko@company.ru", "sidorova@company.ru", "info@company.ru", "smith@company.ru"}},
		{"timestamps after", "(createTimestamp>=20240301093001Z)", nil},
		{"hasSubordinates", "(&(hasSubordinates=false)(sn=Петров))", []string{"petrov@company.ru"}},
		{"not", "(&(o=Тобольск)(!(cn=*ив*)))", []string{"elkin@company.ru", "smith@company.ru"}},
		{"given-first data in family-first", "(sn=smith)", []string{"smith@company.ru"}},
		{"options are not recognized", "(cn;lang-ru=Иванов Иван Иванович)", nil},
	}
	for _, tt := range tests {
		got := matching(t, tt.filter, all)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s %s matched %q, want %q", tt.client, tt.filter, got, tt.want)
		}
	}
}

// TestMatchThreeValued checks RFC 4511 §4.5.1.7 logic on one entry.
func TestMatchThreeValued(t *testing.T) {
	byMail, _ := fixture(t)
	e := byMail["ivanov@company.ru"]
	const (
		tru   = "(sn=Иванов)"
		fls   = "(sn=Петров)"
		undef = "(mozillaNickname=x)"
	)
	tests := []struct {
		filter string
		want   Tri
	}{
		{tru, True},
		{fls, False},
		{undef, Undefined},
		{"(mozillaNickname=*)", False},       // present: the entry has no such attribute
		{"(displayName=*)", True},            // known, present
		{"(mailHost=*)", True},               // division mail host
		{"(title:dn:=x)", False},             // known type, no value, not in the DN
		{"(givenName<=x)", False},            // "иван" > "x": Cyrillic sorts after Latin
		{"(telephoneNumber>=1)", Undefined},  // phones have no ordering rule
		{"(telephoneNumber=abc)", Undefined}, // no digits
		{"(telephoneNumber=*-*)", Undefined}, // no digit piece
		{"(telephoneNumber=*8802*)", True},   // digit substrings
		{"(telephoneNumber=*88-02*)", True},  // pieces reduced to digits
		{"(createTimestamp>=yesterday)", Undefined},
		{"(entryUUID=not-a-uuid)", Undefined},
		{"(cn= )", Undefined}, // empty after preparation
		{"(roomNumber=214)", True},
		{"(physicalDeliveryOfficeName=214)", True},
		{"(departmentNumber=отдел ит)", True},
		{"(ou=Отдел  ИТ)", True},
		{"(&" + tru + tru + ")", True},
		{"(&" + tru + fls + ")", False},
		{"(&" + tru + undef + ")", Undefined},
		{"(&" + fls + undef + ")", False},
		{"(|" + fls + fls + ")", False},
		{"(|" + fls + undef + ")", Undefined},
		{"(|" + tru + undef + ")", True},
		{"(!" + tru + ")", False},
		{"(!" + fls + ")", True},
		{"(!" + undef + ")", Undefined},
		{"(!(!" + undef + "))", Undefined},
		{"(&)", True},
		{"(|)", False},
		{"(mail~=ivanov)", False},
		{"(mail~=ivanov company ru)", True},
		{"(cn~=---)", Undefined},
		{"(nosuchattr:=x)", Undefined},
		{"(:nosuchrule:=x)", Undefined},
	}
	for _, tt := range tests {
		if got := Compile(mustParse(t, tt.filter)).Match(e); got != tt.want {
			t.Errorf("%s on %s = %v, want %v", tt.filter, e.DN, got, tt.want)
		}
	}
}

func TestMatchNilAndUnknown(t *testing.T) {
	byMail, _ := fixture(t)
	e := byMail["ivanov@company.ru"]
	if got := Compile(nil).Match(e); got != Undefined {
		t.Errorf("Compile(nil).Match = %v, want Undefined", got)
	}
	if got := Compile(Not{}).Match(e); got != Undefined {
		t.Errorf("Compile(Not{}).Match = %v, want Undefined", got)
	}
}

func TestMatchSuffixAndDivisions(t *testing.T) {
	m := newTestMapper(t, "")
	entries := append([]*Entry{m.SuffixEntry()}, m.DivisionEntries()...)
	tests := []struct {
		filter string
		want   []string
	}{
		{"(objectClass=*)", []string{"dc=company,dc=ru", "ou=Тюмень,dc=company,dc=ru", "ou=Тобольск,dc=company,dc=ru"}},
		{"(objectClass=organizationalUnit)", []string{"ou=Тюмень,dc=company,dc=ru", "ou=Тобольск,dc=company,dc=ru"}},
		{"(ou=тюмень)", []string{"ou=Тюмень,dc=company,dc=ru"}},
		{"(dc=COMPANY)", []string{"dc=company,dc=ru"}},
		{"(hasSubordinates=TRUE)", []string{"dc=company,dc=ru", "ou=Тюмень,dc=company,dc=ru", "ou=Тобольск,dc=company,dc=ru"}},
		{"(entryDN=OU=тюмень,DC=Company,DC=ru)", []string{"ou=Тюмень,dc=company,dc=ru"}},
	}
	for _, tt := range tests {
		mt := Compile(mustParse(t, tt.filter))
		var got []string
		for _, e := range entries {
			if mt.Match(e) == True {
				got = append(got, e.DN)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s matched %q, want %q", tt.filter, got, tt.want)
		}
	}
}

func TestMatchAllocationFree(t *testing.T) {
	byMail, _ := fixture(t)
	e := byMail["ivanov@company.ru"]
	for _, f := range []string{
		"(|(cn=*ив*)(mail=*ив*)(givenName=*ив*)(sn=*ив*)(mozillaNickname=*ив*))",
		"(&(mail=*)(|(mail=иван*)(|(cn=иван*)(|(sn=иван*)(givenName=иван*)))))",
		"(|(telephoneNumber=880293)(mobile=880293)(ipPhone=880293))",
		"(mail=ivanov@company.ru)",
		"(&(objectClass=person)(!(sn>=Я))(cn~=иванов))",
		"(name=Иванов)",
	} {
		m := Compile(mustParse(t, f))
		if allocs := testing.AllocsPerRun(100, func() { m.Match(e) }); allocs != 0 {
			t.Errorf("Match(%s) allocates %v times per entry", f, allocs)
		}
	}
}
