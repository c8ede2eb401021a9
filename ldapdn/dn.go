// Package ldapdn parses distinguished names (RFC 4514) into their RDNs and
// attribute values, without the LDAP protocol packages, so that the
// configuration can check the DNs it names (ldap.suffix, ldap.account.dn)
// without linking go-ldap. It accepts what go-ldap's ParseDN accepts (the
// fuzz test holds it to that), except #hex (BER) values and attribute types
// that are neither a name nor an OID, and text that is not UTF-8, which
// it refuses.
package ldapdn

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrSyntax is wrapped by every error of Parse.
var ErrSyntax = errors.New("invalid DN")

// errHexValue is the refusal of a #hex value.
var errHexValue = fmt.Errorf("%w: #hex (BER) values are not supported", ErrSyntax)

// AVA is one attribute type and value, with the escapes of the value undone.
type AVA struct{ Type, Value string }

// RDN is a relative distinguished name: one or more AVAs joined by "+".
type RDN []AVA

// DN is a distinguished name: its RDNs, leaf first.
type DN []RDN

// Parse parses s, which must be UTF-8. Spaces around types and values are
// ignored, "," and ";" separate RDNs, and a blank s is the empty DN (no
// RDNs). Errors wrap ErrSyntax and do not quote s: the caller names it.
func Parse(s string) (DN, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("%w: not UTF-8", ErrSyntax)
	}
	var (
		dn    DN
		rdn   RDN
		typ   string
		start int
	)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++ // the escaped byte is part of the value; decodeValue checks it
		case c == '=' && typ == "":
			t, err := decodeType(s[start:i])
			if err != nil {
				return nil, err
			}
			typ, start = t, i+1
		case c == ',' || c == ';' || c == '+':
			if typ == "" {
				return nil, fmt.Errorf("%w: incomplete type=value pair", ErrSyntax)
			}
			v, err := decodeValue(s[start:i])
			if err != nil {
				return nil, err
			}
			rdn, typ, start = append(rdn, AVA{typ, v}), "", i+1
			if c != '+' {
				dn, rdn = append(dn, rdn), nil
			}
		}
	}
	if typ == "" {
		return nil, fmt.Errorf("%w: ends with an incomplete type=value pair", ErrSyntax)
	}
	v, err := decodeValue(s[start:])
	if err != nil {
		return nil, err
	}
	return append(dn, append(rdn, AVA{typ, v})), nil
}

// decodeType returns the attribute type raw, trimmed: a name (RFC 4512
// descr) or a numeric OID.
func decodeType(raw string) (string, error) {
	t := strings.Trim(raw, " ")
	if !isDescr(t) && !isNumericOID(t) {
		return "", fmt.Errorf("%w: bad attribute type %q", ErrSyntax, t)
	}
	return t, nil
}

// isDescr reports whether s is a letter followed by letters, digits and hyphens.
func isDescr(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		letter := c >= 'a' && c <= 'z'
		if !letter && (i == 0 || !(s[i] >= '0' && s[i] <= '9' || s[i] == '-')) {
			return false
		}
	}
	return s != ""
}

// isNumericOID reports whether s is digits separated by single dots.
func isNumericOID(s string) bool {
	for _, part := range strings.Split(s, ".") {
		if part == "" || strings.Trim(part, "0123456789") != "" {
			return false
		}
	}
	return true
}

// decodeValue returns the attribute value raw with the spaces around it
// dropped (an escaped trailing space stays) and its escapes undone: "\"
// followed by one of ` "#+,;<=>\` or by two hex digits.
func decodeValue(raw string) (string, error) {
	if strings.HasPrefix(raw, "#") {
		return "", errHexValue
	}
	v := trimValue(raw)
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch c {
		case '"', ';', '<', '>', 0:
			return "", fmt.Errorf("%w: %q must be escaped", ErrSyntax, c)
		case '\\':
		default:
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(v) {
			return "", fmt.Errorf("%w: value ends with a lone backslash", ErrSyntax)
		}
		if strings.IndexByte(` "#+,;<=>\`, v[i+1]) >= 0 {
			b.WriteByte(v[i+1])
			i++
			continue
		}
		if i+2 >= len(v) || !isHex(v[i+1]) || !isHex(v[i+2]) {
			return "", fmt.Errorf("%w: bad escape in value", ErrSyntax)
		}
		b.WriteByte(unhex(v[i+1])<<4 | unhex(v[i+2]))
		i += 2
	}
	return b.String(), nil
}

// trimValue drops the spaces around v, keeping a trailing space that an
// odd number of backslashes escapes.
func trimValue(v string) string {
	t := strings.Trim(v, " ")
	if t == "" || !strings.HasSuffix(v, " ") {
		return t
	}
	n := len(t) - len(strings.TrimRight(t, `\`))
	if n%2 == 1 {
		return t + " "
	}
	return t
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f'
}

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return (c | 0x20) - 'a' + 10
}

// EqualFold reports whether d and o name the same entry, comparing types
// and values without regard to case and the AVAs of an RDN in any order.
func (d DN) EqualFold(o DN) bool {
	if len(d) != len(o) {
		return false
	}
	for i := range d {
		if !d[i].equalFold(o[i]) {
			return false
		}
	}
	return true
}

// equalFold matches every AVA of r to a distinct, equal AVA of o.
func (r RDN) equalFold(o RDN) bool {
	if len(r) != len(o) {
		return false
	}
	used := make([]bool, len(o))
	for _, a := range r {
		found := false
		for j, b := range o {
			if !used[j] && strings.EqualFold(a.Type, b.Type) && strings.EqualFold(a.Value, b.Value) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
