package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"userdir/mailcmd"
)

// holdWriteLock opens a second connection to path and takes the write lock
// (BEGIN IMMEDIATE), as another process would. It returns a function that
// runs one statement inside that transaction and a release function.
//
// On PostgreSQL it begins a transaction and locks the row of meta, the
// writers' turn (see postgresDialect).
func holdWriteLock(tb testing.TB, path string) (exec func(q string, args ...any), release func()) {
	tb.Helper()
	ctx := context.Background()
	var db *sql.DB
	var err error
	if backend == "postgres" {
		db, _, err = openPostgres(Options{Path: storePath(tb, path), BusyTimeout: DefaultBusyTimeout})
	} else {
		db, err = sql.Open("sqlite", path)
	}
	if err != nil {
		tb.Fatalf("open second connection: %v", err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		tb.Fatalf("second connection: %v", err)
	}
	begin := []string{"BEGIN IMMEDIATE"}
	if backend == "postgres" {
		begin = []string{"BEGIN", postgresDialect.lockWrites}
	}
	for _, q := range begin {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
	done := false
	release = func() {
		if done {
			return
		}
		done = true
		if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			tb.Errorf("ROLLBACK: %v", err)
		}
		conn.Close()
		db.Close()
	}
	tb.Cleanup(release)
	exec = func(q string, args ...any) {
		tb.Helper()
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
	return exec, release
}

// TestBusy checks that a write lock held elsewhere makes Apply fail with
// ErrBusy after BusyTimeout, changing nothing, while reads go on; and that
// Apply works once the lock is released.
func TestBusy(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "userdir.db")
	s := MustOpen(t, Options{Path: path, BusyTimeout: 100 * time.Millisecond})
	mustApply(t, s, msg("a", "m1", 1, ins("x@c.ru", "name=A")))
	_, release := holdWriteLock(t, path)

	start := time.Now()
	_, err := s.Apply(ctx, msg("a", "m2", 2, ins("y@c.ru", "name=B")))
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("Apply while locked: err = %v, want ErrBusy", err)
	}
	if waited := time.Since(start); waited < 80*time.Millisecond {
		t.Errorf("Apply gave up after %v, want about the 100ms busy timeout", waited)
	}
	if err := s.Ignore(ctx, Ignored{Outcome: OutcomeTooLarge, MessageID: "m3"}); !errors.Is(err, ErrBusy) {
		t.Errorf("Ignore while locked: err = %v, want ErrBusy", err)
	}
	recs, seq, err := s.Records(ctx, true)
	if err != nil || len(recs) != 1 || seq != 1 {
		t.Errorf("Records while locked = %d records, seq %d, %v; want 1, 1, nil", len(recs), seq, err)
	}
	if seq, err := s.Seq(ctx); err != nil || seq != 1 {
		t.Errorf("Seq while locked = %d, %v; want 1, nil", seq, err)
	}

	// Another ingest opening the store meanwhile opens (and then waits to write).
	s2, err := Open(ctx, Options{Path: storePath(t, path), BusyTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Errorf("Open while locked: %v", err)
	} else {
		s2.Close()
	}

	release()
	if res := mustApply(t, s, msg("a", "m2", 2, ins("y@c.ru", "name=B"))); res.Outcome != OutcomeApplied {
		t.Errorf("Apply after release: outcome %s, want applied (the failed try must not count)", res.Outcome)
	}
	if n := len(mustRecords(t, s)); n != 2 {
		t.Errorf("after release: %d records, want 2", n)
	}
}

// TestReadOnly checks that a read-only store opens and reads while another
// connection holds an uncommitted write, sees only committed data, and
// refuses writes.
func TestReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "userdir.db")
	w := MustOpen(t, Options{Path: path})
	mustApply(t, w, msg("a", "m1", 1, ins("x@c.ru", "name=A")))
	exec, release := holdWriteLock(t, path)
	exec(`UPDATE record SET v_name = 'uncommitted', seq = 99`)
	exec(`UPDATE meta SET seq = 99`)

	r := MustOpen(t, Options{Path: path, ReadOnly: true, BusyTimeout: 100 * time.Millisecond})
	recs, seq, err := r.Records(ctx, false)
	if err != nil {
		t.Fatalf("Records: %v", err)
	}
	if seq != 1 || len(recs) != 1 || recs[0].Values[mailcmd.FieldName] != "A" {
		t.Errorf("Records = %v, seq %d; want the committed record at seq 1", recs, seq)
	}
	if _, err := r.Apply(ctx, msg("a", "m2", 2, del("x@c.ru"))); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Apply on a read-only store: err = %v, want ErrReadOnly", err)
	}
	release()
	if seq, err := r.Seq(ctx); err != nil || seq != 1 {
		t.Errorf("Seq after rollback = %d, %v; want 1", seq, err)
	}
	mustApply(t, w, msg("a", "m2", 2, upd("x@c.ru", "name=B")))
	if recs, seq, err := r.Changes(ctx, 1); err != nil || seq != 2 || len(recs) != 1 || recs[0].Values[mailcmd.FieldName] != "B" {
		t.Errorf("Changes(1) after a write = %v, %d, %v; want x@c.ru with name B at seq 2", recs, seq, err)
	}
}

