package directory

import (
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"userdir/schema"
)

// sortedIndex maps the normalized values of one attribute to entry ids,
// sorted by value: equality, prefix and ordering lookups are ranges.
type sortedIndex struct {
	keys []string
	ids  []int32
}

type keyID struct {
	key string
	id  int32
}

func newSortedIndex(pairs []keyID) *sortedIndex {
	slices.SortFunc(pairs, func(a, b keyID) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return int(a.id - b.id)
	})
	ix := &sortedIndex{keys: make([]string, len(pairs)), ids: make([]int32, len(pairs))}
	for i, p := range pairs {
		ix.keys[i], ix.ids[i] = p.key, p.id
	}
	return ix
}

// equal returns the ids whose value is v.
func (ix *sortedIndex) equal(v string) []int32 {
	lo := sort.SearchStrings(ix.keys, v)
	hi := lo
	for hi < len(ix.keys) && ix.keys[hi] == v {
		hi++
	}
	return ix.ids[lo:hi]
}

// prefix returns the ids whose value starts with p.
func (ix *sortedIndex) prefix(p string) []int32 {
	lo := sort.SearchStrings(ix.keys, p)
	hi := lo + sort.Search(len(ix.keys)-lo, func(i int) bool { return !strings.HasPrefix(ix.keys[lo+i], p) })
	return ix.ids[lo:hi]
}

// atLeast returns the ids whose value is >= v; atMost those <= v.
func (ix *sortedIndex) atLeast(v string) []int32 { return ix.ids[sort.SearchStrings(ix.keys, v):] }

func (ix *sortedIndex) atMost(v string) []int32 {
	hi := sort.Search(len(ix.keys), func(i int) bool { return ix.keys[i] > v })
	return ix.ids[:hi]
}

// gramIndex is an n-gram index over the normalized values of a group of
// attributes: for each gram, the ids of the entries with that gram
// somewhere in those values, each once, in id order. Grams are packed into
// uint64 keys (see gramKeys); the posting lists share one arena, filled in
// two passes (count, then place) so that it has no slack.
type gramIndex struct {
	sizes []int // gram lengths: runes for text, digits for phones
	lists map[uint64]span
	arena []int32
}

type span struct{ off, n, last int32 }

func newGramIndex(sizes ...int) *gramIndex {
	return &gramIndex{sizes: sizes, lists: make(map[uint64]span)}
}

// gramKeys calls fn with the key of every gram of v of each size in sizes.
// A key packs up to three runes of 21 bits and the gram length.
func gramKeys(v string, sizes []int, fn func(uint64)) {
	var window [4]uint64
	count := 0
	for _, r := range v {
		window[0], window[1], window[2], window[3] = window[1], window[2], window[3], uint64(r)
		count++
		for _, n := range sizes {
			if count >= n {
				fn(packGram(window[4-n:]))
			}
		}
	}
}

// packGram packs a gram into a key: digits (4-grams) in 4 bits each, text
// runes in 20 bits each (a rune beyond that range only costs extra
// candidates), and the gram length in the top three bits.
func packGram(runes []uint64) uint64 {
	var k uint64
	for _, r := range runes {
		if len(runes) == 4 {
			k = k<<4 | (r-'0')&0xf
		} else {
			k = k<<20 | r&0xfffff
		}
	}
	return k | uint64(len(runes))<<61
}

// count is the first pass: it counts entry id's grams of values.
func (g *gramIndex) count(id int32, values []string) {
	for _, v := range values {
		gramKeys(v, g.sizes, func(k uint64) {
			s, ok := g.lists[k]
			if !ok {
				s.last = -1
			}
			if s.last != id {
				s.n++
				s.last = id
			}
			g.lists[k] = s
		})
	}
}

// allocate lays the lists out in the arena after counting.
func (g *gramIndex) allocate() {
	total := int32(0)
	for k, s := range g.lists {
		s.off, total = total, total+s.n
		s.n, s.last = 0, -1
		g.lists[k] = s
	}
	g.arena = make([]int32, total)
}

// place is the second pass: it records id under its grams.
func (g *gramIndex) place(id int32, values []string) {
	for _, v := range values {
		gramKeys(v, g.sizes, func(k uint64) {
			s := g.lists[k]
			if s.last != id {
				g.arena[s.off+s.n] = id
				s.n++
				s.last = id
				g.lists[k] = s
			}
		})
	}
}

