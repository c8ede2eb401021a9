package ldapserver_test

import (
	"bufio"
	"net"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"

	"userdir/internal/fixture"
)

// BenchmarkNewConnLookup measures what Postfix without proxymap costs: a
// new connection per lookup (connect, search, unbind, close), as the mta
// network, over loopback.
func BenchmarkNewConnLookup(b *testing.B) {
	ts := startServer(b, serverOptions{records: fixture.Generate(10000, 1), mtaNet: true})
	msg := ber.NewSequence("LDAPMessage")
	msg.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, int64(1), ""))
	msg.AppendChild(searchOp(suffix, "(mail=user004242@company.ru)"))
	unbind := ber.NewSequence("LDAPMessage")
	unbind.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, int64(2), ""))
	unbind.AppendChild(ber.Encode(ber.ClassApplication, ber.TypePrimitive, 2, nil, "Unbind"))
	req := append(msg.Bytes(), unbind.Bytes()...)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		nc, err := net.Dial("tcp", ts.addr)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := nc.Write(req); err != nil {
			b.Fatal(err)
		}
		br := bufio.NewReader(nc)
		for done := false; !done; {
			tag, err := skipMessage(br)
			if err != nil {
				b.Fatal(err)
			}
			done = tag == 0x65
		}
		nc.Close()
	}
}
