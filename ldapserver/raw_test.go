package ldapserver_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"

	"userdir/directory"
	"userdir/ldapserver"
)

// rawConn speaks LDAP by hand, for what go-ldap cannot send or check.
type rawConn struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

func (ts *testServer) raw(t testing.TB) *rawConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", ts.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc, br: bufio.NewReader(nc)}
}

func (r *rawConn) send(id int64, op *ber.Packet, controls ...*ber.Packet) {
	r.t.Helper()
	msg := ber.NewSequence("LDAPMessage")
	msg.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, ""))
	msg.AppendChild(op)
	if len(controls) > 0 {
		cs := ber.Encode(ber.ClassContext, ber.TypeConstructed, 0, nil, "Controls")
		for _, c := range controls {
			cs.AppendChild(c)
		}
		msg.AppendChild(cs)
	}
	r.write(msg.Bytes())
}

func (r *rawConn) write(b []byte) {
	r.t.Helper()
	if _, err := r.nc.Write(b); err != nil {
		r.t.Fatal(err)
	}
}

// read returns the next response's message ID, application tag and result code (-1 for entries).
func (r *rawConn) read() (id int64, tag ber.Tag, code int64) {
	r.t.Helper()
	r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	p, err := ber.ReadPacket(r.br)
	if err != nil {
		r.t.Fatalf("read response: %v", err)
	}
	id = p.Children[0].Value.(int64)
	op := p.Children[1]
	code = -1
	if len(op.Children) > 0 && op.Children[0].Tag == ber.TagEnumerated {
		code = op.Children[0].Value.(int64)
	}
	return id, op.Tag, code
}

// closed reports whether the server closed the connection.
func (r *rawConn) closed() bool {
	r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := ber.ReadPacket(r.br)
	return err != nil
}

func bindOp(version int64, name, password string) *ber.Packet {
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, 0, nil, "Bind")
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, version, ""))
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, name, ""))
	op.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 0, password, ""))
	return op
}

func searchOp(base, filter string) *ber.Packet {
	f, err := ldap.CompileFilter(filter)
	if err != nil {
		panic(err)
	}
	return searchOpFilter(base, f)
}

func searchOpFilter(base string, f *ber.Packet) *ber.Packet {
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, 3, nil, "Search")
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, base, ""))
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, 2, ""))
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, 0, ""))
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 0, ""))
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 0, ""))
	op.AppendChild(ber.NewBoolean(ber.ClassUniversal, ber.TypePrimitive, ber.TagBoolean, false, ""))
	op.AppendChild(f)
	op.AppendChild(ber.NewSequence("attrs"))
	return op
}

// searchDone reads responses until the SearchResultDone of id and returns its code and the entries seen.
func (r *rawConn) searchDone(id int64) (code int64, entries int) {
	r.t.Helper()
	for {
		gotID, tag, c := r.read()
		if gotID != id {
			r.t.Fatalf("response for message %d while waiting for %d", gotID, id)
		}
		switch tag {
		case 4:
			entries++
		case 5:
			return c, entries
		default:
			r.t.Fatalf("unexpected response tag %d", tag)
		}
	}
}

func TestLDAPv2Bind(t *testing.T) {
	ts := startServer(t, serverOptions{})
	r := ts.raw(t)
	r.send(1, bindOp(2, "cn=postfix,"+suffix, "postfixpass"))
	if id, tag, code := r.read(); id != 1 || tag != 1 || code != 0 {
		t.Fatalf("v2 bind: id %d tag %d code %d", id, tag, code)
	}
	r.send(2, searchOp(suffix, "(mail=hidden@company.ru)"))
	if code, n := r.searchDone(2); code != 0 || n != 1 {
		t.Errorf("search after v2 bind as mta: code %d, %d entries", code, n)
	}
	r.send(3, bindOp(2, "", ""))
	if _, _, code := r.read(); code != 0 {
		t.Errorf("anonymous v2 bind: code %d", code)
	}
	r.send(4, bindOp(1, "", ""))
	if _, _, code := r.read(); code != 2 {
		t.Errorf("v1 bind: code %d, want protocolError", code)
	}
	sasl := ber.Encode(ber.ClassApplication, ber.TypeConstructed, 0, nil, "Bind")
	sasl.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 3, ""))
	sasl.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", ""))
	creds := ber.Encode(ber.ClassContext, ber.TypeConstructed, 3, nil, "SASL")
	creds.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "EXTERNAL", ""))
	sasl.AppendChild(creds)
	r.send(5, sasl)
	if _, _, code := r.read(); code != 7 {
		t.Errorf("SASL bind: code %d, want authMethodNotSupported", code)
	}
}

