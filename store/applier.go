package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"userdir/mailcmd"
)

// applyBatch is how many records an applier holds in memory before it
// writes them: a message of any size applies in bounded memory, inside its
// one transaction.
const applyBatch = 1024

// applier applies the commands of one message inside its transaction. It
// reads each record it needs once per batch, changes it in memory with the
// rules of apply.go, and writes back only the records that changed.
type applier struct {
	ctx      context.Context
	tx       *sql.Tx
	division string
	now      int64
	get      *sql.Stmt          // one record by key
	put      *sql.Stmt          // write a record; prepared on first use
	recs     map[string]*cached // by eml, this batch
	order    []string           // emls in the order first read, this batch
	floor    map[string]version // sync floor by kind
	scan     *rowScanner
	args     []any
	seq      int64 // the message's change sequence; 0 until a record changes
	written  int   // records written
	killed   int   // live records a sync's floor deleted
}

// cached is one record as read (orig) and as changed (cur).
type cached struct {
	orig, cur row
}

// runResult is what applier.run did.
type runResult struct {
	commands   int    // valid commands seen (a sync counts)
	applied    int    // commands applied
	syncKind   string // the kind synced; "" when the message is no sync
	force      bool   // the sync line has force=1
	listed     int    // records a sync listed
	liveBefore int    // live records of the synced kind before the sync
}

func newApplier(ctx context.Context, tx *sql.Tx, division string, now int64) (*applier, error) {
	get, err := tx.PrepareContext(ctx, selectRecordSQL+" WHERE division = ? AND eml = ?")
	if err != nil {
		return nil, wrapErr("prepare record read", err)
	}
	a := &applier{
		ctx: ctx, tx: tx, division: division, now: now, get: get,
		recs: make(map[string]*cached), floor: make(map[string]version), scan: newRowScanner(),
	}
	if err := a.loadFloors(); err != nil {
		get.Close()
		return nil, err
	}
	return a, nil
}

func (a *applier) close() {
	a.get.Close()
	if a.put != nil {
		a.put.Close()
	}
}

// floorOf returns F(division, kind).
func (a *applier) floorOf(kind string) version { return a.floor[kind] }

