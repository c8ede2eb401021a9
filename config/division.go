package config

import (
	"fmt"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/cases"

	"userdir/mailmsg"
)

// divisionID is the form of a division id: it names records in the store.
var divisionID = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)

// validateDivisions checks every [[division]] and that ids, names and codes
// are unique. A code is never quoted, not even to say which one repeats.
func validateDivisions(divs []Division, p *problems) {
	if len(divs) == 0 {
		p.add("division", "at least one [[division]] is required")
	}
	ids, names, codes := map[string]int{}, map[string]int{}, map[string]int{}
	for i, d := range divs {
		key := fmt.Sprintf("division[%d]", i+1)
		checkDivisionID(d.ID, key+".id", p)
		checkDivisionName(d.Name, key+".name", p)
		checkCode(d.Code, key+".code", p)
		unique(ids, d.ID, i+1, key+".id", "id", p)
		unique(names, foldName(d.Name), i+1, key+".name", "name", p)
		unique(codes, d.Code, i+1, key+".code", "code", p)
		if _, err := mailmsg.CharsetReader(d.Charset, strings.NewReader("")); err != nil {
			p.add(key+".charset", "unknown charset %q", d.Charset)
		}
		if d.MailHost != "" && !isHostName(d.MailHost) && net.ParseIP(d.MailHost) == nil {
			p.add(key+".mail_host", "%q is not a host name", d.MailHost)
		}
		for j, s := range d.Senders {
			if !isSender(s) {
				p.add(fmt.Sprintf("%s.senders[%d]", key, j+1), "%q is neither an address nor @domain nor .domain", s)
			}
		}
		for j, s := range d.Domains {
			if !isHostName(s) || strings.HasPrefix(s, "@") || strings.HasPrefix(s, ".") {
				p.add(fmt.Sprintf("%s.domains[%d]", key, j+1), "%q is not a domain name", s)
			}
		}
	}
}

// unique reports key when value (non-empty) was already seen in an earlier
// division, naming that division but not the value.
func unique(seen map[string]int, value string, n int, key, what string, p *problems) {
	if value == "" {
		return
	}
	if j, ok := seen[value]; ok {
		p.add(key, "same %s as division[%d]", what, j)
		return
	}
	seen[value] = n
}

// checkDivisionID reports an empty or malformed id.
func checkDivisionID(id, key string, p *problems) {
	switch {
	case id == "":
		p.add(key, "must not be empty")
	case !divisionID.MatchString(id):
		p.add(key, "%q must match [a-z0-9][a-z0-9_.-]*", id)
	}
}

// checkDivisionName reports an empty name or one with outer white space.
func checkDivisionName(name, key string, p *problems) {
	switch {
	case strings.TrimSpace(name) == "":
		p.add(key, "must not be empty")
	case strings.TrimSpace(name) != name:
		p.add(key, "must not begin or end with white space")
	}
}

// checkCode reports an empty code, or one with outer white space: the
// Subject is trimmed, so such a code would never match.
func checkCode(code, key string, p *problems) {
	switch {
	case code == "":
		p.add(key, "must not be empty")
	case strings.TrimSpace(code) != code:
		p.add(key, "must not begin or end with white space: the Subject is trimmed")
	case strings.IndexFunc(code, unicode.IsControl) >= 0:
		p.add(key, "must not hold control characters")
	}
}

// foldName folds a division name as the directory compares names: Unicode
// case folding, and ё equal to е (docs/directory.md#matching).
func foldName(name string) string {
	return strings.ReplaceAll(cases.Fold().String(name), "ё", "е")
}

// isSender reports whether s is "@domain", ".domain" or a bare address.
func isSender(s string) bool {
	if domain, ok := strings.CutPrefix(s, "@"); ok {
		return isHostName(domain)
	}
	if domain, ok := strings.CutPrefix(s, "."); ok {
		return isHostName(domain)
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

// isHostName reports whether s is a host name: dot-separated labels of
// letters (internationalized names too), digits and inner hyphens, each 1 to
// 63 bytes, 253 in all.
func isHostName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if c != '-' && !unicode.IsLetter(c) && !unicode.IsDigit(c) {
				return false
			}
		}
	}
	return true
}
