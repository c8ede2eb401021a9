package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"userdir/config"
)

// ErrBusy reports that the database stayed locked by another writer for
// longer than Options.BusyTimeout. The message is not the cause: retry later.
var ErrBusy = errors.New("store is locked by another writer")

// ErrSchema reports a database whose schema version this program cannot use:
// newer than it knows, or, for a read-only store, not yet migrated.
var ErrSchema = errors.New("store schema version mismatch")

// DefaultBusyTimeout is how long Open and writes wait for another
// writer's lock when Options.BusyTimeout is 0.
const DefaultBusyTimeout = 30 * time.Second

// Options configures Open. The zero value of every field but Path works.
type Options struct {
	// Path is the SQLite file, or a PostgreSQL database as a libpq URL
	// (postgres://user@host/db?sslmode=...; see IsPostgres). Unless
	// ReadOnly is set, an SQLite file is created on first use with
	// FileMode, and its directory with DirMode if the directory's parent
	// exists. A PostgreSQL database must exist; its tables are created on
	// first use unless ReadOnly is set.
	Path string
	// Password is the PostgreSQL password when the URL has none (the
	// configuration's store_password_file); without either, libpq's
	// PGPASSFILE or ~/.pgpass is read.
	Password string
	// BusyTimeout is how long to wait for another writer's lock; 0 means 30s.
	BusyTimeout time.Duration
	// TombstoneDays is how long a tombstone is kept after its delete; 0 means
	// config.DefaultTombstoneDays (90).
	TombstoneDays int
	// ReadOnly opens an existing store that is never written (PRAGMA
	// query_only; PostgreSQL: read-only sessions), for `serve` and `dump`.
	// It fails if the file is missing.
	ReadOnly bool
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives the store's log lines; nil means slog.Default().
	Logger *slog.Logger
}

// Store is an open userdir database. Its methods are safe for concurrent use.
type Store struct {
	db        *sql.DB
	dialect   *dialect
	pgcfg     *pgx.ConnConfig // PostgreSQL: for Watch's own connection
	seqStmt   *sql.Stmt
	opt       Options
	closeOnce sync.Once
	closeErr  error
}

// Open opens (and unless o.ReadOnly, creates) the store at o.Path, turns on
// WAL, synchronous=FULL, the busy timeout and foreign keys, and brings the
// schema up to date by running the embedded migrations in one transaction.
func Open(ctx context.Context, o Options) (*Store, error) {
	o = o.withDefaults()
	if o.Path == "" {
		return nil, errors.New("open store: empty path")
	}
	if IsPostgres(o.Path) {
		db, cfg, err := openPostgres(o)
		if err != nil {
			return nil, fmt.Errorf("open store %s: %w", Redact(o.Path), err)
		}
		s := &Store{db: db, dialect: postgresDialect, pgcfg: cfg, opt: o}
		if err := s.init(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("open store %s: %w", Redact(o.Path), err)
		}
		return s, nil
	}
	if o.ReadOnly {
		// mode=rw below also refuses to create it; this gives the plain error.
		if _, err := os.Stat(o.Path); err != nil {
			return nil, fmt.Errorf("open store %s: %w", o.Path, err)
		}
	}
	if !o.ReadOnly {
		if err := createFile(o.Path); err != nil {
			return nil, fmt.Errorf("open store %s: %w", o.Path, err)
		}
	}
	dsn, err := dataSource(o)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", o.Path, err)
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", o.Path, err)
	}
	s := &Store{db: db, dialect: sqliteDialect, opt: o}
	if err := s.init(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", o.Path, err)
	}
	return s, nil
}

// init checks the connection, migrates the schema and prepares the
// statements that live as long as the store.
func (s *Store) init(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return wrapErr("connect", err)
	}
	if err := s.migrate(ctx); err != nil {
		return err
	}
	st, err := s.db.PrepareContext(ctx, `SELECT seq FROM meta WHERE id = 1`)
	if err != nil {
		return wrapErr("prepare", err)
	}
	s.seqStmt = st
	return nil
}

func (o Options) withDefaults() Options {
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = DefaultBusyTimeout
	}
	if o.TombstoneDays <= 0 {
		o.TombstoneDays = config.DefaultTombstoneDays
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// dataSource returns the driver's URI for o: the pragmas every connection
// runs, and for a writer BEGIN IMMEDIATE as the way transactions begin.
func dataSource(o Options) (string, error) {
	abs, err := filepath.Abs(o.Path)
	if err != nil {
		return "", err
	}
	ms := max(o.BusyTimeout.Milliseconds(), 1)
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", ms))
	q.Add("_pragma", "foreign_keys(1)")
	if o.ReadOnly {
		q.Set("mode", "rw") // never create the file
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Set("_txlock", "immediate")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String(), nil
}

// Close closes the store. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.seqStmt != nil {
			s.seqStmt.Close()
		}
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("close store %s: %w", s.where(), err)
		}
	})
	return s.closeErr
}

// wrapErr adds op as context to err, and ErrBusy when SQLite reports the
// database locked or PostgreSQL a lock wait longer than lock_timeout.
func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if isBusy(err) {
		return fmt.Errorf("%s: %w: %w", op, ErrBusy, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// isBusy reports whether err is SQLITE_BUSY or SQLITE_LOCKED, extended
// codes included, or PostgreSQL's lock_not_available.
func isBusy(err error) bool {
	if pgCode(err) == pgLockNotAvailable {
		return true
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}
