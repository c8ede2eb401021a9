package schema

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// fuzzFilters seed the filter fuzzers: the clients' filters and every type.
var fuzzFilters = []string{
	"(|(cn=*ив*)(mail=*ив*)(givenName=*ив*)(sn=*ив*))",
	"(|(cn=*ив*)(mail=*ив*)(mozillaNickname=*ив*)(givenName=*ив*)(sn=*ив*))",
	"(&(mail=*)(|(mail=иван*)(|(cn=иван*)(|(sn=иван*)(givenName=иван*)))))",
	"(|(cn=Иванов*)(sn=Иванов*))",
	"(|(telephoneNumber=880293)(mobile=880293)(ipPhone=880293))",
	"(mail=ivanov@company.ru)",
	"(&(objectClass=person)(!(sn>=Я))(cn~=иванов)(createTimestamp<=20250101000000Z))",
	"(cn:dn:caseIgnoreMatch:=Тюмень)",
	"(:caseIgnoreSubstringsMatch:=*ив*ов)",
	"(name=\\d0\\98\\2a)",
	"(&)",
	"(|)",
}

// FuzzFilterFromPacket decodes arbitrary bytes as a BER filter, compiles it
// and matches it against the fixture: nothing may panic, and a decoded
// filter must survive String → ParseFilter unchanged in meaning.
func FuzzFilterFromPacket(f *testing.F) {
	for _, s := range fuzzFilters {
		p, err := ldap.CompileFilter(s)
		if err != nil {
			f.Fatalf("CompileFilter(%q): %v", s, err)
		}
		f.Add(p.Bytes())
	}
	f.Add([]byte{0xa0, 0x00})                  // empty and
	f.Add([]byte{0x87, 0x02, 'c', 'n'})        // present
	f.Add([]byte{0xa2, 0x03, 0x87, 0x01, 'x'}) // not present
	f.Add([]byte{0xa3, 0x03, 0x04, 0x01, 'x'}) // equality, one child
	f.Add([]byte{0xa9, 0x06, 0x82, 0x01, 'x', 0x83, 0x01, 'y'})
	_, entries := fixture(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ber.DecodePacketErr(data)
		if err != nil {
			return
		}
		flt, err := FilterFromPacket(p)
		if err != nil {
			if !errors.Is(err, ErrInvalidFilter) {
				t.Fatalf("FilterFromPacket error %v does not wrap ErrInvalidFilter", err)
			}
			return
		}
		m := Compile(flt)
		for _, e := range entries {
			if r := m.Match(e); r != True && r != False && r != Undefined {
				t.Fatalf("Match = %d", r)
			}
		}
		checkReparse(t, flt)
	})
}

// checkReparse checks that a filter String can express parses back to the
// same filter (empty substring pieces, which have no string form, aside).
func checkReparse(t *testing.T, flt Filter) {
	t.Helper()
	if !isStringable(flt) {
		return
	}
	again, err := ParseFilter(flt.String())
	if err != nil {
		t.Fatalf("%#v.String() = %q does not parse: %v", flt, flt.String(), err)
	}
	if want := normalizeEmpty(flt); !reflect.DeepEqual(want, again) {
		t.Fatalf("%#v.String() = %q parses to %#v", flt, flt.String(), again)
	}
}

// normalizeEmpty is flt with empty substring pieces, which have no string form, removed.
func normalizeEmpty(flt Filter) Filter {
	switch f := flt.(type) {
	case And:
		out := And{}
		for _, c := range f {
			out = append(out, normalizeEmpty(c))
		}
		return out
	case Or:
		out := Or{}
		for _, c := range f {
			out = append(out, normalizeEmpty(c))
		}
		return out
	case Not:
		return Not{normalizeEmpty(f.Filter)}
	case Substrings:
		var anys []string
		for _, a := range f.Any {
			if a != "" {
				anys = append(anys, a)
			}
		}
		f.Any = anys
		return f
	}
	return flt
}

// FuzzParseFilter parses arbitrary text: errors wrap ErrInvalidFilter, and
// a parsed filter's String parses back to the same filter.
func FuzzParseFilter(f *testing.F) {
	for _, s := range fuzzFilters {
		f.Add(s)
	}
	f.Add("(cn=a\\")
	f.Add("((((cn=a))))")
	f.Add("(!(!(!(cn=*))))")
	_, entries := fixture(f)
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := ParseFilter(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidFilter) {
				t.Fatalf("ParseFilter(%q) error %v does not wrap ErrInvalidFilter", s, err)
			}
			return
		}
		m := Compile(flt)
		for _, e := range entries {
			m.Match(e)
		}
		checkReparse(t, flt)
	})
}

// isStringable reports whether every attribute description and rule in flt
// can be written in a string filter (RFC 4515 has no escapes for them) and
// every substrings filter has a piece.
func isStringable(flt Filter) bool {
	ok := func(s string) bool {
		if s == "" || strings.IndexByte("&|!", s[0]) >= 0 {
			return false
		}
		for i := 0; i < len(s); i++ {
			switch c := s[i]; {
			case c == '(' || c == ')' || c == '*' || c == '\\' || c == '=' || c == ':' || c == '<' ||
				c == '>' || c == '~' || c == 0 || c >= 0x80:
				return false
			}
		}
		return s != ""
	}
	switch f := flt.(type) {
	case And:
		for _, c := range f {
			if !isStringable(c) {
				return false
			}
		}
		return true
	case Or:
		for _, c := range f {
			if !isStringable(c) {
				return false
			}
		}
		return true
	case Not:
		return isStringable(f.Filter)
	case Equality:
		return ok(f.Attr)
	case Substrings:
		return ok(f.Attr) && (f.Initial != "" || f.Final != "" || slices.ContainsFunc(f.Any, func(a string) bool { return a != "" }))
	case GreaterOrEqual:
		return ok(f.Attr)
	case LessOrEqual:
		return ok(f.Attr)
	case Present:
		return ok(f.Attr)
	case Approx:
		return ok(f.Attr)
	case Extensible:
		return (f.Attr == "" || ok(f.Attr)) && (f.Rule == "" || ok(f.Rule) && f.Rule != "dn") &&
			(f.Attr != "" || f.Rule != "")
	}
	return false
}

// FuzzNormalizeDN normalizes arbitrary text: errors wrap ErrInvalidDN, the
// result is a fixed point, and ParentDN never grows it.
func FuzzNormalizeDN(f *testing.F) {
	for _, s := range []string{
		"mail=ivanov@company.ru,ou=Тюмень,dc=company,dc=ru", "cn=a\\,b+sn=c,dc=x", "cn=#04024869,dc=x",
		"CN=Ёлкин  Семён", "2.5.4.3=x", "cn=\\ lead\\ ,dc=x", "cn=a;dc=b", "", "cn=\\00", "cn=\\ff\\fe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := NormalizeDN(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidDN) {
				t.Fatalf("NormalizeDN(%q) error %v does not wrap ErrInvalidDN", s, err)
			}
			return
		}
		again, err := NormalizeDN(n)
		if err != nil || again != n {
			t.Fatalf("NormalizeDN(%q) = %q, which normalizes to %q, %v", s, n, again, err)
		}
		if p := ParentDN(n); len(p) >= len(n) && n != "" {
			t.Fatalf("ParentDN(%q) = %q", n, p)
		}
	})
}
