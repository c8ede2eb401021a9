package schema

import (
	"testing"
	"time"

	"userdir/mailcmd"
	"userdir/store"
)

var testDivisions = []DivisionInfo{
	{ID: "tyumen", Name: "Тюмень", MailHost: "mx.tyumen.company.ru"},
	{ID: "tobolsk", Name: "Тобольск"},
}

// newTestMapper returns a Mapper for dc=company,dc=ru with testDivisions.
func newTestMapper(tb testing.TB, order string) *Mapper {
	tb.Helper()
	m, err := NewMapper(MapOptions{Suffix: "dc=company,dc=ru", Organization: "АО «Компания»",
		NameOrder: order, Divisions: testDivisions})
	if err != nil {
		tb.Fatalf("NewMapper: %v", err)
	}
	return m
}

// rec builds a record from key=value pairs of command-line keys.
func rec(tb testing.TB, division, eml string, kv ...string) *store.Record {
	tb.Helper()
	if len(kv)%2 != 0 {
		tb.Fatalf("rec(%s): odd key/value list", eml)
	}
	r := &store.Record{Division: division, Eml: eml, Exists: true,
		Created:  time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC),
		Modified: time.Date(2024, 5, 17, 14, 2, 3, 0, time.FixedZone("YEKT", 5*3600))}
	for i := 0; i < len(kv); i += 2 {
		f, ok := mailcmd.FieldByKey(kv[i])
		if !ok {
			tb.Fatalf("rec(%s): unknown key %q", eml, kv[i])
		}
		r.Values[f] = kv[i+1]
	}
	return r
}

// mustEntry maps r with m.
func mustEntry(tb testing.TB, m *Mapper, r *store.Record) *Entry {
	tb.Helper()
	e, err := m.Entry(r)
	if err != nil {
		tb.Fatalf("Entry(%s): %v", r.Eml, err)
	}
	return e
}

// fixtureRecords is a small Cyrillic directory.
func fixtureRecords(tb testing.TB) []*store.Record {
	tb.Helper()
	return []*store.Record{
		rec(tb, "tyumen", "ivanov@company.ru", "name", "Иванов Иван Иванович", "gor", "+7 (3452) 88-02-93",
			"mer", "3293", "sot", "+7 912 345-67-89", "of", "214", "post", "Инженер", "sdiv", "Отдел ИТ"),
		rec(tb, "tyumen", "petrov@company.ru", "name", "Петров Пётр", "gor", "88-02-49", "mer", "2771", "of", "822"),
		rec(tb, "tobolsk", "elkin@company.ru", "name", "Ёлкин Семён", "gor", "8 (3456) 22-33-44", "post", "Бухгалтер"),
		rec(tb, "tobolsk", "ivasenko@company.ru", "name", "Ивасенко Олег", "sdiv", "Склад"),
		rec(tb, "tyumen", "sidorova@company.ru", "name", "Сидорова Анна", "vis", "0", "mer", "8293"),
		rec(tb, "tyumen", "info@company.ru", "type", "alias", "dst", "ivanov@company.ru,petrov@company.ru"),
		rec(tb, "tobolsk", "smith@company.ru", "name", "Smith John", "post", "Sales Manager"),
	}
}

// fixture returns the mapped fixture entries keyed by mail, and all of them in order.
func fixture(tb testing.TB) (map[string]*Entry, []*Entry) {
	tb.Helper()
	m := newTestMapper(tb, "")
	byMail := map[string]*Entry{}
	var all []*Entry
	for _, r := range fixtureRecords(tb) {
		e := mustEntry(tb, m, r)
		byMail[r.Eml] = e
		all = append(all, e)
	}
	return byMail, all
}

// mustParse parses a filter string.
func mustParse(tb testing.TB, s string) Filter {
	tb.Helper()
	f, err := ParseFilter(s)
	if err != nil {
		tb.Fatalf("ParseFilter(%q): %v", s, err)
	}
	return f
}

// matching returns the mails of the entries f matches (True), in order.
func matching(tb testing.TB, f string, entries []*Entry) []string {
	tb.Helper()
	m := Compile(mustParse(tb, f))
	var out []string
	for _, e := range entries {
		if m.Match(e) == True {
			out = append(out, e.Attr(AttrMail).Values[0])
		}
	}
	return out
}
