package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"userdir/mailcmd"
)

// JournalEntry is one journaled message.
type JournalEntry struct {
	ID        int64
	Received  time.Time
	Division  string // division id; "" when unknown
	MessageID string
	Sender    string
	Stamp     time.Time // the message's stamp; zero for ignored messages
	Outcome   Outcome
	Reason    string
	Size      int64 // bytes of the message
	Applied   int
	Rejected  int
	Warnings  int
	// WouldDelete is, for a sync, the records it deleted or (held) would have.
	WouldDelete int
	// Notes are the rejected lines, then the warned ones. Each Reason starts
	// with NoteRejected or NoteWarning. At most 1,000 of each kind are kept.
	Notes []mailcmd.LineNote
}

// The prefixes of JournalEntry.Notes reasons, telling rejects from warnings.
const (
	NoteRejected = "rejected: "
	NoteWarning  = "warning: "
)

// journalRow is the journal table's row, as Apply and Ignore write it.
type journalRow struct {
	received                    int64
	division, messageID, sender string
	stamp                       int64
	outcome                     Outcome
	reason                      string
	size                        int64
	applied, rejected, warnings int
	wouldDelete                 int
}

// insertJournal writes j and its notes.
func insertJournal(ctx context.Context, tx *sql.Tx, j *journalRow, rejects, warnings []mailcmd.LineNote) error {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO journal
		(received, division, message_id, sender, stamp, outcome, reason, size, applied, rejected, warnings, would_delete)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		j.received, j.division, j.messageID, j.sender, j.stamp, string(j.outcome), j.reason,
		j.size, j.applied, j.rejected, j.warnings, j.wouldDelete).Scan(&id)
	if err != nil {
		return wrapErr("write journal", err)
	}
	if len(rejects) == 0 && len(warnings) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO journal_note (journal_id, n, kind, line, reason, text)
		VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return wrapErr("prepare journal note", err)
	}
	defer st.Close()
	n := 0
	for _, set := range []struct {
		kind  string
		notes []mailcmd.LineNote
	}{{"reject", rejects}, {"warning", warnings}} {
		for _, note := range set.notes[:min(len(set.notes), maxNotesPerKind)] {
			if _, err := st.ExecContext(ctx, id, n, set.kind, note.Line, note.Reason, note.Text); err != nil {
				return wrapErr("write journal note", err)
			}
			n++
		}
	}
	return nil
}

// Journal returns the newest n journal entries (all when n <= 0), newest
// first, with their notes.
func (s *Store) Journal(ctx context.Context, n int) ([]JournalEntry, error) {
	if n <= 0 {
		n = -1 // SQLite: no limit
	}
	var out []JournalEntry
	err := s.read(ctx, "read journal", func(tx *sql.Tx) error {
		var err error
		if out, err = readJournal(ctx, tx, n); err != nil {
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

func readJournal(ctx context.Context, tx *sql.Tx, n int) ([]JournalEntry, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, received, division, message_id, sender, stamp,
		outcome, reason, size, applied, rejected, warnings, would_delete FROM journal ORDER BY id DESC LIMIT ?`, n)
	if err != nil {
		return nil, wrapErr("query journal", err)
	}
	defer rows.Close()
	var out []JournalEntry
	for rows.Next() {
		var e JournalEntry
		var received, stamp int64
		err := rows.Scan(&e.ID, &received, &e.Division, &e.MessageID, &e.Sender, &stamp,
			&e.Outcome, &e.Reason, &e.Size, &e.Applied, &e.Rejected, &e.Warnings, &e.WouldDelete)
		if err != nil {
			return nil, wrapErr("scan journal", err)
		}
		e.Received, e.Stamp = fromUnixNano(received), fromUnixNano(stamp)
		out = append(out, e)
	}
	return out, wrapErr("query journal", rows.Err())
}

func readNotes(ctx context.Context, tx *sql.Tx, id int64) ([]mailcmd.LineNote, error) {
	rows, err := tx.QueryContext(ctx, `SELECT kind, line, reason, text FROM journal_note
		WHERE journal_id = ? ORDER BY n`, id)
	if err != nil {
		return nil, wrapErr("query journal notes", err)
	}
	defer rows.Close()
	var out []mailcmd.LineNote
	for rows.Next() {
		var kind string
		var note mailcmd.LineNote
		if err := rows.Scan(&kind, &note.Line, &note.Reason, &note.Text); err != nil {
			return nil, wrapErr("scan journal note", err)
		}
		note.Reason = notePrefix(kind) + note.Reason
		out = append(out, note)
	}
	return out, wrapErr("query journal notes", rows.Err())
}

// notePrefix returns the Reason prefix of a note kind.
func notePrefix(kind string) string {
	if strings.EqualFold(kind, "reject") {
		return NoteRejected
	}
	return NoteWarning
}
