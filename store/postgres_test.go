package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"userdir/mailcmd"
)

func TestRebind(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = $1 AND c = $2"},
		{"SELECT '?' FROM t WHERE b = ?", "SELECT '?' FROM t WHERE b = $1"},
		{"DELETE FROM record INDEXED BY record_dead WHERE live = 0 AND dead_at < ?", "DELETE FROM record WHERE live = 0 AND dead_at < $1"},
		{"SELECT eml FROM record\n\t\tindexed by record_seq WHERE seq > ?", "SELECT eml FROM record WHERE seq > $1"},
	}
	for _, tt := range tests {
		if got := rebind(tt.in); got != tt.want {
			t.Errorf("rebind(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"/var/db/userdir.db":                         "/var/db/userdir.db",
		"postgres://u:secret@db1/userdir":            "postgres://u:xxxxx@db1/userdir",
		"postgresql://u@db1,db2/userdir?sslmode=req": "postgresql://u@db1,db2/userdir?sslmode=req",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	_, err := Open(context.Background(), Options{Path: "postgres://u:secret@db1:notaport/x"})
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("Open of a bad URL: err = %v, want an error without the password", err)
	}
}

// TestPasswordOption checks that Options.Password is used when the URL
// has none, and the URL's own wins otherwise.
func TestPasswordOption(t *testing.T) {
	cfg, err := pgConfig(Options{Path: "postgres://u@h/db", Password: "fromfile"})
	if err != nil || cfg.Password != "fromfile" {
		t.Errorf("password = %q, %v; want fromfile", cfg.Password, err)
	}
	cfg, err = pgConfig(Options{Path: "postgres://u:inurl@h/db", Password: "fromfile"})
	if err != nil || cfg.Password != "inurl" {
		t.Errorf("password = %q, %v; want inurl", cfg.Password, err)
	}
}

// TestMigrationsAligned checks that both engines have the same schema
// versions, so that a version means the same schema on either.
func TestMigrationsAligned(t *testing.T) {
	a, err := loadMigrations(sqliteDialect.migrations)
	if err != nil {
		t.Fatal(err)
	}
	b, err := loadMigrations(postgresDialect.migrations)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("SQLite has %d migrations, PostgreSQL %d", len(a), len(b))
	}
	for i := range a {
		if a[i].version != b[i].version {
			t.Errorf("migration %d: SQLite version %d, PostgreSQL %d", i, a[i].version, b[i].version)
		}
	}
}

// TestPostgresReadOnlyEmpty: a read-only store on a database without
// tables is refused, and creates nothing.
func TestPostgresReadOnlyEmpty(t *testing.T) {
	onlyOn(t, "postgres")
	u := newSchema(t)
	if _, err := Open(context.Background(), Options{Path: u, ReadOnly: true}); !errors.Is(err, ErrSchema) {
		t.Errorf("Open(empty, ReadOnly) err = %v, want ErrSchema", err)
	}
	w := MustOpen(t, Options{Path: u})
	r := MustOpen(t, Options{Path: u, ReadOnly: true})
	if _, err := r.db.ExecContext(context.Background(), `UPDATE meta SET seq = 5`); err == nil {
		t.Errorf("a read-only session wrote")
	}
	mustApply(t, w, msg("a", "m1", 1, ins("x@c.ru")))
}

// TestWatch checks that a commit by one store is signalled to another
// store's Watch on the same database, and that a change-free write is not
// required to signal.
func TestWatch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := MustOpen(t, Options{})
	if backend == "sqlite" {
		if w.Watch(ctx) != nil {
			t.Errorf("Watch on SQLite is not nil")
		}
		return
	}
	r := MustOpen(t, Options{Path: w.opt.Path, ReadOnly: true})
	ch := r.Watch(ctx)
	select { // the first signal says it is listening
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("Watch never connected")
	}
	start := time.Now()
	mustApply(t, w, msg("a", "m1", 1, ins("x@c.ru")))
	select {
	case <-ch:
		t.Logf("notified %v after the commit began", time.Since(start))
	case <-time.After(5 * time.Second):
		t.Fatal("no notification of a commit")
	}
}

// TestBadBytes: a rejected line or a held body with NUL or invalid UTF-8
// is journaled on either engine (PostgreSQL's text takes neither; they
// become U+FFFD there), and the message applies.
func TestBadBytes(t *testing.T) {
	s := MustOpen(t, Options{})
	m := msg("a", "bad-bytes", 1, ins("x@c.ru"))
	m.Rejects = []mailcmd.LineNote{{Line: 2, Reason: "unknown command", Text: "_cmd=\x00bad\xff"}}
	if res := mustApply(t, s, m); res.Outcome != OutcomeApplied {
		t.Fatalf("outcome %s", res.Outcome)
	}
	j, err := s.Journal(context.Background(), 1)
	if err != nil || len(j) != 1 || len(j[0].Notes) != 1 {
		t.Fatalf("Journal = %+v, %v", j, err)
	}
	want := "_cmd=\x00bad\xff"
	if backend == "postgres" {
		want = "_cmd=\uFFFDbad\uFFFD"
	}
	if got := j[0].Notes[0].Text; got != want {
		t.Errorf("note text = %q, want %q", got, want)
	}
}

// TestWriteRetries: a transaction that PostgreSQL aborts for a concurrent
// one (serialization failure, deadlock) runs again from the start, up to
// maxWriteAttempts times; then its error comes back for ingest's 75.
func TestWriteRetries(t *testing.T) {
	s := MustOpen(t, Options{})
	ctx := context.Background()
	for _, tt := range []struct {
		failures, wantRuns int
		wantErr            bool
	}{{0, 1, false}, {2, 3, false}, {maxWriteAttempts, maxWriteAttempts, true}} {
		runs := 0
		err := s.write(ctx, "test", func(tx *sql.Tx) error {
			runs++
			if runs <= tt.failures {
				return &pgconn.PgError{Code: pgSerializationFailure, Message: "could not serialize access"}
			}
			_, err := tx.ExecContext(ctx, `UPDATE meta SET seq = seq WHERE id = 1`)
			return err
		})
		if runs != tt.wantRuns || (err != nil) != tt.wantErr {
			t.Errorf("%d failures: %d runs, err %v; want %d runs, error %v", tt.failures, runs, err, tt.wantRuns, tt.wantErr)
		}
	}
	runs := 0
	err := s.write(ctx, "test", func(*sql.Tx) error { runs++; return errors.New("the message's own trouble") })
	if runs != 1 || err == nil {
		t.Errorf("another error: %d runs, %v; want 1 run and the error", runs, err)
	}
}

// TestBackupPostgres: Backup of a PostgreSQL store refuses, naming
// PostgreSQL's own tools, and writes nothing.
func TestBackupPostgres(t *testing.T) {
	onlyOn(t, "postgres")
	s := MustOpen(t, Options{})
	path := t.TempDir() + "/copy.db"
	if err := s.Backup(context.Background(), path); !errors.Is(err, ErrBackupPostgres) {
		t.Errorf("Backup = %v, want ErrBackupPostgres", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Backup left %s: %v", path, err)
	}
}
