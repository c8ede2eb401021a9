package ldapdn

import (
	"errors"
	"reflect"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want DN
		ok   bool
	}{
		{"", nil, true},
		{"  ", nil, true},
		{"dc=company,dc=ru", DN{{{"dc", "company"}}, {{"dc", "ru"}}}, true},
		{" cn = Иван Петров ; o=x", DN{{{"cn", "Иван Петров"}}, {{"o", "x"}}}, true},
		{"cn=a+sn=b,dc=ru", DN{{{"cn", "a"}, {"sn", "b"}}, {{"dc", "ru"}}}, true},
		{`cn=a\,b\2Cc\ ,dc=ru`, DN{{{"cn", "a,b,c "}}, {{"dc", "ru"}}}, true},
		{`cn=a\\ ,dc=ru`, DN{{{"cn", `a\`}}, {{"dc", "ru"}}}, true},
		{"2.5.4.3=x", DN{{{"2.5.4.3", "x"}}}, true},
		{"cn=", DN{{{"cn", ""}}}, true},
		{"cn", nil, false},
		{"=x", nil, false},
		{"cn=a,", nil, false},
		{"cn=#0403616263", nil, false}, // BER: refused
		{`cn=a"b`, nil, false},
		{`cn=a\`, nil, false},
		{`cn=a\zz`, nil, false},
		{"c n=x", nil, false},
		{"1..2=x", nil, false},
	}
	for _, tc := range tests {
		got, err := Parse(tc.in)
		if (err == nil) != tc.ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q) = %q, %v; want %q, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) error %v does not wrap ErrSyntax", tc.in, err)
		}
	}
}

func TestEqualFold(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"cn=Postfix,dc=company,dc=ru", "CN=postfix, DC=Company, DC=RU", true},
		{"cn=a+sn=b,dc=ru", "sn=B+cn=A,dc=ru", true},
		{"cn=a,dc=ru", "cn=a,dc=com", false},
		{"cn=a+cn=a,dc=ru", "cn=a+cn=b,dc=ru", false},
		{"cn=a", "cn=a,dc=ru", false},
	}
	for _, tc := range tests {
		a, err1 := Parse(tc.a)
		b, err2 := Parse(tc.b)
		if err1 != nil || err2 != nil {
			t.Fatalf("Parse: %v, %v", err1, err2)
		}
		if got := a.EqualFold(b); got != tc.want {
			t.Errorf("%q EqualFold %q = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// FuzzParse holds Parse to go-ldap's ParseDN, which the server uses: what
// Parse accepts, ParseDN accepts with the same types and values, so the
// configuration never passes a DN the server then refuses. Parse may refuse
// more: #hex values, malformed attribute types and text that is not UTF-8.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"dc=company,dc=ru", `cn=a\,b+sn=c;o=x`, `cn=\ a\ `, "cn=#04026162", "2.5.4.3=x", `cn=a\\ `} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Parse(s)
		want, lerr := parseLDAP(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("Parse(%q) error %v does not wrap ErrSyntax", s, err)
			}
			return
		}
		if lerr != nil {
			t.Fatalf("Parse(%q) = %q, but go-ldap refuses it: %v", s, got, lerr)
		}
		if len(got) != len(want.RDNs) {
			t.Fatalf("Parse(%q) = %q, go-ldap %v", s, got, want)
		}
		for i, rdn := range want.RDNs {
			if len(rdn.Attributes) != len(got[i]) {
				t.Fatalf("Parse(%q) = %q, go-ldap %v", s, got, want)
			}
			for j, a := range rdn.Attributes {
				if (AVA{a.Type, a.Value}) != got[i][j] {
					t.Fatalf("Parse(%q) RDN %d AVA %d = %q, go-ldap %q=%q", s, i, j, got[i][j], a.Type, a.Value)
				}
			}
		}
	})
}

// parseLDAP is ldap.ParseDN with its panics (on BER) as errors.
func parseLDAP(s string) (dn *ldap.DN, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("panic")
		}
	}()
	return ldap.ParseDN(s)
}
