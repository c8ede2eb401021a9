package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"userdir/mailcmd"
)

// holdSync applies to div a sync that lists one of its many records, which
// the safety net holds.
func holdSync(tb testing.TB, s *Store, div, id string, at int) {
	tb.Helper()
	m := &Message{Division: div, MessageID: id, Stamp: ts(at), Received: testNow,
		Body: "_cmd=sync:type=mbox\n_cmd=insert:eml=many00@" + div + ".ru\n"}
	if res := mustApply(tb, s, m); res.Outcome != OutcomeHeld {
		tb.Fatalf("sync %s: %s, want held", id, res.Outcome)
	}
}

// TestDivisionStats checks every figure of DivisionStats on a store with
// each kind of traffic: applied, rejected lines, bad sender, unknown code,
// a sync, held syncs and a conflict.
func TestDivisionStats(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, Options{})
	m := msg("a", "<1@a>", 10, ins("x@c.ru"), ins("both@c.ru"))
	m.Rejects = []mailcmd.LineNote{{Line: 3, Reason: "no eml"}, {Line: 4, Reason: "bad address"}}
	mustApply(t, s, m)
	mustApply(t, s, msg("b", "<1@b>", 20, syncOf("mbox"), ins("both@c.ru"), ins("y@c.ru")))
	var many []mailcmd.Command
	for i := range 10 {
		many = append(many, ins(fmt.Sprintf("many%02d@c.ru", i), "type=mbox"))
	}
	mustApply(t, s, msg("c", "<1@c>", 21, many...))
	holdSync(t, s, "c", "<2@c>", 30)
	holdSync(t, s, "c", "<3@c>", 31)
	for _, ig := range []Ignored{
		{Outcome: OutcomeBadSender, Division: "a", MessageID: "<3@a>", Sender: "evil@x.ru", Received: testNow},
		{Outcome: OutcomeUnknownCode, MessageID: "<4@x>", Received: testNow},
	} {
		if err := s.Ignore(ctx, ig); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.DivisionStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[0].Division != "" || got[1].Division != "a" || got[2].Division != "b" || got[3].Division != "c" {
		t.Fatalf("DivisionStats divisions = %+v, want \"\", a, b, c", got)
	}
	unknown, a, b, c := got[0], got[1], got[2], got[3]
	if unknown.Messages != 1 || unknown.Outcomes[OutcomeUnknownCode] != 1 {
		t.Errorf("unknown code: %+v", unknown)
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"a.Entries", a.Entries, 2}, {"b.Entries", b.Entries, 2},
		{"a.Messages", a.Messages, 2}, {"a.applied", a.Outcomes[OutcomeApplied], 1},
		{"a.bad-sender", a.Outcomes[OutcomeBadSender], 1}, {"c.held", c.Outcomes[OutcomeHeld], 2},
		{"a.RejectedLines", a.RejectedLines, 2}, {"a.LastApplied", a.LastApplied, testNow},
		{"a.LastSync", a.LastSync, time.Time{}}, {"b.LastSync", b.LastSync, ts(20)},
		{"a.Held", a.Held, 0}, {"c.Held", c.Held, 2}, {"c.Entries", c.Entries, 10},
		// both@c.ru: b's sync (stamp 20) is newer than a's insert (stamp 10).
		{"a.Conflicts", a.Conflicts, 1}, {"b.Conflicts", b.Conflicts, 0},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestJournalSince checks the window and the notes.
func TestJournalSince(t *testing.T) {
	s := MustOpen(t, Options{})
	m := msg("a", "<1@a>", 10, ins("x@c.ru"))
	m.Received = testNow.Add(-48 * time.Hour)
	mustApply(t, s, m)
	m = msg("a", "<2@a>", 11, ins("y@c.ru"))
	m.Rejects = []mailcmd.LineNote{{Line: 2, Reason: "no eml", Text: "_cmd=insert"}}
	mustApply(t, s, m)
	got, err := s.JournalSince(context.Background(), testNow.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].MessageID != "<2@a>" || len(got[0].Notes) != 1 || got[0].Notes[0].Line != 2 {
		t.Errorf("JournalSince = %+v, want <2@a> with its rejected line", got)
	}
}

// TestFileModes checks that a new store, its directory and its WAL files
// are readable by owner and group only.
func TestFileModes(t *testing.T) {
	onlyOn(t, "sqlite")
	dir := filepath.Join(t.TempDir(), "db")
	path := filepath.Join(dir, "userdir.db")
	s := MustOpen(t, Options{Path: path})
	mustApply(t, s, msg("a", "<1@a>", 1, ins("x@c.ru")))
	for _, c := range []struct {
		path string
		want os.FileMode
	}{{dir, DirMode}, {path, FileMode}, {path + "-wal", FileMode}, {path + "-shm", FileMode}} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != c.want {
			t.Errorf("mode of %s = %v, want %v", filepath.Base(c.path), got, c.want)
		}
	}
}

// TestBackup checks that a backup is a verified copy with the same
// records, created 0640, and that it refuses to overwrite a file.
func TestBackup(t *testing.T) {
	onlyOn(t, "sqlite") // PostgreSQL: TestBackupPostgres
	ctx := context.Background()
	s := MustOpen(t, Options{})
	mustApply(t, s, msg("a", "<1@a>", 1, ins("x@c.ru", "name=X"), ins("y@c.ru")))
	path := filepath.Join(t.TempDir(), "copy.db")
	ro := MustOpen(t, Options{Path: s.opt.Path, ReadOnly: true}) // as `userdir backup` opens it
	if err := ro.Backup(ctx, path); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != FileMode {
		t.Errorf("backup file: %v, %v; want mode %v", fi.Mode(), err, FileMode)
	}
	c := MustOpen(t, Options{Path: path, ReadOnly: true})
	if g, w := states(mustRecords(t, c)), states(mustRecords(t, s)); len(g) != 2 || g["a/x@c.ru"] != w["a/x@c.ru"] {
		t.Errorf("copy holds %v, want %v", g, w)
	}
	if err := s.Backup(ctx, path); !errors.Is(err, os.ErrExist) {
		t.Errorf("Backup over an existing file = %v, want ErrExist", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.db")
	os.WriteFile(bad, []byte("SQLite format 3\x00 but not really a database, just bytes"), 0o600)
	if err := VerifyFile(ctx, bad); err == nil {
		t.Errorf("VerifyFile(garbage) = nil, want an error")
	}
}

// BenchmarkDivisionStats100k is one reading of the statistics that /metrics
// and status make, on 100,000 records.
func BenchmarkDivisionStats100k(b *testing.B) {
	s := open100k(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.DivisionStats(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
