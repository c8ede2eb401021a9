package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"userdir/mailcmd"
)

// ErrReadOnly reports a write to a store opened with Options.ReadOnly.
var ErrReadOnly = errors.New("store is read-only")

// Retention limits of the journal (see the package comment).
const (
	journalKeepMessages = 100_000
	journalKeepDays     = 365
	journalKeepIgnored  = 10_000
	maxIgnoredField     = 256 // bytes kept of an ignored message's Message-ID, sender and reason
	maxNotesPerKind     = mailcmd.MaxNotes
)

// Apply applies a whole message in one transaction (BEGIN IMMEDIATE),
// journals it, and commits with synchronous=FULL before it returns. A
// Message-ID already applied for the division gives OutcomeDuplicate and
// changes nothing; a message without commands gives OutcomeNoCommands. A
// sync that the safety net holds changes nothing either: it is journaled
// as OutcomeHeld and kept for Release.
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
	if h, ok := errors.AsType[*heldError](err); ok {
		res, err = s.hold(ctx, m, h)
	}
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
			received: s.received(e.Received), division: e.Division, messageID: clip(e.MessageID),
			sender: clip(e.Sender), outcome: e.Outcome, reason: clip(e.Reason), size: e.Size,
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
	j := journalRow{
		received: s.received(m.Received), division: m.Division, messageID: m.MessageID,
		sender: m.Sender, stamp: m.Stamp.UnixNano(), size: m.Size,
	}
	dup, err := isDuplicate(ctx, tx, m.Division, m.MessageID)
	if err != nil {
		return Result{}, err
	}
	var res Result
	var n notes
	if dup {
		// Its lines were journaled with the message it repeats.
		res = Result{Outcome: OutcomeDuplicate}
		j.reason = "Message-ID already applied"
	} else if res, n, err = s.applyCommands(ctx, tx, m); err != nil {
		return Result{}, err
	}
	if res.Outcome == OutcomeNoCommands {
		j.reason = "no valid command line"
	}
	j.outcome, j.applied, j.rejected, j.warnings = res.Outcome, res.Applied, res.Rejected, res.Warnings
	j.wouldDelete = res.WouldDelete
	if err := insertJournal(ctx, tx, &j, n.rejects, n.warnings); err != nil {
		return Result{}, err
	}
	if err := s.purgeTombstones(ctx, tx); err != nil {
		return Result{}, err
	}
	return res, s.purgeJournal(ctx, tx)
}

// notes are the rejected and warned lines of a message that are journaled.
type notes struct{ rejects, warnings []mailcmd.LineNote }

// applyCommands applies the commands of m and writes the records that
// changed. A sync the safety net holds returns a *heldError.
func (s *Store) applyCommands(ctx context.Context, tx *sql.Tx, m *Message) (Result, notes, error) {
	a, err := newApplier(ctx, tx, m.Division, s.opt.Now().UnixNano())
	if err != nil {
		return Result{}, notes{}, err
	}
	defer a.close()
	next, stream := commandSource(m)
	rr, err := a.run(m, next)
	if err != nil {
		return Result{}, notes{}, err
	}
	n := notes{m.Rejects, m.Warnings}
	res := Result{Outcome: OutcomeApplied, Applied: rr.applied, Rejected: len(m.Rejects), Warnings: len(m.Warnings)}
	if stream != nil {
		if err := stream.Err(); err != nil {
			return Result{}, notes{}, err
		}
		n.rejects, res.Rejected = stream.Rejects()
		n.warnings, res.Warnings = stream.Warnings()
	}
	if rr.commands == 0 {
		res.Outcome = OutcomeNoCommands
	}
	if rr.syncKind != "" {
		res.WouldDelete = a.killed
		if why := holdReason(m, &rr, &res, n.rejects, a.killed); why != "" && !rr.force && !m.Force {
			return Result{}, notes{}, &heldError{reason: why, wouldDelete: a.killed, kind: rr.syncKind, res: res, notes: n}
		}
		if err := dropHeld(ctx, tx, m, rr.syncKind); err != nil {
			return Result{}, notes{}, err
		}
	}
	if a.written > 0 {
		s.opt.Logger.Debug("records changed", "division", m.Division, "message_id", m.MessageID,
			"records", a.written, "seq", a.seq)
	}
	return res, n, nil
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

// purgeTombstones deletes the tombstones recorded more than TombstoneDays
// ago: their age counts from when they were recorded, not from their stamp.
func (s *Store) purgeTombstones(ctx context.Context, tx *sql.Tx) error {
	cutoff := s.opt.Now().Add(-time.Duration(s.opt.TombstoneDays) * 24 * time.Hour).UnixNano()
	r, err := tx.ExecContext(ctx, `DELETE FROM record INDEXED BY record_dead WHERE live = 0 AND dead_at < ?`, cutoff)
	if err != nil {
		return wrapErr("purge tombstones", err)
	}
	if n, _ := r.RowsAffected(); n > 0 {
		s.opt.Logger.Info("tombstones purged", "records", n, "days", s.opt.TombstoneDays)
	}
	return nil
}

// purgeJournal applies the journal's retention. Messages of a known
// division (applied, duplicate, held, no commands) are kept at least
// TombstoneDays, so a redelivery is always found a duplicate; past that,
// those among the newest journalKeepMessages messages, none older than
// journalKeepDays. Ignored mail
// (unknown code, bad sender, too large, unparsable) has its own bound of
// journalKeepIgnored rows, each of bounded size, so it can never push the
// others out. Notes go with their messages (ON DELETE CASCADE).
func (s *Store) purgeJournal(ctx context.Context, tx *sql.Tx) error {
	now := s.opt.Now()
	keepDays := max(journalKeepDays, s.opt.TombstoneDays)
	cutoff := now.Add(-time.Duration(keepDays) * 24 * time.Hour).UnixNano()
	if _, err := tx.ExecContext(ctx, `DELETE FROM journal WHERE received < ?`, cutoff); err != nil {
		return wrapErr("purge journal", err)
	}
	young := now.Add(-time.Duration(s.opt.TombstoneDays) * 24 * time.Hour).UnixNano()
	_, err := tx.ExecContext(ctx, `DELETE FROM journal INDEXED BY journal_received
		WHERE received < ? AND outcome NOT IN `+ignoredOutcomes+`
		AND id <= (SELECT max(id) FROM journal) - ?`, young, journalKeepMessages)
	if err != nil {
		return wrapErr("purge journal", err)
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM journal INDEXED BY journal_ignored
		WHERE outcome IN `+ignoredOutcomes+` AND id < (
			SELECT id FROM journal INDEXED BY journal_ignored WHERE outcome IN `+ignoredOutcomes+`
			ORDER BY id DESC LIMIT 1 OFFSET ?)`, journalKeepIgnored-1)
	return wrapErr("purge ignored mail from the journal", err)
}

// ignoredOutcomes is the SQL list of the outcomes of ignored mail; it
// matches the index journal_ignored.
const ignoredOutcomes = `('unknown-code', 'bad-sender', 'too-large', 'unparsable')`

// clip shortens s to at most maxIgnoredField bytes, at a rune boundary, so
// that a row of ignored mail has a bounded size.
func clip(s string) string {
	if len(s) <= maxIgnoredField {
		return s
	}
	n := maxIgnoredField
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
