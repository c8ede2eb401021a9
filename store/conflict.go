package store

import (
	"context"
	"database/sql"
)

// One address, one entry (README "One address, one entry"): when records
// of several divisions are live and active for one address, readers see
// only the one whose existence version is newest (equal versions: the
// division id that sorts first). The others stay stored and come back
// when the winner is deleted or deactivated. Records and Changes apply
// this rule, so every reader (the LDAP directory, dump) gets it for free.

// Conflict is one address that several divisions hold live and active.
type Conflict struct {
	Eml    string
	Winner string   // the division whose record is served
	Losers []string // the divisions whose records are not served, by id
}

// competes reports whether r takes part in the choice of an address's entry.
func competes(r *Record) bool { return r.Exists && r.Active() }

// beats reports whether r wins the address over s.
func beats(r, s *Record) bool {
	rv, sv := existsVersion(r), existsVersion(s)
	if rv != sv {
		return rv.after(sv)
	}
	return r.Division < s.Division
}

// markConflicts finds the addresses held by several competing records of
// recs, which must hold every record of those addresses, and marks each
// loser: Exists false, Conflict true. contested, when not nil, names the
// only addresses that can be in conflict (see contestedAddresses).
func markConflicts(recs []Record, contested map[string]bool) {
	best := make(map[string]int)
	seen := make(map[string]bool)
	for i := range recs {
		r := &recs[i]
		if !competes(r) || (contested != nil && !contested[r.Eml]) {
			continue
		}
		j, ok := best[r.Eml]
		if ok {
			seen[r.Eml] = true
		}
		if !ok || beats(r, &recs[j]) {
			best[r.Eml] = i
		}
	}
	for i := range recs {
		r := &recs[i]
		if seen[r.Eml] && competes(r) && best[r.Eml] != i {
			r.Exists, r.Conflict = false, true
		}
	}
}

// contestedSQL selects the addresses that several live, active records hold.
const contestedSQL = `SELECT eml FROM record WHERE live = 1 AND v_act <> '0' GROUP BY eml HAVING count(*) > 1`

// contestedAddresses returns the addresses that several live, active
// records hold: few, so that reading the whole store needs no map of them all.
func contestedAddresses(ctx context.Context, tx *sql.Tx) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, contestedSQL)
	if err != nil {
		return nil, wrapErr("find conflicts", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var eml string
		if err := rows.Scan(&eml); err != nil {
			return nil, wrapErr("find conflicts", err)
		}
		out[eml] = true
	}
	return out, wrapErr("find conflicts", rows.Err())
}

// Conflicts returns the addresses that several divisions hold live and
// active, ordered by address.
func (s *Store) Conflicts(ctx context.Context) ([]Conflict, error) {
	var out []Conflict
	err := s.read(ctx, "read conflicts", func(tx *sql.Tx) error {
		recs, err := scanRecords(ctx, tx, selectRecordSQL+` WHERE eml IN (`+contestedSQL+`) ORDER BY eml, division`)
		if err != nil {
			return err
		}
		markConflicts(recs, nil)
		by := map[string]int{}
		for i := range recs {
			r := &recs[i]
			if !r.Conflict && !competes(r) {
				continue
			}
			k, ok := by[r.Eml]
			if !ok {
				k = len(out)
				by[r.Eml] = k
				out = append(out, Conflict{Eml: r.Eml})
			}
			if r.Conflict {
				out[k].Losers = append(out[k].Losers, r.Division)
			} else {
				out[k].Winner = r.Division
			}
		}
		return nil
	})
	return out, err
}
