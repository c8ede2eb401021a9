package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"userdir/mailcmd"
)

// TestJournal checks that Journal returns what Apply and Ignore recorded,
// newest first, with the rejected lines before the warned ones.
func TestJournal(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, Options{})
	m := msg("a", "<m1@a>", 1, ins("x@c.ru", "name=A"))
	m.Rejects = []mailcmd.LineNote{{Line: 3, Reason: "no eml", Text: "_cmd=insert:name=B"}}
	m.Warnings = []mailcmd.LineNote{{Line: 1, Reason: `unknown key "foo"`, Text: "_cmd=insert:eml=x@c.ru:foo=1"}}
	if res := mustApply(t, s, m); res != (Result{Outcome: OutcomeApplied, Applied: 1, Rejected: 1, Warnings: 1}) {
		t.Errorf("Apply = %+v", res)
	}
	mustApply(t, s, m) // duplicate
	ign := Ignored{Outcome: OutcomeUnknownCode, MessageID: "<m2@x>", Sender: "spam@x", Received: testNow, Size: 1234, Reason: "no division has this code"}
	if err := s.Ignore(ctx, ign); err != nil {
		t.Fatalf("Ignore: %v", err)
	}

	got, err := s.Journal(ctx, 10)
	if err != nil {
		t.Fatalf("Journal: %v", err)
	}
	if len(got) != 3 {
		t.Fatalf("Journal returned %d entries, want 3", len(got))
	}
	want := []JournalEntry{
		{Received: testNow, MessageID: "<m2@x>", Sender: "spam@x", Outcome: OutcomeUnknownCode, Reason: ign.Reason, Size: 1234},
		// A duplicate's lines were journaled with the message it repeats.
		{Received: testNow, Division: "a", MessageID: "<m1@a>", Sender: m.Sender, Stamp: ts(1), Outcome: OutcomeDuplicate,
			Reason: "Message-ID already applied"},
		{Received: testNow, Division: "a", MessageID: "<m1@a>", Sender: m.Sender, Stamp: ts(1), Outcome: OutcomeApplied,
			Applied: 1, Rejected: 1, Warnings: 1, Notes: journalNotes(m)},
	}
	for i := range want {
		if got[i].ID <= 0 || (i > 0 && got[i].ID >= got[i-1].ID) {
			t.Errorf("entry %d: ID %d is not newest first", i, got[i].ID)
		}
		want[i].ID = got[i].ID
		if g, w := fmt.Sprintf("%+v", got[i]), fmt.Sprintf("%+v", want[i]); g != w {
			t.Errorf("entry %d:\n got %s\nwant %s", i, g, w)
		}
	}
	if short, err := s.Journal(ctx, 1); err != nil || len(short) != 1 || short[0].ID != got[0].ID {
		t.Errorf("Journal(1) = %v, %v; want the newest entry", short, err)
	}
	if all, err := s.Journal(ctx, 0); err != nil || len(all) != 3 {
		t.Errorf("Journal(0) = %d entries, %v; want all 3", len(all), err)
	}
}

// journalNotes is what Journal returns for the notes of m.
func journalNotes(m *Message) []mailcmd.LineNote {
	var out []mailcmd.LineNote
	for _, n := range m.Rejects {
		n.Reason = NoteRejected + n.Reason
		out = append(out, n)
	}
	for _, n := range m.Warnings {
		n.Reason = NoteWarning + n.Reason
		out = append(out, n)
	}
	return out
}

// TestJournalNoteLimit checks that a message with very many rejected lines
// keeps its full count but a bounded number of notes.
func TestJournalNoteLimit(t *testing.T) {
	s := MustOpen(t, Options{})
	m := msg("a", "m1", 1)
	for i := range maxNotesPerKind + 5 {
		m.Rejects = append(m.Rejects, mailcmd.LineNote{Line: i + 1, Reason: "no eml", Text: "_cmd=insert"})
	}
	m.Warnings = []mailcmd.LineNote{{Line: 9999, Reason: "unknown key", Text: "_cmd=insert:foo=1"}}
	if res := mustApply(t, s, m); res.Outcome != OutcomeNoCommands || res.Rejected != maxNotesPerKind+5 {
		t.Errorf("Apply = %+v, want no-commands with %d rejected", res, maxNotesPerKind+5)
	}
	j, err := s.Journal(context.Background(), 1)
	if err != nil || len(j) != 1 {
		t.Fatalf("Journal = %v, %v", j, err)
	}
	e := j[0]
	if e.Rejected != maxNotesPerKind+5 || len(e.Notes) != maxNotesPerKind+1 {
		t.Errorf("Rejected, len(Notes) = %d, %d; want %d, %d", e.Rejected, len(e.Notes), maxNotesPerKind+5, maxNotesPerKind+1)
	}
	if last := e.Notes[len(e.Notes)-1]; !strings.HasPrefix(last.Reason, NoteWarning) || last.Line != 9999 {
		t.Errorf("last note = %+v, want the warning", last)
	}
}

