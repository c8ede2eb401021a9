package ldapserver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// MaxMessageBytes is the largest LDAPMessage the server reads (1 MiB).
const MaxMessageBytes = 1 << 20

// errMalformed marks a request that cannot be understood; the connection
// gets a Notice of Disconnection.
var errMalformed = errors.New("malformed LDAP message")

// readFrame reads one LDAPMessage TLV (tag, definite length, content) into
// buf, which it may grow. It checks only the framing: the content is
// decoded by go-asn1-ber.
func readFrame(r *bufio.Reader, buf []byte) ([]byte, error) {
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
