package store

import (
	"context"
	"database/sql"
	"sort"
	"time"
)

// DivisionStats is what monitoring needs to know of one division: is it
// flowing, and is anything waiting for a person. Times are zero when the
// journal holds no such message.
type DivisionStats struct {
	Division string // division id; "" for messages with an unknown code
	Entries  int    // live records
	Active   int    // live records with act not "0"
	// Outcomes counts the journaled messages by outcome; Messages is their sum.
	Outcomes      map[Outcome]int
	Messages      int
	RejectedLines int
	LastMessage   time.Time // arrival of the newest journaled message, whatever its outcome
	LastApplied   time.Time // arrival of the newest message whose commands were applied
	LastSync      time.Time // stamp (Date) of the newest applied sync, of any kind
	// Held counts the division's syncs held by the safety net and still
	// waiting for release (the held table).
	Held int
	// Conflicts counts the division's live, active records that another
	// division's record beats (see Conflicts), so they are not served.
	Conflicts int
}

// DivisionStats returns the statistics of every division that has records
// or journal entries, ordered by division id, read in one transaction.
func (s *Store) DivisionStats(ctx context.Context) ([]DivisionStats, error) {
	by := map[string]*DivisionStats{}
	get := func(div string) *DivisionStats {
		if by[div] == nil {
			by[div] = &DivisionStats{Division: div, Outcomes: map[Outcome]int{}}
		}
		return by[div]
	}
	err := s.read(ctx, "read division stats", func(tx *sql.Tx) error {
		for _, f := range []func(context.Context, *sql.Tx, func(string) *DivisionStats) error{
			entryStats, outcomeStats, syncStats, heldStats,
		} {
			if err := f(ctx, tx, get); err != nil {
				return err
			}
		}
		return nil
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
	out := make([]DivisionStats, 0, len(by))
	for _, d := range by {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Division < out[j].Division })
	return out, nil
}

func entryStats(ctx context.Context, tx *sql.Tx, get func(string) *DivisionStats) error {
	return eachRow(ctx, tx, "count entries", `SELECT division, coalesce(sum(live), 0),
		coalesce(sum(CASE WHEN live = 1 AND v_act <> '0' THEN 1 ELSE 0 END), 0) FROM record GROUP BY division`,
		func(rows *sql.Rows) error {
			var div string
			var n, active int
			if err := rows.Scan(&div, &n, &active); err != nil {
				return err
			}
			d := get(div)
			d.Entries, d.Active = n, active
			return nil
		})
}

func outcomeStats(ctx context.Context, tx *sql.Tx, get func(string) *DivisionStats) error {
	return eachRow(ctx, tx, "count messages", `SELECT division, outcome, count(*), max(received),
		coalesce(sum(rejected), 0) FROM journal GROUP BY division, outcome`,
		func(rows *sql.Rows) error {
			var div string
			var outcome Outcome
			var n, rejected int
			var last int64
			if err := rows.Scan(&div, &outcome, &n, &last, &rejected); err != nil {
				return err
			}
			d := get(div)
			d.Outcomes[outcome] += n
			d.Messages += n
			d.RejectedLines += rejected
			t := fromUnixNano(last)
			if t.After(d.LastMessage) {
				d.LastMessage = t
			}
			if outcome == OutcomeApplied && t.After(d.LastApplied) {
				d.LastApplied = t
			}
			return nil
		})
}

func syncStats(ctx context.Context, tx *sql.Tx, get func(string) *DivisionStats) error {
	return eachRow(ctx, tx, "read sync floors", `SELECT division, max(stamp) FROM sync_floor GROUP BY division`,
		func(rows *sql.Rows) error {
			var div string
			var stamp int64
			if err := rows.Scan(&div, &stamp); err != nil {
				return err
			}
			get(div).LastSync = fromUnixNano(stamp)
			return nil
		})
}

func heldStats(ctx context.Context, tx *sql.Tx, get func(string) *DivisionStats) error {
	return eachRow(ctx, tx, "count held syncs", `SELECT division, count(*) FROM held GROUP BY division`,
		func(rows *sql.Rows) error {
			var div string
			var n int
			if err := rows.Scan(&div, &n); err != nil {
				return err
			}
			get(div).Held = n
			return nil
		})
}

// eachRow runs query and calls fn for each row, wrapping errors with op.
func eachRow(ctx context.Context, tx *sql.Tx, op, query string, fn func(*sql.Rows) error, args ...any) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return wrapErr(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return wrapErr(op, err)
		}
	}
	return wrapErr(op, rows.Err())
}

// JournalSince returns the journal entries received at or after since,
// oldest first, with their notes: what `userdir report` digests.
func (s *Store) JournalSince(ctx context.Context, since time.Time) ([]JournalEntry, error) {
	var out []JournalEntry
	err := s.read(ctx, "read journal", func(tx *sql.Tx) error {
		err := eachRow(ctx, tx, "query journal", `SELECT id, received, division, message_id, sender, stamp,
			outcome, reason, size, applied, rejected, warnings FROM journal WHERE received >= ? ORDER BY id`,
			func(rows *sql.Rows) error {
				var e JournalEntry
				var received, stamp int64
				err := rows.Scan(&e.ID, &received, &e.Division, &e.MessageID, &e.Sender, &stamp,
					&e.Outcome, &e.Reason, &e.Size, &e.Applied, &e.Rejected, &e.Warnings)
				e.Received, e.Stamp = fromUnixNano(received), fromUnixNano(stamp)
				out = append(out, e)
				return err
			}, unixNano(since))
		if err != nil {
			return err
		}
		for i := range out {
			if out[i].Notes, err = readNotes(ctx, tx, out[i].ID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
