package store

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// openFile opens an SQLite store at path whatever the run's backend.
func openFile(tb testing.TB, path string) *Store {
	tb.Helper()
	s, err := Open(context.Background(), Options{Path: path, Now: func() time.Time { return testNow }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// TestCopy copies an SQLite store with records, tombstones, conflicts,
// held syncs and a journal into the run's store (SQLite, or PostgreSQL in
// its run) and back into a new SQLite file: all three read the same.
func TestCopy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := openFile(t, filepath.Join(dir, "src.db"))
	held, _ := applyAll(t, src, genStream(7, 300))
	if len(held) == 0 {
		t.Fatal("the stream held no sync: the copy would not show held syncs")
	}
	mid := MustOpen(t, Options{})
	counts, err := Copy(ctx, mid, src)
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	if counts.Tables["record"] == 0 || counts.Tables["journal"] == 0 || counts.Tables["held"] == 0 || counts.Seq == 0 {
		t.Errorf("Copy counts = %+v: the stream should fill every table", counts)
	}
	back := openFile(t, filepath.Join(dir, "back.db"))
	if _, err := Copy(ctx, back, mid); err != nil {
		t.Fatalf("Copy back: %v", err)
	}
	want := readAll(t, src)
	for name, s := range map[string]*Store{"copy": mid, "copy of the copy": back} {
		if got := readAll(t, s); !reflect.DeepEqual(got, want) {
			t.Errorf("%s differs from the original:\n got %+v\nwant %+v", name, got.summary(), want.summary())
		}
	}
	if _, err := Copy(ctx, mid, src); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("Copy into a store with data: err = %v, want ErrNotEmpty", err)
	}
	// The copy goes on: new journal ids follow the copied ones.
	mustApply(t, mid, msg("new", "after-copy", 9999, ins("n@c.ru")))
	j, err := mid.Journal(ctx, 1)
	if err != nil || len(j) != 1 || j[0].MessageID != "after-copy" || j[0].ID <= want.journal[0].ID {
		t.Errorf("newest journal entry after the copy = %+v, %v; want after-copy with a new id", j, err)
	}
}

// everything is what readAll reads of a store.
type everything struct {
	records   []Record
	seq       int64
	journal   []JournalEntry
	held      []HeldSync
	status    []DivisionStatus
	conflicts []Conflict
}

func (e everything) summary() map[string]int {
	return map[string]int{"records": len(e.records), "seq": int(e.seq), "journal": len(e.journal),
		"held": len(e.held), "status": len(e.status), "conflicts": len(e.conflicts)}
}

func readAll(tb testing.TB, s *Store) everything {
	tb.Helper()
	ctx := context.Background()
	var e everything
	var err error
	if e.records, e.seq, err = s.Records(ctx, true); err != nil {
		tb.Fatal(err)
	}
	if e.journal, err = s.Journal(ctx, 0); err != nil {
		tb.Fatal(err)
	}
	if e.held, err = s.Held(ctx); err != nil {
		tb.Fatal(err)
	}
	if e.status, err = s.Status(ctx); err != nil {
		tb.Fatal(err)
	}
	if e.conflicts, err = s.Conflicts(ctx); err != nil {
		tb.Fatal(err)
	}
	return e
}

// TestEnginesAgree applies one stream of messages (syncs, held syncs,
// conflicts, duplicates, equal Dates) to an SQLite store and to the run's
// store (PostgreSQL in its run): records, journal, held syncs, status and
// conflicts read the same from both.
func TestEnginesAgree(t *testing.T) {
	stream, _ := shuffleWithDuplicates(genStream(11, 300), 11)
	file := openFile(t, filepath.Join(t.TempDir(), "sqlite.db"))
	run := MustOpen(t, Options{})
	applyAll(t, file, stream)
	applyAll(t, run, stream)
	a, b := readAll(t, file), readAll(t, run)
	for i := range a.journal { // ids are the engines' own; compare the rest
		a.journal[i].ID = 0
	}
	for i := range b.journal {
		b.journal[i].ID = 0
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("SQLite and %s differ:\nSQLite %+v\n%s %+v", backend, a.summary(), backend, b.summary())
		compareStores(t, a.records, b.records)
	}
}
