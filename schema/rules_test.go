package schema

import (
	"testing"
)

func TestPrepText(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"Иванов", "иванов", true},
		{"ИВАНОВ", "иванов", true},
		{"Ёлкин", "елкин", true},
		{"ёлкин", "елкин", true},
		{"Елкин", "елкин", true},
		{"е\u0308лкин", "елкин", true}, // decomposed ё
		{"  Иванов   Иван\tИванович  ", "иванов иван иванович", true},
		{"John  SMITH ", "john smith", true},
		{"already prepared", "already prepared", true},
		{"Straße", "strasse", true},               // full case folding
		{"ℌello", "hello", true},                  // NFKC then fold
		{"ﬁle", "file", true},                     // ligature, NFKC
		{"Ива\u00adнов", "иванов", true},          // soft hyphen dropped
		{"Ива\u200bнов", "иванов", true},          // zero-width space dropped
		{"Иван\u00a0Иванов", "иван иванов", true}, // no-break space
		{"ΣΊΣΥΦΟΣ", "σίσυφοσ", true},
		{"", "", false},
		{"   ", "", false},
		{"\t\u00a0", "", false},
		{"\xff\xfe", "", false},
	}
	for _, tt := range tests {
		got, ok := prepText(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("prepText(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if ok {
			again, _ := prepText(got)
			if again != got {
				t.Errorf("prepText not idempotent: %q -> %q -> %q", tt.in, got, again)
			}
		}
	}
}

func TestPrepTextASCIINoAlloc(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if _, ok := prepText("ivanov@company.ru"); !ok {
			t.Fatal("not ok")
		}
	})
	if allocs != 0 {
		t.Errorf("prepText of prepared ASCII allocates %v times", allocs)
	}
}

func TestPhoneRule(t *testing.T) {
	stored := "+7 (3452) 88-02-93"
	tests := []struct {
		assertion string
		want      bool
	}{
		{"880293", true},
		{"83452880293", true},
		{"3452880293", true},
		{"+73452880293", true},
		{"+7 (3452) 88-02-93", true},
		{"73452880293", true},
		{"80293", false},  // 5 digits: too short for a suffix match
		{"880294", false}, // last digits differ
		{"93452880293", true},
		{"3453880293", false}, // 10 compared digits differ
		{"8293", false},
	}
	sn, _ := RulePhone.Normalize(stored)
	for _, tt := range tests {
		an, ok := RulePhone.Normalize(tt.assertion)
		if !ok {
			t.Fatalf("Normalize(%q) not ok", tt.assertion)
		}
		if got := RulePhone.equal(sn, an); got != tt.want {
			t.Errorf("telephoneNumberMatch(%q, %q) = %v, want %v", stored, tt.assertion, got, tt.want)
		}
		if got := RulePhone.equal(an, sn); got != tt.want {
			t.Errorf("telephoneNumberMatch is not symmetric for %q", tt.assertion)
		}
	}
	short, _ := RulePhone.Normalize("82-93")
	four, _ := RulePhone.Normalize("8293")
	if !RulePhone.equal(short, four) {
		t.Errorf("8293 does not match a 4-digit 82-93")
	}
	if RulePhone.equal(sn, four) {
		t.Errorf("8293 matches %q", stored)
	}
	for _, v := range []string{"", "abc", "+ ( ) - .", "доб."} {
		if n, ok := RulePhone.Normalize(v); ok {
			t.Errorf("Normalize(%q) = %q, ok; want not ok", v, n)
		}
	}
}