// lookup returns the candidates for a value containing piece: the
// intersection of the posting lists of its grams (lists are in id order,
// so this is a merge that never touches an entry), written into *arena. ok
// is false when piece is shorter than every gram.
func (g *gramIndex) lookup(piece string, arena *[]int32) (ids []int32, ok bool) {
	runes := utf8.RuneCountInString(piece)
	n := 0
	for _, k := range g.sizes {
		if k <= runes && k > n {
			n = k
		}
	}
	if n == 0 {
		return nil, false
	}
	var buf [16][]int32
	lists := buf[:0]
	forGrams(piece, n, func(k uint64) {
		s := g.lists[k]
		lists = append(lists, g.arena[s.off:s.off+s.n])
	})
	slices.SortFunc(lists, func(a, b []int32) int { return len(a) - len(b) })
	ids = lists[0]
	for _, l := range lists[1:] {
		if len(ids) <= 8 {
			break // few enough: checking them is cheaper than merging more
		}
		start := len(*arena)
		*arena = intersect(*arena, ids, l)
		ids = (*arena)[start:]
	}
	return ids, true
}

// forGrams calls fn with the key of every n-gram of v.
func forGrams(v string, n int, fn func(uint64)) {
	sizes := [1]int{n}
	gramKeys(v, sizes[:], fn)
}

