-- 0001: the initial schema (docs/protocol.md#meaning, docs/exit-codes.md).

-- meta holds the global change sequence: one row, bumped once per
-- transaction that changes any record.
CREATE TABLE meta (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	seq INTEGER NOT NULL
);
INSERT INTO meta (id, seq) VALUES (1, 0);

-- record is one (division, eml) key. Every field has its value (v_*) and the
-- stamp, in Unix nanoseconds, of the command that last set it (s_*); the
-- existence likewise (live, live_stamp). A row with live = 0 is a tombstone.
-- kind is the record's kind as the last insert or typed update named it
-- (kind_stamp), '' while unknown; unlike v_type a delete leaves it, so that
-- syncs apply to a record in every arrival order (see apply.go).
-- The field columns follow store.Field order; store code builds its column
-- lists from the field keys, so keep the two in step.
CREATE TABLE record (
	division   TEXT    NOT NULL,
	eml        TEXT    NOT NULL,
	v_type     TEXT    NOT NULL DEFAULT '',
	s_type     INTEGER NOT NULL DEFAULT 0,
	v_name     TEXT    NOT NULL DEFAULT '',
	s_name     INTEGER NOT NULL DEFAULT 0,
	v_gor      TEXT    NOT NULL DEFAULT '',
	s_gor      INTEGER NOT NULL DEFAULT 0,
	v_mer      TEXT    NOT NULL DEFAULT '',
	s_mer      INTEGER NOT NULL DEFAULT 0,
	v_sot      TEXT    NOT NULL DEFAULT '',
	s_sot      INTEGER NOT NULL DEFAULT 0,
	v_of       TEXT    NOT NULL DEFAULT '',
	s_of       INTEGER NOT NULL DEFAULT 0,
	v_post     TEXT    NOT NULL DEFAULT '',
	s_post     INTEGER NOT NULL DEFAULT 0,
	v_sdiv     TEXT    NOT NULL DEFAULT '',
	s_sdiv     INTEGER NOT NULL DEFAULT 0,
	v_act      TEXT    NOT NULL DEFAULT '',
	s_act      INTEGER NOT NULL DEFAULT 0,
	v_vis      TEXT    NOT NULL DEFAULT '',
	s_vis      INTEGER NOT NULL DEFAULT 0,
	v_dst      TEXT    NOT NULL DEFAULT '',
	s_dst      INTEGER NOT NULL DEFAULT 0,
	live       INTEGER NOT NULL CHECK (live IN (0, 1)),
	live_stamp INTEGER NOT NULL,
	kind       TEXT    NOT NULL DEFAULT '',
	kind_stamp INTEGER NOT NULL DEFAULT 0,
	created    INTEGER NOT NULL DEFAULT 0,
	modified   INTEGER NOT NULL,
	seq        INTEGER NOT NULL,
	PRIMARY KEY (division, eml)
) WITHOUT ROWID;

-- Changes reads by sequence; the purge finds old tombstones.
CREATE INDEX record_seq ON record (seq);
CREATE INDEX record_tombstone ON record (live_stamp) WHERE live = 0;

-- sync_floor is F(division, kind): the newest stamp of a sync of that kind.
CREATE TABLE sync_floor (
	division TEXT    NOT NULL,
	kind     TEXT    NOT NULL,
	stamp    INTEGER NOT NULL,
	PRIMARY KEY (division, kind)
) WITHOUT ROWID;

-- journal has one row per message, whatever became of it. It never holds a
-- division code.
CREATE TABLE journal (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	received   INTEGER NOT NULL,
	division   TEXT    NOT NULL DEFAULT '',
	message_id TEXT    NOT NULL DEFAULT '',
	sender     TEXT    NOT NULL DEFAULT '',
	stamp      INTEGER NOT NULL DEFAULT 0,
	outcome    TEXT    NOT NULL,
	reason     TEXT    NOT NULL DEFAULT '',
	size       INTEGER NOT NULL DEFAULT 0,
	applied    INTEGER NOT NULL DEFAULT 0,
	rejected   INTEGER NOT NULL DEFAULT 0,
	warnings   INTEGER NOT NULL DEFAULT 0
);

-- The duplicate check: a Message-ID applied (or found empty) for a division.
CREATE INDEX journal_message ON journal (division, message_id)
	WHERE outcome IN ('applied', 'no-commands');
CREATE INDEX journal_received ON journal (received);
CREATE INDEX journal_division ON journal (division, received);

-- journal_note holds the rejected and warned lines of a journaled message.
CREATE TABLE journal_note (
	journal_id INTEGER NOT NULL REFERENCES journal (id) ON DELETE CASCADE,
	n          INTEGER NOT NULL,
	kind       TEXT    NOT NULL CHECK (kind IN ('reject', 'warning')),
	line       INTEGER NOT NULL,
	reason     TEXT    NOT NULL,
	text       TEXT    NOT NULL,
	PRIMARY KEY (journal_id, n)
) WITHOUT ROWID;
