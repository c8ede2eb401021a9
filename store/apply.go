package store

import (
	"hash/fnv"
	"time"

	"userdir/mailcmd"
)

// This file holds the per-field rules of docs/protocol.md#meaning, free of SQL: every
// function here changes a record in memory and nothing else.
//
// Every field and the existence of a record are last-writer-wins registers:
// a write carries a version (stamp, Message-ID, place in the message) and
// lands only if it is greater than the register's. Versions are totally
// ordered, so such writes commute: any arrival order of the same commands
// gives the same record, equal Dates included. A sync must commute too; it does so as a write of its own:
//
//   - F(division, kind), the sync floor, is the stamp of the newest sync of
//     that kind. A sync at F either lists a record (its insert writes every
//     register at F) or deletes it at F, so every register of every record
//     of that kind is at least F afterwards, and older syncs no longer
//     matter.
//   - floorDelete(F) is that delete, applied to a record of the synced kind
//     whenever it may be needed: to all of them when the sync arrives, and
//     to one after every command that touches it. It writes only the
//     registers older than F (strictly), so the sync's own inserts, and
//     anything newer, stay; applying it again changes nothing.
//   - The kind a sync applies to is the kind register of the row (kind,
//     kindStamp): set by an insert, and by an update that names a type,
//     but, unlike the type field, never emptied by a delete. A record that
//     so far only has deletes has no known kind, and no sync touches it
//     until an insert or typed update tells its kind; then the floor
//     applies at once. So which syncs apply to a record does not depend on
//     arrival order, as it would if deletes (which empty the type field)
//     turned an alias into a mailbox.
//
// The original design brief worded the floor as "if F > s and ExistsStamp < F, delete at F"
// after a command at s. That test depends on arrival order: an insert older
// than the sync, arriving after a newer update, kept its fields. floorDelete
// is that rule made order-free, and agrees with it wherever it is.

// floors returns the sync floor F(division, kind) of a row's division, or
// the zero version when the kind was never synced.
type floors func(kind string) version

// version orders the writes to one register: the message's stamp (Unix
// nanoseconds), then tie, which holds a digest of the Message-ID in its high
// bits and the command's place in the message in its low bits (see Tie).
type version struct{ stamp, tie int64 }

// after reports whether v is greater than w.
func (v version) after(w version) bool {
	return v.stamp > w.stamp || (v.stamp == w.stamp && v.tie > w.tie)
}

// isZero reports whether v is the version of a register never written.
func (v version) isZero() bool { return v.stamp == 0 && v.tie == 0 }

// placeBits is how many low bits of a tie hold the place in the message;
// a 10 MiB message has fewer than 2^23 lines.
const placeBits = 23

// Tie returns the tie-breaker of the command at place n (1-based; 0 is the
// message's own sync floor) of the message messageID: the top 40 bits of
// its FNV-1a digest, then n. Two messages with one Date thus order the same
// way whatever order they arrive in, and one message's commands in order.
func Tie(messageID string, n int) int64 {
	h := fnv.New64a()
	h.Write([]byte(messageID))
	n = min(max(n, 0), 1<<placeBits-1)
	return int64(h.Sum64()>>24)<<placeBits | int64(n)
}

// row is a record with the kind register syncs go by.
type row struct {
	Record
	kind      string // mailcmd.KindMailbox or mailcmd.KindAlias, as last named; "" while unknown
	kindStamp int64
	kindTie   int64
	deadAt    int64 // when it last became a tombstone, Unix nanoseconds; 0 while live
}

// fieldVersion returns the version of field f of r.
func fieldVersion(r *Record, f mailcmd.Field) version {
	return version{r.Stamps[f], r.Ties[f]}
}

// existsVersion returns the version of the existence of r.
func existsVersion(r *Record) version { return version{r.ExistsStamp, r.ExistsTie} }

// setField sets field f of r to v at version ver, unless the field was
// set at a version as great.
func setField(r *Record, f mailcmd.Field, v string, ver version) {
	if ver.after(fieldVersion(r, f)) {
		r.Values[f] = v
		r.Stamps[f], r.Ties[f] = ver.stamp, ver.tie
	}
}

