package schema

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

var (
	benchFamilies = []string{"Иванов", "Петров", "Сидоров", "Ёлкин", "Кузнецов", "Смирнов", "Попов", "Васильев",
		"Соколов", "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов"}
	benchGiven = []string{"Иван", "Пётр", "Сергей", "Анна", "Мария", "Олег", "Алексей", "Елена", "Дмитрий", "Ольга"}
	benchPosts = []string{"Инженер", "Бухгалтер", "Начальник отдела", "Специалист", "Оператор", ""}
)

// benchEntries maps n generated records spread over the test divisions.
func benchEntries(tb testing.TB, n int) []*Entry {
	tb.Helper()
	m := newTestMapper(tb, "")
	rnd := rand.New(rand.NewPCG(1, 2))
	entries := make([]*Entry, n)
	for i := range entries {
		name := fmt.Sprintf("%s %s %sович", benchFamilies[rnd.IntN(len(benchFamilies))],
			benchGiven[rnd.IntN(len(benchGiven))], benchGiven[rnd.IntN(len(benchGiven))])
		r := rec(tb, testDivisions[i%len(testDivisions)].ID, fmt.Sprintf("user%06d@company.ru", i),
			"name", name, "gor", fmt.Sprintf("+7 (3452) %02d-%02d-%02d", rnd.IntN(100), rnd.IntN(100), rnd.IntN(100)),
			"mer", fmt.Sprintf("%04d", rnd.IntN(10000)), "of", fmt.Sprint(100+rnd.IntN(900)),
			"post", benchPosts[rnd.IntN(len(benchPosts))], "sdiv", "Отдел "+fmt.Sprint(rnd.IntN(40)))
		entries[i] = mustEntry(tb, m, r)
	}
	return entries
}

// BenchmarkMatch evaluates the clients' filters over 100,000 entries: one
// op is a full scan, as a search without an index would do.
func BenchmarkMatch(b *testing.B) {
	entries := benchEntries(b, 100_000)
	for _, bb := range []struct{ name, filter string }{
		{"thunderbird", "(|(cn=*ив*)(mail=*ив*)(mozillaNickname=*ив*)(givenName=*ив*)(sn=*ив*))"},
		{"outlook", "(&(mail=*)(|(mail=иван*)(|(cn=иван*)(|(sn=иван*)(givenName=иван*)))))"},
		{"callerid", "(|(telephoneNumber=83452880293)(mobile=83452880293)(ipPhone=83452880293))"},
		{"postfix", "(mail=user054321@company.ru)"},
	} {
		m := Compile(mustParse(b, bb.filter))
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			hits := 0
			for b.Loop() {
				hits = 0
				for _, e := range entries {
					if m.Match(e) == True {
						hits++
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(entries)), "ns/entry")
			b.ReportMetric(float64(hits), "hits")
		})
	}
}

// BenchmarkEntry maps one record to its entry.
func BenchmarkEntry(b *testing.B) {
	m := newTestMapper(b, "")
	r := fixtureRecords(b)[0]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Entry(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompile parses and compiles the Thunderbird filter, once per search.
func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		f, err := ParseFilter("(|(cn=*ив*)(mail=*ив*)(mozillaNickname=*ив*)(givenName=*ив*)(sn=*ив*))")
		if err != nil {
			b.Fatal(err)
		}
		Compile(f)
	}
}
