// Package store is the durable store of userdir (docs/protocol.md#meaning, docs/exit-codes.md): an SQLite
// database (modernc.org/sqlite, pure Go) holding one record per (division,
// eml) key, the journal of every message received, and a global change
// sequence that readers poll.
//
// Each field of a record, and its existence, carries the version of the
// command that last set it: the message's stamp (its RFC 5322 Date, as Unix
// nanoseconds), then a tie-breaker made of a digest of its Message-ID and
// the command's place in the message (Tie). A command sets a field only if
// its version is greater. So reordered, duplicated and delayed messages,
// equal Dates included, converge to the same directory.
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
// The sync safety net: a sync applies only when its body decoded cleanly,
// every line is valid, it lists a record and deletes at most
// Message.SyncMaxDelete; otherwise its transaction is rolled back and it is
// journaled OutcomeHeld and kept (held.go) until Release applies it at its
// own stamp. One address, one entry: Records and Changes read a record that
// another division's record beats for the same address as not existing
// (conflict.go), so every reader serves one entry per address.
//
// Retention: tombstones are purged Options.TombstoneDays (default 90) after
// they were recorded (not after their stamp). Messages of a division
// (applied, duplicate, held, no commands) stay in the journal at least
// TombstoneDays, so duplicate detection, which reads the journal, always
// remembers them that long; past that, those among the newest 100,000
// messages and none older than 365 days. Ignored mail has its own bound of
// 10,000 rows of bounded size and never pushes the others out. The purges
// run inside the transaction of each Apply and Ignore, through indexes. A
// journal entry keeps at most 1,000 rejected and 1,000 warned lines (its
// counts are always complete).
package store
