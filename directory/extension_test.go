package directory

import (
	"slices"
	"testing"

	"userdir/internal/fixture"
	"userdir/store"
)

// TestExtensionInsideCityNumber: an extension that is the tail of the
// entry's own city number (a common numbering plan) is found by itself,
// through the index as well as the matcher, for every role; a number that
// only ends in the same four digits is not. The index used to drop the
// extension because its digits are contained in the city number's.
func TestExtensionInsideCityNumber(t *testing.T) {
	recs := []store.Record{
		fixture.Record("tyumen", "both@company.ru", "name", "Город Мер", "gor", "+7 (3462) 24-11-04", "mer", "1104"),
		fixture.Record("tyumen", "city@company.ru", "name", "Только Город", "gor", "+7 (3452) 88-11-04"),
		fixture.Record("tyumen", "mob@company.ru", "name", "Мобил Мер", "sot", "+7 912 000-11-04", "mer", "1104"),
		fixture.Record("tobolsk", "short@company.ru", "name", "Короткий Номер", "gor", "24-11-04", "mer", "1104"),
		fixture.Record("tobolsk", "cellonly@company.ru", "name", "Только Мобил", "sot", "8 912 555-11-04"),
	}
	d := newTestDirectory(t, fixture.NewSource(recs...))
	tests := []struct {
		filter string
		want   []string
	}{
		{"(ipPhone=1104)", []string{"both@company.ru", "mob@company.ru", "short@company.ru"}},
		{"(telephoneNumber=1104)", []string{"both@company.ru", "mob@company.ru", "short@company.ru"}},
		{"(telephoneNumber=11-04)", []string{"both@company.ru", "mob@company.ru", "short@company.ru"}},
		{"(mobile=1104)", nil},
		{"(|(telephoneNumber=1104)(mobile=1104)(ipPhone=1104))", []string{"both@company.ru", "mob@company.ru", "short@company.ru"}},
		// caller ID: the suffix rule with k ≥ 6 is unchanged.
		{"(telephoneNumber=83462241104)", []string{"both@company.ru", "short@company.ru"}},
		{"(telephoneNumber=241104)", []string{"both@company.ru", "short@company.ru"}},
		{"(telephoneNumber=+73452881104)", []string{"city@company.ru"}},
		{"(mobile=89125551104)", []string{"cellonly@company.ru"}},
		{"(mobile=+79120001104)", []string{"mob@company.ru"}},
		{"(telephoneNumber=41104)", nil}, // five digits: only an equal digit string
	}
	for _, s := range []*Session{d.Anonymous(loopback), d.Anonymous(mtaNet)} {
		for _, tt := range tests {
			c, res := search(t, d, s, "dc=company,dc=ru", ScopeSub, tt.filter)
			if res.Code != Success {
				t.Fatalf("%s %s: code %d %q", s.Role, tt.filter, res.Code, res.Message)
			}
			if got := c.mails(); !slices.Equal(got, tt.want) {
				t.Errorf("%s %s: got %v, want %v", s.Role, tt.filter, got, tt.want)
			}
		}
	}
}
