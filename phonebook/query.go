package phonebook

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"userdir/schema"
)

// Bounds on what a client may ask (each is proved by a test that asks for more).
const (
	maxQueryRunes = 64   // characters of one search
	maxQueryWords = 4    // words of one search: each adds a filter branch
	maxRawQuery   = 1024 // bytes of the whole query string
)

// Errors of a query; each is a 400 with a message, never a server error.
var (
	errQueryTooLong = errors.New("query too long")
	errQueryEmpty   = errors.New("empty query")
)

// textFilter turns what a person typed into a filter: every word must be
// found in the name (anywhere) or at the start of the mail address; a
// query that looks like a phone number is looked up on the phone
// attributes by its digits. It never widens what the directory's
// selectivity rule allows: a word shorter than min_substring makes a
// book search answer nothing, as it does over LDAP.
func textFilter(q string) (schema.Filter, error) {
	q = strings.TrimSpace(q)
	if utf8.RuneCountInString(q) > maxQueryRunes {
		return nil, errQueryTooLong
	}
	if q == "" {
		return nil, errQueryEmpty
	}
	if isPhone(q) {
		return phoneFilter(q, false), nil
	}
	words := strings.Fields(q)
	if len(words) > maxQueryWords {
		return nil, errQueryTooLong
	}
	and := make(schema.And, 0, len(words))
	for _, w := range words {
		if strings.ContainsRune(w, '@') {
			and = append(and, schema.Substrings{Attr: "mail", Initial: w})
			continue
		}
		and = append(and, schema.Or{
			schema.Substrings{Attr: "cn", Any: []string{w}},
			schema.Substrings{Attr: "mail", Initial: w},
		})
	}
	if len(and) == 1 {
		return and[0], nil
	}
	return and, nil
}

// isPhone reports whether q is a phone number: digits with the usual
// punctuation, at least three digits.
func isPhone(q string) bool {
	digits := 0
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-() .", r):
		default:
			return false
		}
	}
	return digits >= 3
}

// phoneFilter finds q on every phone attribute: by equality (the
// directory's phone rule matches the last digits, so a caller ID in any
// format finds its owner) or, for a search box, anywhere in the digits.
func phoneFilter(q string, exact bool) schema.Filter {
	or := schema.Or{}
	for _, a := range []string{"telephoneNumber", "ipPhone", "mobile"} {
		if exact {
			or = append(or, schema.Equality{Attr: a, Value: q})
		} else {
			or = append(or, schema.Substrings{Attr: a, Any: []string{digitsOf(q)}})
		}
	}
	return or
}

func digitsOf(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

// wholeBook is the filter of a whole-book download: every entry the role
// sees that has a number to dial (an alias without a phone is left out, so
// MaxBookEntries counts only what a phone can show).
var wholeBook schema.Filter = schema.And{
	schema.Equality{Attr: "objectClass", Value: "inetOrgPerson"},
	schema.Or{schema.Present{Attr: "telephoneNumber"}, schema.Present{Attr: "mobile"}, schema.Present{Attr: "ipPhone"}},
}