// TestReadOnlyMissing checks that a read-only open of a missing or empty
// file fails cleanly and creates nothing.
func TestReadOnlyMissing(t *testing.T) {
	onlyOn(t, "sqlite")
	ctx := context.Background()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	_, err := Open(ctx, Options{Path: missing, ReadOnly: true})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(missing, ReadOnly) err = %v, want fs.ErrNotExist", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the missing file was created: %v", err)
	}

	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, Options{Path: empty, ReadOnly: true}); !errors.Is(err, ErrSchema) {
		t.Errorf("Open(empty, ReadOnly) err = %v, want ErrSchema", err)
	}
	if fi, err := os.Stat(empty); err != nil || fi.Size() != 0 {
		t.Errorf("the empty file was written: %v, %v", fi, err)
	}
}

// TestReopen checks that migrations run once, that a database newer than
// the program is refused, and that Close is idempotent.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "userdir.db")
	s := MustOpen(t, Options{Path: path})
	mustApply(t, s, msg("a", "m1", 1, ins("x@c.ru")))
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	s2 := MustOpen(t, Options{Path: path})
	if n := len(mustRecords(t, s2)); n != 1 {
		t.Errorf("after reopen: %d records, want 1", n)
	}
	var versions int
	if err := s2.db.QueryRowContext(ctx, `SELECT count(*) FROM schema_version`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations(s2.dialect.migrations)
	if err != nil {
		t.Fatal(err)
	}
	if versions != len(ms) {
		t.Errorf("schema_version has %d rows, want %d", versions, len(ms))
	}
	if _, err := s2.db.ExecContext(ctx, `INSERT INTO schema_version VALUES (9999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, Options{Path: storePath(t, path)}); !errors.Is(err, ErrSchema) {
		t.Errorf("Open of a newer schema: err = %v, want ErrSchema", err)
	}
}

// TestOpenPragmas checks the settings every connection of a writer runs with.
func TestOpenPragmas(t *testing.T) {
	onlyOn(t, "sqlite")
	s := MustOpen(t, Options{})
	ctx := context.Background()
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"busy_timeout", "30000"},
	}
	for _, tt := range tests {
		var got string
		if err := s.db.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
		}
		if got != tt.want {
			t.Errorf("PRAGMA %s = %s, want %s", tt.pragma, got, tt.want)
		}
	}
}

// TestConcurrent applies messages from several goroutines while others read,
// as `serve` (LMTP writes, LDAP polling) does.
func TestConcurrent(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, Options{})
	const writers, perWriter = 4, 10
	errs := make(chan error, writers*perWriter+2)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				m := msg("a", fmt.Sprintf("m%d.%d", w, i), w*perWriter+i+1, ins(fmt.Sprintf("u%d.%d@c.ru", w, i)))
				if _, err := s.Apply(ctx, m); err != nil {
					errs <- err
				}
			}
		})
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() {
		var last int64
		for {
			select {
			case <-stop:
				return
			default:
			}
			recs, seq, err := s.Changes(ctx, last)
			if err != nil {
				errs <- err
				return
			}
			if seq < last || (len(recs) > 0 && seq == last) {
				errs <- fmt.Errorf("Changes(%d) = %d records at seq %d", last, len(recs), seq)
				return
			}
			last = seq
		}
	})
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	recs, seq, err := s.Records(ctx, false)
	if err != nil || len(recs) != writers*perWriter || seq != writers*perWriter {
		t.Errorf("Records = %d records at seq %d, %v; want %d at %d", len(recs), seq, err, writers*perWriter, writers*perWriter)
	}
}

// TestChangeSplit checks where the large change sets among the changes
// after a sequence end: the newest messages that together change at most
// the limit follow the split, and a small change set splits nowhere.
func TestChangeSplit(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, Options{Path: filepath.Join(t.TempDir(), "userdir.db")})
	var big []mailcmd.Command
	for i := range 5 {
		big = append(big, ins(fmt.Sprintf("b%d@c.ru", i)))
	}
	mustApply(t, s, msg("a", "m1", 1, ins("x@c.ru")))                // seq 1: 1 record
	mustApply(t, s, msg("a", "m2", 2, big...))                       // seq 2: 5 records
	mustApply(t, s, msg("a", "m3", 3, ins("y@c.ru"), ins("z@c.ru"))) // seq 3: 2 records
	mustApply(t, s, msg("a", "m4", 4, upd("b1@c.ru", "name=B")))     // seq 4: 1 record of seq 2's
	for _, c := range []struct {
		after int64
		limit int
		want  int64
	}{
		{0, 100, 0}, // 8 records in all
		{0, 8, 0},
		{0, 7, 1},
		{0, 3, 2}, // seq 3 and 4 change 3 records; seq 2 itself 4 more
		{0, 2, 3},
		{1, 3, 2},
		{2, 3, 2},
		{3, 0, 4},
		{4, 0, 4},
	} {
		if got, err := s.ChangeSplit(ctx, c.after, c.limit); err != nil || got != c.want {
			t.Errorf("ChangeSplit(%d, %d) = %d, %v; want %d", c.after, c.limit, got, err, c.want)
		}
	}
}
