package schema

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// filterCases are RFC 4515 strings, the Filter they parse to and their canonical String.
var filterCases = []struct {
	in   string
	want Filter
	str  string // "" means in
}{
	{"(cn=Иванов)", Equality{"cn", "Иванов"}, ""},
	{"(cn=Ivanov\\2a)", Equality{"cn", "Ivanov*"}, "(cn=Ivanov\\2a)"},
	{"(cn=a\\28b\\29c\\5cd)", Equality{"cn", "a(b)c\\d"}, ""},
	{"(cn=\\d0\\98\\d0\\b2)", Equality{"cn", "Ив"}, "(cn=Ив)"},
	{"(cn=*)", Present{"cn"}, ""},
	{"(cn=Ив*)", Substrings{Attr: "cn", Initial: "Ив"}, ""},
	{"(cn=*ив*)", Substrings{Attr: "cn", Any: []string{"ив"}}, ""},
	{"(cn=*ов)", Substrings{Attr: "cn", Final: "ов"}, ""},
	{"(cn=И*в*н*ов)", Substrings{Attr: "cn", Initial: "И", Any: []string{"в", "н"}, Final: "ов"}, ""},
	{"(createTimestamp>=20240101000000Z)", GreaterOrEqual{"createTimestamp", "20240101000000Z"}, ""},
	{"(sn<=М)", LessOrEqual{"sn", "М"}, ""},
	{"(sn~=Ivanof)", Approx{"sn", "Ivanof"}, ""},
	{"(cn:caseIgnoreMatch:=Иванов)", Extensible{Rule: "caseIgnoreMatch", Attr: "cn", Value: "Иванов"}, ""},
	{"(cn:=Иванов)", Extensible{Attr: "cn", Value: "Иванов"}, ""},
	{"(:dn:2.5.13.2:=Тюмень)", Extensible{Rule: "2.5.13.2", Value: "Тюмень", DNAttributes: true}, ""},
	{"(ou:dn:=Тюмень)", Extensible{Attr: "ou", Value: "Тюмень", DNAttributes: true}, ""},
	{"(&(objectClass=person)(!(mail=a*)))",
		And{Equality{"objectClass", "person"}, Not{Substrings{Attr: "mail", Initial: "a"}}}, ""},
	{"(|(cn=a)(sn=b)(gn=c))", Or{Equality{"cn", "a"}, Equality{"sn", "b"}, Equality{"gn", "c"}}, ""},
	{"(&)", And{}, ""},
	{"(|)", Or{}, ""},
	{"(mozillaNickname=ivan)", Equality{"mozillaNickname", "ivan"}, ""},
}

func TestParseFilter(t *testing.T) {
	for _, tt := range filterCases {
		got, err := ParseFilter(tt.in)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseFilter(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
		want := tt.str
		if want == "" {
			want = tt.in
		}
		if s := got.String(); s != want {
			t.Errorf("ParseFilter(%q).String() = %q, want %q", tt.in, s, want)
		}
		again, err := ParseFilter(got.String())
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("String() of %q does not parse back: %v, %#v", tt.in, err, again)
		}
	}
}

// TestFilterFromPacketWire decodes every filter type as ldap.CompileFilter
// builds it and after a trip through BER bytes, as a SearchRequest brings it.
func TestFilterFromPacketWire(t *testing.T) {
	for _, tt := range filterCases {
		p, err := ldap.CompileFilter(tt.in)
		if err != nil {
			t.Fatalf("CompileFilter(%q): %v", tt.in, err)
		}
		wire, err := ber.DecodePacketErr(p.Bytes())
		if err != nil {
			t.Fatalf("DecodePacketErr(%q): %v", tt.in, err)
		}
		for how, pkt := range map[string]*ber.Packet{"from the wire": wire, "as built": p} {
			got, err := FilterFromPacket(pkt)
			if err != nil {
				t.Errorf("FilterFromPacket(%q %s): %v", tt.in, how, err)
				continue
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("FilterFromPacket(%q %s) = %#v, want %#v", tt.in, how, got, tt.want)
			}
		}
	}
}

func TestParseFilterErrors(t *testing.T) {
	for _, in := range []string{
		"", "cn=a", "(cn=a", "(cn=a))", "((cn=a)", "(=a)", "(cn=**)", "(cn=\\zz)", "(!(cn=a)(sn=b))",
		"(:=a)", "(cn=a)(sn=b)", strings.Repeat("(!", 70) + "(cn=a)" + strings.Repeat(")", 70),
		strings.Repeat("(", 100000),
	} {
		f, err := ParseFilter(in)
		if !errors.Is(err, ErrInvalidFilter) {
			t.Errorf("ParseFilter(%.40q) = %v, %v; want ErrInvalidFilter", in, f, err)
		}
	}
	ok := strings.Repeat("(!", MaxFilterDepth-1) + "(cn=a)" + strings.Repeat(")", MaxFilterDepth-1)
	if _, err := ParseFilter(ok); err != nil {
		t.Errorf("ParseFilter of depth %d: %v", MaxFilterDepth, err)
	}
}

// Packet builders for malformed filters.
func ctxPrim(tag ber.Tag, v string) *ber.Packet {
	return ber.NewString(ber.ClassContext, ber.TypePrimitive, tag, v, "")
}

func ctxCons(tag ber.Tag, kids ...*ber.Packet) *ber.Packet {
	p := ber.Encode(ber.ClassContext, ber.TypeConstructed, tag, nil, "")
	for _, k := range kids {
		p.AppendChild(k)
	}
	return p
}

func octets(v string) *ber.Packet {
	return ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, v, "")
}

func seq(kids ...*ber.Packet) *ber.Packet {
	p := ber.NewSequence("")
	for _, k := range kids {
		p.AppendChild(k)
	}
	return p
}