func TestRuleNormalize(t *testing.T) {
	tests := []struct {
		rule     *MatchingRule
		in, want string
		ok       bool
	}{
		{RuleCaseIgnoreIA5, "Ivanov@Company.RU", "ivanov@company.ru", true},
		{RuleCaseIgnoreIA5, " ivanov@company.ru ", "ivanov@company.ru", true},
		{RuleCaseExactIA5, " userdir  0.1 ", "userdir 0.1", true},
		{RuleCaseExactIA5, "Юзердир", "", false},
		{RuleObjectIdentifier, "inetOrgPerson", "inetorgperson", true},
		{RuleObjectIdentifier, "2.16.840.1.113730.3.2.2", "inetorgperson", true},
		{RuleObjectIdentifier, "PERSON", "person", true},
		{RuleObjectIdentifier, "2.5.4.3", "cn", true},
		{RuleObjectIdentifier, "mozillaAbPersonAlpha", "mozillaabpersonalpha", true},
		{RuleObjectIdentifier, "1.2.3", "1.2.3", true},
		{RuleObjectIdentifier, "not an oid", "", false},
		{RuleObjectIdentifier, "1..2", "", false},
		{RuleOIDFirst, "( 2.5.4.3 NAME 'cn' )", "2.5.4.3", true},
		{RuleOIDFirst, "2.5.4.3", "2.5.4.3", true},
		{RuleOIDFirst, "(", "", false},
		{RuleBoolean, "true", "TRUE", true},
		{RuleBoolean, "FALSE", "FALSE", true},
		{RuleBoolean, "yes", "", false},
		{RuleInteger, "3", "3", true},
		{RuleInteger, "+03", "3", true},
		{RuleInteger, "three", "", false},
		{RuleTime, "20240517090203Z", "20240517090203.000000000Z", true},
		{RuleTime, "20240517140203+0500", "20240517090203.000000000Z", true},
		{RuleTime, "2024051709Z", "20240517090000.000000000Z", true},
		{RuleTime, "20240517", "", false},
		{RuleUUID, "0F8E0A56-3F3A-5D1B-9A4E-6E1E2B3C4D5E", "0f8e0a56-3f3a-5d1b-9a4e-6e1e2b3c4d5e", true},
		{RuleUUID, "not-a-uuid", "", false},
		{RuleDN, "CN=Subschema", "cn=subschema", true},
		{RuleDN, "cn", "", false},
	}
	for _, tt := range tests {
		got, ok := tt.rule.Normalize(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s.Normalize(%q) = %q, %v; want %q, %v", tt.rule.Name, tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestOrderingRules(t *testing.T) {
	tests := []struct {
		rule *MatchingRule
		a, b string
		want int
	}{
		{RuleCaseIgnoreOrder, "Андреев", "борисов", -1},
		{RuleCaseIgnoreOrder, "Ёлкин", "Жуков", -1}, // ё sorts as е, before ж
		{RuleCaseIgnoreOrder, "Яковлев", "Иванов", 1},
		{RuleCaseIgnoreOrder, "ИВАНОВ", "иванов", 0},
		{RuleTimeOrder, "20240101000000Z", "20231231235959Z", 1},
		{RuleTimeOrder, "20240101050000+0500", "20240101000000Z", 0},
		{RuleTimeOrder, "20240101000000.5Z", "20240101000000Z", 1},
		{RuleUUIDOrder, "00000000-0000-0000-0000-000000000001", "F0000000-0000-0000-0000-000000000000", -1},
	}
	for _, tt := range tests {
		a, oka := tt.rule.Normalize(tt.a)
		b, okb := tt.rule.Normalize(tt.b)
		if !oka || !okb {
			t.Fatalf("%s: %q or %q does not normalize", tt.rule.Name, tt.a, tt.b)
		}
		if got := sign(tt.rule.Compare(a, b)); got != tt.want {
			t.Errorf("%s.Compare(%q, %q) = %d, want %d", tt.rule.Name, tt.a, tt.b, got, tt.want)
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestLookupAttribute(t *testing.T) {
	tests := []struct {
		name string
		want *AttributeType
	}{
		{"cn", AttrCN},
		{"CN", AttrCN},
		{"commonName", AttrCN},
		{"2.5.4.3", AttrCN},
		{"gn", AttrGivenName},
		{"GivenName", AttrGivenName},
		{"surname", AttrSN},
		{"rfc822Mailbox", AttrMail},
		{"mobileTelephoneNumber", AttrMobile},
		{"organizationalUnitName", AttrOU},
		{"organizationName", AttrO},
		{"domainComponent", AttrDC},
		{"1.2.840.113556.1.4.721", AttrIPPhone},
		{"physicalDeliveryOfficeName", AttrOffice},
		{OIDUserdirKind, AttrUserdirKind},
		{"entryuuid", AttrEntryUUID},
		{"mozillaNickname", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if got := LookupAttribute(tt.name); got != tt.want {
			t.Errorf("LookupAttribute(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestLookupMatchingRule(t *testing.T) {
	for _, r := range MatchingRules() {
		for _, key := range []string{r.Name, r.OID} {
			if got := LookupMatchingRule(key); got != r {
				t.Errorf("LookupMatchingRule(%q) = %v, want %s", key, got, r.Name)
			}
		}
	}
	if got := LookupMatchingRule("CASEIGNOREMATCH"); got != RuleCaseIgnore {
		t.Errorf("LookupMatchingRule is case-sensitive")
	}
	if got := LookupMatchingRule("caseExactMatch"); got != nil {
		t.Errorf("LookupMatchingRule(caseExactMatch) = %v, want nil", got)
	}
}

// TestRuleKindsAgree checks that the equality, ordering and substrings rules
// of each type normalize alike, so Attr.Norm serves all three.
func TestRuleKindsAgree(t *testing.T) {
	for _, at := range AttributeTypes() {
		if at.Equality == nil {
			continue
		}
		kind := ruleInfos[at.Equality].norm
		for _, r := range []*MatchingRule{at.Ordering, at.Substr} {
			if r != nil && ruleInfos[r].norm != kind {
				t.Errorf("%s: %s does not normalize like %s", at.Name, r.Name, at.Equality.Name)
			}
		}
	}
}

func TestSubtypes(t *testing.T) {
	got := map[*AttributeType]bool{}
	for _, s := range Subtypes(AttrName) {
		got[s] = true
	}
	for _, want := range []*AttributeType{AttrName, AttrCN, AttrSN, AttrGivenName, AttrOU, AttrO, AttrTitle} {
		if !got[want] {
			t.Errorf("Subtypes(name) lacks %s", want.Name)
		}
	}
	if got[AttrMail] || got[AttrDisplayName] {
		t.Errorf("Subtypes(name) = %v, holds a type that is not a subtype", Subtypes(AttrName))
	}
	if s := Subtypes(AttrCN); len(s) != 1 || s[0] != AttrCN {
		t.Errorf("Subtypes(cn) = %v, want [cn]", s)
	}
}

// TestPrepTextFastPaths checks the ASCII and Cyrillic shortcuts against the
// general preparation they stand in for.
func TestPrepTextFastPaths(t *testing.T) {
	var all []rune
	for r := rune(0x20); r < 0x7f; r++ {
		all = append(all, r)
	}
	for r := rune(0x400); r <= 0x45f; r++ {
		all = append(all, r)
	}
	inputs := []string{"  Ёлкин  СЕМЁН  ", "Ѐ Ё Ђ Џ ѐ ё ђ џ", "Отдел ИТ-2 (склад)", "ABC  xyz", " ", string(all)}
	for _, r := range all {
		inputs = append(inputs, string(r), "x"+string(r)+" Y")
	}
	for _, in := range inputs {
		got, gotOK := prepText(in)
		want, wantOK := prepSlow(in)
		if got != want || gotOK != wantOK {
			t.Errorf("prepText(%q) = %q, %v; the general path gives %q, %v", in, got, gotOK, want, wantOK)
		}
	}
}

// TestIA5FindsBothIDNSpellings checks that mail matches an internationalized
// address by its Unicode and its punycode spelling (issue 8).
func TestIA5FindsBothIDNSpellings(t *testing.T) {
	stored, _ := RuleCaseIgnoreIA5.Normalize("ivanov@компания.рф")
	for _, v := range []string{"ivanov@компания.рф", "IVANOV@xn--80aqeigdi5k.xn--p1ai", "Ivanov@КОМПАНИЯ.РФ"} {
		if got, ok := RuleCaseIgnoreIA5.Normalize(v); !ok || got != stored {
			t.Errorf("caseIgnoreIA5Match(%q) = %q, want %q", v, got, stored)
		}
	}
}
