package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"
)

// term is one query term with the number of entries it must find.
type term struct {
	kind, value string
	expected    int
}

// The term kinds, in file order. bench/load and bench/entrydiff know them.
var termKinds = []string{"mail_hit", "mail_miss", "mail_case", "prefix", "phone", "phone_miss", "division"}

// makeTerms draws the query terms of b. Every expected count is computed
// from the data, and phone terms are kept only where the two readings of
// a telephone number agree (see phoneCounts), so a correct server of
// either kind returns exactly the expected entries.
func makeTerms(b *book, seed uint64) []term {
	r := rand.New(rand.NewPCG(seed, 0x7465726d73)) // "terms"
	var out []term
	out = append(out, mailTerms(b, r)...)
	out = append(out, prefixTerms(b, r)...)
	out = append(out, phoneTerms(b, r)...)
	for i, c := range b.divisions {
		out = append(out, term{"division", "ou=" + c.name, b.sizes[i]})
	}
	return out
}

// mailTerms: addresses that exist, addresses that do not, and existing
// ones in mixed case.
func mailTerms(b *book, r *rand.Rand) []term {
	exists := make(map[string]bool, len(b.people))
	for _, p := range b.people {
		exists[p.mail] = true
	}
	var hits, misses, cased []term
	for _, i := range r.Perm(len(b.people))[:min(10000, len(b.people))] {
		hits = append(hits, term{"mail_hit", b.people[i].mail, 1})
	}
	domains := []string{"gmail.com", "mail.ru", "yandex.ru", "company.com"}
	seen := map[string]bool{}
	for len(misses) < max(len(hits)/4, 1) {
		var m string
		if r.IntN(4) == 0 {
			local, _, _ := strings.Cut(b.people[r.IntN(len(b.people))].mail, "@")
			m = local + "@" + domains[r.IntN(len(domains))]
		} else {
			m = latin(surnames[r.IntN(len(surnames))]) + ".x" + digits(r, 3) + "@company.ru"
		}
		if !exists[m] && !seen[m] {
			seen[m] = true
			misses = append(misses, term{"mail_miss", m, 0})
		}
	}
	for _, h := range hits[:min(200, len(hits))] {
		rs := []rune(h.value)
		for j := range rs {
			if r.IntN(2) == 0 {
				rs[j] = unicode.ToUpper(rs[j])
			}
		}
		rs[0] = unicode.ToUpper(rs[0])
		cased = append(cased, term{"mail_case", string(rs), 1})
	}
	return append(append(hits, misses...), cased...)
}

// prefixCounts counts, for every prefix of 2 to 4 letters (lower case),
// the entries whose cn, sn or givenName starts with it: what
// (|(cn=p*)(mail=p*)(sn=p*)(givenName=p*)) finds for a Cyrillic p, since
// no address starts with a Cyrillic letter.
func prefixCounts(b *book) map[string]int {
	counts := map[string]int{}
	for i := range b.people {
		p := &b.people[i]
		seen := map[string]bool{}
		for _, v := range []string{p.name(), p.sn, p.given} {
			rs := []rune(strings.ToLower(v))
			for n := 2; n <= 4 && n <= len(rs); n++ {
				seen[string(rs[:n])] = true
			}
		}
		for k := range seen {
			counts[k]++
		}
	}
	return counts
}

// prefixTerms: what people type into an address book, 2 to 4 letters of
// a surname or given name, half of them lower case, 5% random letters.
func prefixTerms(b *book, r *rand.Rand) []term {
	counts := prefixCounts(b)
	want := min(2000, max(len(b.people)/5, 10))
	var out []term
	seen := map[string]bool{}
	for tries := 0; len(out) < want && tries < want*50; tries++ {
		var v string
		if r.IntN(20) == 0 {
			for range 2 + r.IntN(2) {
				v += string(rune('а' + r.IntN(32)))
			}
		} else {
			p := &b.people[r.IntN(len(b.people))]
			src := p.sn
			if r.IntN(2) == 0 {
				src = p.given
			}
			rs := []rune(src)
			v = string(rs[:min(2+r.IntN(3), len(rs))])
			if r.IntN(2) == 0 {
				v = strings.ToLower(v)
			}
		}
		if utf8.RuneCountInString(v) < 2 || seen[v] {
			continue
		}
		seen[v] = true
		out = append(out, term{"prefix", v, counts[strings.ToLower(v)]})
	}
	return out
}

