// Package store is the durable store of userdir (docs/protocol.md#meaning, docs/exit-codes.md): an SQLite
// database (modernc.org/sqlite, pure Go) holding one record per (division,
// eml) key, the journal of every message received, and a global change
// sequence that readers poll.
//
// Each field of a record, and its existence, carries the stamp (the
// message's RFC 5322 Date, as Unix nanoseconds) of the command that last
// set it; a command sets a field only if its stamp is not older. So
// reordered, duplicated and delayed messages converge to the same directory.
// A sync message also records a per-division, per-kind sync floor, which
// acts as a tombstone for every address the sync did not list. The pure
// rules are in apply.go, with why the floor is applied as a strict delete
// keyed by a kind that deletes do not clear (the literal wording of the original
// design does not converge); the SQL around them is in the other files.
//
// Store.Apply applies a whole message in one BEGIN IMMEDIATE transaction
// committed with synchronous=FULL, so nothing is acknowledged before it is
// durable. A database locked by another writer for longer than
// Options.BusyTimeout yields an error that satisfies errors.Is(err, ErrBusy).
// The database runs in WAL mode, so readers (Records, Changes, Seq) never
// wait for a writer.
//
// Retention: tombstones are purged Options.TombstoneDays (default 90) after
// their delete. The journal keeps the newest 100,000 messages, and none
// received more than 365 days ago, whichever is fewer; both purges run
// inside the transaction of each Apply and Ignore, through indexes. Duplicate
// detection reads the journal, so a Message-ID is remembered for as long as
// its journal entry is kept; a copy delivered after that is applied again,
// which the per-field stamps make harmless. A journal entry keeps at most
// 1,000 rejected and 1,000 warned lines (its counts are always complete).
package store
