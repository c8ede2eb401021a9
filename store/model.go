package store

import (
	"strings"
	"time"
)

// Field names one stamped field of a record: the keys of a command line
// (SPEC §1.2) other than _cmd and eml.
type Field uint8

// The fields of a record, in the order of their keys in SPEC §1.2.
const (
	FieldKind Field = iota // type: "mbox" or "alias"; empty means mbox
	FieldName              // name: full name
	FieldGor               // gor: city phone
	FieldMer               // mer: internal extension
	FieldSot               // sot: mobile phone
	FieldOf                // of: office room
	FieldPost              // post: job title
	FieldSdiv              // sdiv: department
	FieldAct               // act: "1", "0" or empty (empty means active)
	FieldVis               // vis: "1", "0" or empty (empty means visible)
	FieldDst               // dst: alias targets, comma-separated
	NumFields              // the number of fields; not a field
)

var fieldKeys = [NumFields]string{"type", "name", "gor", "mer", "sot", "of", "post", "sdiv", "act", "vis", "dst"}

// Key returns the command-line key of f, such as "gor".
func (f Field) Key() string {
	if f >= NumFields {
		return ""
	}
	return fieldKeys[f]
}

// FieldByKey returns the field whose command-line key is key (case-insensitive).
func FieldByKey(key string) (Field, bool) {
	for i, k := range fieldKeys {
		if strings.EqualFold(k, key) {
			return Field(i), true
		}
	}
	return 0, false
}

// The record kinds (the values of the type field).
const (
	KindMailbox = "mbox"
	KindAlias   = "alias"
)

// Op is the operation of a command (the _cmd key).
type Op uint8

// The operations of SPEC §1.3.
const (
	OpInsert Op = iota + 1 // create or replace the whole record
	OpUpdate               // change the fields present; create when missing
	OpDelete               // remove, leaving a tombstone
	OpSync                 // the division's full set of one kind follows as inserts
)

// String returns the protocol name of op ("insert", "update", ...).
func (op Op) String() string {
	switch op {
	case OpInsert:
		return "insert"
	case OpUpdate:
		return "update"
	case OpDelete:
		return "delete"
	case OpSync:
		return "sync"
	}
	return "unknown"
}

// Command is one valid command line of a message.
//
// For OpInsert every field is set (absent ones to ""), so Present is ignored.
// For OpUpdate only the fields with Present[f] set are changed. For OpDelete
// only Eml matters. For OpSync, Eml is empty and Kind names the kind synced;
// a sync is always the first command of its message.
type Command struct {
	Op      Op
	Eml     string // lower-case addr-spec
	Kind    string // OpSync only: KindMailbox or KindAlias
	Values  [NumFields]string
	Present [NumFields]bool
	Line    int // 1-based line number in the decoded body
}

// LineNote is a remark about one line of a message body: a rejected line or a warning.
type LineNote struct {
	Line   int    // 1-based line number in the decoded body
	Reason string // why, e.g. "no eml", "unknown key \"foo\""
	Text   string // the line, shortened to at most 200 bytes
}

// Message is one mail message's worth of commands for one division: the unit
// that Store.Apply applies in a single transaction.
type Message struct {
	Division  string    // division id
	MessageID string    // Message-ID, or a digest of the message when it has none; never empty
	Stamp     time.Time // from Date, or the arrival time (SPEC §1.1)
	Received  time.Time // arrival time
	Sender    string    // envelope sender or From, for the journal
	Size      int64     // bytes of the message, for the journal
	Commands  []Command // valid commands, in line order
	Rejects   []LineNote
	Warnings  []LineNote
}

// Record is the stored state of one (division, eml) key: every field with
// the stamp of the command that last set it, and its existence likewise.
// A record with Exists false is a tombstone.
type Record struct {
	Division    string
	Eml         string
	Values      [NumFields]string
	Stamps      [NumFields]int64 // Unix nanoseconds of the command that set each field
	Exists      bool
	ExistsStamp int64     // Unix nanoseconds of the command that set Exists
	Created     time.Time // when the record last came into existence
	Modified    time.Time // the newest of its stamps
	Seq         int64     // change sequence of the transaction that last changed it
}

// Kind returns the record's kind, KindMailbox when the type field is empty.
func (r *Record) Kind() string {
	if r.Values[FieldKind] == "" {
		return KindMailbox
	}
	return r.Values[FieldKind]
}

// Active reports whether the record is active (act is not "0").
func (r *Record) Active() bool { return r.Values[FieldAct] != "0" }

// Visible reports whether the record is shown in the address book (vis is not "0").
func (r *Record) Visible() bool { return r.Values[FieldVis] != "0" }

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
	Applied  int // commands that were applied (OpSync counts as one)
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