func TestFilterFromPacketMalformed(t *testing.T) {
	deep := ctxCons(tagEquality, octets("cn"), octets("a"))
	for range MaxFilterDepth {
		deep = ctxCons(tagNot, deep)
	}
	tests := []struct {
		name string
		p    *ber.Packet
	}{
		{"nil", nil},
		{"universal class", octets("cn")},
		{"application class", ber.Encode(ber.ClassApplication, ber.TypeConstructed, 0, nil, "")},
		{"unknown choice", ctxCons(10, octets("cn"), octets("a"))},
		{"huge tag", ctxCons(1<<40, octets("cn"), octets("a"))},
		{"primitive and", ctxPrim(tagAnd, "x")},
		{"and of garbage", ctxCons(tagAnd, octets("x"))},
		{"not without child", ctxCons(tagNot)},
		{"not with two", ctxCons(tagNot, ctxPrim(tagPresent, "cn"), ctxPrim(tagPresent, "sn"))},
		{"equality one child", ctxCons(tagEquality, octets("cn"))},
		{"equality three children", ctxCons(tagEquality, octets("cn"), octets("a"), octets("b"))},
		{"equality attr not octets", ctxCons(tagEquality, ctxPrim(4, "cn"), octets("a"))},
		{"equality value constructed", ctxCons(tagEquality, octets("cn"), seq(octets("a")))},
		{"equality empty attr", ctxCons(tagEquality, octets(""), octets("a"))},
		{"ge one child", ctxCons(tagGreater, octets("cn"))},
		{"approx no children", ctxCons(tagApprox)},
		{"present constructed", ctxCons(tagPresent, octets("cn"))},
		{"present empty", ctxPrim(tagPresent, "")},
		{"substrings no pieces", ctxCons(tagSubstrings, octets("cn"), seq())},
		{"substrings no sequence", ctxCons(tagSubstrings, octets("cn"))},
		{"substrings set not sequence", ctxCons(tagSubstrings, octets("cn"),
			ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSet, nil, ""))},
		{"substrings two initials", ctxCons(tagSubstrings, octets("cn"), seq(ctxPrim(0, "a"), ctxPrim(0, "b")))},
		{"substrings final first", ctxCons(tagSubstrings, octets("cn"), seq(ctxPrim(2, "a"), ctxPrim(1, "b")))},
		{"substrings bad piece tag", ctxCons(tagSubstrings, octets("cn"), seq(ctxPrim(3, "a")))},
		{"substrings universal piece", ctxCons(tagSubstrings, octets("cn"), seq(octets("a")))},
		{"extensible no value", ctxCons(tagExtensible, ctxPrim(1, "caseIgnoreMatch"), ctxPrim(2, "cn"))},
		{"extensible no rule no type", ctxCons(tagExtensible, ctxPrim(3, "a"))},
		{"extensible out of order", ctxCons(tagExtensible, ctxPrim(2, "cn"), ctxPrim(1, "caseIgnoreMatch"), ctxPrim(3, "a"))},
		{"extensible repeated", ctxCons(tagExtensible, ctxPrim(2, "cn"), ctxPrim(2, "sn"), ctxPrim(3, "a"))},
		{"extensible bad tag", ctxCons(tagExtensible, ctxPrim(2, "cn"), ctxPrim(3, "a"), ctxPrim(5, "x"))},
		{"extensible bad boolean", ctxCons(tagExtensible, ctxPrim(2, "cn"), ctxPrim(3, "a"), ctxPrim(4, "xx"))},
		{"too deep", deep},
	}
	for _, tt := range tests {
		f, err := FilterFromPacket(tt.p)
		if !errors.Is(err, ErrInvalidFilter) {
			t.Errorf("%s: FilterFromPacket = %v, %v; want ErrInvalidFilter", tt.name, f, err)
		}
		if tt.p == nil {
			continue
		}
		// The same packet through the wire must fail the same way.
		if wire, err := ber.DecodePacketErr(tt.p.Bytes()); err == nil {
			if f, err := FilterFromPacket(wire); !errors.Is(err, ErrInvalidFilter) {
				t.Errorf("%s from the wire: FilterFromPacket = %v, %v; want ErrInvalidFilter", tt.name, f, err)
			}
		}
	}
}

func TestFilterFromPacketDNAttributes(t *testing.T) {
	for _, b := range []byte{0x00, 0x01, 0xff} {
		p := ctxCons(tagExtensible, ctxPrim(2, "ou"), ctxPrim(3, "x"), ctxPrim(4, string([]byte{b})))
		wire, err := ber.DecodePacketErr(p.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		f, err := FilterFromPacket(wire)
		if err != nil {
			t.Fatalf("dnAttributes %#x: %v", b, err)
		}
		if got := f.(Extensible).DNAttributes; got != (b != 0) {
			t.Errorf("dnAttributes %#x decoded as %v", b, got)
		}
	}
}

func TestFilterStringEscapes(t *testing.T) {
	tests := []struct {
		f    Filter
		want string
	}{
		{Equality{"cn", "a*b(c)d\\e\x00"}, `(cn=a\2ab\28c\29d\5ce\00)`},
		{Equality{"cn", "bad\xffutf8"}, `(cn=bad\ffutf8)`},
		{Substrings{Attr: "cn", Initial: "*", Final: ")"}, `(cn=\2a*\29)`},
		{Not{}, "(!(!(&)))"},
		{Extensible{Attr: "cn", Rule: "2.5.13.2", Value: "(x)", DNAttributes: true}, `(cn:dn:2.5.13.2:=\28x\29)`},
		{Or{Present{"mail"}, Approx{"sn", "Ivanov"}}, "(|(mail=*)(sn~=Ivanov))"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.f, got, tt.want)
		}
	}
}
