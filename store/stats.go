package store

import (
	"context"
	"database/sql"
	"sort"
	"time"
)

// heldOutcome is the journal outcome of a sync the safety net held back
// (docs: a sync that would delete too much is journaled as "held" and
// applies only when released). It is written by the sync safety net; here
// it is only counted, so the query works before and after that exists.
const heldOutcome Outcome = "held"

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
	// Held counts held syncs newer than the division's newest applied sync:
	// a sync as new as a held one, or its release, settles it.
	Held int
	// Conflicts counts the division's live, active records that another
	// division also publishes and that lose to it (newest existence stamp,
	// then the division id that sorts first), so they are not served.
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
			entryStats, outcomeStats, syncStats, heldStats, conflictStats,
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
	out := make([]DivisionStats, 0, len(by))
	for _, d := range by {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Division < out[j].Division })
	return out, nil
}

func entryStats(ctx context.Context, tx *sql.Tx, get func(string) *DivisionStats) error {
	return eachRow(ctx, tx, "count entries", `SELECT division, coalesce(sum(live), 0),
		coalesce(sum(live AND v_act <> '0'), 0) FROM record GROUP BY division`,
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
	return eachRow(ctx, tx, "count held syncs", `SELECT j.division, count(*) FROM journal j
		WHERE j.outcome = ? AND j.stamp > coalesce((SELECT max(f.stamp) FROM sync_floor f
			WHERE f.division = j.division), 0)
		GROUP BY j.division`,
		func(rows *sql.Rows) error {
			var div string
			var n int
			if err := rows.Scan(&div, &n); err != nil {
				return err
			}
			get(div).Held = n
			return nil
		}, string(heldOutcome))
}

// conflictStats finds the addresses that more than one division publishes
// (one pass grouped by address), then counts the losers of each.
func conflictStats(ctx context.Context, tx *sql.Tx, get func(string) *DivisionStats) error {
	type claim struct {
		division string
		stamp    int64
	}
	var eml string
	claims := map[string][]claim{}
	err := eachRow(ctx, tx, "find conflicts", `WITH dup AS (SELECT eml FROM record
			WHERE live AND v_act <> '0' GROUP BY eml HAVING count(*) > 1)
		SELECT r.eml, r.division, r.live_stamp FROM record r JOIN dup ON dup.eml = r.eml
		WHERE r.live AND r.v_act <> '0'`,
		func(rows *sql.Rows) error {
			var c claim
			if err := rows.Scan(&eml, &c.division, &c.stamp); err != nil {
				return err
			}
			claims[eml] = append(claims[eml], c)
			return nil
		})
	if err != nil {
		return err
	}
	for _, cs := range claims {
		win := cs[0]
		for _, c := range cs[1:] {
			if c.stamp > win.stamp || (c.stamp == win.stamp && c.division < win.division) {
				win = c
			}
		}
		for _, c := range cs {
			if c != win {
				get(c.division).Conflicts++
			}
		}
	}
	return nil
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
