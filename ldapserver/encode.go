package ldapserver

import (
	"userdir/directory"
	"userdir/ldapserver/wire"
)

// responseControl is one control of a response, already encoded as its value.
type responseControl struct {
	oid   string
	value []byte
}

// appendResponse appends an LDAPMessage holding an LDAPResult-shaped
// response with application tag tag. tail appends the fields that follow
// the LDAPResult (BindResponse, ExtendedResponse).
func appendResponse(b []byte, id int64, tag byte, r directory.Result, tail func([]byte) []byte, ctrls []responseControl) []byte {
	b, msg := wire.Begin(b, wire.TagSequence)
	b = wire.AppendInt(b, wire.TagInteger, id)
	b, op := wire.Begin(b, tag)
	b = wire.AppendInt(b, wire.TagEnumerated, int64(r.Code))
	b = wire.AppendString(b, wire.TagOctetString, r.MatchedDN)
	b = wire.AppendString(b, wire.TagOctetString, r.Message)
	if tail != nil {
		b = tail(b)
	}
	b = wire.End(b, op)
	if len(ctrls) > 0 {
		var cs int
		b, cs = wire.Begin(b, wire.CtxControls)
		for _, c := range ctrls {
			var one int
			b, one = wire.Begin(b, wire.TagSequence)
			b = wire.AppendString(b, wire.TagOctetString, c.oid)
			b = wire.AppendTLV(b, wire.TagOctetString, c.value)
			b = wire.End(b, one)
		}
		b = wire.End(b, cs)
	}
	return wire.End(b, msg)
}

// appendEntry appends a SearchResultEntry from an encoded objectName and
// the concatenated PartialAttribute encodings.
func appendEntry(b []byte, id int64, dn, attrs []byte) []byte {
	seqLen := 1 + wire.LengthSize(len(attrs)) + len(attrs)
	opLen := len(dn) + seqLen
	var idBuf [10]byte
	idTLV := wire.AppendInt(idBuf[:0], wire.TagInteger, id)
	b = append(b, wire.TagSequence)
	b = wire.AppendLength(b, len(idTLV)+1+wire.LengthSize(opLen)+opLen)
	b = append(b, idTLV...)
	b = append(b, wire.AppSearchEntry)
	b = wire.AppendLength(b, opLen)
	b = append(b, dn...)
	b = append(b, wire.TagSequence)
	b = wire.AppendLength(b, len(attrs))
	return append(b, attrs...)
}

// searchDoneControls encodes the response controls of a search.
func searchDoneControls(res *directory.SearchResult) []responseControl {
	var out []responseControl
	if p := res.Paging; p != nil {
		v, s := wire.Begin(nil, wire.TagSequence)
		v = wire.AppendInt(v, wire.TagInteger, int64(p.Size))
		v = wire.AppendTLV(v, wire.TagOctetString, p.Cookie)
		out = append(out, responseControl{directory.OIDPaging, wire.End(v, s)})
	}
	if r := res.Sort; r != nil {
		v, s := wire.Begin(nil, wire.TagSequence)
		v = wire.AppendInt(v, wire.TagEnumerated, int64(r.Code))
		if r.Attr != "" {
			v = wire.AppendString(v, 0x80, r.Attr)
		}
		out = append(out, responseControl{directory.OIDSortResp, wire.End(v, s)})
	}
	if r := res.VLV; r != nil {
		v, s := wire.Begin(nil, wire.TagSequence)
		v = wire.AppendInt(v, wire.TagInteger, int64(r.TargetPosition))
		v = wire.AppendInt(v, wire.TagInteger, int64(r.ContentCount))
		v = wire.AppendInt(v, wire.TagEnumerated, int64(r.Code))
		if len(r.ContextID) > 0 {
			v = wire.AppendTLV(v, wire.TagOctetString, r.ContextID)
		}
		out = append(out, responseControl{directory.OIDVLVResp, wire.End(v, s)})
	}
	return out
}

// extendedTail appends the responseName and responseValue of an ExtendedResponse.
func extendedTail(name string, value *string) func([]byte) []byte {
	return func(b []byte) []byte {
		if name != "" {
			b = wire.AppendString(b, wire.CtxResponseName, name)
		}
		if value != nil {
			b = wire.AppendString(b, wire.CtxResponseValue, *value)
		}
		return b
	}
}
