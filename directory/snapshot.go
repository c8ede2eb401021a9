package directory

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"userdir/schema"
	"userdir/store"
)

// Snapshot is an immutable view of the directory: a base of items with
// indexes, and an overlay of the few items that changed since the base was
// built (kept small; folded into a new base when it grows or goes quiet).
// Ids below len(items) are base items, the others overlay items.
type Snapshot struct {
	seq      int64
	items    []*item // suffix, divisions, then persons grouped by division
	byDN     map[string]int32
	byKey    map[string]int32
	divRange map[int32][2]int32 // division item id → [lo, hi) of its persons
	divID    map[string]int32   // division id → its item id
	seenBy   []uint8            // per base id: which roles see it (roleBits), kept apart from the entries for the cache
	ix       *indexes

	masked   []uint64 // base ids superseded by the overlay; nil when there is none
	extra    []*item
	extraDN  map[string]int32 // NormDN → index in extra
	extraKey map[string]int32
	xix      *indexes // indexes of extra, by index in extra
}

// Seq returns the store change sequence the snapshot reflects.
func (s *Snapshot) Seq() int64 { return s.seq }

// Len returns the number of entries in the snapshot.
func (s *Snapshot) Len() int { return len(s.items) - s.maskedCount() + len(s.extra) }

func (s *Snapshot) maskedCount() int {
	n := 0
	for id := range s.items {
		if s.isMasked(int32(id)) {
			n++
		}
	}
	return n
}

func (s *Snapshot) size() int { return len(s.items) + len(s.extra) }

func (s *Snapshot) get(id int32) *item {
	if int(id) < len(s.items) {
		return s.items[id]
	}
	return s.extra[int(id)-len(s.items)]
}

func (s *Snapshot) isMasked(id int32) bool {
	return s.masked != nil && int(id) < len(s.items) && s.masked[id>>6]&(1<<(id&63)) != 0
}

// roleBits says which roles see e: bit 0 book and reader, bit 1 mta.
func roleBits(e *schema.Entry) uint8 {
	var b uint8
	if schema.RoleBook.Sees(e) {
		b |= 1
	}
	if schema.RoleMTA.Sees(e) {
		b |= 2
	}
	return b
}

// sees reports whether role sees the entry with the given id, without
// touching the entry for base ids.
func (s *Snapshot) sees(id int32, role schema.Role) bool {
	if int(id) >= len(s.items) || role == schema.RoleAll {
		return role.Sees(s.get(id).entry)
	}
	switch role {
	case schema.RoleBook, schema.RoleReader:
		return s.seenBy[id]&1 != 0
	case schema.RoleMTA:
		return s.seenBy[id]&2 != 0
	}
	return false
}

// lookupDN returns the id of the entry with normalized DN ndn.
func (s *Snapshot) lookupDN(ndn string) (int32, bool) {
	if i, ok := s.extraDN[ndn]; ok {
		return int32(len(s.items)) + i, true
	}
	id, ok := s.byDN[ndn]
	if !ok || s.isMasked(id) {
		return 0, false
	}
	return id, true
}

// errUnconfigured marks a record whose division is not in the configuration.
var errUnconfigured = errors.New("division is not configured")

// personItem maps a record to an item. It returns nil and no error for
// records that are never served (tombstones and inactive records).
func personItem(m *schema.Mapper, enc Encoder, divID map[string]int32, r *store.Record) (*item, error) {
	if !r.Exists || !r.Active() {
		return nil, nil
	}
	div, ok := divID[r.Division]
	if !ok {
		return nil, fmt.Errorf("record %s/%s: %w", r.Division, r.Eml, errUnconfigured)
	}
	e, err := m.Entry(r)
	if err != nil {
		return nil, fmt.Errorf("record %s/%s: %w", r.Division, r.Eml, err)
	}
	return newItem(enc, e, recordKey(r.Division, r.Eml), div), nil
}

// skeleton returns the suffix and division items and the division ids by division id.
func skeleton(m *schema.Mapper, enc Encoder) ([]*item, map[string]int32) {
	items := []*item{newItem(enc, m.SuffixEntry(), "", -1)}
	divID := make(map[string]int32)
	for _, e := range m.DivisionEntries() {
		id := int32(len(items))
		items = append(items, newItem(enc, e, "", id))
		divID[e.Division] = id
	}
	return items, divID
}

