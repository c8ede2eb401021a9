package phonebook

import (
	"bytes"
	"cmp"
	"errors"
	"slices"
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"userdir/schema"
)

// Person is one entry of a result as the HTTP front end shows it: the
// attributes that a phone or a person needs, nothing else.
type Person struct {
	Name       string   `json:"name"`                 // cn
	Surname    string   `json:"surname,omitempty"`    // sn
	GivenName  string   `json:"given_name,omitempty"` // givenName
	Title      string   `json:"title,omitempty"`      // title
	Department string   `json:"department,omitempty"` // ou
	Division   string   `json:"division,omitempty"`   // o
	Work       string   `json:"work,omitempty"`       // the first telephoneNumber: the city number
	Extension  string   `json:"extension,omitempty"`  // ipPhone: the internal extension
	Mobile     string   `json:"mobile,omitempty"`     // mobile
	Mail       string   `json:"mail,omitempty"`       // mail
	Phones     []string `json:"phones,omitempty"`     // Extension, Work, Mobile: those present, each once
}

// attributes are what a search asks the directory for.
var attributes = []string{"cn", "sn", "givenName", "title", "ou", "o", "telephoneNumber", "ipPhone", "mobile", "mail"}

// errMalformed means the directory handed over an encoding this package
// cannot read; it is a bug, not a client's doing.
var errMalformed = errors.New("phonebook: malformed entry encoding")

// decodePerson reads the PartialAttribute TLVs that the directory emits
// (RFC 4511 §4.1.7: SEQUENCE { type OCTET STRING, vals SET OF OCTET STRING }).
func decodePerson(attrs []byte) (Person, error) {
	var p Person
	for len(attrs) > 0 {
		seq, rest, ok := tlv(attrs, 0x30)
		if !ok {
			return p, errMalformed
		}
		attrs = rest
		name, vals, ok := tlv(seq, 0x04)
		if !ok {
			return p, errMalformed
		}
		set, _, ok := tlv(vals, 0x31)
		if !ok {
			return p, errMalformed
		}
		var values []string
		for len(set) > 0 {
			v, r, ok := tlv(set, 0x04)
			if !ok {
				return p, errMalformed
			}
			values = append(values, string(v))
			set = r
		}
		p.set(string(name), values)
	}
	p.Phones = phones(p.Extension, p.Work, p.Mobile)
	return p, nil
}

func (p *Person) set(name string, values []string) {
	if len(values) == 0 {
		return
	}
	v := values[0]
	switch t := schema.LookupAttribute(name); t {
	case schema.AttrCN:
		p.Name = v
	case schema.AttrSN:
		p.Surname = v
	case schema.AttrGivenName:
		p.GivenName = v
	case schema.AttrTitle:
		p.Title = v
	case schema.AttrOU:
		p.Department = v
	case schema.AttrO:
		p.Division = v
	case schema.AttrTelephoneNumber:
		p.Work = v
	case schema.AttrIPPhone:
		p.Extension = v
	case schema.AttrMobile:
		p.Mobile = v
	case schema.AttrMail:
		p.Mail = v
	}
}

// phones returns the non-empty numbers, each once.
func phones(nums ...string) []string {
	var out []string
	for _, n := range nums {
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// tlv splits one BER TLV with the given tag off b, returning its content
// and what follows. Only definite lengths are read: the directory writes no other.
func tlv(b []byte, tag byte) (content, rest []byte, ok bool) {
	if len(b) < 2 || b[0] != tag {
		return nil, nil, false
	}
	n, i := int(b[1]), 2
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 4 || len(b) < 2+k {
			return nil, nil, false
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | int(c)
		}
		i += k
	}
	if n < 0 || len(b)-i < n {
		return nil, nil, false
	}
	return b[i : i+n], b[i+n:], true
}

// sortPeople orders people by division, then name (in Russian
// alphabetical order: Ё after Е, not before А), then mail, so that every
// answer to the same book is byte for byte the same (and so is its ETag).
func sortPeople(ps []Person) {
	c := collate.New(language.Russian) // a Collator is not safe for concurrent use
	type keyed struct {
		div, name []byte
		p         Person
	}
	var buf collate.Buffer
	ks := make([]keyed, len(ps))
	for i, p := range ps {
		// Keys are computed once per person: comparing with the Collator
		// would compute them again for every comparison.
		ks[i] = keyed{div: bytes.Clone(c.KeyFromString(&buf, p.Division)), name: bytes.Clone(c.KeyFromString(&buf, p.Name)), p: p}
		buf.Reset()
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		return cmp.Or(bytes.Compare(a.div, b.div), bytes.Compare(a.name, b.name),
			strings.Compare(a.p.Division, b.p.Division), strings.Compare(a.p.Name, b.p.Name), strings.Compare(a.p.Mail, b.p.Mail))
	})
	for i := range ks {
		ps[i] = ks[i].p
	}
}

// withPhones returns the people who have a number: a phone has no use for the others.
func withPhones(ps []Person) []Person {
	out := make([]Person, 0, len(ps))
	for _, p := range ps {
		if len(p.Phones) > 0 {
			out = append(out, p)
		}
	}
	return out
}

// cut returns s cut to at most n characters (runes, never bytes: a
// half-written Cyrillic letter would be invalid UTF-8).
func cut(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
