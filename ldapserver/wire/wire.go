// Package wire appends BER (ITU-T X.690) encodings of LDAP protocol
// elements (RFC 4511 §5.1) to byte slices. It exists so that responses can
// be encoded into reused buffers and entries can be encoded once per
// snapshot; decoding is left to github.com/go-asn1-ber/asn1-ber.
package wire

// Universal and LDAP application tags used by the server.
const (
	TagBoolean     = 0x01
	TagInteger     = 0x02
	TagOctetString = 0x04
	TagEnumerated  = 0x0a
	TagSequence    = 0x30 // constructed SEQUENCE
	TagSet         = 0x31 // constructed SET

	AppBindResponse      = 0x61
	AppSearchEntry       = 0x64
	AppSearchDone        = 0x65
	AppModifyResponse    = 0x67
	AppAddResponse       = 0x69
	AppDelResponse       = 0x6b
	AppModDNResponse     = 0x6d
	AppCompareResponse   = 0x6f
	AppExtendedResponse  = 0x78
	CtxControls          = 0xa0 // [0] Controls in LDAPMessage
	CtxReferral          = 0xa3 // [3] Referral in LDAPResult
	CtxServerSASLCreds   = 0x87 // [7] in BindResponse
	CtxResponseName      = 0x8a // [10] in ExtendedResponse
	CtxResponseValue     = 0x8b // [11] in ExtendedResponse
	CtxIntermediateValue = 0x81
)

// AppendLength appends a definite BER length.
func AppendLength(b []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(b, byte(n))
	case n <= 0xff:
		return append(b, 0x81, byte(n))
	case n <= 0xffff:
		return append(b, 0x82, byte(n>>8), byte(n))
	case n <= 0xffffff:
		return append(b, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// LengthSize returns how many bytes AppendLength uses for n.
func LengthSize(n int) int {
	switch {
	case n < 0x80:
		return 1
	case n <= 0xff:
		return 2
	case n <= 0xffff:
		return 3
	case n <= 0xffffff:
		return 4
	}
	return 5
}

// AppendTLV appends tag, the length of content and content.
func AppendTLV(b []byte, tag byte, content []byte) []byte {
	b = append(b, tag)
	b = AppendLength(b, len(content))
	return append(b, content...)
}

// AppendString appends an OCTET STRING (or another primitive tag) holding s.
func AppendString(b []byte, tag byte, s string) []byte {
	b = append(b, tag)
	b = AppendLength(b, len(s))
	return append(b, s...)
}

// AppendInt appends an INTEGER or ENUMERATED (per tag) in minimal two's complement.
func AppendInt(b []byte, tag byte, v int64) []byte {
	n := 1
	for x := v; x > 127 || x < -128; x >>= 8 {
		n++
	}
	b = append(b, tag, byte(n))
	for i := n - 1; i >= 0; i-- {
		b = append(b, byte(v>>(8*uint(i))))
	}
	return b
}

// AppendBool appends a BOOLEAN (0xFF for true, as LDAP requires).
func AppendBool(b []byte, tag byte, v bool) []byte {
	if v {
		return append(b, tag, 1, 0xff)
	}
	return append(b, tag, 1, 0)
}

// Begin appends tag and reserves room for a length of up to 2^32-1,
// returning the offset to pass to End once the content has been appended.
func Begin(b []byte, tag byte) ([]byte, int) {
	b = append(b, tag, 0x84, 0, 0, 0, 0)
	return b, len(b)
}

// End fills in the length reserved by Begin at start and compacts the
// header to its minimal form.
func End(b []byte, start int) []byte {
	n := len(b) - start
	size := LengthSize(n)
	hdr := start - 5
	if size != 5 {
		copy(b[hdr+size:], b[start:])
		b = b[:hdr+size+n]
	}
	AppendLength(b[hdr:hdr], n)
	return b
}

// AppendAttribute appends a PartialAttribute (RFC 4511 §4.1.7):
// SEQUENCE { type OCTET STRING, vals SET OF OCTET STRING }. With typesOnly
// the set is empty. Lengths are computed first, so exactly the encoding's
// size is appended.
func AppendAttribute(b []byte, name string, values []string, typesOnly bool) []byte {
	set := 0
	if !typesOnly {
		for _, v := range values {
			set += 1 + LengthSize(len(v)) + len(v)
		}
	}
	seq := 1 + LengthSize(len(name)) + len(name) + 1 + LengthSize(set) + set
	b = append(b, TagSequence)
	b = AppendLength(b, seq)
	b = AppendString(b, TagOctetString, name)
	b = append(b, TagSet)
	b = AppendLength(b, set)
	if !typesOnly {
		for _, v := range values {
			b = AppendString(b, TagOctetString, v)
		}
	}
	return b
}

// EntryEncoder encodes the parts of a SearchResultEntry that a directory
// keeps encoded per entry (it is the directory.Encoder of the LDAP front
// end): the objectName and each PartialAttribute, which the server copies
// into the response.
type EntryEncoder struct{}

// AppendName appends the objectName dn, an OCTET STRING.
func (EntryEncoder) AppendName(b []byte, dn string) []byte {
	return AppendString(b, TagOctetString, dn)
}

// AppendAttribute appends a PartialAttribute; see AppendAttribute.
func (EntryEncoder) AppendAttribute(b []byte, name string, values []string, typesOnly bool) []byte {
	return AppendAttribute(b, name, values, typesOnly)
}
