package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestGenerateIsDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	writeLDIF(&a, generate(500, 4, 7))
	writeLDIF(&b, generate(500, 4, 7))
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("the same seed gave different LDIF")
	}
	var c bytes.Buffer
	writeLDIF(&c, generate(500, 4, 8))
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Fatal("another seed gave the same LDIF")
	}
}

func TestBookShape(t *testing.T) {
	b := generate(2000, 5, 1)
	if len(b.people) != 2000 {
		t.Fatalf("people = %d, want 2000", len(b.people))
	}
	sum := 0
	for i, s := range b.sizes {
		sum += s
		if i > 0 && s > b.sizes[i-1] {
			t.Errorf("division %d (%d) larger than division %d (%d)", i, s, i-1, b.sizes[i-1])
		}
	}
	if sum != 2000 {
		t.Errorf("division sizes sum to %d", sum)
	}
	mails := map[string]bool{}
	for _, p := range b.people {
		if mails[p.mail] {
			t.Errorf("duplicate mail %s", p.mail)
		}
		mails[p.mail] = true
		if strings.ContainsAny(p.name()+p.city+p.mobile+p.title+p.dept, ":\\ё") {
			t.Errorf("%s: a value needs escaping or holds ё: %s", p.mail, commandLine(&p))
		}
	}
}

// matches is the brute-force reading of a term: what a server must return.
func matches(b *book, tm term) int {
	n := 0
	for i := range b.people {
		p := &b.people[i]
		switch tm.kind {
		case "mail_hit", "mail_miss", "mail_case":
			if strings.EqualFold(p.mail, tm.value) {
				n++
			}
		case "prefix":
			v := strings.ToLower(tm.value)
			for _, s := range []string{p.name(), p.sn, p.given, p.mail} {
				if strings.HasPrefix(strings.ToLower(s), v) {
					n++
					break
				}
			}
		case "phone", "phone_miss":
			for _, s := range []string{p.city, p.ext, p.mobile} {
				if strings.Contains(digitsOnly(s), tm.value) {
					if !strings.Contains(withoutSpaceAndHyphen(s), tm.value) {
						return -1 // the two readings differ: the term must not exist
					}
					n++
					break
				}
			}
		case "division":
			if "ou="+b.divisions[p.division].name == tm.value {
				n++
			}
		}
	}
	return n
}

func TestTermsExpectWhatTheBookHolds(t *testing.T) {
	b := generate(1200, 4, 3)
	ts := makeTerms(b, 3)
	kinds := map[string]int{}
	for _, tm := range ts {
		kinds[tm.kind]++
		if got := matches(b, tm); got != tm.expected {
			t.Errorf("%s %q: expected %d, the book holds %d", tm.kind, tm.value, tm.expected, got)
		}
	}
	for _, k := range termKinds {
		if kinds[k] == 0 {
			t.Errorf("no %s terms", k)
		}
	}
}

func TestMessagesCoverTheBookOncePerDivision(t *testing.T) {
	b := generate(2500, 3, 1)
	ms := messages(b, 400)
	seen := 0
	for _, m := range ms {
		if m.to-m.from > 400 {
			t.Errorf("message %d has %d commands", m.seq, m.to-m.from)
		}
		for i := m.from; i < m.to; i++ {
			if b.people[i].division != m.division {
				t.Fatalf("message %d mixes divisions", m.seq)
			}
		}
		seen += m.to - m.from
		var w bytes.Buffer
		writeMessage(&w, b, m, 2500)
		if got := strings.Count(w.String(), "\r\n_cmd=insert:"); got != m.to-m.from {
			t.Errorf("message %d: %d command lines, want %d", m.seq, got, m.to-m.from)
		}
	}
	if seen != 2500 {
		t.Errorf("messages cover %d people, want 2500", seen)
	}
}

func TestLDIFValue(t *testing.T) {
	tests := []struct{ v, want string }{
		{"ivanov@company.ru", "mail: ivanov@company.ru\n"},
		{"Иван", "mail:: 0JjQstCw0L0=\n"},
		{" lead", "mail:: IGxlYWQ=\n"},
		{":x", "mail:: Ong=\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		ldifValue(&b, "mail", tt.v)
		if b.String() != tt.want {
			t.Errorf("ldifValue(%q) = %q, want %q", tt.v, b.String(), tt.want)
		}
	}
}
