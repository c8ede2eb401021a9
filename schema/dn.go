package schema

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"
)

// ErrInvalidDN is returned for a string that is not a distinguished name (RFC 4514).
var ErrInvalidDN = errors.New("invalid DN")

// NormalizeDN returns the normalized form of dn, the key entries are found
// by: attribute types become their canonical lower-case names (aliases and
// OIDs resolved, unknown types lower-cased), values their equality
// normalization (case folded; text preparation for unknown types), the AVAs
// of a multi-valued RDN are sorted and joined by "+", and the RDNs are
// joined by ",". The empty DN stays "". Errors wrap ErrInvalidDN.
func NormalizeDN(dn string) (norm string, err error) {
	if strings.TrimSpace(dn) == "" {
		return "", nil
	}
	defer func() { // the parser decodes #hex BER values: never let it take us down
		if r := recover(); r != nil {
			norm, err = "", fmt.Errorf("%w: %q: malformed value", ErrInvalidDN, dn)
		}
	}()
	parsed, err := ldap.ParseDN(dn)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrInvalidDN, dn, err)
	}
	var b strings.Builder
	for i, rdn := range parsed.RDNs {
		if i > 0 {
			b.WriteByte(',')
		}
		avas := make([]string, 0, len(rdn.Attributes))
		for _, ava := range rdn.Attributes {
			s, err := normalizeAVA(ava.Type, ava.Value)
			if err != nil {
				return "", fmt.Errorf("%w: %q: %w", ErrInvalidDN, dn, err)
			}
			avas = append(avas, s)
		}
		slices.Sort(avas)
		b.WriteString(strings.Join(avas, "+"))
	}
	return b.String(), nil
}

// normalizeAVA returns "type=value" of one attribute type and value, normalized.
func normalizeAVA(typ, value string) (string, error) {
	if !isDescr(typ) && !isNumericOID(typ) {
		return "", fmt.Errorf("bad attribute type %q", typ)
	}
	name := strings.ToLower(typ)
	t := LookupAttribute(typ)
	if t != nil {
		name = strings.ToLower(t.Name)
	}
	return name + "=" + EscapeDNValue(normalizeDNAttrValue(t, value)), nil
}

// normalizeDNAttrValue normalizes one RDN value with its type's equality
// rule, falling back to the text preparation and then to the value itself.
func normalizeDNAttrValue(t *AttributeType, v string) string {
	if t != nil && t.Equality != nil {
		if n, ok := t.Equality.Normalize(v); ok {
			return n
		}
	}
	if n, ok := prepText(v); ok {
		return n
	}
	return v
}

// EscapeDNValue escapes v for use as an attribute value in a DN string
// (RFC 4514 §2.4): the special characters `"+,;<>\`, a leading space or
// '#' and a trailing space get a backslash; NUL and bytes that are not
// UTF-8 are written as \XX. Other UTF-8, Cyrillic included, stays as it is.
func EscapeDNValue(v string) string {
	if !needsDNEscape(v) {
		return v
	}
	var b strings.Builder
	b.Grow(len(v) + 8)
	for i := 0; i < len(v); {
		r, n := utf8.DecodeRuneInString(v[i:])
		c := v[i]
		switch {
		case r == utf8.RuneError && n <= 1, c == 0:
			b.WriteByte('\\')
			b.WriteString(hex.EncodeToString([]byte{c}))
		case strings.IndexByte(`"+,;<>\`, c) >= 0,
			i == 0 && (c == ' ' || c == '#'),
			i == len(v)-1 && c == ' ':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteString(v[i : i+n])
		}
		i += n
	}
	return b.String()
}

func needsDNEscape(v string) bool {
	if v == "" {
		return false
	}
	if v[0] == ' ' || v[0] == '#' || v[len(v)-1] == ' ' || !utf8.ValidString(v) {
		return true
	}
	return strings.ContainsAny(v, "\"+,;<>\\\x00")
}

// ParentDN returns the DN of the parent of a normalized DN: everything after
// its first RDN, or "" for a DN of a single RDN.
func ParentDN(normDN string) string {
	for i := 0; i < len(normDN); i++ {
		switch normDN[i] {
		case '\\':
			i++
		case ',':
			return normDN[i+1:]
		}
	}
	return ""
}

// unescapeDNValue undoes EscapeDNValue on a value of a normalized DN.
func unescapeDNValue(v string) string {
	if strings.IndexByte(v, '\\') < 0 {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' || i+1 >= len(v) {
			b.WriteByte(v[i])
			continue
		}
		if i+2 < len(v) && isHex(v[i+1]) && isHex(v[i+2]) {
			d, _ := hex.DecodeString(v[i+1 : i+3])
			b.Write(d)
			i += 2
			continue
		}
		b.WriteByte(v[i+1])
		i++
	}
	return b.String()
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// nextAVA splits the first "type=value" of a normalized DN off at the next
// unescaped ',' or '+': it returns the type, the still escaped value and the rest.
func nextAVA(dn string) (typ, value, rest string, ok bool) {
	eq := strings.IndexByte(dn, '=')
	if eq < 0 {
		return "", "", "", false
	}
	typ = dn[:eq]
	for i := eq + 1; i < len(dn); i++ {
		switch dn[i] {
		case '\\':
			i++
		case ',', '+':
			return typ, dn[eq+1 : i], dn[i+1:], true
		}
	}
	return typ, dn[eq+1:], "", true
}