// intersect appends to out the ids in both sorted lists.
func intersect(out, a, b []int32) []int32 {
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// phoneIndex finds phone numbers by the equality rule of docs/directory.md#matching: numbers
// of six or more digits by their last six digits, shorter ones exactly.
type phoneIndex struct {
	ids map[uint32][]int32
}

// phoneKey is the last six digits as a number, with the digit count (up to
// six) in the high bits so that "0123" and "123" differ.
func phoneKey(digits string) uint32 {
	if len(digits) > 6 {
		digits = digits[len(digits)-6:]
	}
	k := uint32(len(digits)) << 24
	var n uint32
	for i := 0; i < len(digits); i++ {
		n = n*10 + uint32(digits[i]-'0')
	}
	return k | n
}

func (p *phoneIndex) add(id int32, digits string) {
	k := phoneKey(digits)
	list := p.ids[k]
	if len(list) > 0 && list[len(list)-1] == id {
		return
	}
	p.ids[k] = append(list, id)
}

// addPhones indexes every phone value of e for equality. It must not use
// the gram group's values: appendDistinct drops a value contained in
// another, and an extension (1104) is often the tail of the entry's city
// number (+7 (3462) 24-11-04), yet it must be found by itself.
func addPhones(p *phoneIndex, id int32, e *schema.Entry) {
	for _, a := range e.Attrs {
		if slices.Contains(phoneAttrs, a.Type) {
			for _, n := range a.Norm() {
				if n != "" {
					p.add(id, n)
				}
			}
		}
	}
}

func (p *phoneIndex) equal(digits string) []int32 {
	if digits == "" {
		return nil
	}
	return p.ids[phoneKey(digits)]
}

// indexes are the lookup structures of a snapshot's base.
type indexes struct {
	sorted map[*schema.AttributeType]*sortedIndex
	names  *gramIndex // cn, sn, givenName, displayName
	mail   *gramIndex
	phones *gramIndex // telephoneNumber, ipPhone, mobile (digits)
	phone  *phoneIndex
	values map[*schema.AttributeType]*valueIndex // o, ou, title: few distinct values
}

// valueIndex maps each distinct normalized value of an attribute that
// entries share (division, department, title) to the ids that hold it. A
// substring search looks through the distinct values, not the entries:
// Thunderbird's address-book search ORs o, ou and title into every search.
type valueIndex struct {
	vals []string
	ids  [][]int32
	pos  map[string]int
}

func (v *valueIndex) add(id int32, val string) {
	i, ok := v.pos[val]
	if !ok {
		i = len(v.vals)
		v.pos[val] = i
		v.vals = append(v.vals, val)
		v.ids = append(v.ids, nil)
	}
	if l := v.ids[i]; len(l) == 0 || l[len(l)-1] != id {
		v.ids[i] = append(l, id)
	}
}

// containing returns the id lists of the values that contain every piece.
func (v *valueIndex) containing(pieces []string) [][]int32 {
	var out [][]int32
	for i, val := range v.vals {
		if !slices.ContainsFunc(pieces, func(p string) bool { return !strings.Contains(val, p) }) {
			out = append(out, v.ids[i])
		}
	}
	return out
}

// The attributes with sorted indexes, and the groups of the gram indexes.
var (
	sortedAttrs = []*schema.AttributeType{schema.AttrCN, schema.AttrSN, schema.AttrGivenName, schema.AttrDisplayName, schema.AttrMail}
	nameAttrs   = []*schema.AttributeType{schema.AttrCN, schema.AttrSN, schema.AttrGivenName, schema.AttrDisplayName}
	phoneAttrs  = []*schema.AttributeType{schema.AttrTelephoneNumber, schema.AttrIPPhone, schema.AttrMobile}
	valueAttrs  = []*schema.AttributeType{schema.AttrO, schema.AttrOU, schema.AttrTitle}
)

func buildIndexes(items []*item) *indexes {
	ix := &indexes{
		sorted: make(map[*schema.AttributeType]*sortedIndex, len(sortedAttrs)),
		names:  newGramIndex(2, 3),
		mail:   newGramIndex(2, 3),
		phones: newGramIndex(4),
		phone:  &phoneIndex{ids: make(map[uint32][]int32)},
		values: make(map[*schema.AttributeType]*valueIndex, len(valueAttrs)),
	}
	for _, t := range valueAttrs {
		ix.values[t] = &valueIndex{pos: make(map[string]int)}
	}
	pairs := make(map[*schema.AttributeType][]keyID, len(sortedAttrs))
	for _, t := range sortedAttrs {
		pairs[t] = make([]keyID, 0, len(items))
	}
	groups := make([]groupValues, len(items))
	for id, it := range items {
		g := &groups[id]
		for _, a := range it.entry.Attrs {
			if _, ok := pairs[a.Type]; ok {
				for _, n := range a.Norm() {
					pairs[a.Type] = append(pairs[a.Type], keyID{n, int32(id)})
				}
			}
			switch {
			case a.Type == schema.AttrMail:
				g.mail = appendDistinct(g.mail, a.Norm())
			case slices.Contains(nameAttrs, a.Type):
				g.names = appendDistinct(g.names, a.Norm())
			case slices.Contains(phoneAttrs, a.Type):
				g.phones = appendDistinct(g.phones, a.Norm())
			}
			if vx := ix.values[a.Type]; vx != nil {
				for _, n := range a.Norm() {
					vx.add(int32(id), n)
				}
			}
		}
		ix.names.count(int32(id), g.names)
		ix.mail.count(int32(id), g.mail)
		ix.phones.count(int32(id), g.phones)
		addPhones(ix.phone, int32(id), it.entry)
	}
	for _, gi := range []*gramIndex{ix.names, ix.mail, ix.phones} {
		gi.allocate()
	}
	for id := range groups {
		g := &groups[id]
		ix.names.place(int32(id), g.names)
		ix.mail.place(int32(id), g.mail)
		ix.phones.place(int32(id), g.phones)
	}
	for t, p := range pairs {
		ix.sorted[t] = newSortedIndex(p)
	}
	return ix
}

// groupValues are an entry's distinct values per gram group.
type groupValues struct{ names, mail, phones []string }

// appendDistinct adds the values of add that are not empty and not
// contained in a value already in list: their grams would add nothing.
// A value that contains earlier ones replaces them.
func appendDistinct(list, add []string) []string {
	for _, v := range add {
		if v == "" || slices.ContainsFunc(list, func(have string) bool { return strings.Contains(have, v) }) {
			continue
		}
		list = slices.DeleteFunc(list, func(have string) bool { return strings.Contains(v, have) })
		list = append(list, v)
	}
	return list
}

// gramsFor returns the gram index that covers attribute t, or nil.
func (ix *indexes) gramsFor(t *schema.AttributeType) *gramIndex {
	switch {
	case t == schema.AttrMail:
		return ix.mail
	case slices.Contains(nameAttrs, t):
		return ix.names
	case slices.Contains(phoneAttrs, t):
		return ix.phones
	}
	return nil
}
