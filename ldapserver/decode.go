package ldapserver

import (
	"errors"
	"fmt"

	ber "github.com/go-asn1-ber/asn1-ber"
)

// Application tags of the LDAP operations (RFC 4511 §4.2 ff.).
const (
	opBind       = 0
	opUnbind     = 2
	opSearch     = 3
	opModify     = 6
	opAdd        = 8
	opDelete     = 10
	opModifyDN   = 12
	opCompare    = 14
	opAbandon    = 16
	opExtended   = 23
	maxMessageID = 1<<31 - 1
)

// request is a decoded LDAPMessage envelope.
type request struct {
	id       int64
	op       ber.Tag
	body     *ber.Packet // the protocolOp
	controls []control
	frame    []byte // the raw message; valid until the next read
}

// control is one request control (RFC 4511 §4.1.11).
type control struct {
	oid      string
	critical bool
	value    []byte
	hasValue bool
}

// errField marks a request whose envelope is fine but whose fields are
// not: it is answered with protocolError in its own response type.
var errField = errors.New("malformed request")

func fieldErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errField}, args...)...)
}

// decodeMessage decodes the envelope of a frame. Errors wrap errMalformed.
func decodeMessage(frame []byte) (*request, error) {
	p, err := ber.DecodePacketErr(frame)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if p.ClassType != ber.ClassUniversal || p.TagType != ber.TypeConstructed || p.Tag != ber.TagSequence {
		return nil, fmt.Errorf("%w: not a SEQUENCE", errMalformed)
	}
	if len(p.Children) < 2 || len(p.Children) > 3 {
		return nil, fmt.Errorf("%w: %d elements in LDAPMessage", errMalformed, len(p.Children))
	}
	id, err := integer(p.Children[0], ber.ClassUniversal, ber.TagInteger)
	if err != nil || id < 0 || id > maxMessageID {
		return nil, fmt.Errorf("%w: bad messageID", errMalformed)
	}
	op := p.Children[1]
	if op.ClassType != ber.ClassApplication {
		return nil, fmt.Errorf("%w: protocolOp is not an application tag", errMalformed)
	}
	req := &request{id: id, op: op.Tag, body: op, frame: frame}
	if len(p.Children) == 3 {
		if req.controls, err = decodeControls(p.Children[2]); err != nil {
			return nil, fmt.Errorf("%w: %v", errMalformed, err)
		}
	}
	return req, nil
}

func decodeControls(p *ber.Packet) ([]control, error) {
	if p.ClassType != ber.ClassContext || p.TagType != ber.TypeConstructed || p.Tag != 0 {
		return nil, errors.New("controls are not [0] SEQUENCE OF Control")
	}
	out := make([]control, 0, len(p.Children))
	for _, c := range p.Children {
		if !isSequence(c) || len(c.Children) < 1 || len(c.Children) > 3 {
			return nil, errors.New("control is not a SEQUENCE")
		}
		oid, err := str(c.Children[0], ber.ClassUniversal, ber.TagOctetString)
		if err != nil || oid == "" {
			return nil, errors.New("control type is not an OCTET STRING")
		}
		ctl := control{oid: oid}
		rest := c.Children[1:]
		if len(rest) > 0 && rest[0].ClassType == ber.ClassUniversal && rest[0].Tag == ber.TagBoolean {
			if ctl.critical, err = boolean(rest[0]); err != nil {
				return nil, err
			}
			rest = rest[1:]
		}
		if len(rest) > 0 {
			v, err := str(rest[0], ber.ClassUniversal, ber.TagOctetString)
			if err != nil || len(rest) > 1 {
				return nil, errors.New("control value is not an OCTET STRING")
			}
			ctl.value, ctl.hasValue = []byte(v), true
		}
		out = append(out, ctl)
	}
	return out, nil
}

// content returns the content octets of a primitive packet.
func content(p *ber.Packet) []byte {
	if p.ClassType == ber.ClassUniversal {
		return p.ByteValue
	}
	if p.Data == nil {
		return nil
	}
	return p.Data.Bytes()
}

func isSequence(p *ber.Packet) bool {
	return p.ClassType == ber.ClassUniversal && p.TagType == ber.TypeConstructed && p.Tag == ber.TagSequence
}

// str returns the content of a primitive packet of the given class and tag.
func str(p *ber.Packet, class ber.Class, tag ber.Tag) (string, error) {
	if p.ClassType != class || p.TagType != ber.TypePrimitive || p.Tag != tag {
		return "", fmt.Errorf("want primitive %v tag %d, got %v %v tag %d", class, tag, p.ClassType, p.TagType, p.Tag)
	}
	return string(content(p)), nil
}

// integer decodes a primitive INTEGER or ENUMERATED of at most 8 bytes.
func integer(p *ber.Packet, class ber.Class, tag ber.Tag) (int64, error) {
	if p.ClassType != class || p.TagType != ber.TypePrimitive || p.Tag != tag {
		return 0, fmt.Errorf("want integer tag %d, got tag %d", tag, p.Tag)
	}
	b := content(p)
	if len(b) == 0 || len(b) > 8 {
		return 0, fmt.Errorf("integer of %d bytes", len(b))
	}
	v := int64(int8(b[0]))
	for _, x := range b[1:] {
		v = v<<8 | int64(x)
	}
	return v, nil
}

// boolean decodes a primitive BOOLEAN.
func boolean(p *ber.Packet) (bool, error) {
	if p.ClassType != ber.ClassUniversal || p.TagType != ber.TypePrimitive || p.Tag != ber.TagBoolean {
		return false, errors.New("not a BOOLEAN")
	}
	b := content(p)
	if len(b) != 1 {
		return false, errors.New("BOOLEAN of wrong length")
	}
	return b[0] != 0, nil
}

// rawTLV splits the first TLV off b, returning it whole and the rest.
func rawTLV(b []byte) (tlv, rest []byte, ok bool) {
	if len(b) < 2 {
		return nil, nil, false
	}
	i := 1
	if b[0]&0x1f == 0x1f { // high tag number
		for i < len(b) && b[i]&0x80 != 0 {
			i++
		}
		i++
	}
	if i >= len(b) {
		return nil, nil, false
	}
	n := int(b[i])
	i++
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 4 || i+k > len(b) {
			return nil, nil, false
		}
		n = 0
		for _, x := range b[i : i+k] {
			n = n<<8 | int(x)
		}
		i += k
	}
	if n < 0 || i+n > len(b) {
		return nil, nil, false
	}
	return b[:i+n], b[i+n:], true
}

// contentOf returns the content of a TLV.
func contentOf(tlv []byte) []byte {
	_, rest, ok := rawTLV(tlv)
	if !ok || len(rest) != 0 {
		return nil
	}
	i := 1
	if tlv[1]&0x80 != 0 {
		i += int(tlv[1] & 0x7f)
	}
	return tlv[i+1:]
}

// searchFilterBytes returns the encoding of the filter of a SearchRequest
// frame: the seventh element of the protocolOp. It serves as the cache key
// of the compiled filter; "" when the frame does not have that shape.
func searchFilterBytes(frame []byte) string {
	msg := contentOf(frame)
	_, rest, ok := rawTLV(msg) // messageID
	if !ok {
		return ""
	}
	op, _, ok := rawTLV(rest)
	if !ok {
		return ""
	}
	b := contentOf(op)
	for i := 0; i < 6; i++ {
		if _, b, ok = rawTLV(b); !ok {
			return ""
		}
	}
	f, _, ok := rawTLV(b)
	if !ok {
		return ""
	}
	return string(f)
}
