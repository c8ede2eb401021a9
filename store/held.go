package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"userdir/mailcmd"
)

// maxHeldPerKind is how many held syncs are kept per division and kind, the
// newest: a branch whose export keeps failing sends one a night, each up to
// max_message_bytes. The journal keeps a line for every one.
const maxHeldPerKind = 5

// ErrNotHeld reports a Release of a Message-ID that no held sync has.
var ErrNotHeld = errors.New("no held sync has this Message-ID")

// heldError is how applyCommands says that the sync safety net holds a
// message: Apply rolls back everything it did and journals it as held.
type heldError struct {
	reason      string
	wouldDelete int
	kind        string
	res         Result
	notes       notes
}

func (e *heldError) Error() string { return "sync held: " + e.reason }

// HeldSync is a sync the safety net held, waiting for Release.
type HeldSync struct {
	Division    string
	MessageID   string
	Kind        string // mailcmd.KindMailbox or mailcmd.KindAlias
	Stamp       time.Time
	Received    time.Time
	Sender      string
	Reason      string
	WouldDelete int
}

// holdReason returns why the sync safety net holds a sync, or "" when it
// applies: its body decoded cleanly, every line is valid, it lists at
// least one record and deletes at most the division's sync_max_delete.
func holdReason(m *Message, rr *runResult, res *Result, rejects []mailcmd.LineNote, killed int) string {
	switch {
	case m.Damaged != "":
		return "the body did not decode cleanly: " + m.Damaged
	case res.Rejected > 0 && len(rejects) > 0:
		return fmt.Sprintf("%d invalid line(s), the first on line %d: %s", res.Rejected, rejects[0].Line, rejects[0].Reason)
	case res.Rejected > 0:
		return fmt.Sprintf("%d invalid line(s)", res.Rejected)
	case rr.listed == 0:
		return "it lists no record"
	}
	if limit := m.SyncMaxDelete.Of(rr.liveBefore); killed > limit {
		return fmt.Sprintf("it would delete %d of %d records, more than sync_max_delete allows (%d)",
			killed, rr.liveBefore, limit)
	}
	return ""
}

// hold journals m as held, in a transaction of its own (the one that tried
// it was rolled back), and keeps its body for Release.
func (s *Store) hold(ctx context.Context, m *Message, h *heldError) (Result, error) {
	res := h.res
	res.Outcome, res.Applied, res.WouldDelete, res.Reason = OutcomeHeld, 0, h.wouldDelete, h.reason
	err := s.write(ctx, "hold sync", func(tx *sql.Tx) error {
		j := journalRow{
			received: s.received(m.Received), division: m.Division, messageID: m.MessageID,
			sender: m.Sender, stamp: m.Stamp.UnixNano(), size: m.Size, outcome: OutcomeHeld,
			reason: h.reason, rejected: res.Rejected, warnings: res.Warnings, wouldDelete: h.wouldDelete,
		}
		if err := insertJournal(ctx, tx, &j, h.notes.rejects, h.notes.warnings); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO held
			(division, message_id, kind, stamp, received, sender, reason, would_delete, body)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			m.Division, m.MessageID, h.kind, m.Stamp.UnixNano(), j.received, m.Sender, h.reason, h.wouldDelete, m.Body)
		if err != nil {
			return wrapErr("keep held sync", err)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM held WHERE division = ? AND kind = ? AND message_id NOT IN (
			SELECT message_id FROM held WHERE division = ? AND kind = ? ORDER BY stamp DESC, received DESC LIMIT ?)`,
			m.Division, h.kind, m.Division, h.kind, maxHeldPerKind)
		if err != nil {
			return wrapErr("forget old held syncs", err)
		}
		return s.purgeJournal(ctx, tx)
	})
	if err != nil {
		return Result{}, err
	}
	s.opt.Logger.Warn("sync held", "division", m.Division, "message_id", m.MessageID,
		"reason", h.reason, "would_delete", h.wouldDelete)
	return res, nil
}

// dropHeld forgets the held syncs that the applied sync m makes moot: its
// own (when released) and the older ones of its division and kind.
func dropHeld(ctx context.Context, tx *sql.Tx, m *Message, kind string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM held WHERE division = ? AND (message_id = ? OR (kind = ? AND stamp < ?))`,
		m.Division, m.MessageID, kind, m.Stamp.UnixNano())
	return wrapErr("drop held syncs", err)
}

// Held returns the held syncs, oldest first.
func (s *Store) Held(ctx context.Context) ([]HeldSync, error) {
	var out []HeldSync
	err := s.read(ctx, "read held syncs", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT division, message_id, kind, stamp, received, sender, reason, would_delete
			FROM held ORDER BY received, division, message_id`)
		if err != nil {
			return wrapErr("query held syncs", err)
		}
		defer rows.Close()
		for rows.Next() {
			var h HeldSync
			var stamp, received int64
			if err := rows.Scan(&h.Division, &h.MessageID, &h.Kind, &stamp, &received, &h.Sender, &h.Reason, &h.WouldDelete); err != nil {
				return wrapErr("scan held sync", err)
			}
			h.Stamp, h.Received = fromUnixNano(stamp), fromUnixNano(received)
			out = append(out, h)
		}
		return wrapErr("query held syncs", rows.Err())
	})
	return out, err
}

// Release applies the held sync with Message-ID messageID at its own
// stamp, as if it had been sent with force=1, and forgets it. check is the
// line check of its division (its domains), as at ingest. A Message-ID that
// no held sync has gives ErrNotHeld; one held for several divisions must
// name the division.
func (s *Store) Release(ctx context.Context, division, messageID string, check func(division string) func(*mailcmd.Command) string) (Result, error) {
	m, err := s.heldMessage(ctx, division, messageID)
	if err != nil {
		return Result{}, err
	}
	if check != nil {
		m.Check = check(m.Division)
	}
	m.Force = true
	m.Received = s.opt.Now()
	return s.Apply(ctx, m)
}

// heldMessage reads a held sync back as a Message.
func (s *Store) heldMessage(ctx context.Context, division, messageID string) (*Message, error) {
	var ms []*Message
	err := s.read(ctx, "read held sync", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT division, stamp, sender, body FROM held
			WHERE message_id = ? AND (? = '' OR division = ?)`, messageID, division, division)
		if err != nil {
			return wrapErr("query held sync", err)
		}
		defer rows.Close()
		for rows.Next() {
			m := &Message{MessageID: messageID}
			var stamp int64
			if err := rows.Scan(&m.Division, &stamp, &m.Sender, &m.Body); err != nil {
				return wrapErr("scan held sync", err)
			}
			m.Stamp = fromUnixNano(stamp)
			ms = append(ms, m)
		}
		return wrapErr("query held sync", rows.Err())
	})
	switch {
	case err != nil:
		return nil, err
	case len(ms) == 0:
		return nil, fmt.Errorf("release %s: %w", messageID, ErrNotHeld)
	case len(ms) > 1:
		return nil, fmt.Errorf("release %s: held for %d divisions: name one", messageID, len(ms))
	}
	return ms[0], nil
}
