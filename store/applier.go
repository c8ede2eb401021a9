package store

import (
	"context"
	"database/sql"
	"errors"

	"userdir/mailcmd"
)

// applier applies the commands of one message inside its transaction. It
// reads each record it needs once, changes it in memory with the rules of
// apply.go, and writes back only the records that changed.
type applier struct {
	ctx      context.Context
	tx       *sql.Tx
	division string
	get      *sql.Stmt          // one record by key
	recs     map[string]*cached // by eml
	order    []string           // emls in the order first read
	floor    map[string]int64   // sync floor by kind
	scan     *rowScanner
}

// cached is one record as read (orig) and as changed (cur).
type cached struct {
	orig, cur row
}

func newApplier(ctx context.Context, tx *sql.Tx, division string) (*applier, error) {
	get, err := tx.PrepareContext(ctx, selectRecordSQL+" WHERE division = ? AND eml = ?")
	if err != nil {
		return nil, wrapErr("prepare record read", err)
	}
	a := &applier{
		ctx: ctx, tx: tx, division: division, get: get,
		recs: make(map[string]*cached), floor: make(map[string]int64), scan: newRowScanner(),
	}
	if err := a.loadFloors(); err != nil {
		get.Close()
		return nil, err
	}
	return a, nil
}

func (a *applier) close() { a.get.Close() }

// floorOf returns F(division, kind).
func (a *applier) floorOf(kind string) int64 { return a.floor[kind] }

func (a *applier) loadFloors() error {
	rows, err := a.tx.QueryContext(a.ctx, `SELECT kind, stamp FROM sync_floor WHERE division = ?`, a.division)
	if err != nil {
		return wrapErr("read sync floors", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var stamp int64
		if err := rows.Scan(&kind, &stamp); err != nil {
			return wrapErr("read sync floors", err)
		}
		a.floor[kind] = stamp
	}
	return wrapErr("read sync floors", rows.Err())
}

// run applies the commands of m at its stamp and returns how many applied.
// A first command OpSync makes the message a sync (see sync).
func (a *applier) run(m *Message) (int, error) {
	s := m.Stamp.UnixNano()
	cmds := m.Commands
	syncKind := ""
	if cmds[0].Op == mailcmd.OpSync {
		syncKind = kindOrDefault(cmds[0].Kind)
		if err := a.loadDivision(); err != nil {
			return 0, err
		}
	}
	n := 0
	for i := range cmds {
		c := &cmds[i]
		if c.Op == mailcmd.OpSync {
			n += boolInt(i == 0) // a sync anywhere else means nothing
			continue
		}
		r, err := a.load(c.Eml)
		if err != nil {
			return 0, err
		}
		n += boolInt(applyCommand(r, c, s, a.floorOf))
	}
	if syncKind != "" {
		return n, a.sync(syncKind, s)
	}
	return n, nil
}

// sync raises the sync floor F(division, kind) to s and applies it to every
// record of the division of that kind: those the message listed are at
// least s already and stay; the others are deleted (see apply.go).
func (a *applier) sync(kind string, s int64) error {
	if s > a.floor[kind] {
		a.floor[kind] = s
		_, err := a.tx.ExecContext(a.ctx, `INSERT INTO sync_floor (division, kind, stamp) VALUES (?, ?, ?)
			ON CONFLICT (division, kind) DO UPDATE SET stamp = max(stamp, excluded.stamp)`, a.division, kind, s)
		if err != nil {
			return wrapErr("write sync floor", err)
		}
	}
	// applyFloor is idempotent: only the records of this kind can change.
	for _, eml := range a.order {
		applyFloor(&a.recs[eml].cur, a.floorOf)
	}
	return nil
}

// load returns the record of eml, read once per message; a missing record
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

// loadDivision reads every record of the division, as a sync needs them all.
func (a *applier) loadDivision() error {
	rows, err := a.tx.QueryContext(a.ctx, selectRecordSQL+" WHERE division = ?", a.division)
	if err != nil {
		return wrapErr("read division", err)
	}
	defer rows.Close()
	for rows.Next() {
		c := &cached{}
		if err := a.scan.scan(rows, &c.orig); err != nil {
			return wrapErr("read division", err)
		}
		c.cur = c.orig
		a.add(c)
	}
	return wrapErr("read division", rows.Err())
}

// flush writes the records that changed, all with one new change sequence.
// It returns how many it wrote and that sequence (0 when none changed).
func (a *applier) flush() (int, int64, error) {
	var changed []*row
	for _, eml := range a.order {
		if c := a.recs[eml]; !sameState(&c.orig, &c.cur) {
			changed = append(changed, &c.cur)
		}
	}
	if len(changed) == 0 {
		return 0, 0, nil
	}
	var seq int64
	err := a.tx.QueryRowContext(a.ctx, `UPDATE meta SET seq = seq + 1 WHERE id = 1 RETURNING seq`).Scan(&seq)
	if err != nil {
		return 0, 0, wrapErr("bump change sequence", err)
	}
	put, err := a.tx.PrepareContext(a.ctx, upsertRecordSQL)
	if err != nil {
		return 0, 0, wrapErr("prepare record write", err)
	}
	defer put.Close()
	args := make([]any, 0, numRecordColumns)
	for _, r := range changed {
		args = rowArgs(args, r, seq)
		if _, err := put.ExecContext(a.ctx, args...); err != nil {
			return 0, 0, wrapErr("write record", err)
		}
	}
	return len(changed), seq, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
