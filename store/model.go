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
	Commands  []mailcmd.Command // valid commands, in line order
	Rejects   []mailcmd.LineNote
	Warnings  []mailcmd.LineNote
}

// Record is the stored state of one (division, eml) key: every field with
// the stamp of the command that last set it, and its existence likewise.
// A record with Exists false is a tombstone.
type Record struct {
	Division    string
	Eml         string
	Values      [mailcmd.NumFields]string
	Stamps      [mailcmd.NumFields]int64 // Unix nanoseconds of the command that set each field
	Exists      bool
	ExistsStamp int64     // Unix nanoseconds of the command that set Exists
	Created     time.Time // when the record last came into existence
	Modified    time.Time // the newest of its stamps
	Seq         int64     // change sequence of the transaction that last changed it
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