// digitsOnly keeps the digits of a phone number: how userdir compares.
func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// withoutSpaceAndHyphen is how telephoneNumberMatch (RFC 4517) prepares a
// number: spaces and hyphens go, brackets and + stay.
func withoutSpaceAndHyphen(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
}

// phoneCounts counts, for every candidate digit string, the entries with
// a telephoneNumber (city number or extension) or mobile that contains it,
// under each of the two preparations.
func phoneCounts(b *book, candidates map[string]bool) (digitsRule, rfcRule map[string]int) {
	lengths := map[int]bool{}
	for c := range candidates {
		lengths[len(c)] = true
	}
	digitsRule, rfcRule = map[string]int{}, map[string]int{}
	for i := range b.people {
		p := &b.people[i]
		for _, rule := range []struct {
			prep   func(string) string
			counts map[string]int
		}{{digitsOnly, digitsRule}, {withoutSpaceAndHyphen, rfcRule}} {
			seen := map[string]bool{}
			for _, v := range []string{p.city, p.ext, p.mobile} {
				s := rule.prep(v)
				for n := range lengths {
					for j := 0; j+n <= len(s); j++ {
						if sub := s[j : j+n]; candidates[sub] {
							seen[sub] = true
						}
					}
				}
			}
			for k := range seen {
				rule.counts[k]++
			}
		}
	}
	return digitsRule, rfcRule
}

// phoneTerms: caller ID. The last 6 or 7 digits of city numbers and
// 10-digit mobiles that exist, and digit strings that do not. A term is
// kept only when a digits-only server and a telephoneNumberMatch server
// find the same number of entries, so the expected count is unambiguous.
func phoneTerms(b *book, r *rand.Rand) []term {
	want := min(4000, max(len(b.people)/4, 10))
	candidates := map[string]bool{}
	var order []string
	add := func(v string) {
		if len(v) >= 6 && !candidates[v] {
			candidates[v] = true
			order = append(order, v)
		}
	}
	for range want * 3 / 2 {
		p := &b.people[r.IntN(len(b.people))]
		if p.mobile != "" && r.IntN(3) == 0 {
			d := digitsOnly(p.mobile)
			add(d[len(d)-10:])
			continue
		}
		local := digitsOnly(p.city[strings.LastIndexByte(p.city, ' ')+1:])
		add(local[len(local)-min(6+r.IntN(2), len(local)):])
	}
	var misses []string
	for range want / 3 {
		v := digits(r, 6+r.IntN(2))
		add(v)
		misses = append(misses, v)
	}
	dr, rr := phoneCounts(b, candidates)
	isMiss := map[string]bool{}
	for _, m := range misses {
		isMiss[m] = true
	}
	var hits, none []term
	for _, v := range order {
		if dr[v] != rr[v] {
			continue // the two readings differ: no single right answer
		}
		switch {
		case dr[v] == 0 && isMiss[v]:
			none = append(none, term{"phone_miss", v, 0})
		case dr[v] > 0 && !isMiss[v] && len(hits) < want:
			hits = append(hits, term{"phone", v, dr[v]})
		}
	}
	return append(hits, none...)
}

// writeTerms writes "kind<TAB>value<TAB>expected" lines.
func writeTerms(w *strings.Builder, ts []term) {
	for _, t := range ts {
		fmt.Fprintf(w, "%s\t%s\t%d\n", t.kind, t.value, t.expected)
	}
}
