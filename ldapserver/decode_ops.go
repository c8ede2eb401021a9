package ldapserver

import (
	"fmt"

	ber "github.com/go-asn1-ber/asn1-ber"

	"userdir/directory"
	"userdir/schema"
)

// bindRequest is a decoded BindRequest.
type bindRequest struct {
	version  int
	name     string
	password []byte
	sasl     bool
}

func decodeBind(p *ber.Packet) (bindRequest, error) {
	var b bindRequest
	if p.TagType != ber.TypeConstructed || len(p.Children) != 3 {
		return b, fieldErr("BindRequest needs version, name and authentication")
	}
	v, err := integer(p.Children[0], ber.ClassUniversal, ber.TagInteger)
	if err != nil || v < 1 || v > 127 {
		return b, fieldErr("bad bind version")
	}
	b.version = int(v)
	if b.name, err = str(p.Children[1], ber.ClassUniversal, ber.TagOctetString); err != nil {
		return b, fieldErr("bind name: %v", err)
	}
	auth := p.Children[2]
	switch {
	case auth.ClassType == ber.ClassContext && auth.Tag == 0 && auth.TagType == ber.TypePrimitive:
		b.password = content(auth)
	case auth.ClassType == ber.ClassContext && auth.Tag == 3:
		b.sasl = true
	default:
		return b, fieldErr("unknown authentication choice")
	}
	return b, nil
}

// searchControls are the controls the directory implements for searches.
var searchControls = map[string]bool{
	directory.OIDPaging: true,
	directory.OIDSort:   true,
	directory.OIDVLV:    true,
}

// ignoredControls are understood and have no effect here.
var ignoredControls = map[string]bool{
	"2.16.840.1.113730.3.4.2": true, // ManageDsaIT: there are no referrals
}

// Caps on one search request, so that no request can make the server sort
// on a thousand keys or select a thousand attributes for every match
// (README "Design notes"). A request over them gets adminLimitExceeded (11).
// Real clients send one sort key, a dozen attributes and some 30 filter
// items (Thunderbird's two-word search).
const (
	maxSortKeys    = 4
	maxAttributes  = 64
	maxFilterItems = 512
)

// limitError is a well-formed request over a cap: adminLimitExceeded.
type limitError struct{ msg string }

func (e *limitError) Error() string { return e.msg }

// filterItems counts the items of f, stopping past limit.
func filterItems(f schema.Filter, limit int) int {
	n := 1
	switch f := f.(type) {
	case schema.And:
		for _, c := range f {
			if n += filterItems(c, limit-n); n > limit {
				break
			}
		}
	case schema.Or:
		for _, c := range f {
			if n += filterItems(c, limit-n); n > limit {
				break
			}
		}
	case schema.Not:
		n += filterItems(f.Filter, limit-n)
	}
	return n
}

