package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"
)

// DivisionStatus sums up one division (`userdir status`). Records counts
// live records; Active, Hidden and Aliases count among them: active ones,
// ones hidden from the address book (vis=0) and aliases. Messages,
// LastMessage and RejectedLines cover the journal still kept.
type DivisionStatus struct {
	Division      string
	Records       int
	Active        int
	Hidden        int
	Aliases       int
	Tombstones    int
	Messages      int
	LastMessage   time.Time // when the newest journaled message arrived
	RejectedLines int
	HeldSyncs     int // syncs held by the safety net, waiting for release
	Conflicts     int // its live, active records that another division's record beats (see Conflicts)
}

// read runs fn in one read transaction, so that everything it reads is one
// consistent snapshot; in WAL mode it never waits for a writer.
func (s *Store) read(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return wrapErr(op+": begin", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return wrapErr(op+": end", tx.Commit())
}

// Records returns every live record, and the tombstones too if asked,
// ordered by division and eml, with the change sequence they reflect. A
// record that loses its address to another division's (see Conflict) is
// left out, or with tombstones read as one, with Conflict set.
func (s *Store) Records(ctx context.Context, tombstones bool) ([]Record, int64, error) {
	var recs []Record
	var seq int64
	err := s.read(ctx, "read records", func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT seq FROM meta WHERE id = 1`).Scan(&seq); err != nil {
			return wrapErr("read sequence", err)
		}
		contested, err := contestedAddresses(ctx, tx)
		if err != nil {
			return err
		}
		if recs, err = scanRecords(ctx, tx, selectRecordSQL+" ORDER BY division, eml"); err != nil {
			return err
		}
		markConflicts(recs, contested)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if tombstones {
		return recs, seq, nil
	}
	out := recs[:0]
	for _, r := range recs {
		if r.Exists {
			out = append(out, r)
		}
	}
	return out, seq, nil
}

// Changes returns the records, tombstones included, changed after sequence
// after (Seq > after), ordered by division and eml, and the current
// sequence. With them come the other divisions' records of the same
// addresses, changed or not, so that an address's entry can move from one
// division's record to another's (see Conflict); a loser is read as a
// tombstone, with Conflict set.
func (s *Store) Changes(ctx context.Context, after int64) ([]Record, int64, error) {
	var recs []Record
	var seq int64
	err := s.read(ctx, "read changes", func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT seq FROM meta WHERE id = 1`).Scan(&seq); err != nil {
			return wrapErr("read sequence", err)
		}
		// Few rows change between polls: find them by sequence.
		var err error
		recs, err = scanRecords(ctx, tx, selectRecordSQL+" INDEXED BY record_seq WHERE seq > ?", after)
		if err != nil {
			return err
		}
		siblings, err := readSiblings(ctx, tx, recs, after)
		if err != nil {
			return err
		}
		recs = append(recs, siblings...)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	slices.SortFunc(recs, func(a, b Record) int {
		return cmp.Or(cmp.Compare(a.Division, b.Division), cmp.Compare(a.Eml, b.Eml))
	})
	markConflicts(recs, nil)
	return recs, seq, nil
}

// siblingsByScan is the number of changed records from which readSiblings
// finds the shared addresses by one scan of the address index rather than
// one lookup per address.
const siblingsByScan = 1024

// readSiblings returns the unchanged records (seq <= after) of other
// divisions that share an address with the changed records.
func readSiblings(ctx context.Context, tx *sql.Tx, changed []Record, after int64) ([]Record, error) {
	emls := make(map[string]bool, len(changed))
	for i := range changed {
		emls[changed[i].Eml] = true
	}
	if len(changed) > siblingsByScan {
		shared, err := sharedAddresses(ctx, tx)
		if err != nil {
			return nil, err
		}
		for e := range emls {
			if !shared[e] {
				delete(emls, e)
			}
		}
	}
	var out []Record
	for _, e := range slices.Sorted(maps.Keys(emls)) {
		rs, err := scanRecords(ctx, tx, selectRecordSQL+" INDEXED BY record_eml WHERE eml = ? AND seq <= ?", e, after)
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

// sharedAddresses returns the addresses that records of several divisions hold.
func sharedAddresses(ctx context.Context, tx *sql.Tx) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT eml FROM record INDEXED BY record_eml GROUP BY eml HAVING count(*) > 1`)
	if err != nil {
		return nil, wrapErr("find shared addresses", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, wrapErr("find shared addresses", err)
		}
		out[e] = true
	}
	return out, wrapErr("find shared addresses", rows.Err())
}

func (s *Store) readRecords(ctx context.Context, op, query string, args ...any) ([]Record, int64, error) {
	var out []Record
	var seq int64
	err := s.read(ctx, op, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT seq FROM meta WHERE id = 1`).Scan(&seq); err != nil {
			return wrapErr("read sequence", err)
		}
		var err error
		out, err = scanRecords(ctx, tx, query, args...)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return out, seq, nil
}

func scanRecords(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]Record, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrapErr("query records", err)
	}
	defer rows.Close()
	rs := newRowScanner()
	var out []Record
	var r row
	for rows.Next() {
		if err := rs.scan(rows, &r); err != nil {
			return nil, wrapErr("scan record", err)
		}
		out = append(out, r.Record)
	}
	return out, wrapErr("query records", rows.Err())
}

