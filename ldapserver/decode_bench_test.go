package ldapserver

import (
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// BenchmarkDecodeSearch decodes a Postfix lookup the way a request that
// is not in the memo is decoded: go-asn1-ber's packet tree, then every
// field checked. It is the cold path that requestMemo avoids.
func BenchmarkDecodeSearch(b *testing.B) {
	f, err := ldap.CompileFilter("(mail=ivanov@company.ru)")
	if err != nil {
		b.Fatal(err)
	}
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, opSearch, nil, "Search")
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "dc=company,dc=ru", ""))
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, 2, ""))
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, 0, ""))
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 0, ""))
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 0, ""))
	op.AppendChild(ber.NewBoolean(ber.ClassUniversal, ber.TypePrimitive, ber.TagBoolean, false, ""))
	op.AppendChild(f)
	attrs := ber.NewSequence("attrs")
	attrs.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "mail", ""))
	op.AppendChild(attrs)
	msg := ber.NewSequence("LDAPMessage")
	msg.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, int64(7), ""))
	msg.AppendChild(op)
	frame := msg.Bytes()
	b.Run("go-asn1-ber", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			req, err := decodeMessage(frame)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := decodeSearch(req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("memo", func(b *testing.B) {
		var m requestMemo
		req, _ := decodeMessage(frame)
		s, _ := decodeSearch(req)
		_, rest, _ := splitFrame(frame)
		m.put(string(rest), s)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_, rest, ok := splitFrame(frame)
			if !ok || m.get(rest) == nil {
				b.Fatal("memo miss")
			}
		}
	})
}