func (a *applier) loadFloors() error {
	rows, err := a.tx.QueryContext(a.ctx, `SELECT kind, stamp, tie FROM sync_floor WHERE division = ?`, a.division)
	if err != nil {
		return wrapErr("read sync floors", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var v version
		if err := rows.Scan(&kind, &v.stamp, &v.tie); err != nil {
			return wrapErr("read sync floors", err)
		}
		a.floor[kind] = v
	}
	return wrapErr("read sync floors", rows.Err())
}

// commandSource returns the commands of m one at a time with their place
// in the message: its Commands (the place is the index, from 1), or else
// those of a Stream over its Body (returned too, for its notes).
func commandSource(m *Message) (func() (mailcmd.Command, int, bool), *mailcmd.Stream) {
	if m.Commands != nil || m.Body == "" {
		i := 0
		return func() (mailcmd.Command, int, bool) {
			if i >= len(m.Commands) {
				return mailcmd.Command{}, 0, false
			}
			i++
			return m.Commands[i-1], i, true
		}, nil
	}
	st := mailcmd.NewStream(strings.NewReader(m.Body), m.Check)
	return func() (mailcmd.Command, int, bool) {
		c, ok := st.Next()
		return c, st.Place(), ok
	}, st
}

// run applies the commands from next at m's stamp, in batches. A first
// command OpSync makes the message a sync: its floor is raised first, and
// swept over the division's records of that kind at the end.
func (a *applier) run(m *Message, next func() (mailcmd.Command, int, bool)) (runResult, error) {
	var rr runResult
	s := m.Stamp.UnixNano()
	batch := make([]pendingCommand, 0, applyBatch)
	for c, place, ok := next(); ok; c, place, ok = next() {
		rr.commands++
		if c.Op == mailcmd.OpSync {
			if rr.commands == 1 { // a sync anywhere else means nothing
				if err := a.startSync(&rr, &c, version{s, Tie(m.MessageID, 0)}); err != nil {
					return rr, err
				}
				rr.applied++
			}
			continue
		}
		if rr.syncKind != "" {
			rr.listed++
		}
		batch = append(batch, pendingCommand{c, version{s, Tie(m.MessageID, place)}})
		if len(batch) == applyBatch {
			n, err := a.applyBatch(batch)
			if err != nil {
				return rr, err
			}
			rr.applied, batch = rr.applied+n, batch[:0]
		}
	}
	n, err := a.applyBatch(batch)
	if err != nil {
		return rr, err
	}
	rr.applied += n
	if rr.syncKind != "" {
		return rr, a.sweep(rr.syncKind)
	}
	return rr, nil
}

// pendingCommand is a command waiting in a batch, with its version.
type pendingCommand struct {
	c   mailcmd.Command
	ver version
}

// applyBatch reads the records of a batch of commands in a few queries,
// applies the commands in order and writes the records that changed.
func (a *applier) applyBatch(batch []pendingCommand) (int, error) {
	emls := make([]string, 0, len(batch))
	for i := range batch {
		emls = append(emls, batch[i].c.Eml)
	}
	if err := a.loadMany(emls); err != nil {
		return 0, err
	}
	n := 0
	for i := range batch {
		r, err := a.load(batch[i].c.Eml)
		if err != nil {
			return 0, err
		}
		n += boolInt(applyCommand(r, &batch[i].c, batch[i].ver, a.floorOf))
	}
	return n, a.flush()
}

// loadManyChunk is how many addresses one query of loadMany names.
const loadManyChunk = 256

// loadMany reads the records of emls that are not yet in the batch, a
// chunk of addresses per query; those missing come back empty.
func (a *applier) loadMany(emls []string) error {
	var want []any
	seen := make(map[string]bool, len(emls))
	for _, e := range emls {
		if _, ok := a.recs[e]; !ok && !seen[e] {
			seen[e] = true
			want = append(want, e)
		}
	}
	for len(want) > 0 {
		chunk := want[:min(len(want), loadManyChunk)]
		want = want[len(chunk):]
		if err := a.loadChunk(chunk); err != nil {
			return err
		}
	}
	for e := range seen {
		if _, ok := a.recs[e]; !ok {
			c := &cached{orig: row{Record: Record{Division: a.division, Eml: e}}}
			c.cur = c.orig
			a.add(c)
		}
	}
	return nil
}

// loadChunk reads the records of the addresses in chunk.
func (a *applier) loadChunk(chunk []any) error {
	q := selectRecordSQL + " WHERE division = ? AND eml IN (?" + strings.Repeat(", ?", len(chunk)-1) + ")"
	rows, err := a.tx.QueryContext(a.ctx, q, append([]any{a.division}, chunk...)...)
	if err != nil {
		return wrapErr("read records", err)
	}
	defer rows.Close()
	for rows.Next() {
		c := &cached{}
		if err := a.scan.scan(rows, &c.orig); err != nil {
			return wrapErr("read records", err)
		}
		c.cur = c.orig
		a.add(c)
	}
	return wrapErr("read records", rows.Err())
}

// startSync counts the live records of the synced kind and raises the sync
// floor F(division, kind) to fv.
func (a *applier) startSync(rr *runResult, c *mailcmd.Command, fv version) error {
	rr.syncKind, rr.force = kindOrDefault(c.Kind), c.Force
	err := a.tx.QueryRowContext(a.ctx, `SELECT count(*) FROM record WHERE division = ? AND kind = ? AND live = 1`,
		a.division, rr.syncKind).Scan(&rr.liveBefore)
	if err != nil {
		return wrapErr("count live records", err)
	}
	if !fv.after(a.floor[rr.syncKind]) {
		return nil
	}
	a.floor[rr.syncKind] = fv
	_, err = a.tx.ExecContext(a.ctx, `INSERT INTO sync_floor (division, kind, stamp, tie) VALUES (?, ?, ?, ?)
		ON CONFLICT (division, kind) DO UPDATE SET stamp = excluded.stamp, tie = excluded.tie`,
		a.division, rr.syncKind, fv.stamp, fv.tie)
	return wrapErr("write sync floor", err)
}

// sweep applies the sync floor to every record of the division of that
// kind, a page at a time: those the message listed are newer and stay; the
// others are deleted (see apply.go). a.killed counts the live ones deleted.
func (a *applier) sweep(kind string) error {
	after := ""
	for {
		n, last, err := a.sweepPage(kind, after)
		if err != nil || n < applyBatch {
			return err
		}
		if err := a.flush(); err != nil {
			return err
		}
		after = last
	}
}

// sweepPage reads up to applyBatch records of kind after eml after and
// applies the floor to them, then writes them.
func (a *applier) sweepPage(kind, after string) (int, string, error) {
	rows, err := a.tx.QueryContext(a.ctx, selectRecordSQL+
		" WHERE division = ? AND kind = ? AND eml > ? ORDER BY eml LIMIT ?", a.division, kind, after, applyBatch)
	if err != nil {
		return 0, "", wrapErr("read division", err)
	}
	n, last := 0, after
	for rows.Next() {
		c := &cached{}
		if err := a.scan.scan(rows, &c.orig); err != nil {
			rows.Close()
			return 0, "", wrapErr("read division", err)
		}
		c.cur = c.orig
		applyFloor(&c.cur, a.floorOf)
		a.killed += boolInt(c.orig.Exists && !c.cur.Exists)
		a.add(c)
		n, last = n+1, c.orig.Eml
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, "", wrapErr("read division", err)
	}
	return n, last, a.flush()
}

// load returns the record of eml, read once per batch; a missing record
// comes back empty, as never set.
func (a *applier) load(eml string) (*row, error) {
	if c, ok := a.recs[eml]; ok {
		return &c.cur, nil
	}
	c := &cached{orig: row{Record: Record{Division: a.division, Eml: eml}}}
	err := a.scan.scan(a.get.QueryRowContext(a.ctx, a.division, eml), &c.orig)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, wrapErr("read record", err)
	}
	c.cur = c.orig
	a.add(c)
	return &c.cur, nil
}

