package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// ErrNotEmpty reports a Copy into a store that already holds data.
var ErrNotEmpty = errors.New("destination store is not empty")

// copyTables are the tables Copy copies, parents before children, with
// their columns. The change sequence (meta) is copied on its own.
var copyTables = []struct{ name, columns string }{
	{"record", recordColumns},
	{"sync_floor", "division, kind, stamp, tie"},
	{"journal", "id, received, division, message_id, sender, stamp, outcome, reason, size, applied, rejected, warnings, would_delete"},
	{"journal_note", "journal_id, n, kind, line, reason, text"},
	{"held", "division, message_id, kind, stamp, received, sender, reason, would_delete, body"},
}

// copyBatch is how many rows one INSERT of Copy writes: few enough that
// the widest table stays under both engines' limits on parameters.
const copyBatch = 100

// CopyCounts tells how many rows of each table Copy copied, and the
// change sequence it carried over.
type CopyCounts struct {
	Tables map[string]int
	Seq    int64
}

// Copy copies everything of src into dst, which must be empty (ErrNotEmpty
// otherwise): every record with its versions, tombstones included, the
// sync floors, the journal with its notes, the held syncs and the change
// sequence. It reads src in one transaction and writes dst in one, so
// dst gets all of it or nothing, and checks that dst ends up with as many
// rows of each table as src has. It is how `userdir migrate-store` moves
// an SQLite store to PostgreSQL (or back).
func Copy(ctx context.Context, dst, src *Store) (CopyCounts, error) {
	c := CopyCounts{Tables: map[string]int{}}
	err := src.read(ctx, "copy store: read", func(stx *sql.Tx) error {
		return dst.write(ctx, "copy store: write", func(dtx *sql.Tx) error {
			if err := checkEmpty(ctx, dtx); err != nil {
				return err
			}
			for _, t := range copyTables {
				n, err := copyTable(ctx, dtx, stx, t.name, t.columns)
				if err != nil {
					return err
				}
				c.Tables[t.name] = n
			}
			if err := stx.QueryRowContext(ctx, `SELECT seq FROM meta WHERE id = 1`).Scan(&c.Seq); err != nil {
				return wrapErr("read change sequence", err)
			}
			if _, err := dtx.ExecContext(ctx, `UPDATE meta SET seq = ? WHERE id = 1`, c.Seq); err != nil {
				return wrapErr("write change sequence", err)
			}
			for _, q := range dst.dialect.afterCopy {
				if _, err := dtx.ExecContext(ctx, q); err != nil {
					return wrapErr("after copy", err)
				}
			}
			for _, t := range copyTables {
				var n int
				if err := dtx.QueryRowContext(ctx, "SELECT count(*) FROM "+t.name).Scan(&n); err != nil {
					return wrapErr("count "+t.name, err)
				}
				if n != c.Tables[t.name] {
					return fmt.Errorf("copy %s: %d rows read, %d in the destination", t.name, c.Tables[t.name], n)
				}
			}
			return nil
		})
	})
	return c, err
}

// checkEmpty fails with ErrNotEmpty when any table to copy has rows.
func checkEmpty(ctx context.Context, tx *sql.Tx) error {
	for _, t := range copyTables {
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM "+t.name+" LIMIT 1").Scan(&one)
		switch {
		case err == nil:
			return fmt.Errorf("%w: table %s has rows", ErrNotEmpty, t.name)
		case !errors.Is(err, sql.ErrNoRows):
			return wrapErr("check destination", err)
		}
	}
	return nil
}

// copyTable copies the rows of table from stx to dtx, copyBatch rows per
// INSERT, and returns how many it copied.
func copyTable(ctx context.Context, dtx, stx *sql.Tx, table, columns string) (int, error) {
	ncol := strings.Count(columns, ",") + 1
	rows, err := stx.QueryContext(ctx, "SELECT "+columns+" FROM "+table)
	if err != nil {
		return 0, wrapErr("read "+table, err)
	}
	defer rows.Close()
	vals := make([]any, ncol)
	ptrs := make([]any, ncol)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	one := "(?" + strings.Repeat(", ?", ncol-1) + ")"
	var args []any
	n, pending := 0, 0
	flush := func() error {
		if pending == 0 {
			return nil
		}
		q := "INSERT INTO " + table + " (" + columns + ") VALUES " + one + strings.Repeat(", "+one, pending-1)
		if _, err := dtx.ExecContext(ctx, q, args...); err != nil {
			return wrapErr("write "+table, err)
		}
		args, pending = args[:0], 0
		return nil
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, wrapErr("read "+table, err)
		}
		args = append(args, vals...) // both drivers give text as string, blobs as []byte
		n, pending = n+1, pending+1
		if pending == copyBatch {
			if err := flush(); err != nil {
				return 0, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return 0, wrapErr("read "+table, err)
	}
	return n, flush()
}
