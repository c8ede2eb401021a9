package mailcmd

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Limits of a command line's values (docs: the README's "Command lines").
const (
	// MaxValueChars is the longest value, in characters.
	MaxValueChars = 256
	// MaxLocalPart is the longest local part of an address (RFC 5321 §4.5.3.1.1).
	MaxLocalPart = 64
)

// checkValue returns why the value v of key is not acceptable, or "": it
// holds no control character but tab and, with length set, is at most
// MaxValueChars characters (eml has limits of its own, see checkAddress).
func checkValue(key, v string, length bool) string {
	if n := utf8.RuneCountInString(v); length && n > MaxValueChars {
		return sprintf("%s is %d characters long, more than %d", key, n, MaxValueChars)
	}
	if i := strings.IndexFunc(v, isBadControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(v[i:])
		return sprintf("%s holds the control character U+%04X", key, r)
	}
	return ""
}

// isBadControl reports whether r is a control character other than tab.
func isBadControl(r rune) bool { return r != '\t' && unicode.IsControl(r) }

// idnaProfile turns a domain into its Unicode spelling, lower-case.
var idnaProfile = idna.New(idna.MapForLookup(), idna.BidiRule())

// CanonicalAddress returns the one spelling under which the address a is
// stored: lower-case, its domain in Unicode (an internationalized domain
// written as xn--… punycode becomes its Unicode form, so
// ivanov@xn--80aswg.xn--p1ai and ivanov@компания.рф are one address). It
// returns a lower-cased unchanged when the domain does not convert.
func CanonicalAddress(a string) string {
	a = strings.ToLower(a)
	local, domain, ok := strings.Cut(a, "@")
	if !ok {
		return a
	}
	u, err := idnaProfile.ToUnicode(domain)
	if err != nil || u == "" {
		return a
	}
	return local + "@" + u
}

// ASCIIAddress returns the address a with its domain in ASCII (punycode),
// as SMTP without SMTPUTF8 writes it; a itself when the domain is ASCII
// already or does not convert.
func ASCIIAddress(a string) string {
	local, domain, ok := strings.Cut(a, "@")
	if !ok {
		return a
	}
	d, err := idna.Lookup.ToASCII(domain)
	if err != nil || d == domain {
		return a
	}
	return local + "@" + d
}

// DomainOf returns the canonical (Unicode, lower-case) domain of address a.
func DomainOf(a string) string {
	_, d, _ := strings.Cut(CanonicalAddress(a), "@")
	return d
}
