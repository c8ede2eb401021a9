package store

import (
	"time"

	"userdir/mailcmd"
)

// Message is one mail message's worth of commands for one division: the unit
// that Store.Apply applies in a single transaction.
type Message struct {
	Division  string            // division id
	MessageID string            // Message-ID, or a digest of the message when it has none; never empty
	Stamp     time.Time         // from Date, or the arrival time (docs/protocol.md#the-message)
	Received  time.Time         // arrival time
	Sender    string            // envelope sender or From, for the journal
	Size      int64             // bytes of the message, for the journal
	Commands  []mailcmd.Command // valid commands, in line order; when nil, Body is parsed
	Rejects   []mailcmd.LineNote
	Warnings  []mailcmd.LineNote

	// Body is the decoded text of the message. When Commands is nil its
	// command lines are parsed while they are applied, in bounded batches
	// (a mailcmd.Stream), and Rejects and Warnings are filled from it. A
	// held sync keeps it, so that Release can apply it later.
	Body string
	// Check, when not nil, rejects a command line of Body for the reason it
	// returns (a division's domains); see mailcmd.NewStream.
	Check func(*mailcmd.Command) string
	// Damaged says why the body did not decode cleanly ("" when it did):
	// a sync so damaged is held.
	Damaged string
	// SyncMaxDelete is the most records a sync may delete before it is held.
	SyncMaxDelete Limit
	// Force applies a sync that the safety net would hold (userdir release).
	Force bool
}

// Limit is a count, or a percentage of a division's live records of one
// kind, with a floor: the division's sync_max_delete. The zero value is the
// default, 10% and never fewer than 5.
type Limit struct {
	Count   int // an absolute count; used when Percent is 0
	Percent int // a percentage of the live records
	Min     int // the limit is never below Min (Percent only)
}

// DefaultSyncMaxDelete is the sync_max_delete of a division that sets none.
var DefaultSyncMaxDelete = Limit{Percent: 10, Min: 5}

// Of returns the limit for a division with live records.
func (l Limit) Of(live int) int {
	if l == (Limit{}) {
		l = DefaultSyncMaxDelete
	}
	if l.Percent == 0 {
		return l.Count
	}
	return max(live*l.Percent/100, l.Min)
}

// Record is the stored state of one (division, eml) key: every field with
// the version (stamp and tie) of the command that last set it, and its
// existence likewise.
// A record with Exists false is a tombstone.
type Record struct {
	Division    string
	Eml         string
	Values      [mailcmd.NumFields]string
	Stamps      [mailcmd.NumFields]int64 // Unix nanoseconds of the command that set each field
	Ties        [mailcmd.NumFields]int64 // tie-breakers of those commands (see Tie)
	Exists      bool
	ExistsStamp int64 // Unix nanoseconds of the command that set Exists
	ExistsTie   int64 // its tie-breaker
	// Conflict is set on a live, active record read while another
	// division's record of the same address wins (see Records): it is read
	// with Exists false, so that no reader serves it.
	Conflict bool
	Created  time.Time // when the record last came into existence
	Modified time.Time // the newest of its stamps
	Seq      int64     // change sequence of the transaction that last changed it
}

// Kind returns the record's kind, KindMailbox when the type field is empty.
func (r *Record) Kind() string {
	if r.Values[mailcmd.FieldKind] == "" {
		return mailcmd.KindMailbox
	}
	return r.Values[mailcmd.FieldKind]
}

// Active reports whether the record is active (act is not "0").
func (r *Record) Active() bool { return r.Values[mailcmd.FieldAct] != "0" }

// Visible reports whether the record is shown in the address book (vis is not "0").
func (r *Record) Visible() bool { return r.Values[mailcmd.FieldVis] != "0" }

// Outcome is what became of a message, as the journal records it.
type Outcome string

// The outcomes of a message.
const (
	OutcomeApplied     Outcome = "applied"      // its commands were applied
	OutcomeDuplicate   Outcome = "duplicate"    // its Message-ID was already applied for the division
	OutcomeHeld        Outcome = "held"         // a sync the safety net held: nothing of it applied
	OutcomeNoCommands  Outcome = "no-commands"  // a known division, but no valid command line
	OutcomeUnknownCode Outcome = "unknown-code" // the Subject matched no division code
	OutcomeBadSender   Outcome = "bad-sender"   // the sender is not among the division's senders
	OutcomeTooLarge    Outcome = "too-large"    // larger than max_message_bytes
	OutcomeUnparsable  Outcome = "unparsable"   // not a readable message at all
)

// Result tells what Store.Apply did with a message.
type Result struct {
	Outcome  Outcome
	Applied  int // commands that were applied (mailcmd.OpSync counts as one)
	Rejected int // lines rejected
	Warnings int // lines with warnings
	// WouldDelete is, for a sync, how many records it deleted, or for a
	// held one would have deleted; Reason says why it was held.
	WouldDelete int
	Reason      string
}

// Ignored describes a message that is journaled but never applied: an
// unknown code, a bad sender, too large or unparsable. It never holds the
// Subject, which may be a guessed division code.
type Ignored struct {
	Outcome   Outcome
	Division  string // division id when known (bad sender), else ""
	MessageID string
	Sender    string
	Received  time.Time
	Size      int64  // bytes read
	Reason    string // a short human explanation
}
