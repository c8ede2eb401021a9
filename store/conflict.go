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
// loser: Exists false, Conflict true.
func markConflicts(recs []Record) {
	best := make(map[string]int)
	seen := make(map[string]bool)
	for i := range recs {
		r := &recs[i]
		if !competes(r) {
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

// dropLosers removes the records markConflicts marked, in place.
func dropLosers(recs []Record) []Record {
	out := recs[:0]
	for _, r := range recs {
		if !r.Conflict {
			out = append(out, r)
		}
	}
	return out
}

// Conflicts returns the addresses that several divisions hold live and
// active, ordered by address.
func (s *Store) Conflicts(ctx context.Context) ([]Conflict, error) {
	var out []Conflict
	err := s.read(ctx, "read conflicts", func(tx *sql.Tx) error {
		recs, err := scanRecords(ctx, tx, selectRecordSQL+` WHERE eml IN (
			SELECT eml FROM record WHERE live = 1 AND v_act <> '0' GROUP BY eml HAVING count(*) > 1)
			ORDER BY eml, division`)
		if err != nil {
			return err
		}
		markConflicts(recs)
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