func decodeSearch(req *request) (*directory.SearchRequest, error) {
	p := req.body
	if p.TagType != ber.TypeConstructed || len(p.Children) != 8 {
		return nil, fieldErr("SearchRequest needs 8 elements")
	}
	c := p.Children
	var s directory.SearchRequest
	var err error
	if s.BaseDN, err = str(c[0], ber.ClassUniversal, ber.TagOctetString); err != nil {
		return nil, fieldErr("baseObject: %v", err)
	}
	scope, err := integer(c[1], ber.ClassUniversal, ber.TagEnumerated)
	if err != nil || scope < 0 || scope > 2 {
		return nil, fieldErr("bad scope")
	}
	s.Scope = directory.Scope(scope)
	if deref, err := integer(c[2], ber.ClassUniversal, ber.TagEnumerated); err != nil || deref < 0 || deref > 3 {
		return nil, fieldErr("bad derefAliases")
	}
	size, err := integer(c[3], ber.ClassUniversal, ber.TagInteger)
	if err != nil || size < 0 || size > maxMessageID {
		return nil, fieldErr("bad sizeLimit")
	}
	timeLimit, err := integer(c[4], ber.ClassUniversal, ber.TagInteger)
	if err != nil || timeLimit < 0 || timeLimit > maxMessageID {
		return nil, fieldErr("bad timeLimit")
	}
	s.SizeLimit, s.TimeLimit = int(size), int(timeLimit)
	if s.TypesOnly, err = boolean(c[5]); err != nil {
		return nil, fieldErr("typesOnly: %v", err)
	}
	if s.Filter, err = schema.FilterFromPacket(c[6]); err != nil {
		return nil, fieldErr("filter: %v", err)
	}
	if filterItems(s.Filter, maxFilterItems) > maxFilterItems {
		return nil, &limitError{fmt.Sprintf("filter of more than %d items", maxFilterItems)}
	}
	s.FilterKey = searchFilterBytes(req.frame)
	if !isSequence(c[7]) {
		return nil, fieldErr("attributes is not a SEQUENCE")
	}
	if len(c[7].Children) > maxAttributes {
		return nil, &limitError{fmt.Sprintf("more than %d attributes requested", maxAttributes)}
	}
	for _, a := range c[7].Children {
		name, err := str(a, ber.ClassUniversal, ber.TagOctetString)
		if err != nil {
			return nil, fieldErr("attribute selector: %v", err)
		}
		s.Attributes = append(s.Attributes, name)
	}
	for _, ctl := range req.controls {
		if err := decodeSearchControl(&s, ctl); err != nil {
			return nil, err
		}
	}
	return &s, nil
}

func decodeSearchControl(s *directory.SearchRequest, ctl control) error {
	var v *ber.Packet
	if searchControls[ctl.oid] {
		var err error
		if v, err = ber.DecodePacketErr(ctl.value); err != nil || !isSequence(v) {
			return fieldErr("control %s: value is not a SEQUENCE", ctl.oid)
		}
	}
	switch ctl.oid {
	case directory.OIDPaging:
		return decodePaging(s, v, ctl.critical)
	case directory.OIDSort:
		return decodeSort(s, v, ctl.critical)
	case directory.OIDVLV:
		return decodeVLV(s, v, ctl.critical)
	}
	return nil
}

func decodePaging(s *directory.SearchRequest, v *ber.Packet, critical bool) error {
	if len(v.Children) != 2 {
		return fieldErr("paged results: want size and cookie")
	}
	size, err := integer(v.Children[0], ber.ClassUniversal, ber.TagInteger)
	if err != nil || size < 0 || size > maxMessageID {
		return fieldErr("paged results: bad size")
	}
	cookie, err := str(v.Children[1], ber.ClassUniversal, ber.TagOctetString)
	if err != nil {
		return fieldErr("paged results: bad cookie")
	}
	s.Paging = &directory.Paging{Size: int(size), Cookie: []byte(cookie), Critical: critical}
	return nil
}

func decodeSort(s *directory.SearchRequest, v *ber.Packet, critical bool) error {
	if len(v.Children) == 0 {
		return fieldErr("sort: no keys")
	}
	if len(v.Children) > maxSortKeys {
		return &limitError{fmt.Sprintf("more than %d sort keys", maxSortKeys)}
	}
	sort := &directory.Sort{Critical: critical}
	for _, k := range v.Children {
		if !isSequence(k) || len(k.Children) < 1 || len(k.Children) > 3 {
			return fieldErr("sort: bad key")
		}
		attr, err := str(k.Children[0], ber.ClassUniversal, ber.TagOctetString)
		if err != nil {
			return fieldErr("sort: bad attribute")
		}
		key := directory.SortKey{Attr: attr}
		for _, opt := range k.Children[1:] {
			switch {
			case opt.ClassType == ber.ClassContext && opt.Tag == 0 && opt.TagType == ber.TypePrimitive:
				key.Rule = string(content(opt))
			case opt.ClassType == ber.ClassContext && opt.Tag == 1 && opt.TagType == ber.TypePrimitive:
				b := content(opt)
				if len(b) != 1 {
					return fieldErr("sort: bad reverseOrder")
				}
				key.Reverse = b[0] != 0
			default:
				return fieldErr("sort: unknown key element")
			}
		}
		sort.Keys = append(sort.Keys, key)
	}
	s.Sort = sort
	return nil
}

