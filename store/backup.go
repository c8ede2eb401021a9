package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
)

// File modes of what the store creates: the store holds the whole
// directory, hidden entries included, so only its user and group may read
// it. SQLite gives the -wal and -shm files the mode of the database file.
const (
	FileMode os.FileMode = 0o640
	DirMode  os.FileMode = 0o750
)

// ErrBackupCorrupt reports a backup copy that failed its integrity check.
var ErrBackupCorrupt = errors.New("backup copy failed its integrity check")

// createFile creates path empty with FileMode, and its directory with
// DirMode when that is missing but its parent exists (/var/db/userdir; a
// path with several missing levels is more likely a typo). An existing file
// is left alone.
func createFile(path string) error {
	if err := os.Mkdir(filepath.Dir(path), DirMode); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, FileMode)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// ErrBackupPostgres reports a Backup of a PostgreSQL store: PostgreSQL's
// own tools (pg_dump, pg_basebackup) back it up.
var ErrBackupPostgres = errors.New("a PostgreSQL store is backed up with PostgreSQL's own tools (pg_dump, pg_basebackup)")

// Backup writes a consistent copy of the store to path (VACUUM INTO: one
// read transaction, so writers go on meanwhile), then opens the copy and
// runs PRAGMA integrity_check on it. path must not exist; its directory is
// created with DirMode if its parent exists. The copy is created with FileMode; a copy that fails the check is removed. It works
// on a store opened ReadOnly too: the copy is made through a connection of
// its own that opens the file read-only.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.pgcfg != nil {
		return fmt.Errorf("backup to %s: %w", path, ErrBackupPostgres)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if err := os.Mkdir(filepath.Dir(abs), DirMode); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, FileMode)
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	f.Close()
	if err := vacuumInto(ctx, s.opt, abs); err != nil {
		os.Remove(abs)
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if err := VerifyFile(ctx, abs); err != nil {
		os.Remove(abs)
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// vacuumInto copies the store of o into the empty file dst.
func vacuumInto(ctx context.Context, o Options, dst string) error {
	db, err := sql.Open("sqlite", readOnlySource(o))
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `VACUUM INTO ?`, dst)
	return wrapErr("vacuum into", err)
}

// readOnlySource is the URI that opens o.Path with SQLite's own read-only
// flag (mode=ro), which VACUUM INTO accepts, unlike query_only.
func readOnlySource(o Options) string {
	abs, _ := filepath.Abs(o.Path)
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", max(o.BusyTimeout.Milliseconds(), 1)))
	q.Set("mode", "ro")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String()
}

// VerifyFile opens the SQLite file at path read-only and runs PRAGMA
// integrity_check; any answer but "ok" gives ErrBackupCorrupt.
func VerifyFile(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", readOnlySource(Options{Path: path}.withDefaults()))
	if err != nil {
		return fmt.Errorf("open copy: %w", err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return wrapErr("integrity check", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return wrapErr("integrity check", err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return wrapErr("integrity check", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %v", ErrBackupCorrupt, problems)
	}
	if _, err := (&Store{dialect: sqliteDialect}).schemaVersion(ctx, db); err != nil {
		return fmt.Errorf("read copy's schema version: %w", err)
	}
	return nil
}
