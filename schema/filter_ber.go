package schema

import (
	"fmt"

	ber "github.com/go-asn1-ber/asn1-ber"
)

// The Filter CHOICE tags (RFC 4511 §4.5.1).
const (
	tagAnd        ber.Tag = 0
	tagOr         ber.Tag = 1
	tagNot        ber.Tag = 2
	tagEquality   ber.Tag = 3
	tagSubstrings ber.Tag = 4
	tagGreater    ber.Tag = 5
	tagLess       ber.Tag = 6
	tagPresent    ber.Tag = 7
	tagApprox     ber.Tag = 8
	tagExtensible ber.Tag = 9
)

// FilterFromPacket decodes the Filter of a SearchRequest (RFC 4511 §4.5.1).
// Every class, type, tag and number of children is checked, nesting is
// limited to MaxFilterDepth, and it never panics. Errors wrap ErrInvalidFilter.
func FilterFromPacket(p *ber.Packet) (Filter, error) {
	return decodeFilter(p, 1)
}

func decodeFilter(p *ber.Packet, depth int) (Filter, error) {
	if p == nil {
		return nil, fmt.Errorf("%w: missing filter", ErrInvalidFilter)
	}
	if depth > MaxFilterDepth {
		return nil, fmt.Errorf("%w: nested deeper than %d", ErrInvalidFilter, MaxFilterDepth)
	}
	if p.ClassType != ber.ClassContext {
		return nil, fmt.Errorf("%w: filter has class %d, want context-specific", ErrInvalidFilter, p.ClassType)
	}
	if p.Tag == tagPresent {
		return decodePresent(p)
	}
	if p.TagType != ber.TypeConstructed {
		return nil, fmt.Errorf("%w: filter choice [%d] must be constructed", ErrInvalidFilter, p.Tag)
	}
	switch p.Tag {
	case tagAnd, tagOr:
		return decodeSet(p, depth)
	case tagNot:
		if len(p.Children) != 1 {
			return nil, fmt.Errorf("%w: not has %d filters, want 1", ErrInvalidFilter, len(p.Children))
		}
		f, err := decodeFilter(p.Children[0], depth+1)
		if err != nil {
			return nil, err
		}
		return Not{Filter: f}, nil
	case tagEquality, tagGreater, tagLess, tagApprox:
		return decodeAVA(p)
	case tagSubstrings:
		return decodeSubstrings(p)
	case tagExtensible:
		return decodeExtensible(p)
	}
	return nil, fmt.Errorf("%w: unknown filter choice [%d]", ErrInvalidFilter, p.Tag)
}