func decodeVLV(s *directory.SearchRequest, v *ber.Packet, critical bool) error {
	c := v.Children
	if len(c) < 3 || len(c) > 4 {
		return fieldErr("VLV: want before, after, target")
	}
	before, err1 := integer(c[0], ber.ClassUniversal, ber.TagInteger)
	after, err2 := integer(c[1], ber.ClassUniversal, ber.TagInteger)
	if err1 != nil || err2 != nil || before < 0 || after < 0 || before > maxMessageID || after > maxMessageID {
		return fieldErr("VLV: bad before/after count")
	}
	vlv := &directory.VLV{Before: int(before), After: int(after), Critical: critical}
	t := c[2]
	switch {
	case t.ClassType == ber.ClassContext && t.Tag == 0 && t.TagType == ber.TypeConstructed && len(t.Children) == 2:
		off, err1 := integer(t.Children[0], ber.ClassUniversal, ber.TagInteger)
		cnt, err2 := integer(t.Children[1], ber.ClassUniversal, ber.TagInteger)
		if err1 != nil || err2 != nil || off > maxMessageID || cnt > maxMessageID {
			return fieldErr("VLV: bad offset")
		}
		vlv.ByOffset, vlv.Offset, vlv.Count = true, int(off), int(cnt)
	case t.ClassType == ber.ClassContext && t.Tag == 1 && t.TagType == ber.TypePrimitive:
		vlv.Assertion = string(content(t))
	default:
		return fieldErr("VLV: unknown target")
	}
	if len(c) == 4 {
		ctx, err := str(c[3], ber.ClassUniversal, ber.TagOctetString)
		if err != nil {
			return fieldErr("VLV: bad contextID")
		}
		vlv.ContextID = []byte(ctx)
	}
	s.VLV = vlv
	return nil
}

// compareRequest is a decoded CompareRequest.
type compareRequest struct{ dn, attr, value string }

func decodeCompare(p *ber.Packet) (compareRequest, error) {
	var r compareRequest
	if p.TagType != ber.TypeConstructed || len(p.Children) != 2 {
		return r, fieldErr("CompareRequest needs entry and ava")
	}
	var err error
	if r.dn, err = str(p.Children[0], ber.ClassUniversal, ber.TagOctetString); err != nil {
		return r, fieldErr("compare entry: %v", err)
	}
	ava := p.Children[1]
	if !isSequence(ava) || len(ava.Children) != 2 {
		return r, fieldErr("compare ava is not a SEQUENCE of two")
	}
	if r.attr, err = str(ava.Children[0], ber.ClassUniversal, ber.TagOctetString); err != nil {
		return r, fieldErr("compare attribute: %v", err)
	}
	if r.value, err = str(ava.Children[1], ber.ClassUniversal, ber.TagOctetString); err != nil {
		return r, fieldErr("compare value: %v", err)
	}
	return r, nil
}

// decodeExtended returns the requestName of an ExtendedRequest.
func decodeExtended(p *ber.Packet) (string, error) {
	if p.TagType != ber.TypeConstructed || len(p.Children) < 1 || len(p.Children) > 2 {
		return "", fieldErr("ExtendedRequest needs a requestName")
	}
	name, err := str(p.Children[0], ber.ClassContext, 0)
	if err != nil {
		return "", fieldErr("requestName: %v", err)
	}
	if len(p.Children) == 2 {
		if _, err := str(p.Children[1], ber.ClassContext, 1); err != nil {
			return "", fieldErr("requestValue: %v", err)
		}
	}
	return name, nil
}

// decodeAbandon returns the message ID an AbandonRequest names.
func decodeAbandon(p *ber.Packet) (int64, error) {
	if p.TagType != ber.TypePrimitive {
		return 0, fieldErr("AbandonRequest is not primitive")
	}
	return integer(p, ber.ClassApplication, opAbandon)
}