// TestJournalRetention checks that journal entries older than a year go.
func TestJournalRetention(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, Options{})
	old := Ignored{Outcome: OutcomeTooLarge, MessageID: "old", Received: testNow.Add(-400 * 24 * time.Hour)}
	recent := Ignored{Outcome: OutcomeTooLarge, MessageID: "recent", Received: testNow.Add(-300 * 24 * time.Hour)}
	for _, e := range []Ignored{old, recent} {
		if err := s.Ignore(ctx, e); err != nil {
			t.Fatalf("Ignore(%s): %v", e.MessageID, err)
		}
	}
	j, err := s.Journal(ctx, 10)
	if err != nil {
		t.Fatalf("Journal: %v", err)
	}
	var ids []string
	for _, e := range j {
		ids = append(ids, e.MessageID)
	}
	if !slices.Equal(ids, []string{"recent"}) {
		t.Errorf("journal holds %v, want [recent]", ids)
	}
}

// TestStatus checks the per-division summary.
func TestStatus(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, Options{})
	m1 := msg("a", "m1", 1,
		ins("x@c.ru", "name=X"), ins("h@c.ru", "vis=0"), ins("i@c.ru", "act=0"),
		ins("al@c.ru", "type=alias"), ins("gone@c.ru"))
	m1.Rejects = []mailcmd.LineNote{{Line: 9, Reason: "no eml"}, {Line: 10, Reason: "no eml"}}
	mustApply(t, s, m1)
	m2 := msg("a", "m2", 2, del("gone@c.ru"))
	m2.Received = testNow.Add(time.Minute)
	mustApply(t, s, m2)
	mustApply(t, s, msg("b", "m1", 1, ins("x@c.ru")))
	if err := s.Ignore(ctx, Ignored{Outcome: OutcomeBadSender, Division: "c", MessageID: "m9", Received: testNow}); err != nil {
		t.Fatalf("Ignore: %v", err)
	}
	if err := s.Ignore(ctx, Ignored{Outcome: OutcomeUnknownCode, MessageID: "m8", Received: testNow}); err != nil {
		t.Fatalf("Ignore: %v", err)
	}
	got, err := s.Status(ctx)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	want := []DivisionStatus{
		{Division: "a", Records: 4, Active: 3, Hidden: 1, Aliases: 1, Tombstones: 1, Messages: 2,
			LastMessage: testNow.Add(time.Minute), RejectedLines: 2},
		// a and b hold x@c.ru at one version (both messages are m1 at
		// stamp 1): a sorts first and wins, b's record is a conflict.
		{Division: "b", Records: 1, Active: 1, Messages: 1, LastMessage: testNow, Conflicts: 1},
		{Division: "c", Messages: 1, LastMessage: testNow},
	}
	if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
		t.Errorf("Status:\n got %s\nwant %s", g, w)
	}
}

// TestJunkDoesNotEvictDuplicates is issue 8's "junk evicts the duplicate
// check": 100,000 wrong-code messages used to push every applied
// Message-ID out of the journal, so a redelivered message was applied
// again. Ignored mail now has its own bounded retention. The junk rows are
// written in one transaction, as Ignore would write them one at a time.
func TestJunkDoesNotEvictDuplicates(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, Options{})
	mustApply(t, s, msg("a", "real@a", 1, ins("x@c.ru", "name=A")))
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO journal (received, message_id, sender, outcome, reason, size)
		VALUES (?, ?, 'guess@junk', 'unknown-code', 'the subject is no division''s code', 100)`)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100_000 {
		if _, err := st.ExecContext(ctx, testNow.UnixNano(), fmt.Sprintf("junk-%d@junk", i)); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// One more through Ignore runs the purges.
	if err := s.Ignore(ctx, Ignored{Outcome: OutcomeUnknownCode, MessageID: "junk-last@junk", Received: testNow,
		Sender: strings.Repeat("s", 10_000), Reason: "the subject is no division's code"}); err != nil {
		t.Fatal(err)
	}
	if res := mustApply(t, s, msg("a", "real@a", 1, ins("x@c.ru", "name=A"))); res.Outcome != OutcomeDuplicate {
		t.Fatalf("redelivery after 100,000 junk messages: %s, want duplicate", res.Outcome)
	}
	var rows, longest int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*), max(length(sender)) FROM journal WHERE outcome = 'unknown-code'`).Scan(&rows, &longest); err != nil {
		t.Fatal(err)
	}
	if rows != journalKeepIgnored || longest > maxIgnoredField {
		t.Errorf("ignored mail kept: %d rows, longest sender %d bytes; want %d rows, at most %d bytes",
			rows, longest, journalKeepIgnored, maxIgnoredField)
	}
}