func TestWriteOperationsRefusedInTheirOwnResponseType(t *testing.T) {
	ts := startServer(t, serverOptions{})
	r := ts.raw(t)
	dn := "mail=ivanov@company.ru,ou=Тюмень," + suffix
	add := ber.Encode(ber.ClassApplication, ber.TypeConstructed, 8, nil, "Add")
	add.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, dn, ""))
	add.AppendChild(ber.NewSequence("attrs"))
	mod := ber.Encode(ber.ClassApplication, ber.TypeConstructed, 6, nil, "Modify")
	mod.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, dn, ""))
	mod.AppendChild(ber.NewSequence("changes"))
	del := ber.NewString(ber.ClassApplication, ber.TypePrimitive, 10, dn, "Delete")
	moddn := ber.Encode(ber.ClassApplication, ber.TypeConstructed, 12, nil, "ModDN")
	moddn.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, dn, ""))
	moddn.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "mail=x@company.ru", ""))
	moddn.AppendChild(ber.NewBoolean(ber.ClassUniversal, ber.TypePrimitive, ber.TagBoolean, true, ""))
	for i, tt := range []struct {
		op      *ber.Packet
		wantTag ber.Tag
	}{{add, 9}, {mod, 7}, {del, 11}, {moddn, 13}} {
		id := int64(10 + i)
		r.send(id, tt.op)
		gotID, tag, code := r.read()
		if gotID != id || tag != tt.wantTag || code != 53 {
			t.Errorf("op %d: response id %d tag %d code %d, want tag %d code 53", tt.op.Tag, gotID, tag, code, tt.wantTag)
		}
	}
	// go-ldap agrees on the codes.
	c := ts.dial(t)
	if err := c.Del(ldap.NewDelRequest(dn, nil)); !ldap.IsErrorWithCode(err, ldap.LDAPResultUnwillingToPerform) {
		t.Errorf("go-ldap Del: %v", err)
	}
	if err := c.Add(ldap.NewAddRequest(dn, nil)); !ldap.IsErrorWithCode(err, ldap.LDAPResultUnwillingToPerform) {
		t.Errorf("go-ldap Add: %v", err)
	}
}

// slowBackend blocks searches of base "cn=slow" until abandoned, and panics on "cn=panic".
type slowBackend struct {
	ldapserver.Backend
	started chan struct{}
}

func (b *slowBackend) Search(ctx context.Context, s *directory.Session, req *directory.SearchRequest, out directory.Emitter) directory.SearchResult {
	switch req.BaseDN {
	case "cn=slow":
		close(b.started)
		<-ctx.Done()
		return directory.SearchResult{}
	case "cn=panic":
		panic("handler bug")
	}
	return b.Backend.Search(ctx, s, req, out)
}

func TestAbandonCancelsOnlyThatRequest(t *testing.T) {
	slow := &slowBackend{started: make(chan struct{})}
	ts := startServer(t, serverOptions{wrap: func(b ldapserver.Backend) ldapserver.Backend { slow.Backend = b; return slow }})
	r := ts.raw(t)
	r.send(1, searchOp("cn=slow", "(objectClass=*)"))
	<-slow.started
	r.send(2, searchOp(suffix, "(mail=ivanov@company.ru)"))
	if code, n := r.searchDone(2); code != 0 || n != 1 {
		t.Fatalf("second request while the first runs: code %d, %d entries", code, n)
	}
	r.send(3, ber.NewInteger(ber.ClassApplication, ber.TypePrimitive, 16, int64(1), "Abandon"))
	r.send(4, searchOp(suffix, "(mail=petrov@company.ru)"))
	if code, n := r.searchDone(4); code != 0 || n != 1 {
		t.Fatalf("after abandon: code %d, %d entries", code, n)
	}
	// Abandoning an unknown or finished request is harmless; Unbind closes.
	r.send(5, ber.NewInteger(ber.ClassApplication, ber.TypePrimitive, 16, int64(99), "Abandon"))
	r.send(6, ber.Encode(ber.ClassApplication, ber.TypePrimitive, 2, nil, "Unbind"))
	if !r.closed() {
		t.Error("connection open after Unbind")
	}
}

func TestPanicInHandlerIsRecovered(t *testing.T) {
	slow := &slowBackend{started: make(chan struct{})}
	ts := startServer(t, serverOptions{wrap: func(b ldapserver.Backend) ldapserver.Backend { slow.Backend = b; return slow }})
	r := ts.raw(t)
	r.send(1, searchOp("cn=panic", "(objectClass=*)"))
	if code, _ := r.searchDone(1); code != 80 {
		t.Errorf("panicking handler: code %d, want 80", code)
	}
	r.send(2, searchOp(suffix, "(mail=ivanov@company.ru)"))
	if code, n := r.searchDone(2); code != 0 || n != 1 {
		t.Errorf("after a panic: code %d, %d entries", code, n)
	}
}

