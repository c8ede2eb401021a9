package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

func TestReadTerms(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []term
		wantErr error
	}{
		{"comments, blanks and duplicates", "# header\n\nphone\t529766\t4\nphone\t529766\t4\nprefix\tИв\t3\n",
			[]term{{"phone", "529766", 4}, {"prefix", "Ив", 3}}, nil},
		{"same value, other kind", "mail_hit\ta@b.ru\t1\nmail_case\ta@b.ru\t1\n",
			[]term{{"mail_hit", "a@b.ru", 1}, {"mail_case", "a@b.ru", 1}}, nil},
		{"two fields", "phone\t529766\n", nil, errTerms},
		{"count not a number", "phone\t529766\tfour\n", nil, errTerms},
	}
	for _, tt := range tests {
		got, err := readTerms(strings.NewReader(tt.in))
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: readTerms error = %v, want %v", tt.name, err, tt.wantErr)
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: readTerms = %v, want %v", tt.name, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: term %d = %v, want %v", tt.name, i, got[i], tt.want[i])
			}
		}
	}
}

func TestBuildQuery(t *testing.T) {
	const sfx = "dc=company,dc=ru"
	tests := []struct {
		t          term
		wantOK     bool
		base, filt string
	}{
		{term{"mail_hit", "a(b)@c.ru", 1}, true, sfx, `(mail=a\28b\29@c.ru)`},
		// Non-ASCII is escaped byte by byte, as bench/load sends it.
		{term{"prefix", "ив", 9}, true, sfx, `(|(cn=\d0\b8\d0\b2*)(mail=\d0\b8\d0\b2*)(sn=\d0\b8\d0\b2*)(givenName=\d0\b8\d0\b2*))`},
		{term{"phone_miss", "1234567", 0}, true, sfx, "(|(telephoneNumber=*1234567*)(mobile=*1234567*))"},
		{term{"division", "ou=omsk", 722}, true, "ou=omsk," + sfx, "(objectClass=inetOrgPerson)"},
		{term{"unknown", "x", 0}, false, "", ""},
	}
	for _, tt := range tests {
		q, ok := buildQuery(tt.t, sfx)
		if ok != tt.wantOK || q.base != tt.base || q.filter != tt.filt {
			t.Errorf("buildQuery(%v) = %q %q %v, want %q %q %v", tt.t, q.base, q.filter, ok, tt.base, tt.filt, tt.wantOK)
		}
	}
}

// fakeDir answers searches from canned entries per filter.
type fakeDir map[string][]*ldap.Entry

func (f fakeDir) Search(req *ldap.SearchRequest) (*ldap.SearchResult, error) {
	es, ok := f[req.Filter]
	if !ok {
		return nil, errors.New("unexpected filter " + req.Filter)
	}
	return &ldap.SearchResult{Entries: es}, nil
}

// person is an entry with a mail and a telephone number.
func person(tb testing.TB, mail, phone string) *ldap.Entry {
	tb.Helper()
	return ldap.NewEntry("mail="+mail+",dc=company,dc=ru", map[string][]string{"mail": {mail}, "telephoneNumber": {phone}})
}

func TestCheckerReportsDifferences(t *testing.T) {
	const filt = "(|(telephoneNumber=*529766*)(mobile=*529766*))"
	same := "(|(telephoneNumber=*111111*)(mobile=*111111*))"
	a := fakeDir{
		filt: {person(t, "x@c.ru", "52-97-66"), person(t, "Y@c.ru", "+7 (3452) 97-66-62")},
		same: {person(t, "z@c.ru", "11-11-11")},
	}
	b := fakeDir{
		filt: {person(t, "x@c.ru", "52-97-66")},
		same: {person(t, "z@c.ru", "11-11-11")},
	}
	var out strings.Builder
	ch := newChecker(server{"userdir", a}, server{"slapd", b}, "dc=company,dc=ru", 5, &out)
	for _, tm := range []term{{"phone", "529766", 1}, {"phone", "111111", 1}} {
		if err := ch.check(tm); err != nil {
			t.Fatalf("check(%v): %v", tm, err)
		}
	}
	if ch.summary() {
		t.Errorf("summary() = true, want false (a term differs)")
	}
	for _, want := range []string{
		`entrydiff-term kind=phone term="529766" expected=1 userdir=2 slapd=1`,
		"    only userdir: y@c.ru telephoneNumber=+7 (3452) 97-66-62\n",
		"entrydiff kind=phone terms=2 differ=1 userdir_wrong_count=1 slapd_wrong_count=0\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), `term="111111"`) {
		t.Errorf("agreeing term printed:\n%s", out.String())
	}
}

func TestCheckerSameSetsWrongCount(t *testing.T) {
	// Both servers agree but the terms file expects another count: still a difference.
	filt := "(mail=a@c.ru)"
	d := fakeDir{filt: nil}
	var out strings.Builder
	ch := newChecker(server{"userdir", d}, server{"slapd", d}, "dc=company,dc=ru", 5, &out)
	if err := ch.check(term{"mail_hit", "a@c.ru", 1}); err != nil {
		t.Fatalf("check: %v", err)
	}
	if ch.summary() {
		t.Errorf("summary() = true, want false")
	}
	if !strings.Contains(out.String(), "userdir_wrong_count=1 slapd_wrong_count=1") {
		t.Errorf("wrong counts not tallied:\n%s", out.String())
	}
}

func TestCheckerSearchError(t *testing.T) {
	var out strings.Builder
	ch := newChecker(server{"userdir", fakeDir{}}, server{"slapd", fakeDir{}}, "dc=company,dc=ru", 5, &out)
	err := ch.check(term{"mail_hit", "a@c.ru", 1})
	if err == nil || !strings.Contains(err.Error(), "userdir: search (mail=a@c.ru)") {
		t.Errorf("check error = %v, want the server's name and the filter", err)
	}
}

func TestCheckerShowLimit(t *testing.T) {
	d := fakeDir{}
	var terms []term
	for _, v := range []string{"a@c.ru", "b@c.ru", "c@c.ru"} {
		d["(mail="+v+")"] = nil
		terms = append(terms, term{"mail_hit", v, 1})
	}
	var out strings.Builder
	ch := newChecker(server{"userdir", d}, server{"slapd", d}, "dc=company,dc=ru", 2, &out)
	for _, tm := range terms {
		if err := ch.check(tm); err != nil {
			t.Fatalf("check: %v", err)
		}
	}
	ch.summary()
	if got := strings.Count(out.String(), "entrydiff-term "); got != 2 {
		t.Errorf("printed %d terms, want 2 (-show):\n%s", got, out.String())
	}
	if !strings.Contains(out.String(), "terms=3 differ=3") {
		t.Errorf("summary does not count every term:\n%s", out.String())
	}
}
