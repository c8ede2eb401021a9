package schema

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"
)

// ErrInvalidFilter is returned for a search filter that is malformed (RFC 4511 §4.5.1.7, RFC 4515).
var ErrInvalidFilter = errors.New("invalid filter")

// MaxFilterDepth is how deeply filters may nest: a filter item alone has
// depth 1, each And, Or and Not around it adds one. Deeper filters are
// rejected so that decoding and evaluation stay bounded.
const MaxFilterDepth = 64

// ParseFilter parses the RFC 4515 string form of a filter. Errors wrap ErrInvalidFilter.
func ParseFilter(s string) (Filter, error) {
	if textDepth(s) > 2*MaxFilterDepth { // bounds the recursion of CompileFilter; FilterFromPacket checks exactly
		return nil, fmt.Errorf("%w: nested deeper than %d", ErrInvalidFilter, MaxFilterDepth)
	}
	p, err := ldap.CompileFilter(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidFilter, err)
	}
	return FilterFromPacket(p)
}

// textDepth returns the deepest nesting of parentheses in s (escapes in
// RFC 4515 are \XX, so a literal parenthesis is never counted).
func textDepth(s string) int {
	depth, deepest := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
			deepest = max(deepest, depth)
		case ')':
			depth--
		}
	}
	return deepest
}

// String returns "(&...)".
func (f And) String() string { return setString('&', f) }

// String returns "(|...)".
func (f Or) String() string { return setString('|', f) }

func setString(op byte, fs []Filter) string {
	var b strings.Builder
	b.WriteByte('(')
	b.WriteByte(op)
	for _, c := range fs {
		b.WriteString(filterString(c))
	}
	b.WriteByte(')')
	return b.String()
}

// filterString is c.String(), tolerating a nil member.
func filterString(c Filter) string {
	if c == nil {
		return "(!(&))" // absolute false (RFC 4526)
	}
	return c.String()
}

// String returns "(!...)".
func (f Not) String() string { return "(!" + filterString(f.Filter) + ")" }

// String returns "(attr=value)".
func (f Equality) String() string { return "(" + f.Attr + "=" + EscapeFilterValue(f.Value) + ")" }

// String returns "(attr>=value)".
func (f GreaterOrEqual) String() string {
	return "(" + f.Attr + ">=" + EscapeFilterValue(f.Value) + ")"
}

// String returns "(attr<=value)".
func (f LessOrEqual) String() string { return "(" + f.Attr + "<=" + EscapeFilterValue(f.Value) + ")" }

// String returns "(attr~=value)".
func (f Approx) String() string { return "(" + f.Attr + "~=" + EscapeFilterValue(f.Value) + ")" }

// String returns "(attr=*)".
func (f Present) String() string { return "(" + f.Attr + "=*)" }

// String returns "(attr=initial*any*final)".
func (f Substrings) String() string {
	var b strings.Builder
	b.WriteString("(" + f.Attr + "=")
	b.WriteString(EscapeFilterValue(f.Initial))
	for _, a := range f.Any {
		b.WriteString("*" + EscapeFilterValue(a))
	}
	b.WriteString("*" + EscapeFilterValue(f.Final) + ")")
	return b.String()
}

// String returns "(attr:dn:rule:=value)", leaving out the parts that are absent.
func (f Extensible) String() string {
	var b strings.Builder
	b.WriteString("(" + f.Attr)
	if f.DNAttributes {
		b.WriteString(":dn")
	}
	if f.Rule != "" {
		b.WriteString(":" + f.Rule)
	}
	b.WriteString(":=" + EscapeFilterValue(f.Value) + ")")
	return b.String()
}

// EscapeFilterValue escapes an assertion value for the string form of a
// filter (RFC 4515 §3): '*', '(', ')', '\' and NUL, and every byte that is
// not part of valid UTF-8, become \XX.
func EscapeFilterValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); {
		r, n := utf8.DecodeRuneInString(v[i:])
		switch {
		case r == utf8.RuneError && n <= 1, strings.IndexByte("*()\\\x00", v[i]) >= 0:
			fmt.Fprintf(&b, "\\%02x", v[i])
			n = 1
		default:
			b.WriteString(v[i : i+n])
		}
		i += n
	}
	return b.String()
}
