package access

import (
	"testing"

	"userdir/mailcmd"
)

func TestParseRole(t *testing.T) {
	tests := []struct {
		s        string
		allowAll bool
		want     Role
		ok       bool
	}{
		{"book", false, Book, true},
		{"reader", false, Reader, true},
		{"mta", false, MTA, true},
		{"all", false, "", false},
		{"all", true, All, true},
		{"MTA", false, "", false},
		{"", true, "", false},
	}
	for _, tc := range tests {
		got, err := ParseRole(tc.s, tc.allowAll)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseRole(%q, %v) = %q, %v; want %q, ok %v", tc.s, tc.allowAll, got, err, tc.want, tc.ok)
		}
	}
}

// entry is an access.Entry with the given facts.
type entry struct {
	kind            string
	active, visible bool
}

func (e entry) Access() (string, bool, bool) { return e.kind, e.active, e.visible }

func TestSees(t *testing.T) {
	tests := []struct {
		e                      entry
		book, reader, mta, all bool
	}{
		{entry{"", false, false}, true, true, true, true}, // suffix and divisions
		{entry{mailcmd.KindMailbox, true, true}, true, true, true, true},
		{entry{mailcmd.KindMailbox, true, false}, false, false, true, true},
		{entry{mailcmd.KindMailbox, false, true}, false, false, false, true},
		{entry{mailcmd.KindAlias, true, true}, true, true, true, true}, // a visible alias is in the book
		{entry{mailcmd.KindAlias, true, false}, false, false, true, true},
	}
	for _, tc := range tests {
		got := [4]bool{Book.Sees(tc.e), Reader.Sees(tc.e), MTA.Sees(tc.e), All.Sees(tc.e)}
		if want := [4]bool{tc.book, tc.reader, tc.mta, tc.all}; got != want {
			t.Errorf("%+v: book, reader, mta, all see it: %v, want %v", tc.e, got, want)
		}
	}
	if !Book.Limited() || Reader.Limited() || MTA.Limited() {
		t.Error("only book is Limited")
	}
}