// setExists sets the existence of r at version ver under the same rule as
// setField, and moves Created when the record comes into existence.
func setExists(r *Record, exists bool, ver version) {
	if !ver.after(existsVersion(r)) {
		return
	}
	if exists && !r.Exists {
		r.Created = time.Unix(0, ver.stamp).UTC()
	}
	r.Exists = exists
	r.ExistsStamp, r.ExistsTie = ver.stamp, ver.tie
}

// learnKind sets the kind register of r to kind ("" meaning mailbox) at
// version ver under the same rule.
func learnKind(r *row, kind string, ver version) {
	if ver.after(version{r.kindStamp, r.kindTie}) {
		r.kind = kindOrDefault(kind)
		r.kindStamp, r.kindTie = ver.stamp, ver.tie
	}
}

// insertAt replaces the whole record at version ver: every field is set,
// the ones the command lacks to "".
func insertAt(r *row, values *[mailcmd.NumFields]string, ver version) {
	for f := range mailcmd.NumFields {
		setField(&r.Record, f, values[f], ver)
	}
	setExists(&r.Record, true, ver)
	learnKind(r, values[mailcmd.FieldKind], ver)
}

// updateAt sets the fields present in the command at version ver and makes
// the record exist, creating it when its insert was lost.
func updateAt(r *row, values *[mailcmd.NumFields]string, present *[mailcmd.NumFields]bool, ver version) {
	for f := range mailcmd.NumFields {
		if present[f] {
			setField(&r.Record, f, values[f], ver)
		}
	}
	setExists(&r.Record, true, ver)
	if present[mailcmd.FieldKind] {
		learnKind(r, values[mailcmd.FieldKind], ver)
	}
}

// deleteAt marks r gone at version ver and empties every field the version
// may still change. The row stays as a tombstone.
func deleteAt(r *Record, ver version) {
	setExists(r, false, ver)
	for f := range mailcmd.NumFields {
		setField(r, f, "", ver)
	}
}

// floorDelete is the delete of a sync at version fv: like deleteAt, it
// writes only the registers older than fv, so the sync's own inserts
// (which come after it in the message) stay.
func floorDelete(r *Record, fv version) {
	deleteAt(r, fv)
}

// applyFloor applies the sync floor of r's kind, if the kind is known and
// was synced.
func applyFloor(r *row, floor floors) {
	if r.kind == "" || floor == nil {
		return
	}
	if fv := floor(r.kind); !fv.isZero() {
		floorDelete(&r.Record, fv)
	}
}

// applyCommand applies one insert, update or delete at version ver, then
// the sync floor of the row's kind. It reports false for any other op.
func applyCommand(r *row, c *mailcmd.Command, ver version, floor floors) bool {
	switch c.Op {
	case mailcmd.OpInsert:
		insertAt(r, &c.Values, ver)
	case mailcmd.OpUpdate:
		updateAt(r, &c.Values, &c.Present, ver)
	case mailcmd.OpDelete:
		deleteAt(&r.Record, ver)
	default:
		return false
	}
	applyFloor(r, floor)
	return true
}

// modified returns the newest stamp of r.
func modified(r *Record) int64 {
	m := r.ExistsStamp
	for _, s := range r.Stamps {
		m = max(m, s)
	}
	return m
}

// sameState reports whether a and b hold the same values, stamps,
// existence, creation time and kind: whether writing b over a changes
// anything.
func sameState(a, b *row) bool {
	return a.Values == b.Values && a.Stamps == b.Stamps && a.Ties == b.Ties &&
		a.Exists == b.Exists && a.ExistsStamp == b.ExistsStamp && a.ExistsTie == b.ExistsTie &&
		a.Created.Equal(b.Created) && a.kind == b.kind && a.kindStamp == b.kindStamp && a.kindTie == b.kindTie
}

// kindOrDefault returns kind, or KindMailbox when it is empty.
func kindOrDefault(kind string) string {
	if kind == "" {
		return mailcmd.KindMailbox
	}
	return kind
}
