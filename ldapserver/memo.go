package ldapserver

import (
	"sync"

	"userdir/directory"
)

// requestMemo remembers decoded search requests by their bytes. Clients
// send the same requests again and again (Postfix the same recipients,
// phones the same caller IDs, autocomplete the same prefixes), and
// go-asn1-ber allocates some 10 KB to decode each one. A request whose
// bytes after the messageID equal those of one that go-asn1-ber decoded
// and checked before is, byte for byte, that request: it reuses the
// decoded form. Only searches without controls are memoized (controls
// carry cookies that never repeat).
type requestMemo struct {
	mu sync.RWMutex
	m  map[string]*directory.SearchRequest
}

// maxMemo bounds the memo: some 8 MB. When it is full a random entry
// makes room, so frequent requests tend to stay.
const maxMemo = 16384

func (m *requestMemo) get(key []byte) *directory.SearchRequest {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.m[string(key)]
}

func (m *requestMemo) put(key []byte, req *directory.SearchRequest) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = make(map[string]*directory.SearchRequest, 1024)
	}
	if len(m.m) >= maxMemo {
		for k := range m.m { // map iteration starts at a random entry
			delete(m.m, k)
			break
		}
	}
	m.m[string(key)] = req
}

// splitFrame splits an LDAPMessage frame into its messageID and the bytes
// after it (protocolOp and controls). ok is false unless the frame is a
// SEQUENCE whose first element is a well-formed, non-negative INTEGER of at
// most four bytes; anything else takes the full decoding path.
func splitFrame(frame []byte) (id int64, rest []byte, ok bool) {
	body := contentOf(frame)
	idTLV, rest, ok := rawTLV(body)
	if !ok || len(idTLV) < 3 || len(idTLV) > 6 || idTLV[0] != 0x02 || int(idTLV[1]) != len(idTLV)-2 {
		return 0, nil, false
	}
	v := idTLV[2:]
	if v[0]&0x80 != 0 {
		return 0, nil, false
	}
	for _, b := range v {
		id = id<<8 | int64(b)
	}
	return id, rest, len(rest) > 0
}
