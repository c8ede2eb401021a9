package directory

import (
	"slices"

	"userdir/schema"
)

// plan is the candidate set of a filter: either every entry in scope, or
// the union of lists of base ids (which may repeat an id). Overlay items
// are always candidates, whatever the plan.
type plan struct {
	all   bool
	lists [][]int32
}

var scanAll = plan{all: true}

func (p plan) size() int {
	n := 0
	for _, l := range p.lists {
		n += len(l)
	}
	return n
}

// planFilter chooses index lookups for f. It never decides a match: every
// candidate is still checked with the compiled filter. Intersections of
// posting lists are written into *arena, which the caller may reuse once
// it is done with the plan.
func (ix *indexes) planFilter(f schema.Filter, arena *[]int32) plan {
	p := planner{indexes: ix, arena: arena}
	return p.plan(f)
}

// planner plans one filter, remembering gram lookups: clients ask for the
// same digits in telephoneNumber and mobile, which share one index.
type planner struct {
	*indexes
	memo  []gramAnswer
	arena *[]int32
}

type gramAnswer struct {
	g     *gramIndex
	piece string
	ids   []int32
	ok    bool
}

func (ix *planner) grams(g *gramIndex, piece string) ([]int32, bool) {
	for _, a := range ix.memo {
		if a.g == g && a.piece == piece {
			return a.ids, a.ok
		}
	}
	ids, ok := g.lookup(piece, ix.arena)
	ix.memo = append(ix.memo, gramAnswer{g, piece, ids, ok})
	return ids, ok
}

func (ix *planner) plan(f schema.Filter) plan {
	switch f := f.(type) {
	case schema.And:
		return ix.planAnd(f)
	case schema.Or:
		return ix.planOr(f)
	case schema.Equality:
		return ix.planEquality(f.Attr, f.Value)
	case schema.Substrings:
		return ix.planSubstrings(f)
	case schema.GreaterOrEqual:
		return ix.planOrdering(f.Attr, f.Value, true)
	case schema.LessOrEqual:
		return ix.planOrdering(f.Attr, f.Value, false)
	case schema.Present, schema.Approx:
		if attrOf(f) == nil {
			return plan{} // an unknown attribute matches nothing
		}
	}
	return scanAll
}

func attrOf(f schema.Filter) *schema.AttributeType {
	switch f := f.(type) {
	case schema.Present:
		return schema.LookupAttribute(f.Attr)
	case schema.Approx:
		return schema.LookupAttribute(f.Attr)
	}
	return nil
}

func (ix *planner) planAnd(f schema.And) plan {
	best := scanAll
	for _, c := range f {
		p := ix.plan(c)
		if !p.all && (best.all || p.size() < best.size()) {
			best = p
		}
	}
	return best
}

// planOr unites its members' candidates. The same list twice (the phone
// attributes share one gram index) is visited once.
func (ix *planner) planOr(f schema.Or) plan {
	var out plan
	for _, c := range f {
		p := ix.plan(c)
		if p.all {
			return scanAll
		}
		for _, l := range p.lists {
			if !slices.ContainsFunc(out.lists, func(have []int32) bool { return sameList(have, l) }) {
				out.lists = append(out.lists, l)
			}
		}
	}
	return out
}

// sameList reports whether a and b are the same slice of the same array.
func sameList(a, b []int32) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func (ix *planner) planEquality(attr, value string) plan {
	t := schema.LookupAttribute(attr)
	if t == nil {
		return plan{}
	}
	if t.Equality == nil {
		return plan{}
	}
	norm, ok := t.Equality.Normalize(value)
	if !ok {
		return plan{}
	}
	if sx := ix.sorted[t]; sx != nil {
		return plan{lists: [][]int32{sx.equal(norm)}}
	}
	if slices.Contains(phoneAttrs, t) {
		return plan{lists: [][]int32{ix.phone.equal(norm)}}
	}
	return scanAll
}

func (ix *planner) planSubstrings(f schema.Substrings) plan {
	t := schema.LookupAttribute(f.Attr)
	if t == nil || t.Substr == nil {
		return plan{}
	}
	best := scanAll
	consider := func(ids []int32) {
		if best.all || len(ids) < best.size() {
			best = plan{lists: [][]int32{ids}}
		}
	}
	if vx := ix.values[t]; vx != nil {
		return ix.planValues(vx, t, f)
	}
	g := ix.gramsFor(t)
	pieces := make([]string, 0, len(f.Any)+2)
	pieces = append(pieces, f.Any...)
	pieces = append(pieces, f.Initial, f.Final)
	for i, p := range pieces {
		if p == "" {
			continue
		}
		norm, ok := t.Substr.Normalize(p)
		if !ok {
			return plan{}
		}
		if norm == "" {
			continue
		}
		if i == len(pieces)-2 { // initial
			if sx := ix.sorted[t]; sx != nil {
				consider(sx.prefix(norm))
			}
		}
		if g != nil {
			if ids, ok := ix.grams(g, norm); ok {
				consider(ids)
			}
		}
	}
	return best
}

// planValues plans a substring item on an attribute with a valueIndex:
// the entries of every distinct value that contains all its pieces.
func (ix *planner) planValues(vx *valueIndex, t *schema.AttributeType, f schema.Substrings) plan {
	var pieces []string
	for _, p := range append([]string{f.Initial, f.Final}, f.Any...) {
		if p == "" {
			continue
		}
		norm, ok := t.Substr.Normalize(p)
		if !ok {
			return plan{}
		}
		if norm != "" {
			pieces = append(pieces, norm)
		}
	}
	if len(pieces) == 0 {
		return scanAll
	}
	return plan{lists: vx.containing(pieces)}
}

func (ix *planner) planOrdering(attr, value string, atLeast bool) plan {
	t := schema.LookupAttribute(attr)
	if t == nil {
		return plan{}
	}
	sx := ix.sorted[t]
	if sx == nil || t.Ordering == nil {
		return scanAll
	}
	norm, ok := t.Ordering.Normalize(value)
	if !ok {
		return plan{}
	}
	if atLeast {
		return plan{lists: [][]int32{sx.atLeast(norm)}}
	}
	return plan{lists: [][]int32{sx.atMost(norm)}}
}