// Seq returns the current change sequence: a single-row read, cheap enough
// to poll.
func (s *Store) Seq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.seqStmt.QueryRowContext(ctx).Scan(&seq); err != nil {
		return 0, wrapErr("read change sequence", err)
	}
	return seq, nil
}

// Status returns a summary per division that has records or journal
// entries, ordered by division id.
func (s *Store) Status(ctx context.Context) ([]DivisionStatus, error) {
	by := make(map[string]*DivisionStatus)
	get := func(div string) *DivisionStatus {
		if by[div] == nil {
			by[div] = &DivisionStatus{Division: div}
		}
		return by[div]
	}
	err := s.read(ctx, "read status", func(tx *sql.Tx) error {
		if err := recordStatus(ctx, tx, get); err != nil {
			return err
		}
		if err := heldStatus(ctx, tx, get); err != nil {
			return err
		}
		return journalStatus(ctx, tx, get)
	})
	if err != nil {
		return nil, err
	}
	conflicts, err := s.Conflicts(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range conflicts {
		for _, d := range c.Losers {
			get(d).Conflicts++
		}
	}
	out := make([]DivisionStatus, 0, len(by))
	for _, d := range by {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Division < out[j].Division })
	return out, nil
}

func recordStatus(ctx context.Context, tx *sql.Tx, get func(string) *DivisionStatus) error {
	rows, err := tx.QueryContext(ctx, `SELECT division,
		coalesce(sum(live), 0),
		coalesce(sum(live AND v_act <> '0'), 0),
		coalesce(sum(live AND v_vis = '0'), 0),
		coalesce(sum(live AND v_type = 'alias'), 0),
		coalesce(sum(NOT live), 0)
		FROM record GROUP BY division`)
	if err != nil {
		return wrapErr("count records", err)
	}
	defer rows.Close()
	for rows.Next() {
		var div string
		var d DivisionStatus
		if err := rows.Scan(&div, &d.Records, &d.Active, &d.Hidden, &d.Aliases, &d.Tombstones); err != nil {
			return wrapErr("count records", err)
		}
		p := get(div)
		p.Records, p.Active, p.Hidden, p.Aliases, p.Tombstones = d.Records, d.Active, d.Hidden, d.Aliases, d.Tombstones
	}
	return wrapErr("count records", rows.Err())
}

func journalStatus(ctx context.Context, tx *sql.Tx, get func(string) *DivisionStatus) error {
	rows, err := tx.QueryContext(ctx, `SELECT division, count(*), max(received), coalesce(sum(rejected), 0)
		FROM journal WHERE division <> '' GROUP BY division`)
	if err != nil {
		return wrapErr("count journal", err)
	}
	defer rows.Close()
	for rows.Next() {
		var div string
		var n, rejected int
		var last int64
		if err := rows.Scan(&div, &n, &last, &rejected); err != nil {
			return wrapErr("count journal", err)
		}
		p := get(div)
		p.Messages, p.LastMessage, p.RejectedLines = n, fromUnixNano(last), rejected
	}
	return wrapErr("count journal", rows.Err())
}

func heldStatus(ctx context.Context, tx *sql.Tx, get func(string) *DivisionStatus) error {
	rows, err := tx.QueryContext(ctx, `SELECT division, count(*) FROM held GROUP BY division`)
	if err != nil {
		return wrapErr("count held syncs", err)
	}
	defer rows.Close()
	for rows.Next() {
		var div string
		var n int
		if err := rows.Scan(&div, &n); err != nil {
			return wrapErr("count held syncs", err)
		}
		get(div).HeldSyncs = n
	}
	return wrapErr("count held syncs", rows.Err())
}
