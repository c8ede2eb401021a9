package schema

import (
	"errors"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

func TestNormalizeDN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  ", ""},
		{"dc=company,dc=ru", "dc=company,dc=ru"},
		{"DC=Company, DC=RU", "dc=company,dc=ru"},
		{"domainComponent=company,0.9.2342.19200300.100.1.25=ru", "dc=company,dc=ru"},
		{"Mail=Ivanov@Company.RU,OU=Тюмень,dc=company,dc=ru", "mail=ivanov@company.ru,ou=тюмень,dc=company,dc=ru"},
		{"rfc822Mailbox=ivanov@company.ru,organizationalUnitName=ТЮМЕНЬ,dc=company,dc=ru",
			"mail=ivanov@company.ru,ou=тюмень,dc=company,dc=ru"},
		{"cn=Ёлкин  Семён,ou=Тобольск", "cn=елкин семен,ou=тобольск"},
		{"commonName=Иванов,dc=x", "cn=иванов,dc=x"},
		{"2.5.4.3=Иванов,dc=x", "cn=иванов,dc=x"},
		{"sn=B+cn=A,dc=x", "cn=a+sn=b,dc=x"},
		{"cn=A+sn=B,dc=x", "cn=a+sn=b,dc=x"},
		{"FooBar=Some  Value,dc=x", "foobar=some value,dc=x"},
		{"cn=a\\,b,dc=x", "cn=a\\,b,dc=x"},
		{"cn=a\\2Cb,dc=x", "cn=a\\,b,dc=x"},
		{"cn=\\#1,dc=x", "cn=\\#1,dc=x"},
		{"cn=\\ lead,dc=x", "cn=lead,dc=x"}, // insignificant space is dropped by caseIgnoreMatch
		{"cn=1\\+1,dc=x", "cn=1\\+1,dc=x"},
		{"cn=#04024869,dc=x", "cn=hi,dc=x"}, // BER-encoded value
		{"telephoneNumber=\\+7 (3452) 88-02-93,dc=x", "telephonenumber=73452880293,dc=x"},
		{"cn=Subschema", "cn=subschema"},
		{"cn=a;dc=x", "cn=a,dc=x"}, // RFC 1779 separator
	}
	for _, tt := range tests {
		got, err := NormalizeDN(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizeDN(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if again, err := NormalizeDN(got); err != nil || again != got {
			t.Errorf("NormalizeDN not idempotent: %q -> %q -> %q, %v", tt.in, got, again, err)
		}
	}
}

func TestNormalizeDNErrors(t *testing.T) {
	for _, in := range []string{
		"cn", "cn=a,", ",cn=a", "cn=a,,dc=x", "=a", "c n=a", "1.=a", "cn=a\\", "cn=a\\zz", "cn=\"q\"",
		"cn=a<b", "cn=#zz", "cn=#0402486901", "-cn=a", "cn=a+",
	} {
		got, err := NormalizeDN(in)
		if !errors.Is(err, ErrInvalidDN) {
			t.Errorf("NormalizeDN(%q) = %q, %v; want ErrInvalidDN", in, got, err)
		}
	}
}

func TestEscapeDNValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Иванов Иван", "Иванов Иван"},
		{"Тюмень", "Тюмень"},
		{"a,b", `a\,b`},
		{"a+b", `a\+b`},
		{`"q"`, `\"q\"`},
		{"a;b<c>d", `a\;b\<c\>d`},
		{`back\slash`, `back\\slash`},
		{"#1", `\#1`},
		{"a#1", "a#1"},
		{" lead", `\ lead`},
		{"trail ", `trail\ `},
		{" ", `\ `},
		{"  ", `\ \ `},
		{"a=b", "a=b"},
		{"nul\x00", `nul\00`},
		{"bad\xff", `bad\ff`},
		{"", ""},
	}
	for _, tt := range tests {
		if got := EscapeDNValue(tt.in); got != tt.want {
			t.Errorf("EscapeDNValue(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestEscapeDNValueRoundTrip checks that an escaped value parses back to
// itself with the go-ldap parser and that unescapeDNValue undoes it.
func TestEscapeDNValueRoundTrip(t *testing.T) {
	for _, v := range []string{
		"Иванов Иван", "Отдел ИТ, склад", "1+1=2", "#hash", "  spaces  ", `a\b`, `"quoted"`,
		"<tag>;", "Ёлкин", "mail@company.ru", "x,y+z;w", "nul\x00inside", "ends with \\",
	} {
		esc := EscapeDNValue(v)
		dn, err := ldap.ParseDN("cn=" + esc + ",dc=x")
		if err != nil {
			t.Errorf("ParseDN of escaped %q (%q): %v", v, esc, err)
			continue
		}
		if got := dn.RDNs[0].Attributes[0].Value; got != v {
			t.Errorf("escaped %q as %q, parsed back %q", v, esc, got)
		}
		if len(dn.RDNs) != 2 || len(dn.RDNs[0].Attributes) != 1 {
			t.Errorf("escaped %q as %q: split into %d RDNs", v, esc, len(dn.RDNs))
		}
		if got := unescapeDNValue(esc); got != v {
			t.Errorf("unescapeDNValue(%q) = %q, want %q", esc, got, v)
		}
	}
}

func TestParentDN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"mail=ivanov@company.ru,ou=тюмень,dc=company,dc=ru", "ou=тюмень,dc=company,dc=ru"},
		{"ou=тюмень,dc=company,dc=ru", "dc=company,dc=ru"},
		{"dc=ru", ""},
		{"", ""},
		{`cn=a\,b,dc=x`, "dc=x"},
		{`cn=a\\,dc=x`, "dc=x"},
		{"cn=a+sn=b,dc=x", "dc=x"},
	}
	for _, tt := range tests {
		if got := ParentDN(tt.in); got != tt.want {
			t.Errorf("ParentDN(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNextAVA(t *testing.T) {
	dn := `cn=a\,b+sn=c,dc=x`
	var got []string
	for dn != "" {
		typ, v, rest, ok := nextAVA(dn)
		if !ok {
			t.Fatalf("nextAVA(%q) not ok", dn)
		}
		got = append(got, typ+"|"+unescapeDNValue(v))
		dn = rest
	}
	want := []string{"cn|a,b", "sn|c", "dc|x"}
	if len(got) != len(want) {
		t.Fatalf("AVAs = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("AVA %d = %q, want %q", i, got[i], want[i])
		}
	}
}
