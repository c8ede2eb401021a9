package phonebook

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzTextFilter(f *testing.F) {
	for _, s := range []string{"Иван", "иванов иван", "88-02-93", "+7 (3452) 88-02-93", "a@b", "*", "a b c d e", "", "\x00", "ё"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		flt, err := textFilter(q)
		if err != nil {
			return
		}
		if utf8.RuneCountInString(strings.TrimSpace(q)) > maxQueryRunes {
			t.Fatalf("textFilter(%q) accepted a query longer than %d", q, maxQueryRunes)
		}
		if flt.String() == "" {
			t.Fatalf("textFilter(%q) = empty filter", q)
		}
	})
}

func FuzzGigasetFilter(f *testing.F) {
	for _, s := range []string{"command=get_list&type=pb&ln=Ив", "command=get_list&type=pb&hm=8293", "command=get_list&type=pb&ln=*&fn=*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		if flt, err := gigasetFilter(v); err == nil && flt == nil {
			t.Fatalf("gigasetFilter(%q) = nil, nil", raw)
		}
	})
}

func FuzzDecodePerson(f *testing.F) {
	f.Add([]byte{0x30, 0x09, 0x04, 0x02, 'c', 'n', 0x31, 0x03, 0x04, 0x01, 'x'})
	f.Add([]byte{0x30, 0x84, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		decodePerson(b) // must not panic on any input
	})
}
