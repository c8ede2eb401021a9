package main

import (
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"time"
)

// Suffix, organization and the service account both servers get.
const (
	suffix       = "dc=company,dc=ru"
	organization = "АО «Компания»"
	readerDN     = "cn=reader," + suffix
	readerPW     = "readerpass"
)

// ldifValue writes "attr: value", or "attr:: base64" when the value is not
// a SAFE-STRING (RFC 2849): non-ASCII, or starting with a space, ':' or '<'.
func ldifValue(w io.Writer, attr, v string) {
	safe := v == "" || (v[0] != ' ' && v[0] != ':' && v[0] != '<' && v[len(v)-1] != ' ')
	for i := 0; safe && i < len(v); i++ {
		safe = v[i] >= 0x20 && v[i] < 0x7f
	}
	if safe {
		fmt.Fprintf(w, "%s: %s\n", attr, v)
		return
	}
	fmt.Fprintf(w, "%s:: %s\n", attr, base64.StdEncoding.EncodeToString([]byte(v)))
}

// entry writes one LDIF entry; pairs alternate attribute and value, and
// empty values are left out.
func entry(w io.Writer, dn string, pairs ...string) {
	ldifValue(w, "dn", dn)
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			ldifValue(w, pairs[i], pairs[i+1])
		}
	}
	fmt.Fprintln(w)
}

// divisionDN is the DN of a division's organizational unit.
func divisionDN(c city) string { return "ou=" + c.name + "," + suffix }

// writeLDIF writes the book as slapd loads it: the suffix, the service
// account, one organizationalUnit per division and one inetOrgPerson per
// person, with the attributes userdir publishes for the same record.
func writeLDIF(w io.Writer, b *book) {
	entry(w, suffix, "objectClass", "top", "objectClass", "dcObject", "objectClass", "organization",
		"dc", "company", "o", organization)
	entry(w, readerDN, "objectClass", "organizationalRole", "objectClass", "simpleSecurityObject",
		"cn", "reader", "userPassword", readerPW)
	for _, c := range b.divisions {
		entry(w, divisionDN(c), "objectClass", "top", "objectClass", "organizationalUnit", "ou", c.name)
	}
	for i := range b.people {
		p := &b.people[i]
		c := b.divisions[p.division]
		entry(w, "mail="+p.mail+","+divisionDN(c),
			"objectClass", "top", "objectClass", "person", "objectClass", "organizationalPerson",
			"objectClass", "inetOrgPerson",
			"cn", p.name(), "displayName", p.name(), "sn", p.sn, "givenName", p.given, "mail", p.mail,
			"telephoneNumber", p.city, "telephoneNumber", p.ext, "mobile", p.mobile,
			"roomNumber", p.room, "physicalDeliveryOfficeName", p.room, "title", p.title,
			"ou", p.dept, "departmentNumber", p.dept, "o", c.name)
	}
}

// commandLine is the userdir insert command of p (no value holds ':' or
// '\', which would need escaping).
func commandLine(p *person) string {
	return "_cmd=insert:type=mbox:eml=" + p.mail + ":name=" + p.name() + ":gor=" + p.city +
		":mer=" + p.ext + ":sot=" + p.mobile + ":of=" + p.room + ":post=" + p.title + ":sdiv=" + p.dept
}

// message is one command message: the division's commands from people
// [from, to), under a Date that grows with seq.
type message struct {
	division int
	from, to int
	seq      int
}

// messages splits the book into messages of at most perMessage commands,
// each of one division (Subject is a division's code).
func messages(b *book, perMessage int) []message {
	var out []message
	start := 0
	for div, size := range b.sizes {
		for i := 0; i < size; i += perMessage {
			out = append(out, message{div, start + i, start + min(i+perMessage, size), len(out) + 1})
		}
		start += size
	}
	return out
}

// codeOf is the Subject code of division i: "0001", "0002", ...
func codeOf(i int) string { return fmt.Sprintf("%04d", i+1) }

// writeMessage writes m as an RFC 5322 message in UTF-8, CRLF line ends.
func writeMessage(w io.Writer, b *book, m message, n int) {
	date := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(m.seq) * time.Minute)
	fmt.Fprintf(w, "From: bench@company.ru\r\nTo: userdir@company.ru\r\nSubject: %s\r\n", codeOf(m.division))
	fmt.Fprintf(w, "Date: %s\r\nMessage-ID: <bench-%d-%06d@company.ru>\r\n", date.Format(time.RFC1123Z), n, m.seq)
	fmt.Fprintf(w, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	for i := m.from; i < m.to; i++ {
		fmt.Fprintf(w, "%s\r\n", commandLine(&b.people[i]))
	}
}

// writeDivisions writes the [[division]] blocks of a userdir configuration.
func writeDivisions(w io.Writer, b *book) {
	for i, c := range b.divisions {
		fmt.Fprintf(w, "[[division]]\nid = %q\nname = %q\ncode = %q\n\n", c.id, c.name, codeOf(i))
	}
}

// summary is a line for stderr about what was written.
func summary(b *book, ts []term) string {
	counts := map[string]int{}
	for _, t := range ts {
		counts[t.kind]++
	}
	var parts []string
	for _, k := range termKinds {
		parts = append(parts, fmt.Sprintf("%s=%d", k, counts[k]))
	}
	return fmt.Sprintf("entries=%d divisions=%d sizes=%v terms: %s", len(b.people), len(b.divisions),
		b.sizes, strings.Join(parts, " "))
}
