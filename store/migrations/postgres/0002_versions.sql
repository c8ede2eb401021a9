-- 0002 (PostgreSQL): versions, the sync safety net, conflicts and
-- retention, as migrations/0002_versions.sql for SQLite.

-- A field's version is (stamp, Message-ID, line): t_* (and live_tie,
-- kind_tie) hold the tie-breaker of the command that set the field, a
-- digest of its Message-ID followed by its place in the message, so that
-- commands with equal stamps resolve the same way in any arrival order.
ALTER TABLE record ADD COLUMN t_type BIGINT NOT NULL DEFAULT 0;
ALTER TABLE record ADD COLUMN t_name BIGINT NOT NULL DEFAULT 0;
ALTER TABLE record ADD COLUMN t_gor  BIGINT NOT NULL DEFAULT 0;
ALTER TABLE record ADD COLUMN t_mer  BIGINT NOT NULL DEFAULT 0;
ALTER TABLE record ADD COLUMN t_sot  BIGINT NOT NULL DEFAULT 0;
ALTER TABLE record ADD COLUMN t_of   BIGINT NOT NULL DEFAULT 0;
ALTER TABLE record ADD COLUMN t_post BIGINT NOT NULL DEFAULT 0;
ALTER TABLE record ADD COLUMN t_sdiv BIGINT NOT NULL DEFAULT 0;
ALTER TABLE record ADD COLUMN t_act  BIGINT NOT NULL DEFAULT 0;
ALTER TABLE record ADD COLUMN t_vis  BIGINT NOT NULL DEFAULT 0;
ALTER TABLE record ADD COLUMN t_dst  BIGINT NOT NULL DEFAULT 0;
ALTER TABLE record ADD COLUMN live_tie BIGINT NOT NULL DEFAULT 0;
ALTER TABLE record ADD COLUMN kind_tie BIGINT NOT NULL DEFAULT 0;

-- dead_at is when a tombstone was recorded (Unix nanoseconds): its age
-- counts from then, not from its stamp. Existing tombstones keep their stamp.
ALTER TABLE record ADD COLUMN dead_at BIGINT NOT NULL DEFAULT 0;
UPDATE record SET dead_at = live_stamp WHERE live = 0;
DROP INDEX record_tombstone;
CREATE INDEX record_dead ON record (dead_at) WHERE live = 0;

-- One address, one entry: every division's record of an address.
CREATE INDEX record_eml ON record (eml);

ALTER TABLE sync_floor ADD COLUMN tie BIGINT NOT NULL DEFAULT 0;

-- would_delete is what a held sync would have deleted.
ALTER TABLE journal ADD COLUMN would_delete BIGINT NOT NULL DEFAULT 0;

-- Ignored mail has its own, smaller retention; this finds it.
CREATE INDEX journal_ignored ON journal (id)
	WHERE outcome IN ('unknown-code', 'bad-sender', 'too-large', 'unparsable');

-- held keeps the body of each held sync until it is released (or a newer
-- sync of its division and kind makes it moot).
CREATE TABLE held (
	division     TEXT    COLLATE "C" NOT NULL,
	message_id   TEXT    COLLATE "C" NOT NULL,
	kind         TEXT    NOT NULL,
	stamp        BIGINT NOT NULL,
	received     BIGINT NOT NULL,
	sender       TEXT    NOT NULL DEFAULT '',
	reason       TEXT    NOT NULL,
	would_delete BIGINT NOT NULL DEFAULT 0,
	body         TEXT    NOT NULL,
	PRIMARY KEY (division, message_id)
);