// buildSnapshot maps every record and builds the base and its indexes.
func buildSnapshot(m *schema.Mapper, enc Encoder, recs []store.Record, seq int64, log *slog.Logger) *Snapshot {
	skel, divID := skeleton(m, enc)
	persons := make([]*item, 0, len(recs))
	skipped := 0
	for i := range recs {
		it, err := personItem(m, enc, divID, &recs[i])
		if err != nil {
			skipped++
			log.Debug("record not served", "err", err)
		}
		if it != nil {
			persons = append(persons, it)
		}
	}
	if skipped > 0 {
		log.Warn("records not served: their division is not configured or they do not map", "records", skipped)
	}
	return assemble(skel, persons, seq)
}

// assemble sorts persons into division order and builds the base.
func assemble(skel []*item, persons []*item, seq int64) *Snapshot {
	slices.SortFunc(persons, func(a, b *item) int {
		if c := cmp.Compare(a.div, b.div); c != 0 {
			return c
		}
		return cmp.Compare(a.key, b.key)
	})
	items := make([]*item, 0, len(skel)+len(persons))
	items = append(items, skel...)
	items = append(items, persons...)
	s := &Snapshot{
		seq:      seq,
		items:    items,
		byDN:     make(map[string]int32, len(items)),
		byKey:    make(map[string]int32, len(persons)),
		divRange: make(map[int32][2]int32),
		divID:    make(map[string]int32),
	}
	s.seenBy = make([]uint8, len(items))
	for id, it := range items {
		s.seenBy[id] = roleBits(it.entry)
		if it.key == "" && it.entry.Division != "" {
			s.divID[it.entry.Division] = int32(id)
		}
		s.byDN[it.entry.NormDN] = int32(id)
		if it.key != "" {
			s.byKey[it.key] = int32(id)
		}
	}
	for i := len(skel); i < len(items); {
		j := i
		for j < len(items) && items[j].div == items[i].div {
			j++
		}
		s.divRange[items[i].div] = [2]int32{int32(i), int32(j)}
		i = j
	}
	s.ix = buildIndexes(items)
	return s
}

// withChanges returns a snapshot that adds changed records to s's overlay.
func (s *Snapshot) withChanges(m *schema.Mapper, enc Encoder, changes []store.Record, seq int64, log *slog.Logger) *Snapshot {
	n := *s
	n.seq = seq
	n.masked = make([]uint64, (len(s.items)+63)/64)
	if s.masked != nil {
		copy(n.masked, s.masked)
	}
	extra := make(map[string]*item, len(s.extra)+len(changes))
	for _, it := range s.extra {
		extra[it.key] = it
	}
	for i := range changes {
		r := &changes[i]
		key := recordKey(r.Division, r.Eml)
		if id, ok := s.byKey[key]; ok {
			n.masked[id>>6] |= 1 << (id & 63)
		}
		delete(extra, key)
		it, err := personItem(m, enc, s.divID, r)
		if err != nil {
			log.Warn("record not served", "err", err)
		}
		if it != nil {
			extra[key] = it
		}
	}
	n.extra = make([]*item, 0, len(extra))
	for _, it := range extra {
		n.extra = append(n.extra, it)
	}
	slices.SortFunc(n.extra, func(a, b *item) int { return cmp.Compare(a.key, b.key) })
	n.extraDN = make(map[string]int32, len(n.extra))
	n.extraKey = make(map[string]int32, len(n.extra))
	for i, it := range n.extra {
		n.extraDN[it.entry.NormDN] = int32(i)
		n.extraKey[it.key] = int32(i)
	}
	n.xix = buildIndexes(n.extra)
	return &n
}

// compact folds the overlay into a new base, reusing every item.
func (s *Snapshot) compact() *Snapshot {
	if s.masked == nil && len(s.extra) == 0 {
		return s
	}
	skelLen := 1
	for skelLen < len(s.items) && s.items[skelLen].key == "" {
		skelLen++
	}
	persons := make([]*item, 0, len(s.items)+len(s.extra))
	for id := skelLen; id < len(s.items); id++ {
		if !s.isMasked(int32(id)) {
			persons = append(persons, s.items[id])
		}
	}
	persons = append(persons, s.extra...)
	return assemble(s.items[:skelLen], persons, s.seq)
}
