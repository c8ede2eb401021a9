package directory

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"userdir/internal/fixture"
	"userdir/ldapserver/wire"
	"userdir/schema"
)

// discard is an Emitter that only counts.
type discard struct{ n int }

func (d *discard) SendEntry(dn, attrs []byte) error { d.n++; return nil }

var (
	bench100k     *Directory
	bench100kOnce sync.Once
)

func benchDirectory(b *testing.B) *Directory {
	bench100kOnce.Do(func() {
		d, err := New(context.Background(), Options{
			Logger:  slog.New(slog.DiscardHandler),
			Source:  fixture.NewSource(fixture.Generate(100000, 1)...),
			Mapper:  fixture.Mapper(),
			Encoder: wire.EntryEncoder{},
		})
		if err != nil {
			b.Fatal(err)
		}
		bench100k = d
	})
	return bench100k
}

// BenchmarkSearch100k runs the searches of the load tool's workloads over a
// 100,000-entry snapshot, as the reader role (no anonymous limits), with
// the sizes and attributes the clients ask for.
func BenchmarkSearch100k(b *testing.B) {
	d := benchDirectory(b)
	s := &Session{Role: schema.RoleReader, cursors: newCursorSet()}
	workloads := []struct {
		name, base, filter string
		attrs              []string
		size               int
	}{
		{"postfix", "dc=company,dc=ru", "(mail=user004242@company.ru)", []string{"mail"}, 0},
		{"postfix-miss", "dc=company,dc=ru", "(mail=nobody@company.ru)", []string{"mail"}, 0},
		{"autocomplete", "dc=company,dc=ru", "(|(cn=ив*)(mail=ив*)(sn=ив*)(givenName=ив*))", []string{"cn", "displayName", "mail"}, 100},
		{"thunderbird", "dc=company,dc=ru", "(|(cn=*петро*)(mail=*петро*)(givenName=*петро*)(sn=*петро*))", []string{"cn", "mail"}, 50},
		{"thunderbird-book-rare", "dc=company,dc=ru", "(|(cn=*ёлкин алекс*)(givenName=*ёлкин алекс*)(sn=*ёлкин алекс*)(mozillaNickname=*ёлкин алекс*)(mail=*ёлкин алекс*)(mozillaSecondEmail=*ёлкин алекс*)(&(description=*ёлкин алекс*))(o=*ёлкин алекс*)(ou=*ёлкин алекс*)(title=*ёлкин алекс*)(mozillaWorkUrl=*ёлкин алекс*)(mozillaHomeUrl=*ёлкин алекс*))", []string{"cn", "mail"}, 50},
		{"callerid", "dc=company,dc=ru", "(|(telephoneNumber=*204242*)(mobile=*204242*))", []string{"cn", "displayName", "telephoneNumber", "mobile"}, 0},
		{"callerid-equality", "dc=company,dc=ru", "(|(telephoneNumber=83452204242)(mobile=83452204242)(ipPhone=83452204242))", []string{"cn"}, 0},
		{"browse", "ou=Тобольск,dc=company,dc=ru", "(objectClass=inetOrgPerson)", nil, 0},
	}
	for _, w := range workloads {
		f, err := schema.ParseFilter(w.filter)
		if err != nil {
			b.Fatal(err)
		}
		req := &SearchRequest{BaseDN: w.base, Scope: ScopeSub, Filter: f, FilterKey: w.filter, Attributes: w.attrs, SizeLimit: w.size}
		b.Run(w.name, func(b *testing.B) {
			var out discard
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if res := d.Search(context.Background(), s, req, &out); res.Code != Success && res.Code != SizeLimitExceeded {
					b.Fatalf("code %d", res.Code)
				}
			}
			b.ReportMetric(float64(out.n)/float64(b.N), "entries/op")
		})
	}
}

// BenchmarkSnapshotBuild maps, encodes and indexes 100,000 records.
func BenchmarkSnapshotBuild(b *testing.B) {
	recs := fixture.Generate(100000, 1)
	m := fixture.Mapper()
	log := slog.New(slog.DiscardHandler)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buildSnapshot(m, wire.EntryEncoder{}, recs, 1, log)
	}
}

// BenchmarkCompact rebuilds the indexes of a 100,000-entry snapshot from
// its encoded items, as a compaction of the overlay does.
func BenchmarkCompact(b *testing.B) {
	d := benchDirectory(b)
	s := d.Snapshot()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buildIndexes(s.items)
	}
}

// BenchmarkEncodeEntry encodes one mapped entry, as a snapshot build does.
func BenchmarkEncodeEntry(b *testing.B) {
	e, err := fixture.Mapper().Entry(&fixture.Book()[0])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		newItem(wire.EntryEncoder{}, e, "k", 1)
	}
}

func ExampleDirectory_Search() {
	d, _ := New(context.Background(), Options{Logger: slog.New(slog.DiscardHandler), Source: fixture.NewSource(fixture.Book()...), Mapper: fixture.Mapper(), Encoder: wire.EntryEncoder{}})
	f, _ := schema.ParseFilter("(telephoneNumber=83452880293)")
	var out discard
	res := d.Search(context.Background(), d.Anonymous(loopback), &SearchRequest{BaseDN: "dc=company,dc=ru", Scope: ScopeSub, Filter: f}, &out)
	fmt.Println(res.Code, out.n)
	// Output: 0 1
}
