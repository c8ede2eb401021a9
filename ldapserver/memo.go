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
	mu    sync.RWMutex
	m     map[string]*directory.SearchRequest
	bytes int // cost of the entries in m
}

// The memo holds at most maxMemoBytes of requests, each costed at
// memoCost (its key and an estimate of its decoded form); requests longer
// than maxMemoKey are never memoized: no real client sends one, and a
// flood of distinct large requests must not pin memory. It is filled only
// with searches that passed the rate limit and the book policy, by the
// connection after the search (see conn.search). When full, random entries
// make room, so frequent requests tend to stay.
const (
	maxMemoBytes = 16 << 20
	maxMemoKey   = 2 << 10
)

func memoCost(key string) int { return 4*len(key) + 512 }

func (m *requestMemo) get(key []byte) *directory.SearchRequest {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.m[string(key)]
}

func (m *requestMemo) put(key string, req *directory.SearchRequest) {
	if len(key) > maxMemoKey {
		return
	}
	cost := memoCost(key)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = make(map[string]*directory.SearchRequest, 1024)
	}
	if _, ok := m.m[key]; ok {
		return
	}
	for k := range m.m { // map iteration starts at a random entry
		if m.bytes+cost <= maxMemoBytes {
			break
		}
		delete(m.m, k)
		m.bytes -= memoCost(k)
	}
	m.m[key] = req
	m.bytes += cost
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
