package ldapserver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sync"
)

// MaxMessageBytes is the largest LDAPMessage the server reads (1 MiB).
const MaxMessageBytes = 1 << 20

// errMalformed marks a request that cannot be understood; the connection
// gets a Notice of Disconnection.
var errMalformed = errors.New("malformed LDAP message")

// errFrameBudget ends a connection whose request would take more memory
// than its address may hold in partly received requests.
var errFrameBudget = errors.New("memory budget for requests of this address exhausted")

// Requests up to smallFrame bytes are read into the connection's own
// buffer without asking frameBudget: every real client's requests are. A
// larger one counts against its address (maxFrameBytesPerAddress) and all
// clients (maxFrameBytes) from its header until it has been decoded, so
// that connections holding nearly complete 1 MiB requests cannot add up.
const (
	smallFrame              = 16 << 10
	maxFrameBytesPerAddress = 4 << 20
	maxFrameBytes           = 64 << 20
)

// frameBudget counts the bytes of large requests being received.
type frameBudget struct {
	mu    sync.Mutex
	used  map[string]int // by address key
	total int
}

func (b *frameBudget) take(key string, n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used[key]+n > maxFrameBytesPerAddress || b.total+n > maxFrameBytes {
		return false
	}
	b.used[key] += n
	b.total += n
	return true
}

func (b *frameBudget) give(key string, n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total -= n
	if b.used[key] -= n; b.used[key] <= 0 {
		delete(b.used, key)
	}
}

// frameLimits is what readFrame asks of its connection.
type frameLimits interface {
	// reserve accounts for a request of n > smallFrame bytes, reporting
	// false when it may not be held.
	reserve(n int) bool
	// partial is called when the rest of a request is not yet buffered: a
	// started request must arrive within a short time.
	partial()
}

// readFrame reads one LDAPMessage TLV (tag, definite length, content) into
// buf, which it may grow. It checks only the framing: the content is
// decoded by go-asn1-ber.
func readFrame(r *bufio.Reader, buf []byte, lim frameLimits) ([]byte, error) {
	tag, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	if tag != 0x30 {
		return nil, fmt.Errorf("%w: message tag 0x%02x is not SEQUENCE", errMalformed, tag)
	}
	first, err := r.ReadByte()
	if err != nil {
		return nil, unexpected(err)
	}
	hdr := []byte{tag, first}
	length := int(first)
	if first&0x80 != 0 {
		n := int(first & 0x7f)
		if n == 0 || n > 4 {
			return nil, fmt.Errorf("%w: length of %d bytes", errMalformed, n)
		}
		length = 0
		for i := 0; i < n; i++ {
			b, err := r.ReadByte()
			if err != nil {
				return nil, unexpected(err)
			}
			hdr = append(hdr, b)
			length = length<<8 | int(b)
		}
	}
	if length > MaxMessageBytes {
		return nil, fmt.Errorf("%w: message of %d bytes exceeds %d", errMalformed, length, MaxMessageBytes)
	}
	total := len(hdr) + length
	if lim != nil {
		if total > smallFrame && !lim.reserve(total) {
			return nil, errFrameBudget
		}
		if r.Buffered() < length {
			lim.partial()
		}
	}
	if cap(buf) < total {
		buf = make([]byte, 0, total)
	}
	buf = append(buf[:0], hdr...)
	buf = buf[:total]
	if _, err := io.ReadFull(r, buf[len(hdr):]); err != nil {
		return nil, unexpected(err)
	}
	return buf, nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
