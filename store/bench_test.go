package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"userdir/mailcmd"
)

// bigInsert returns one message of division div with n insert commands.
func bigInsert(div, id string, at, n, offset int) *Message {
	cmds := make([]mailcmd.Command, n)
	for i := range cmds {
		cmds[i] = ins(fmt.Sprintf("user%06d@company.ru", offset+i),
			"type=mbox", fmt.Sprintf("name=Иванов Иван %d", i), "gor=88-02-93", "mer=38-32-93",
			"of=214", "post=Инженер", "sdiv=Отдел ИТ", "act=1", "vis=1")
	}
	return msg(div, id, at, cmds...)
}

// TestApplyLarge checks that a 10,000-command message applies in well under
// the 2 s the design allows, and that all of it is there.
func TestApplyLarge(t *testing.T) {
	s := MustOpen(t, Options{})
	m := bigInsert("a", "big", 1, 10_000, 0)
	start := time.Now()
	res := mustApply(t, s, m)
	took := time.Since(start)
	t.Logf("10,000 inserts applied in %v", took)
	if res.Applied != 10_000 {
		t.Errorf("Applied = %d, want 10000", res.Applied)
	}
	limit := slowdown * 2 * time.Second
	if backend == "postgres" {
		limit *= 3 // a round trip to the server per record written
	}
	if took > limit {
		t.Errorf("10,000 inserts took %v, want under %v", took, limit)
	}
	sync := bigInsert("a", "sync", 2, 5_000, 0)
	sync.Commands = append([]mailcmd.Command{syncOf(mailcmd.KindMailbox)}, sync.Commands...)
	start = time.Now()
	mustApply(t, s, sync)
	t.Logf("sync of 5,000 over 10,000 records applied in %v", time.Since(start))
	recs, _, err := s.Records(context.Background(), false)
	if err != nil || len(recs) != 5_000 {
		t.Errorf("Records after sync = %d records, %v; want 5000", len(recs), err)
	}
}

func BenchmarkApply10000(b *testing.B) {
	b.ReportAllocs()
	for i := range b.N {
		b.StopTimer()
		s := MustOpen(b, Options{})
		m := bigInsert("a", fmt.Sprint("big", i), 1, 10_000, 0)
		b.StartTimer()
		mustApply(b, s, m)
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}

func BenchmarkApplySmall(b *testing.B) {
	s := MustOpen(b, Options{})
	mustApply(b, s, bigInsert("a", "base", 1, 1_000, 0))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		m := msg("a", fmt.Sprint("small", i), 2+i,
			upd(fmt.Sprintf("user%06d@company.ru", i%1_000), "gor=88-02-94", "post=Начальник"))
		mustApply(b, s, m)
	}
}

// open100k returns a store holding 100,000 records in 10 divisions.
func open100k(b *testing.B) *Store {
	b.Helper()
	s := MustOpen(b, Options{})
	for i := range 10 {
		mustApply(b, s, bigInsert(fmt.Sprint("d", i), "load", 1, 10_000, i*10_000))
	}
	if backend == "postgres" {
		// As autovacuum does within a minute of a load: the planner needs
		// the statistics to read a few changes by their index.
		if _, err := s.db.Exec("ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func BenchmarkRecords100k(b *testing.B) {
	s := open100k(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		recs, _, err := s.Records(ctx, false)
		if err != nil || len(recs) != 100_000 {
			b.Fatalf("Records = %d, %v", len(recs), err)
		}
	}
}

// BenchmarkChanges100k reads the one record a small message changed among
// 100,000, as `serve` does after each poll that sees the sequence move.
func BenchmarkChanges100k(b *testing.B) {
	s := open100k(b)
	ctx := context.Background()
	mustApply(b, s, msg("d3", "small", 2, upd("user030005@company.ru", "gor=1")))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		recs, seq, err := s.Changes(ctx, 10)
		if err != nil || len(recs) != 1 || seq != 11 {
			b.Fatalf("Changes(10) = %d records, seq %d, %v", len(recs), seq, err)
		}
	}
}

func BenchmarkSeq(b *testing.B) {
	s := MustOpen(b, Options{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Seq(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApply1000Into100k applies a 1,000-line message (updates of
// existing records) to a store of 100,000: what one typical ingest costs
// the store, on each engine.
func BenchmarkApply1000Into100k(b *testing.B) {
	s := open100k(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		cmds := make([]mailcmd.Command, 1_000)
		for j := range cmds {
			cmds[j] = upd(fmt.Sprintf("user%06d@company.ru", (i*1_000+j)%100_000), fmt.Sprintf("gor=88-%05d", i), "post=Начальник")
		}
		res := mustApply(b, s, msg(fmt.Sprint("d", (i*1_000%100_000)/10_000), fmt.Sprint("upd", i), 2+i, cmds...))
		if res.Applied != 1_000 {
			b.Fatalf("Applied = %d", res.Applied)
		}
	}
}
