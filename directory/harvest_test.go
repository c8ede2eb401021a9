package directory

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"userdir/internal/fixture"
	"userdir/mailcmd"
	"userdir/schema"
	"userdir/store"
)

// visible is how many results the user reads before typing on.
var visible = 50

// heavyUserDay simulates one day of a heavy Thunderbird user at addr:
// lookups people drawn from book, each found by compose autocomplete typed
// letter by letter (a search after every letter, as Thunderbird does), or
// by the address-book search with the surname, then surname and given
// name. The user types until the person is among the first ten results.
// It returns the distinct entries received and the worst result code.
func heavyUserDay(t testing.TB, d *Directory, addr string, names []string, lookups int, r *rand.Rand) (distinct int, worst ResultCode) {
	t.Helper()
	s := d.Anonymous(mustAddr(addr))
	seen := map[string]bool{}
	ask := func(filter string) []string {
		f, err := schema.ParseFilter(filter)
		if err != nil {
			t.Fatal(err)
		}
		c := &collector{}
		res := d.Search(context.Background(), s, &SearchRequest{BaseDN: "dc=company,dc=ru", Scope: ScopeSub, Filter: f,
			Attributes: []string{"cn", "mail"}}, c)
		if res.Code != Success && res.Code != SizeLimitExceeded && res.Code > worst {
			worst = res.Code
		}
		for _, dn := range c.dns {
			seen[dn] = true
		}
		return c.dns
	}
	found := func(dns []string, want string) bool {
		for i, dn := range dns {
			if i < visible && strings.HasPrefix(dn, "mail="+want+",") {
				return true
			}
		}
		return false
	}
	for range lookups {
		i := r.IntN(len(names))
		name, mail := names[i], mailOf(i)
		words := strings.Fields(name)
		if r.IntN(10) < 7 { // autocomplete: "Ива", "Иван", ... then "Иванов П", ...
			typed := words[0] + " " + words[1]
			for n := 1; n <= utf8.RuneCountInString(typed); n++ {
				prefix := string([]rune(typed)[:n])
				if strings.HasSuffix(prefix, " ") {
					continue
				}
				if found(ask(tbAutocomplete(prefix)), mail) {
					break
				}
			}
			continue
		}
		if !found(ask(tbBookFilter(words[0])), mail) { // address book: surname, then surname and given name
			ask(tbBookFilter(words[0] + " " + words[1]))
		}
	}
	return len(seen), worst
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// mailOf is the mail of fixture.Generate's i-th record.
func mailOf(i int) string { return fmt.Sprintf("user%06d@company.ru", i) }

// TestHeavyUserStaysWithinBudget is the simulation behind
// DefaultHarvestBudget: a heavy user looking up 300 people a day, drawn at
// random from a 20,000-entry book, never reaches the default, which stays
// at least 2.5 times above the heaviest day.
func TestHeavyUserStaysWithinBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation")
	}
	const size, lookups, days = 20000, 300, 3
	recs := realisticBook(size, 1)
	names := make([]string, size)
	for i, r := range recs {
		names[i] = r.Values[mailcmd.FieldName]
	}
	d := newTestDirectory(t, fixture.NewSource(recs...), func(o *Options) { o.HarvestBudget = 1 << 30 })
	worstDay := 0
	for day := range days {
		r := rand.New(rand.NewPCG(uint64(day), 7))
		now := time.Date(2026, 11, 2+day*2, 9, 0, 0, 0, time.UTC)
		d.now = func() time.Time { return now }
		n, code := heavyUserDay(t, d, "192.0.2.1", names, lookups, r)
		if code != Success {
			t.Errorf("day %d: a search got code %d", day, code)
		}
		t.Logf("day %d: %d lookups, %d distinct entries received", day, lookups, n)
		worstDay = max(worstDay, n)
	}
	t.Logf("heaviest day: %d distinct entries; default harvest_budget %d (%.1fx)", worstDay, DefaultHarvestBudget, float64(DefaultHarvestBudget)/float64(worstDay))
	if worstDay*5/2 > DefaultHarvestBudget {
		t.Errorf("heaviest simulated day %d is not well below the default budget %d", worstDay, DefaultHarvestBudget)
	}
}

// realisticBook is fixture.Generate with names as varied as a real
// company's: surnames from two syllables and an ending (a long tail of
// some thousands, as in a real 20,000-person book), given names drawn with
// a skew. fixture.Generate repeats 37 surnames, so that every query there
// returns 50 namesakes: a book nobody has.
func realisticBook(n int, seed uint64) []store.Record {
	r := rand.New(rand.NewPCG(seed, 99))
	syl := []string{"Ба", "Бе", "Во", "Га", "Го", "Да", "До", "Жу", "За", "Зо", "Ка", "Ко", "Ку", "Ла", "Ле", "Ли", "Ма", "Ме",
		"Мо", "На", "Не", "Но", "Па", "Пе", "По", "Ра", "Ре", "Ро", "Са", "Се", "Со", "Та", "Те", "То", "Фе", "Ха", "Че", "Ша", "Ще", "Юр"}
	mid := []string{"б", "в", "г", "д", "з", "к", "л", "м", "н", "р", "с", "т", "х", "ч", "ш", "ньк", "рш", "лг", "сл", "дн"}
	end := []string{"ов", "ев", "ин", "ский", "енко", "ук", "ых", "ёв"}
	given := []string{"Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Максим", "Евгений", "Иван", "Михаил", "Артём",
		"Николай", "Владимир", "Павел", "Олег", "Игорь", "Юрий", "Пётр", "Борис", "Елена", "Ольга", "Татьяна", "Наталья",
		"Ирина", "Светлана", "Анна", "Мария", "Юлия", "Екатерина", "Людмила", "Галина", "Ксения", "Вера", "Роман", "Антон"}
	out := fixture.Generate(n, seed)
	for i := range out {
		sn := syl[r.IntN(len(syl))] + mid[r.IntN(len(mid))] + strings.ToLower(syl[r.IntN(len(syl))]) + end[r.IntN(len(end))]
		g := given[min(r.IntN(len(given)), r.IntN(len(given)))] // skewed to the first names
		out[i].Values[mailcmd.FieldName] = sn + " " + g + " " + given[r.IntN(len(given))] + "ович"
	}
	return out
}
