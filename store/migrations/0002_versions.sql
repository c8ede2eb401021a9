-- 0002: versions, the sync safety net, conflicts and retention (docs: the
-- README's "What the centre does with a message").

-- A field's version is (stamp, Message-ID, line): ties holds, for every
-- field in Field order and then for the existence and the kind, the
-- tie-breaker of the command that set it (a digest of its Message-ID
-- followed by its place in the message), as 13 big-endian int64s; empty
-- means all zero. So commands with equal stamps resolve the same way in any
-- arrival order. One blob, not 13 columns: reading 100,000 records stays cheap.
ALTER TABLE record ADD COLUMN ties BLOB NOT NULL DEFAULT x'';

-- dead_at is when a tombstone was recorded (Unix nanoseconds): its age
-- counts from then, not from its stamp. Existing tombstones keep their stamp.
ALTER TABLE record ADD COLUMN dead_at INTEGER NOT NULL DEFAULT 0;
UPDATE record SET dead_at = live_stamp WHERE live = 0;
DROP INDEX record_tombstone;
CREATE INDEX record_dead ON record (dead_at) WHERE live = 0;

-- One address, one entry: every division's record of an address.
CREATE INDEX record_eml ON record (eml);

ALTER TABLE sync_floor ADD COLUMN tie INTEGER NOT NULL DEFAULT 0;

-- would_delete is what a held sync would have deleted.
ALTER TABLE journal ADD COLUMN would_delete INTEGER NOT NULL DEFAULT 0;

-- Ignored mail has its own, smaller retention; this finds it.
CREATE INDEX journal_ignored ON journal (id)
	WHERE outcome IN ('unknown-code', 'bad-sender', 'too-large', 'unparsable');

-- held keeps the body of each held sync until it is released (or a newer
-- sync of its division and kind makes it moot).
CREATE TABLE held (
	division     TEXT    NOT NULL,
	message_id   TEXT    NOT NULL,
	kind         TEXT    NOT NULL,
	stamp        INTEGER NOT NULL,
	received     INTEGER NOT NULL,
	sender       TEXT    NOT NULL DEFAULT '',
	reason       TEXT    NOT NULL,
	would_delete INTEGER NOT NULL DEFAULT 0,
	body         TEXT    NOT NULL,
	PRIMARY KEY (division, message_id)
) WITHOUT ROWID;