func TestGarbageGetsNoticeOfDisconnection(t *testing.T) {
	ts := startServer(t, serverOptions{})
	for name, b := range map[string][]byte{
		"not a sequence":    []byte("GET / HTTP/1.0\r\n\r\n"),
		"huge length":       {0x30, 0x84, 0x7f, 0xff, 0xff, 0xff},
		"indefinite length": {0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00},
		"truncated inside":  {0x30, 0x05, 0x02, 0x09, 0x01, 0x42, 0x00},
		"unknown operation": {0x30, 0x05, 0x02, 0x01, 0x01, 0x7f, 0x00},
		"bad message id":    {0x30, 0x05, 0x04, 0x01, 0x01, 0x42, 0x00},
		"universal op":      {0x30, 0x06, 0x02, 0x01, 0x01, 0x04, 0x01, 0x41},
		"negative id":       {0x30, 0x05, 0x02, 0x01, 0xff, 0x42, 0x00},
		"controls not [0]":  {0x30, 0x07, 0x02, 0x01, 0x01, 0x42, 0x00, 0x04, 0x00},
		"nine byte integer": {0x30, 0x0d, 0x02, 0x09, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x42, 0x00},
	} {
		t.Run(name, func(t *testing.T) {
			r := ts.raw(t)
			r.write(b)
			r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			p, err := ber.ReadPacket(r.br)
			if err == nil {
				op := p.Children[1]
				if op.Tag != 24 || op.Children[0].Value.(int64) != 2 || p.Children[0].Value.(int64) != 0 {
					t.Errorf("reply is not a Notice of Disconnection: %s", ber.DescribePacket(p))
				}
			}
			if !r.closed() {
				t.Error("connection still open")
			}
		})
	}
	// Malformed fields of a well-formed request get protocolError in their own response.
	r := ts.raw(t)
	bad := ber.Encode(ber.ClassApplication, ber.TypeConstructed, 3, nil, "Search")
	bad.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, suffix, ""))
	r.send(7, bad)
	if id, tag, code := r.read(); id != 7 || tag != 5 || code != 2 {
		t.Errorf("short SearchRequest: id %d tag %d code %d", id, tag, code)
	}
	r.send(8, searchOpFilter(suffix, deepFilter(200)))
	if id, tag, code := r.read(); id != 8 || tag != 5 || code != 2 {
		t.Errorf("filter nested 200 deep: id %d tag %d code %d", id, tag, code)
	}
	// The server still serves everyone.
	c := ts.dial(t)
	if sr, err := c.Search(searchReq(suffix, ldap.ScopeWholeSubtree, "(mail=ivanov@company.ru)")); err != nil || len(sr.Entries) != 1 {
		t.Fatalf("search after garbage: %v", err)
	}
}

// deepFilter nests n And filters around (cn=x).
func deepFilter(n int) *ber.Packet {
	f, _ := ldap.CompileFilter("(cn=x)")
	for i := 0; i < n; i++ {
		and := ber.Encode(ber.ClassContext, ber.TypeConstructed, 0, nil, "And")
		and.AppendChild(f)
		f = and
	}
	return f
}

func TestGracefulShutdownFinishesRequestsInFlight(t *testing.T) {
	slow := &slowBackend{started: make(chan struct{})}
	ts := startServer(t, serverOptions{wrap: func(b ldapserver.Backend) ldapserver.Backend { slow.Backend = b; return slow }})
	c := ts.dial(t)
	if _, err := c.Search(searchReq(suffix, ldap.ScopeWholeSubtree, "(mail=ivanov@company.ru)")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown of an idle server: %v", err)
	}
	if _, err := net.DialTimeout("tcp", ts.addr, time.Second); err == nil {
		t.Error("server still accepts after shutdown")
	}
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Errorf("second shutdown: %v", err)
	}
}

func selfSignedTLS(t testing.TB) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

// Byte-identical searches reuse their decoded form; the responses still
// carry each request's own message ID, and a request that differs in any
// byte is decoded on its own.
func TestMemoizedSearches(t *testing.T) {
	ts := startServer(t, serverOptions{mtaNet: true})
	r := ts.raw(t)
	for i, tc := range []struct {
		id     int64
		filter string
		n      int
	}{
		{1, "(mail=ivanov@company.ru)", 1},
		{2, "(mail=ivanov@company.ru)", 1},
		{300, "(mail=ivanov@company.ru)", 1},
		{70000, "(mail=ivanov@company.ru)", 1},
		{5, "(mail=ivanow@company.ru)", 0},
		{6, "(mail=petrov@company.ru)", 1},
		{7, "(mail=ivanov@company.ru)", 1},
	} {
		r.send(tc.id, searchOp(suffix, tc.filter))
		if code, n := r.searchDone(tc.id); code != 0 || n != tc.n {
			t.Errorf("search %d (id %d) %s: code %d, %d entries; want %d", i, tc.id, tc.filter, code, n, tc.n)
		}
	}
}
