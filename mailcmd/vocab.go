package mailcmd

import "strings"

// Field names one stamped field of a record: the keys of a command line
// (docs/protocol.md#command-lines) other than _cmd and eml.
type Field uint8

// The fields of a record, in the order of their keys in docs/protocol.md#command-lines.
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

// The operations of docs/protocol.md#meaning.
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
	Force   bool   // OpSync only: force=1, apply even what the sync safety net would hold
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
