package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"userdir/mailcmd"
)

// ErrReadOnly reports a write to a store opened with Options.ReadOnly.
var ErrReadOnly = errors.New("store is read-only")

// Retention limits of the journal (see the package comment).
const (
	journalKeepMessages = 100_000
	journalKeepDays     = 365
	maxNotesPerKind     = 1_000
)

// Apply applies a whole message in one transaction (BEGIN IMMEDIATE),
// journals it, and commits with synchronous=FULL before it returns. A
// Message-ID already applied for the division gives OutcomeDuplicate and
// changes nothing; a message without commands gives OutcomeNoCommands.
func (s *Store) Apply(ctx context.Context, m *Message) (Result, error) {
	if err := checkMessage(m); err != nil {
		return Result{}, err
	}
	var res Result
	err := s.write(ctx, "apply message", func(tx *sql.Tx) error {
		var err error
		res, err = s.applyTx(ctx, tx, m)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	s.opt.Logger.Debug("message stored", "division", m.Division, "message_id", m.MessageID,
		"outcome", res.Outcome, "applied", res.Applied, "rejected", res.Rejected)
	return res, nil
}

// Ignore journals a message that is not applied: an unknown code, a bad
// sender, too large or unparsable.
func (s *Store) Ignore(ctx context.Context, e Ignored) error {
	return s.write(ctx, "journal ignored message", func(tx *sql.Tx) error {
		j := journalRow{
			received: s.received(e.Received), division: e.Division, messageID: e.MessageID,
			sender: e.Sender, outcome: e.Outcome, reason: e.Reason, size: e.Size,
		}
		if err := insertJournal(ctx, tx, &j, nil, nil); err != nil {
			return err
		}
		return s.purgeJournal(ctx, tx)
	})
}

// checkMessage rejects a message that breaks the contract of Message: a
// programming error, never the sender's.
func checkMessage(m *Message) error {
	switch {
	case m == nil:
		return errors.New("apply message: nil message")
	case m.Division == "":
		return errors.New("apply message: empty division")
	case m.MessageID == "":
		return errors.New("apply message: empty Message-ID")
	case m.Stamp.IsZero():
		return errors.New("apply message: zero stamp")
	}
	for i := range m.Commands {
		if c := &m.Commands[i]; c.Op != mailcmd.OpSync && c.Eml == "" {
			return fmt.Errorf("apply message: command on line %d has no eml", c.Line)
		}
	}
	return nil
}

// write runs fn in a write transaction and commits it.
func (s *Store) write(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	if s.opt.ReadOnly {
		return fmt.Errorf("%s: %w", op, ErrReadOnly)
	}
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: see dataSource
	if err != nil {
		return wrapErr(op+": begin", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return wrapErr(op+": commit", tx.Commit())
}

// applyTx is Apply inside its transaction.
func (s *Store) applyTx(ctx context.Context, tx *sql.Tx, m *Message) (Result, error) {
	res := Result{Outcome: OutcomeApplied, Rejected: len(m.Rejects), Warnings: len(m.Warnings)}
	j := journalRow{
		received: s.received(m.Received), division: m.Division, messageID: m.MessageID,
		sender: m.Sender, stamp: m.Stamp.UnixNano(), size: m.Size,
	}
	rejects, warnings := m.Rejects, m.Warnings
	dup, err := isDuplicate(ctx, tx, m.Division, m.MessageID)
	switch {
	case err != nil:
		return Result{}, err
	case dup:
		// Its lines were journaled with the message it repeats.
		res = Result{Outcome: OutcomeDuplicate}
		j.reason = "Message-ID already applied"
		rejects, warnings = nil, nil
	case len(m.Commands) == 0:
		res.Outcome, j.reason = OutcomeNoCommands, "no valid command line"
	default:
		if res.Applied, err = s.applyCommands(ctx, tx, m); err != nil {
			return Result{}, err
		}
	}
	j.outcome, j.applied, j.rejected, j.warnings = res.Outcome, res.Applied, res.Rejected, res.Warnings
	if err := insertJournal(ctx, tx, &j, rejects, warnings); err != nil {
		return Result{}, err
	}
	if err := s.purgeTombstones(ctx, tx); err != nil {
		return Result{}, err
	}
	return res, s.purgeJournal(ctx, tx)
}

// applyCommands applies the commands of m and writes the records that
// changed. It returns the number of commands applied.
func (s *Store) applyCommands(ctx context.Context, tx *sql.Tx, m *Message) (int, error) {
	a, err := newApplier(ctx, tx, m.Division)
	if err != nil {
		return 0, err
	}
	defer a.close()
	n, err := a.run(m)
	if err != nil {
		return 0, err
	}
	changed, seq, err := a.flush()
	if err != nil {
		return 0, err
	}
	if changed > 0 {
		s.opt.Logger.Debug("records changed", "division", m.Division, "message_id", m.MessageID,
			"records", changed, "seq", seq)
	}
	return n, nil
}

// received returns t, or now when t is zero, as Unix nanoseconds.
func (s *Store) received(t time.Time) int64 {
	if t.IsZero() {
		t = s.opt.Now()
	}
	return t.UnixNano()
}

// isDuplicate reports whether messageID was already applied (or found
// without commands) for division.
func isDuplicate(ctx context.Context, tx *sql.Tx, division, messageID string) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM journal
		WHERE division = ? AND message_id = ? AND outcome IN ('applied', 'no-commands') LIMIT 1`,
		division, messageID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, wrapErr("check duplicate", err)
}

// purgeTombstones deletes the tombstones older than TombstoneDays.
func (s *Store) purgeTombstones(ctx context.Context, tx *sql.Tx) error {
	cutoff := s.opt.Now().Add(-time.Duration(s.opt.TombstoneDays) * 24 * time.Hour).UnixNano()
	r, err := tx.ExecContext(ctx, `DELETE FROM record WHERE live = 0 AND live_stamp < ?`, cutoff)
	if err != nil {
		return wrapErr("purge tombstones", err)
	}
	if n, _ := r.RowsAffected(); n > 0 {
		s.opt.Logger.Info("tombstones purged", "records", n, "days", s.opt.TombstoneDays)
	}
	return nil
}

// purgeJournal keeps the newest journalKeepMessages messages, none older
// than journalKeepDays. Their notes go with them (ON DELETE CASCADE).
func (s *Store) purgeJournal(ctx context.Context, tx *sql.Tx) error {
	cutoff := s.opt.Now().Add(-journalKeepDays * 24 * time.Hour).UnixNano()
	if _, err := tx.ExecContext(ctx, `DELETE FROM journal WHERE received < ?`, cutoff); err != nil {
		return wrapErr("purge journal", err)
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM journal
		WHERE id <= (SELECT max(id) FROM journal) - ?`, journalKeepMessages)
	return wrapErr("purge journal", err)
}
