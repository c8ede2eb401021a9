package wire

import (
	"bytes"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"
)

func TestAppendLengthMatchesDecoder(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 255, 256, 65535, 65536, 1 << 20} {
		content := bytes.Repeat([]byte{'x'}, n)
		b := AppendTLV(nil, TagOctetString, content)
		p, err := ber.DecodePacketErr(b)
		if err != nil {
			t.Fatalf("n=%d: decode: %v", n, err)
		}
		if len(p.ByteValue) != n {
			t.Errorf("n=%d: decoded %d bytes", n, len(p.ByteValue))
		}
		if got, want := len(b), 1+LengthSize(n)+n; got != want {
			t.Errorf("n=%d: encoded %d bytes, want %d", n, got, want)
		}
	}
}

func TestAppendInt(t *testing.T) {
	for _, v := range []int64{0, 1, 127, 128, 255, 256, -1, -128, -129, 1 << 31, -(1 << 40)} {
		b := AppendInt(nil, TagInteger, v)
		p, err := ber.DecodePacketErr(b)
		if err != nil {
			t.Fatalf("%d: %v", v, err)
		}
		if got := p.Value.(int64); got != v {
			t.Errorf("AppendInt(%d) decodes to %d", v, got)
		}
		if want := ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, v, "").Bytes(); !bytes.Equal(b, want) {
			t.Errorf("AppendInt(%d) = %x, want %x", v, b, want)
		}
	}
}

func TestBeginEndNested(t *testing.T) {
	for _, n := range []int{0, 5, 200, 70000} {
		b := []byte{0xEE}
		b, outer := Begin(b, TagSequence)
		b = AppendString(b, TagOctetString, string(bytes.Repeat([]byte{'a'}, n)))
		b, inner := Begin(b, TagSet)
		b = AppendBool(b, TagBoolean, true)
		b = End(b, inner)
		b = End(b, outer)
		if b[0] != 0xEE {
			t.Fatal("prefix clobbered")
		}
		p, err := ber.DecodePacketErr(b[1:])
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if len(p.Children) != 2 || len(p.Children[0].ByteValue) != n || p.Children[1].Children[0].Value != true {
			t.Fatalf("n=%d: wrong structure: %s", n, ber.DescribePacket(p))
		}
		want := ber.NewSequence("")
		want.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, string(bytes.Repeat([]byte{'a'}, n)), ""))
		set := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSet, nil, "")
		set.AppendChild(ber.NewLDAPBoolean(ber.ClassUniversal, ber.TypePrimitive, ber.TagBoolean, true, ""))
		want.AppendChild(set)
		if !bytes.Equal(b[1:], want.Bytes()) {
			t.Errorf("n=%d: not minimal DER-like encoding", n)
		}
	}
}

func TestAppendAttribute(t *testing.T) {
	b := AppendAttribute(nil, "cn", []string{"Иванов Иван", "x"}, false)
	p, err := ber.DecodePacketErr(b)
	if err != nil {
		t.Fatal(err)
	}
	if p.Children[0].Value != "cn" || len(p.Children[1].Children) != 2 || p.Children[1].Children[0].Value != "Иванов Иван" {
		t.Fatalf("bad attribute: %s", ber.DescribePacket(p))
	}
	b = AppendAttribute(nil, "cn", []string{"x"}, true)
	p, _ = ber.DecodePacketErr(b)
	if len(p.Children[1].Children) != 0 {
		t.Fatal("typesOnly attribute has values")
	}
}
