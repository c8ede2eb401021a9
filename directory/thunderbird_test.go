package directory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"userdir/internal/fixture"
)

// tbBookFilter is Thunderbird's address-book search for the words typed:
// one OR per word, ANDed when there are two or more (Thunderbird 153).
func tbBookFilter(typed string) string {
	var ors []string
	for _, w := range strings.Fields(typed) {
		ors = append(ors, strings.ReplaceAll("(|(cn=*X*)(givenName=*X*)(sn=*X*)(mozillaNickname=*X*)(mail=*X*)(mozillaSecondEmail=*X*)(&(description=*X*))(o=*X*)(ou=*X*)(title=*X*)(mozillaWorkUrl=*X*)(mozillaHomeUrl=*X*))", "X", w))
	}
	if len(ors) == 1 {
		return ors[0]
	}
	return "(&" + strings.Join(ors, "") + ")"
}

// tbAutocomplete is Thunderbird's compose-window autocomplete filter.
func tbAutocomplete(typed string) string {
	return fmt.Sprintf("(|(cn=*%[1]s*)(mail=*%[1]s*)(givenName=*%[1]s*)(sn=*%[1]s*))", typed)
}

// TestThunderbirdFilters: both of Thunderbird's real filters find the
// right people anonymously, with one and two words, Cyrillic, ё and е; the
// first letter typed gets success with nothing; "Download now" gets 53.
func TestThunderbirdFilters(t *testing.T) {
	d := newTestDirectory(t, fixture.NewSource(fixture.Book()...))
	book := d.Anonymous(loopback)
	tests := []struct {
		name, filter string
		want         []string
	}{
		{"book one word", tbBookFilter("Иван"), []string{"ivanov@company.ru", "ivanova@company.ru"}},
		{"book one word lower case", tbBookFilter("петров"), []string{"ivanova@company.ru", "petrov@company.ru"}},
		{"book two words", tbBookFilter("Иванова Мария"), []string{"ivanova@company.ru"}},
		{"book two words reversed", tbBookFilter("Иван Иванович"), []string{"ivanov@company.ru"}},
		{"book ё typed as е", tbBookFilter("Елкин"), []string{"yolkin@company.ru"}},
		{"book ё typed as ё", tbBookFilter("ёлкин"), []string{"yolkin@company.ru"}},
		{"book ё typed, matches е too", tbBookFilter("Пётр"), []string{"ivanova@company.ru", "petrov@company.ru"}},
		{"book by title", tbBookFilter("Инженер"), []string{"ivanov@company.ru"}},
		{"book by division", tbBookFilter("Тобольск"), []string{"sidorov@company.ru", "smith@company.ru", "yolkin@company.ru"}},
		{"book by department and name", tbBookFilter("ИТ Иванов"), []string{"ivanov@company.ru"}},
		{"book latin", tbBookFilter("smith"), []string{"smith@company.ru"}},
		{"book finds an alias", tbBookFilter("Отдел продаж"), []string{"sales@company.ru"}},
		{"book first letter", tbBookFilter("И"), nil},
		{"book second word one letter", tbBookFilter("Иванов И"), []string{"ivanov@company.ru", "ivanova@company.ru"}},
		{"autocomplete two letters", tbAutocomplete("ив"), []string{"ivanov@company.ru", "ivanova@company.ru"}},
		{"autocomplete first letter", tbAutocomplete("и"), nil},
		{"autocomplete ё/е", tbAutocomplete("елк"), []string{"yolkin@company.ru"}},
		{"autocomplete mail", tbAutocomplete("sidor"), []string{"sidorov@company.ru"}},
	}
	for _, tt := range tests {
		c, res := search(t, d, book, "dc=company,dc=ru", ScopeSub, tt.filter)
		if res.Code != Success {
			t.Errorf("%s: code %d %q", tt.name, res.Code, res.Message)
		}
		if got := c.mails(); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	for _, f := range []string{"(objectclass=*)", "(objectClass=inetOrgPerson)"} {
		c, res := search(t, d, book, "dc=company,dc=ru", ScopeSub, f)
		if res.Code != UnwillingToPerform || len(c.dns) != 0 || !strings.Contains(res.Message, "reader account") {
			t.Errorf("Download now %s: code %d, %d entries, %q; want 53 with a diagnostic", f, res.Code, len(c.dns), res.Message)
		}
		// A reader account gets the whole book.
		reader := &Session{Peer: loopback, Role: "reader", Authenticated: true, cursors: newCursorSet()}
		if c, res := search(t, d, reader, "dc=company,dc=ru", ScopeSub, f); res.Code != Success || len(c.mails()) != 7 {
			t.Errorf("reader %s: code %d, %v", f, res.Code, c.mails())
		}
	}
}

// TestTitleDivisionDepartmentIndexed: o, ou and title are found through
// their index of distinct values, in the base and in the overlay of live
// changes alike, with ё and е equal.
func TestTitleDivisionDepartmentIndexed(t *testing.T) {
	src := fixture.NewSource(fixture.Book()...)
	d := newTestDirectory(t, src)
	src.Put(fixture.Record("tobolsk", "new@company.ru", "name", "Новый Сотрудник", "post", "Главный ёлочник", "sdiv", "Отдел ёлок"))
	if err := d.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	book := d.Anonymous(loopback)
	for _, tt := range []struct {
		filter string
		want   []string
	}{
		{"(title=*елочн*)", []string{"new@company.ru"}},
		{"(ou=отдел ел*)", []string{"new@company.ru"}},
		{"(title=*инженер*)", []string{"ivanov@company.ru"}},
		{"(&(o=*тобол*)(ou=*ёлок*))", []string{"new@company.ru"}},
		{"(o=тюм*)", []string{"ivanov@company.ru", "ivanova@company.ru", "petrov@company.ru", "sales@company.ru"}},
		{tbBookFilter("ёлочник"), []string{"new@company.ru"}},
	} {
		c, res := search(t, d, book, "dc=company,dc=ru", ScopeSub, tt.filter)
		if res.Code != Success {
			t.Errorf("%s: code %d", tt.filter, res.Code)
		}
		if got := c.mails(); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.filter, got, tt.want)
		}
	}
}
