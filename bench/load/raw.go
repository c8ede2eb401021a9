package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
)

// The LDAP protocol-op tags (RFC 4511 §4.2), as the first byte of the
// protocolOp element.
const (
	tagBindResponse   = 0x61
	tagSearchEntry    = 0x64
	tagSearchDone     = 0x65
	tagSearchRef      = 0x73
	maxResponseFrame  = 64 << 20
	resultSuccess     = 0
	resultSizeLimitEx = 4
)

var errProtocol = errors.New("malformed response")

// rawConn is a minimal LDAPv3 client for the load's hot path: requests are
// encoded once, and responses are only framed — entries are counted, and
// the result code of the final response is read. Decoding every entry
// (as go-ldap does) would cost the client more CPU than the server spends,
// and on a shared machine the load would measure itself.
type rawConn struct {
	c   net.Conn
	r   *bufio.Reader
	w   *bufio.Writer
	id  int32
	buf []byte
}

// dialRaw connects to hostport and binds when dn is not empty.
func dialRaw(hostport, dn, pw string, timeout time.Duration) (*rawConn, error) {
	c, err := net.DialTimeout("tcp", hostport, timeout)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", hostport, err)
	}
	rc := &rawConn{c: c, r: bufio.NewReaderSize(c, 64<<10), w: bufio.NewWriterSize(c, 4<<10)}
	if dn != "" {
		if err := rc.bind(dn, pw); err != nil {
			c.Close()
			return nil, err
		}
	}
	return rc, nil
}

// bind sends a simple bind and checks its result.
func (rc *rawConn) bind(dn, pw string) error {
	req := ber.Encode(ber.ClassApplication, ber.TypeConstructed, 0, nil, "bind")
	req.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 3, "version"))
	req.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, dn, "dn"))
	req.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 0, pw, "password"))
	if err := rc.send(req.Bytes()); err != nil {
		return err
	}
	tag, body, err := rc.read()
	if err != nil {
		return err
	}
	if tag != tagBindResponse {
		return fmt.Errorf("bind: %w: op 0x%02x", errProtocol, tag)
	}
	if code, err := resultCode(body); err != nil || code != resultSuccess {
		return fmt.Errorf("bind as %s: result %d %v", dn, code, err)
	}
	return nil
}

// unbind tells the server goodbye; the connection is closed by the caller.
func (rc *rawConn) unbind() { _ = rc.send([]byte{0x42, 0x00}) }

func (rc *rawConn) close() error { return rc.c.Close() }

// search sends an encoded SearchRequest and reads its responses, returning
// the number of entries and the result code.
func (rc *rawConn) search(op []byte) (entries, code int, err error) {
	if err := rc.send(op); err != nil {
		return 0, 0, err
	}
	for {
		tag, body, err := rc.read()
		if err != nil {
			return entries, 0, err
		}
		switch tag {
		case tagSearchEntry:
			entries++
		case tagSearchRef:
		case tagSearchDone:
			code, err := resultCode(body)
			return entries, code, err
		default:
			return entries, 0, fmt.Errorf("search: %w: op 0x%02x", errProtocol, tag)
		}
	}
}

// send writes one LDAPMessage: the envelope, the next message ID and op.
func (rc *rawConn) send(op []byte) error {
	rc.id++
	if rc.id <= 0 {
		rc.id = 1
	}
	id := appendInt(nil, rc.id)
	rc.w.WriteByte(0x30)
	rc.w.Write(appendLength(nil, len(id)+len(op)))
	rc.w.Write(id)
	rc.w.Write(op)
	if err := rc.w.Flush(); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	return nil
}

// read reads one LDAPMessage and returns its protocol-op tag and the op's
// contents. The contents are valid until the next read.
func (rc *rawConn) read() (byte, []byte, error) {
	tag, err := rc.r.ReadByte()
	if err != nil {
		return 0, nil, fmt.Errorf("read: %w", err)
	}
	if tag != 0x30 {
		return 0, nil, fmt.Errorf("read: %w: envelope tag 0x%02x", errProtocol, tag)
	}
	n, err := readLength(rc.r)
	if err != nil {
		return 0, nil, err
	}
	if n > maxResponseFrame {
		return 0, nil, fmt.Errorf("read: %w: %d-byte message", errProtocol, n)
	}
	if cap(rc.buf) < n {
		rc.buf = make([]byte, n)
	}
	msg := rc.buf[:n]
	if _, err := io.ReadFull(rc.r, msg); err != nil {
		return 0, nil, fmt.Errorf("read: %w", err)
	}
	// messageID INTEGER, then the protocolOp.
	if len(msg) < 2 || msg[0] != 0x02 || int(msg[1]) > len(msg)-2 {
		return 0, nil, fmt.Errorf("read: %w: message ID", errProtocol)
	}
	rest := msg[2+int(msg[1]):]
	if len(rest) < 2 {
		return 0, nil, fmt.Errorf("read: %w: no protocolOp", errProtocol)
	}
	opTag := rest[0]
	body, err := contents(rest[1:])
	return opTag, body, err
}

// contents returns the contents of an element whose length octets start b.
func contents(b []byte) ([]byte, error) {
	if b[0] < 0x80 {
		n := int(b[0])
		if n > len(b)-1 {
			return nil, errProtocol
		}
		return b[1 : 1+n], nil
	}
	k := int(b[0] & 0x7f)
	if k == 0 || k > 4 || k > len(b)-1 {
		return nil, errProtocol
	}
	n := 0
	for _, c := range b[1 : 1+k] {
		n = n<<8 | int(c)
	}
	if n > len(b)-1-k {
		return nil, errProtocol
	}
	return b[1+k : 1+k+n], nil
}

// resultCode reads the resultCode ENUMERATED that starts an LDAPResult.
func resultCode(body []byte) (int, error) {
	if len(body) < 3 || body[0] != 0x0a || body[1] == 0 || int(body[1]) > 4 || int(body[1]) > len(body)-2 {
		return 0, fmt.Errorf("%w: resultCode", errProtocol)
	}
	code := 0
	for _, c := range body[2 : 2+int(body[1])] {
		code = code<<8 | int(c)
	}
	return code, nil
}

// readLength reads BER length octets (definite form).
func readLength(r *bufio.Reader) (int, error) {
	first, err := r.ReadByte()
	if err != nil {
		return 0, fmt.Errorf("read: %w", err)
	}
	if first < 0x80 {
		return int(first), nil
	}
	k := int(first & 0x7f)
	if k == 0 || k > 4 {
		return 0, fmt.Errorf("read: %w: length form 0x%02x", errProtocol, first)
	}
	n := 0
	for range k {
		c, err := r.ReadByte()
		if err != nil {
			return 0, fmt.Errorf("read: %w", err)
		}
		n = n<<8 | int(c)
	}
	return n, nil
}

// appendLength appends BER length octets for n.
func appendLength(b []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(b, byte(n))
	case n < 0x100:
		return append(b, 0x81, byte(n))
	case n < 0x10000:
		return append(b, 0x82, byte(n>>8), byte(n))
	}
	return append(b, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// appendInt appends a positive INTEGER element.
func appendInt(b []byte, v int32) []byte {
	var d []byte
	for x := uint32(v); ; x >>= 8 {
		d = append([]byte{byte(x)}, d...)
		if x < 0x80 {
			break
		}
	}
	return append(append(b, 0x02, byte(len(d))), d...)
}