func (a *applier) add(c *cached) {
	a.recs[c.orig.Eml] = c
	a.order = append(a.order, c.orig.Eml)
}

// flush writes the records of the batch that changed, all with the
// message's one change sequence, and empties the batch. A record that
// became a tombstone, or was deleted again, is stamped with the time of
// recording (dead_at), from which its age counts.
func (a *applier) flush() error {
	defer a.reset()
	for _, eml := range a.order {
		c := a.recs[eml]
		if sameState(&c.orig, &c.cur) {
			continue
		}
		switch {
		case c.cur.Exists:
			c.cur.deadAt = 0
		case c.orig.Exists || existsVersion(&c.orig.Record) != existsVersion(&c.cur.Record):
			c.cur.deadAt = a.now
		}
		if err := a.write(&c.cur); err != nil {
			return err
		}
	}
	return nil
}

func (a *applier) reset() {
	clear(a.recs)
	a.order = a.order[:0]
}

// write writes r at the message's change sequence, taking one first.
func (a *applier) write(r *row) error {
	if a.seq == 0 {
		err := a.tx.QueryRowContext(a.ctx, `UPDATE meta SET seq = seq + 1 WHERE id = 1 RETURNING seq`).Scan(&a.seq)
		if err != nil {
			return wrapErr("bump change sequence", err)
		}
		if a.put, err = a.tx.PrepareContext(a.ctx, upsertRecordSQL); err != nil {
			return wrapErr("prepare record write", err)
		}
	}
	a.args = rowArgs(a.args, r, a.seq)
	if _, err := a.put.ExecContext(a.ctx, a.args...); err != nil {
		return wrapErr("write record", err)
	}
	a.written++
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
