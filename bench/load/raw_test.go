package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
)

func TestAppendLengthAndInt(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 255, 256, 65535, 65536, 1 << 24} {
		b := appendLength(nil, n)
		got, err := readLength(bufio.NewReader(bytes.NewReader(b)))
		if err != nil || got != n {
			t.Errorf("readLength(appendLength(%d)) = %d, %v", n, got, err)
		}
	}
	for _, v := range []int32{1, 127, 128, 255, 256, 1 << 20, 1<<31 - 1} {
		p := ber.DecodePacket(appendInt(nil, v))
		if got, ok := p.Value.(int64); !ok || got != int64(v) {
			t.Errorf("appendInt(%d) decodes as %v", v, p.Value)
		}
	}
}

func TestResultCodeRejectsGarbage(t *testing.T) {
	tests := []struct {
		in   []byte
		code int
		err  bool
	}{
		{[]byte{0x0a, 0x01, 0x04, 0x04, 0x00, 0x04, 0x00}, 4, false},
		{[]byte{0x0a, 0x01, 0x00}, 0, false},
		{[]byte{0x0a, 0x05, 0x00}, 0, true},
		{[]byte{0x02, 0x01, 0x00}, 0, true},
		{[]byte{0x0a}, 0, true},
	}
	for _, tt := range tests {
		code, err := resultCode(tt.in)
		if (err != nil) != tt.err || code != tt.code {
			t.Errorf("resultCode(% x) = %d, %v", tt.in, code, err)
		}
	}
}

// response encodes one LDAPMessage of a server.
func response(id int64, op *ber.Packet) []byte {
	env := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
	env.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, ""))
	env.AppendChild(op)
	return env.Bytes()
}

func result(tag ber.Tag, code int64) *ber.Packet {
	p := ber.Encode(ber.ClassApplication, ber.TypeConstructed, tag, nil, "")
	p.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, code, ""))
	p.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", ""))
	p.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", ""))
	return p
}

func entry(dn string, big int) *ber.Packet {
	p := ber.Encode(ber.ClassApplication, ber.TypeConstructed, 4, nil, "")
	p.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, dn, ""))
	attrs := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
	a := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
	a.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "cn", ""))
	vals := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSet, nil, "")
	vals.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, string(bytes.Repeat([]byte{'x'}, big)), ""))
	a.AppendChild(vals)
	attrs.AppendChild(a)
	p.AppendChild(attrs)
	return p
}

// fakeServer answers a bind, then one search with the given entries and
// result code, on the server end of a pipe.
func fakeServer(t *testing.T, srv net.Conn, entries int, code int64) {
	t.Helper()
	go func() {
		defer srv.Close()
		r := bufio.NewReader(srv)
		for id := int64(1); ; id++ {
			p, err := ber.ReadPacket(r)
			if err != nil {
				return
			}
			switch op := p.Children[1]; op.Tag {
			case 0: // bind
				srv.Write(response(id, result(1, 0)))
			case 3: // search
				var out []byte
				for i := range entries {
					out = append(out, response(id, entry("cn=e,dc=x", 10+i*100))...)
				}
				srv.Write(append(out, response(id, result(5, code))...))
			case 2:
				return
			}
		}
	}()
}

func TestRawSearchCountsEntries(t *testing.T) {
	for _, tt := range []struct {
		entries int
		code    int64
	}{{0, 0}, {1, 0}, {30, 0}, {100, 4}, {2, 32}} {
		cli, srv := net.Pipe()
		fakeServer(t, srv, tt.entries, tt.code)
		rc := &rawConn{c: cli, r: bufio.NewReader(cli), w: bufio.NewWriter(cli)}
		cli.SetDeadline(time.Now().Add(5 * time.Second))
		if err := rc.bind("cn=reader,dc=x", "pw"); err != nil {
			t.Fatalf("bind: %v", err)
		}
		op, err := encodeSearch("dc=x", "(cn=a*)", 100, []string{"cn"})
		if err != nil {
			t.Fatal(err)
		}
		n, code, err := rc.search(op)
		if err != nil || n != tt.entries || code != int(tt.code) {
			t.Errorf("search = %d entries, code %d, %v; want %d, %d", n, code, err, tt.entries, tt.code)
		}
		rc.unbind()
		rc.close()
	}
}

func TestRawReadRejectsMalformed(t *testing.T) {
	for _, in := range [][]byte{
		{0x31, 0x00},                         // not a SEQUENCE
		{0x30, 0x85, 1, 1, 1, 1, 1},          // length of 5 octets
		{0x30, 0x03, 0x04, 0x01, 0x01},       // no message ID
		{0x30, 0x04, 0x02, 0x01, 0x01, 0x65}, // protocolOp without a length
		{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff}, // more than the cap
	} {
		rc := &rawConn{r: bufio.NewReader(bytes.NewReader(in))}
		if _, _, err := rc.read(); err == nil || errors.Is(err, io.EOF) {
			t.Errorf("read(% x) = %v, want a protocol error", in, err)
		}
	}
}
