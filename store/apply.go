package store

import (
	"time"

	"userdir/mailcmd"
)

// This file holds the per-field rules of docs/protocol.md#meaning, free of SQL: every
// function here changes a record in memory and nothing else.
//
// Every field and the existence of a record are last-writer-wins registers:
// a write carries a stamp and lands if it is not older than the register's.
// Such writes commute, so any arrival order of the same commands gives the
// same record. A sync must commute too; it does so as a write of its own:
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
// 0 when the kind was never synced.
type floors func(kind string) int64

// row is a record with the kind register syncs go by.
type row struct {
	Record
	kind      string // mailcmd.KindMailbox or mailcmd.KindAlias, as last named; "" while unknown
	kindStamp int64
}

// setField sets field f of r to v at stamp s, unless the field was set by a
// newer command. Equal stamps apply, so ties go to the later arrival.
func setField(r *Record, f mailcmd.Field, v string, s int64) {
	if s >= r.Stamps[f] {
		r.Values[f] = v
		r.Stamps[f] = s
	}
}

// setExists sets the existence of r at stamp s under the same rule as
// setField, and moves Created when the record comes into existence.
func setExists(r *Record, exists bool, s int64) {
	if s < r.ExistsStamp {
		return
	}
	if exists && !r.Exists {
		r.Created = time.Unix(0, s).UTC()
	}
	r.Exists = exists
	r.ExistsStamp = s
}

// learnKind sets the kind register of r to kind ("" meaning mailbox) at
// stamp s under the same rule.
func learnKind(r *row, kind string, s int64) {
	if s >= r.kindStamp {
		r.kind = kindOrDefault(kind)
		r.kindStamp = s
	}
}

// insertAt replaces the whole record at stamp s: every field is set, the
// ones the command lacks to "".
func insertAt(r *row, values *[mailcmd.NumFields]string, s int64) {
	for f := range mailcmd.NumFields {
		setField(&r.Record, f, values[f], s)
	}
	setExists(&r.Record, true, s)
	learnKind(r, values[mailcmd.FieldKind], s)
}

// updateAt sets the fields present in the command at stamp s and makes the
// record exist, creating it when its insert was lost.
func updateAt(r *row, values *[mailcmd.NumFields]string, present *[mailcmd.NumFields]bool, s int64) {
	for f := range mailcmd.NumFields {
		if present[f] {
			setField(&r.Record, f, values[f], s)
		}
	}
	setExists(&r.Record, true, s)
	if present[mailcmd.FieldKind] {
		learnKind(r, values[mailcmd.FieldKind], s)
	}
}

// deleteAt marks r gone at stamp s and empties every field the stamp may
// still change. The row stays as a tombstone.
func deleteAt(r *Record, s int64) {
	setExists(r, false, s)
	for f := range mailcmd.NumFields {
		setField(r, f, "", s)
	}
}

// floorDelete is the delete of a sync at stamp f: like deleteAt, but it
// writes only the registers strictly older than f.
func floorDelete(r *Record, f int64) {
	if r.ExistsStamp < f {
		setExists(r, false, f)
	}
	for fl := range mailcmd.NumFields {
		if r.Stamps[fl] < f {
			r.Values[fl], r.Stamps[fl] = "", f
		}
	}
}

// applyFloor applies the sync floor of r's kind, if the kind is known and
// was synced.
func applyFloor(r *row, floor floors) {
	if r.kind == "" || floor == nil {
		return
	}
	if f := floor(r.kind); f > 0 {
		floorDelete(&r.Record, f)
	}
}

// applyCommand applies one insert, update or delete at stamp s, then the
// sync floor of the row's kind. It reports false for any other op.
func applyCommand(r *row, c *mailcmd.Command, s int64, floor floors) bool {
	switch c.Op {
	case mailcmd.OpInsert:
		insertAt(r, &c.Values, s)
	case mailcmd.OpUpdate:
		updateAt(r, &c.Values, &c.Present, s)
	case mailcmd.OpDelete:
		deleteAt(&r.Record, s)
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
	return a.Values == b.Values && a.Stamps == b.Stamps &&
		a.Exists == b.Exists && a.ExistsStamp == b.ExistsStamp &&
		a.Created.Equal(b.Created) && a.kind == b.kind && a.kindStamp == b.kindStamp
}

// kindOrDefault returns kind, or KindMailbox when it is empty.
func kindOrDefault(kind string) string {
	if kind == "" {
		return mailcmd.KindMailbox
	}
	return kind
}
