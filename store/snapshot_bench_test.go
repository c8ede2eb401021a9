package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"userdir/directory"
	"userdir/ldapserver/wire"
	"userdir/schema"
	"userdir/store"
)

// BenchmarkSnapshotLoad100k is what `serve` does at start and on SIGHUP:
// read the 100,000 records of the store and build the directory's
// snapshot from them, on each engine (the store tests run twice).
func BenchmarkSnapshotLoad100k(b *testing.B) {
	s := store.Open100k(b)
	divs := make([]schema.DivisionInfo, 10)
	for i := range divs {
		divs[i] = schema.DivisionInfo{ID: fmt.Sprint("d", i), Name: fmt.Sprint("Отдел ", i)}
	}
	m, err := schema.NewMapper(schema.MapOptions{Suffix: "dc=company,dc=ru", Divisions: divs})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		d, err := directory.New(context.Background(), directory.Options{Source: s, Mapper: m, Encoder: wire.EntryEncoder{}, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		if n := d.Snapshot().Len(); n < 100_000 {
			b.Fatalf("snapshot of %d entries", n)
		}
	}
}
