package directory

import (
	"sync"

	"userdir/schema"
)

// item is one entry of a snapshot with its encoding by Options.Encoder:
// the name's, then every attribute's, user attributes first. Items are
// immutable and reused by later snapshots while their record is unchanged.
type item struct {
	entry *schema.Entry
	key   string // division id + "\x00" + eml; "" for the suffix and divisions
	div   int32  // id of the division entry it belongs to; -1 for the suffix
	dn    []byte // the encoded name
	enc   []byte // the encoded attributes: user attributes, then operational
	offs  []uint32
	nUser int    // how many of offs belong to user attributes
	hash  uint64 // entryHash of the normalized DN: the entry across snapshots
}

func recordKey(division, eml string) string { return division + "\x00" + eml }

// encodeBufs are the scratch buffers of newItem: an entry is encoded into
// one, then copied into a buffer of its exact size.
var encodeBufs = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// newItem encodes e with enc. key and div place it in the tree.
func newItem(enc Encoder, e *schema.Entry, key string, div int32) *item {
	bp := encodeBufs.Get().(*[]byte)
	buf := enc.AppendName((*bp)[:0], e.DN)
	dnEnd := len(buf)
	it := &item{entry: e, key: key, div: div, nUser: len(e.Attrs), hash: entryHash(e.NormDN)}
	it.offs = make([]uint32, 0, len(e.Attrs)+len(e.Operational)+1)
	it.offs = append(it.offs, 0)
	for _, list := range [][]schema.Attr{e.Attrs, e.Operational} {
		for _, a := range list {
			buf = enc.AppendAttribute(buf, a.Type.Name, a.Values, false)
			it.offs = append(it.offs, uint32(len(buf)-dnEnd))
		}
	}
	exact := append(make([]byte, 0, len(buf)), buf...)
	it.dn = exact[:dnEnd:dnEnd]
	it.enc = exact[dnEnd:]
	if cap(buf) <= 1<<20 {
		*bp = buf[:0]
		encodeBufs.Put(bp)
	}
	return it
}

// attr returns the encoding of the i-th attribute (user attributes first).
func (it *item) attr(i int) []byte { return it.enc[it.offs[i]:it.offs[i+1]] }

// typeAt returns the type of the i-th attribute.
func (it *item) typeAt(i int) *schema.AttributeType {
	if i < it.nUser {
		return it.entry.Attrs[i].Type
	}
	return it.entry.Operational[i-it.nUser].Type
}

// valuesAt returns the values of the i-th attribute.
func (it *item) valuesAt(i int) []string {
	if i < it.nUser {
		return it.entry.Attrs[i].Values
	}
	return it.entry.Operational[i-it.nUser].Values
}
