package directory

import (
	"strings"

	"userdir/schema"
)

// selection is the attribute list of a search request, resolved once per
// request (RFC 4511 §4.5.1.8): "*" all user attributes, "+" all
// operational ones, "1.1" none, or names.
type selection struct {
	enc       Encoder // of the attribute names a typesOnly search sends
	allUser   bool
	allOper   bool
	types     []*schema.AttributeType
	typesOnly bool
}

func newSelection(enc Encoder, attrs []string, typesOnly bool) selection {
	s := selection{enc: enc, typesOnly: typesOnly}
	if len(attrs) == 0 {
		s.allUser = true
	}
	for _, a := range attrs {
		switch a = strings.TrimSpace(a); a {
		case "*":
			s.allUser = true
		case "+":
			s.allOper = true
		case "1.1", "":
		default:
			if i := strings.IndexByte(a, ';'); i >= 0 { // attribute options: ignore them
				a = a[:i]
			}
			if t := schema.LookupAttribute(a); t != nil {
				// t and its subtypes: asking for "name" returns cn, sn, ...
				s.types = append(s.types, schema.Subtypes(t)...)
			}
		}
	}
	return s
}

// wants reports whether attribute type t is selected: by name (or through
// a supertype: s.types holds the subtypes too), or by "*" / "+".
func (s *selection) wants(t *schema.AttributeType) bool {
	if t.Operational {
		if s.allOper {
			return true
		}
	} else if s.allUser {
		return true
	}
	for _, w := range s.types {
		if w == t {
			return true
		}
	}
	return false
}

// encode returns the selected attributes of it, either as a slice of its
// own encoding (no copy) or appended to scratch.
func (s *selection) encode(it *item, scratch []byte) (attrs, newScratch []byte) {
	if !s.typesOnly && len(s.types) == 0 {
		switch {
		case s.allUser && s.allOper:
			return it.enc, scratch
		case s.allUser:
			return it.enc[:it.offs[it.nUser]], scratch
		case s.allOper:
			return it.enc[it.offs[it.nUser]:], scratch
		default:
			return nil, scratch
		}
	}
	scratch = scratch[:0]
	for i := 0; i < len(it.offs)-1; i++ {
		t := it.typeAt(i)
		if !s.wants(t) {
			continue
		}
		if s.typesOnly {
			scratch = s.enc.AppendAttribute(scratch, t.Name, nil, true)
		} else {
			scratch = append(scratch, it.attr(i)...)
		}
	}
	return scratch, scratch
}
