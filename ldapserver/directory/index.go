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
// attributes: the ids of the entries with a gram somewhere in those values,
// each id once per gram, in id order. Text uses 2- and 3-grams of runes;
// phones use 4-grams of digits.
type gramIndex struct {
	n     []int // gram lengths, in runes
	grams map[string][]int32
}

func newGramIndex(n ...int) *gramIndex {
	return &gramIndex{n: n, grams: make(map[string][]int32)}
}

// add indexes value v of entry id. Entries must be added in id order.
func (g *gramIndex) add(id int32, v string) {
	for _, n := range g.n {
		forEachGram(v, n, func(gram string) {
			list := g.grams[gram]
			if len(list) > 0 && list[len(list)-1] == id {
				return
			}
			if list == nil {
				gram = strings.Clone(gram)
			}
			g.grams[gram] = append(list, id)
		})
	}
}

// forEachGram calls fn with every n-rune substring of v.
func forEachGram(v string, n int, fn func(string)) {
	var starts [8]int // ring of the last n rune starts
	count := 0
	for i := range v {
		starts[count%8] = i
		count++
		if count > n {
			fn(v[starts[(count-1-n)%8]:i])
		}
	}
	if count >= n {
		fn(v[starts[(count-n)%8]:])
	}
}

// lookup returns the shortest posting list among the grams of piece, the
// candidates for a value containing piece. ok is false when piece is
// shorter than every gram length.
func (g *gramIndex) lookup(piece string) (ids []int32, ok bool) {
	runes := utf8.RuneCountInString(piece)
	n := 0
	for _, k := range g.n {
		if k <= runes && k > n {
			n = k
		}
	}
	if n == 0 {
		return nil, false
	}
	best := -1
	forEachGram(piece, n, func(gram string) {
		list := g.grams[gram]
		if best < 0 || len(list) < len(ids) {
			ids, best = list, len(list)
		}
	})
	return ids, true
}

// phoneIndex finds phone numbers by the equality rule of SPEC §2.4: numbers
// of six or more digits by their last six digits, shorter ones exactly.
type phoneIndex struct {
	tail  map[string][]int32
	short map[string][]int32
}

func newPhoneIndex() *phoneIndex {
	return &phoneIndex{tail: make(map[string][]int32), short: make(map[string][]int32)}
}

func (p *phoneIndex) add(id int32, digits string) {
	m, k := p.short, digits
	if len(digits) >= 6 {
		m, k = p.tail, digits[len(digits)-6:]
	}
	list := m[k]
	if len(list) > 0 && list[len(list)-1] == id {
		return
	}
	m[k] = append(list, id)
}

func (p *phoneIndex) equal(digits string) []int32 {
	if len(digits) >= 6 {
		return p.tail[digits[len(digits)-6:]]
	}
	return p.short[digits]
}

// indexes are the lookup structures of a snapshot's base.
type indexes struct {
	sorted map[*schema.AttributeType]*sortedIndex
	names  *gramIndex // cn, sn, givenName, displayName
	mail   *gramIndex
	phones *gramIndex // telephoneNumber, ipPhone, mobile (digits)
	phone  *phoneIndex
}

// The attributes with sorted indexes, and the groups of the gram indexes.
var (
	sortedAttrs = []*schema.AttributeType{schema.AttrCN, schema.AttrSN, schema.AttrGivenName, schema.AttrDisplayName, schema.AttrMail}
	nameAttrs   = []*schema.AttributeType{schema.AttrCN, schema.AttrSN, schema.AttrGivenName, schema.AttrDisplayName}
	phoneAttrs  = []*schema.AttributeType{schema.AttrTelephoneNumber, schema.AttrIPPhone, schema.AttrMobile}
)

func buildIndexes(items []*item) *indexes {
	ix := &indexes{
		sorted: make(map[*schema.AttributeType]*sortedIndex, len(sortedAttrs)),
		names:  newGramIndex(2, 3),
		mail:   newGramIndex(2, 3),
		phones: newGramIndex(4),
		phone:  newPhoneIndex(),
	}
	pairs := make(map[*schema.AttributeType][]keyID, len(sortedAttrs))
	for _, t := range sortedAttrs {
		pairs[t] = make([]keyID, 0, len(items))
	}
	for id, it := range items {
		id := int32(id)
		for _, a := range it.entry.Attrs {
			if _, ok := pairs[a.Type]; ok {
				for _, n := range a.Norm {
					pairs[a.Type] = append(pairs[a.Type], keyID{n, id})
				}
			}
			switch {
			case a.Type == schema.AttrMail:
				addAll(ix.mail, id, a.Norm)
			case slices.Contains(nameAttrs, a.Type):
				addAll(ix.names, id, a.Norm)
			case slices.Contains(phoneAttrs, a.Type):
				addAll(ix.phones, id, a.Norm)
				for _, n := range a.Norm {
					if n != "" {
						ix.phone.add(id, n)
					}
				}
			}
		}
	}
	for t, p := range pairs {
		ix.sorted[t] = newSortedIndex(p)
	}
	return ix
}

func addAll(g *gramIndex, id int32, values []string) {
	for _, v := range values {
		g.add(id, v)
	}
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
