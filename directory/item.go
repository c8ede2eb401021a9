package directory

import (
	"userdir/ldapserver/wire"
	"userdir/schema"
)

// item is one entry of a snapshot with its encoding: the objectName TLV and
// every attribute's PartialAttribute TLV, user attributes first. Items are
// immutable and reused by later snapshots while their record is unchanged.
type item struct {
	entry *schema.Entry
	key   string // division id + "\x00" + eml; "" for the suffix and divisions
	div   int32  // id of the division entry it belongs to; -1 for the suffix
	dn    []byte // objectName: OCTET STRING TLV of the DN
	enc   []byte // PartialAttribute TLVs: user attributes, then operational
	offs  []uint32
	nUser int    // how many of offs belong to user attributes
	hash  uint64 // entryHash of the normalized DN: the entry across snapshots
}

func recordKey(division, eml string) string { return division + "\x00" + eml }

// newItem encodes e. key and div place it in the tree.
func newItem(e *schema.Entry, key string, div int32) *item {
	size := tlvSize(len(e.DN))
	for _, a := range e.Attrs {
		size += attrSize(a)
	}
	for _, a := range e.Operational {
		size += attrSize(a)
	}
	buf := make([]byte, 0, size)
	buf = wire.AppendString(buf, wire.TagOctetString, e.DN)
	dnEnd := len(buf)
	it := &item{entry: e, key: key, div: div, nUser: len(e.Attrs), hash: entryHash(e.NormDN)}
	it.offs = make([]uint32, 0, len(e.Attrs)+len(e.Operational)+1)
	it.offs = append(it.offs, 0)
	for _, list := range [][]schema.Attr{e.Attrs, e.Operational} {
		for _, a := range list {
			buf = wire.AppendAttribute(buf, a.Type.Name, a.Values, false)
			it.offs = append(it.offs, uint32(len(buf)-dnEnd))
		}
	}
	it.dn = buf[:dnEnd:dnEnd]
	it.enc = buf[dnEnd:]
	return it
}

// attrSize is the exact size of a's PartialAttribute encoding.
func attrSize(a schema.Attr) int {
	set := 0
	for _, v := range a.Values {
		set += tlvSize(len(v))
	}
	return tlvSize(tlvSize(len(a.Type.Name)) + tlvSize(set))
}

// tlvSize is the size of a TLV with n bytes of content.
func tlvSize(n int) int { return 1 + wire.LengthSize(n) + n }

// attr returns the TLV of the i-th attribute (user attributes first).
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
