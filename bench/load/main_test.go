package main

import (
	"strings"
	"testing"
)

const sampleTerms = "mail_hit\ta@company.ru\t1\nmail_miss\tz@company.ru\t0\nprefix\tИв\t150\nprefix\tПе\t20\n" +
	"phone\t880293\t2\nphone_miss\t111111\t0\ndivision\tou=Тюмень\t700\n"

func TestPickIsDeterministicAndWeighted(t *testing.T) {
	terms, err := readTerms(strings.NewReader(sampleTerms))
	if err != nil {
		t.Fatal(err)
	}
	c := config{workload: "mixed", mix: "postfix=80,autocomplete=15,callerid=4,browse=1", base: "dc=company,dc=ru", sizeLimit: 100, hitRatio: 0.8}
	kinds, err := plan(c, terms)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	misses := 0
	for i := range int64(100000) {
		k, q := pick(kinds, 100, 1, i)
		k2, q2 := pick(kinds, 100, 1, i)
		if k != k2 || q != q2 {
			t.Fatalf("operation %d picked differently twice", i)
		}
		counts[kinds[k].name]++
		if kinds[k].name == "postfix" && q.expected == 0 {
			misses++
		}
	}
	for name, want := range map[string]int{"postfix": 80000, "autocomplete": 15000, "callerid": 4000, "browse": 1000} {
		if got := counts[name]; got < want*9/10 || got > want*11/10 {
			t.Errorf("%s: %d operations of 100000, want about %d", name, got, want)
		}
	}
	if misses < 80000*15/100 || misses > 80000*25/100 {
		t.Errorf("postfix misses = %d of 80000, want about 20%%", misses)
	}
}

func TestMakeQuerySizeLimit(t *testing.T) {
	q, err := makeQuery(term{"prefix", "Ив", 150}, "dc=company,dc=ru", 100)
	if err != nil || q.expected != 100 || !q.sizeLimit {
		t.Errorf("prefix over the limit: %+v, %v", q, err)
	}
	q, err = makeQuery(term{"prefix", "Пе", 20}, "dc=company,dc=ru", 100)
	if err != nil || q.expected != 20 || q.sizeLimit {
		t.Errorf("prefix under the limit: %+v, %v", q, err)
	}
	q, err = makeQuery(term{"division", "ou=Тюмень", 700}, "dc=company,dc=ru", 100)
	if err != nil || q.expected != 700 || q.sizeLimit || !strings.Contains(q.text, "ou=Тюмень,dc=company,dc=ru") {
		t.Errorf("division: %+v, %v", q, err)
	}
	if _, err := makeQuery(term{"nonsense", "x", 1}, "dc=x", 100); err == nil {
		t.Error("an unknown kind was accepted")
	}
}

func TestReadTermsErrors(t *testing.T) {
	for _, in := range []string{"mail_hit\tx\n", "mail_hit\tx\ty\n"} {
		if _, err := readTerms(strings.NewReader(in)); err == nil {
			t.Errorf("readTerms(%q) accepted a bad line", in)
		}
	}
}

func TestTallyLine(t *testing.T) {
	tl := tally{lat: []uint32{5, 1, 3, 2, 4}, entries: 5, expected: 5}
	got := tl.line("postfix", "persistent", 2, 1)
	for _, want := range []string{"workload=postfix", "mode=persistent", "conns=2", "ops=5", "ops_per_s=5.0", "mean_us=3", "p50_us=3", "max_us=5", "mismatches=0"} {
		if !strings.Contains(got, want+" ") {
			t.Errorf("line %q lacks %q", got, want)
		}
	}
}