// decodeSet decodes the members of an and or or (RFC 4526 allows none).
func decodeSet(p *ber.Packet, depth int) (Filter, error) {
	fs := make([]Filter, 0, len(p.Children))
	for _, c := range p.Children {
		f, err := decodeFilter(c, depth+1)
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	if p.Tag == tagAnd {
		return And(fs), nil
	}
	return Or(fs), nil
}

func decodePresent(p *ber.Packet) (Filter, error) {
	if p.TagType != ber.TypePrimitive {
		return nil, fmt.Errorf("%w: present must be primitive", ErrInvalidFilter)
	}
	attr := primitiveData(p)
	if attr == "" {
		return nil, fmt.Errorf("%w: present without attribute", ErrInvalidFilter)
	}
	return Present{Attr: attr}, nil
}

// decodeAVA decodes an AttributeValueAssertion: equality, >=, <= or ~=.
func decodeAVA(p *ber.Packet) (Filter, error) {
	if len(p.Children) != 2 {
		return nil, fmt.Errorf("%w: assertion [%d] has %d elements, want 2", ErrInvalidFilter, p.Tag, len(p.Children))
	}
	attr, err := octetString(p.Children[0], "attribute")
	if err != nil {
		return nil, err
	}
	if attr == "" {
		return nil, fmt.Errorf("%w: assertion without attribute", ErrInvalidFilter)
	}
	value, err := octetString(p.Children[1], "assertion value")
	if err != nil {
		return nil, err
	}
	switch p.Tag {
	case tagEquality:
		return Equality{Attr: attr, Value: value}, nil
	case tagGreater:
		return GreaterOrEqual{Attr: attr, Value: value}, nil
	case tagLess:
		return LessOrEqual{Attr: attr, Value: value}, nil
	}
	return Approx{Attr: attr, Value: value}, nil
}

// decodeSubstrings decodes a SubstringFilter: at most one initial, first,
// and at most one final, last, with any number of any between.
func decodeSubstrings(p *ber.Packet) (Filter, error) {
	if len(p.Children) != 2 {
		return nil, fmt.Errorf("%w: substrings has %d elements, want 2", ErrInvalidFilter, len(p.Children))
	}
	attr, err := octetString(p.Children[0], "attribute")
	if err != nil {
		return nil, err
	}
	if attr == "" {
		return nil, fmt.Errorf("%w: substrings without attribute", ErrInvalidFilter)
	}
	seq := p.Children[1]
	if seq == nil || seq.ClassType != ber.ClassUniversal || seq.TagType != ber.TypeConstructed ||
		seq.Tag != ber.TagSequence || len(seq.Children) == 0 {
		return nil, fmt.Errorf("%w: substrings needs a non-empty SEQUENCE of pieces", ErrInvalidFilter)
	}
	f := Substrings{Attr: attr}
	last := len(seq.Children) - 1
	for i, c := range seq.Children {
		if c == nil || c.ClassType != ber.ClassContext || c.TagType != ber.TypePrimitive {
			return nil, fmt.Errorf("%w: substring piece %d is not a context-specific primitive", ErrInvalidFilter, i)
		}
		v := primitiveData(c)
		switch {
		case c.Tag == 0 && i == 0:
			f.Initial = v
		case c.Tag == 1:
			f.Any = append(f.Any, v)
		case c.Tag == 2 && i == last:
			f.Final = v
		default:
			return nil, fmt.Errorf("%w: substring piece %d has tag [%d] out of place", ErrInvalidFilter, i, c.Tag)
		}
	}
	return f, nil
}

// decodeExtensible decodes a MatchingRuleAssertion: [1] rule, [2] type,
// [3] value, [4] dnAttributes, in this order, the value required and the
// type required when the rule is absent.
func decodeExtensible(p *ber.Packet) (Filter, error) {
	var f Extensible
	next, hasValue := ber.Tag(1), false
	for i, c := range p.Children {
		if c == nil || c.ClassType != ber.ClassContext || c.TagType != ber.TypePrimitive || c.Tag < next || c.Tag > 4 {
			return nil, fmt.Errorf("%w: extensible match element %d is malformed or out of order", ErrInvalidFilter, i)
		}
		next = c.Tag + 1
		v := primitiveData(c)
		switch c.Tag {
		case 1:
			f.Rule = v
		case 2:
			f.Attr = v
		case 3:
			f.Value, hasValue = v, true
		case 4:
			if len(v) != 1 {
				return nil, fmt.Errorf("%w: dnAttributes is not a BOOLEAN", ErrInvalidFilter)
			}
			f.DNAttributes = v[0] != 0
		}
	}
	switch {
	case !hasValue:
		return nil, fmt.Errorf("%w: extensible match without a value", ErrInvalidFilter)
	case f.Rule == "" && f.Attr == "":
		return nil, fmt.Errorf("%w: extensible match needs a rule or a type", ErrInvalidFilter)
	}
	return f, nil
}

// octetString returns the content of a universal OCTET STRING.
func octetString(p *ber.Packet, what string) (string, error) {
	if p == nil || p.ClassType != ber.ClassUniversal || p.TagType != ber.TypePrimitive || p.Tag != ber.TagOctetString {
		return "", fmt.Errorf("%w: %s is not an OCTET STRING", ErrInvalidFilter, what)
	}
	return primitiveData(p), nil
}

// primitiveData returns the content octets of a primitive packet, decoded or built.
func primitiveData(p *ber.Packet) string {
	if p.Data == nil {
		if s, ok := p.Value.(string); ok {
			return s
		}
		return ""
	}
	return p.Data.String()
}
