package mailcmd

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// maxAddressLen is the longest address accepted, in characters (RFC 5321
// §4.5.3.1.3, a path of 256 octets less <>).
const maxAddressLen = 254

// sprintf is fmt.Sprintf, short for the reasons built here.
var sprintf = fmt.Sprintf

// checkAddress returns why s is not an acceptable eml, or "": a valid
// addr-spec (see validAddress) of at most 254 characters whose local part
// has at most 64.
func checkAddress(s string) string {
	local, _, _ := strings.Cut(s, "@")
	if n := utf8.RuneCountInString(local); n > MaxLocalPart {
		return sprintf("the local part of eml is %d characters long, more than %d", n, MaxLocalPart)
	}
	if n := utf8.RuneCountInString(s); n > maxAddressLen {
		return sprintf("eml is %d characters long, more than %d", n, maxAddressLen)
	}
	if !validAddress(s) {
		return sprintf("bad eml %q", shorten(s, maxQuoted))
	}
	return ""
}

// validAddress reports whether s is a bare addr-spec such as
// ivanov@company.ru: no display name, no comment, no quoting that
// net/mail would rewrite, one '@' and a dotted domain name (not a literal).
func validAddress(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > maxAddressLen || strings.Count(s, "@") != 1 {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	_, domain, _ := strings.Cut(s, "@")
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, "[") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// normalizeAddresses validates the comma-separated addresses of a dst
// value and returns them lower-case joined by ","; bad is the first
// invalid one. Empty items (a trailing comma) are skipped.
func normalizeAddresses(list string) (norm, bad string) {
	var out []string
	for item := range strings.SplitSeq(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !validAddress(item) {
			return "", item
		}
		out = append(out, CanonicalAddress(item))
	}
	return strings.Join(out, ","), ""
}
