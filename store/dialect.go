package store

import (
	"context"
	"database/sql"
)

// dialect is what differs between the two engines a store can live in.
// Everything else — the rules (apply.go, applier.go), the journal, the
// sync floors, retention and the statements themselves — is written once:
// the statements use the SQL both engines share, with ? placeholders and
// SQLite's INDEXED BY hints, and the PostgreSQL connection rewrites those
// two things (see rebind in postgres.go).
type dialect struct {
	name string
	// migrations is the directory of migrationFS that holds the engine's
	// schema steps; both directories have the same versions.
	migrations string
	// hasTable counts the tables called ? in the store's own namespace.
	hasTable string
	// readTx are the options of the transaction of a consistent read.
	readTx *sql.TxOptions
	// lockWrites, when not empty, runs first in every write transaction and
	// makes writers take turns, as BEGIN IMMEDIATE does in SQLite.
	lockWrites string
	// lockMigrations, when not empty, runs first in the migration
	// transaction, so that two processes starting on a new database do not
	// both create it.
	lockMigrations string
	// afterCopy runs at the end of Copy's transaction: on PostgreSQL the
	// journal's ids continue after the ones copied, and the planner learns
	// the tables' statistics at once (without them, reading the changes
	// since a sequence scans every record until autovacuum's ANALYZE).
	afterCopy []string
	// loadChunk, when not 0, replaces loadManyChunk: how many addresses one
	// read of an applier names.
	loadChunk int
	// writeRows, above 1, is how many records an applier writes in one
	// INSERT: for a server, a round trip saved per record.
	writeRows int
}

var sqliteDialect = &dialect{
	name:       "sqlite",
	migrations: "migrations",
	hasTable:   `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`,
	readTx:     &sql.TxOptions{ReadOnly: true},
}

// postgresDialect: a write transaction runs at READ COMMITTED after locking
// the one row of meta, so writers take turns and each statement sees what
// the one before it committed; a read is one REPEATABLE READ snapshot.
var postgresDialect = &dialect{
	name:           "postgres",
	migrations:     "migrations/postgres",
	hasTable:       `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = ?`,
	readTx:         &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead},
	lockWrites:     `SELECT seq FROM meta WHERE id = 1 FOR UPDATE`,
	lockMigrations: `SELECT pg_advisory_xact_lock(7514135011)`,
	// One address per read: PostgreSQL plans "division = ? AND eml IN
	// (...)" on a table without fresh statistics (a new store, or a big
	// message into one) as a scan of the whole division per read, which
	// made 10,000 inserts take seconds; a read by the whole primary key is
	// an index probe whatever the statistics.
	loadChunk: 1,
	writeRows: 64,
	afterCopy: []string{
		`SELECT setval(pg_get_serial_sequence('journal', 'id'), coalesce(max(id), 0) + 1, false) FROM journal`,
		`ANALYZE`,
	},
}

// beginWrite starts a write transaction and takes the writers' turn.
func (d *dialect) beginWrite(ctx context.Context, db *sql.DB) (*sql.Tx, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil || d.lockWrites == "" {
		return tx, err
	}
	if _, err := tx.ExecContext(ctx, d.lockWrites); err != nil {
		tx.Rollback()
		return nil, err
	}
	return tx, nil
}
