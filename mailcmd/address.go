package mailcmd

import (
	"net/mail"
	"strings"
)

// maxAddressLen is the longest address accepted (RFC 5321 §4.5.3.1.3, a path of 256 octets less <>).
const maxAddressLen = 254

// validAddress reports whether s is a bare addr-spec such as
// ivanov@company.ru: no display name, no comment, no quoting that
// net/mail would rewrite, one '@' and a dotted domain name (not a literal).
func validAddress(s string) bool {
	if s == "" || len(s) > maxAddressLen || strings.Count(s, "@") != 1 {
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
		out = append(out, strings.ToLower(item))
	}
	return strings.Join(out, ","), ""
}
