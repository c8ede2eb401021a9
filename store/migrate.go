package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// migrationFS holds the schema migrations, applied in the order of their
// numeric prefix: migrations/0001_init.sql, 0002_....sql, ... for SQLite,
// and the same versions in migrations/postgres for PostgreSQL.
//
//go:embed migrations/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// migration is one embedded schema step.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations returns the embedded migrations of directory dir ordered
// by version.
func loadMigrations(dir string) ([]migration, error) {
	names, err := fs.Glob(migrationFS, dir+"/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	ms := make([]migration, 0, len(names))
	for _, name := range names {
		base := strings.TrimPrefix(name, dir+"/")
		prefix, _, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(prefix)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number", base)
		}
		b, err := migrationFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", base, err)
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share a version", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// queryer is what *sql.DB and *sql.Tx have in common for single-row reads.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// schemaVersion returns the newest migration recorded in q's database, 0
// when none is.
func (s *Store) schemaVersion(ctx context.Context, q queryer) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, s.dialect.hasTable, "schema_version").Scan(&n)
	if err != nil || n == 0 {
		return 0, wrapErr("read schema version", err)
	}
	var v int
	err = q.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&v)
	return v, wrapErr("read schema version", err)
}

// migrate brings the schema up to date. It reads the version first, so an
// up-to-date store opens without taking the write lock; a read-only store
// is never migrated.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations(s.dialect.migrations)
	if err != nil {
		return err
	}
	latest := ms[len(ms)-1].version
	v, err := s.schemaVersion(ctx, s.db)
	switch {
	case err != nil:
		return err
	case v == latest:
		return nil
	case v > latest:
		return fmt.Errorf("%w: database has version %d, this program knows up to %d", ErrSchema, v, latest)
	case s.opt.ReadOnly:
		return fmt.Errorf("%w: database has version %d, want %d; a read-only store is not migrated", ErrSchema, v, latest)
	}
	return s.runMigrations(ctx, ms)
}

// runMigrations applies, in one transaction, every migration newer than the
// version recorded, and records each.
func (s *Store) runMigrations(ctx context.Context, ms []migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return wrapErr("begin migration", err)
	}
	defer tx.Rollback()
	if s.dialect.lockMigrations != "" {
		if _, err := tx.ExecContext(ctx, s.dialect.lockMigrations); err != nil {
			return wrapErr("lock for migration", err)
		}
	}
	_, err = tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version INTEGER PRIMARY KEY,
		name    TEXT    NOT NULL,
		applied BIGINT  NOT NULL
	)`)
	if err != nil {
		return wrapErr("create schema_version", err)
	}
	v, err := s.schemaVersion(ctx, tx) // another process may have migrated meanwhile
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.version <= v {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return wrapErr("migration "+m.name, err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO schema_version (version, name, applied) VALUES (?, ?, ?)`,
			m.version, m.name, s.opt.Now().UnixNano())
		if err != nil {
			return wrapErr("record migration "+m.name, err)
		}
		s.opt.Logger.Info("store migrated", "path", s.where(), "version", m.version, "migration", m.name)
	}
	return wrapErr("commit migration", tx.Commit())
}
