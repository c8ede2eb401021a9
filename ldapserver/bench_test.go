package ldapserver_test

import (
	"bufio"
	"io"
	"net"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"

	"github.com/prometheus/client_golang/prometheus"

	"userdir/internal/fixture"
	"userdir/metrics"
)

// BenchmarkServerRoundTrip measures one request and its responses over a
// loopback connection, server and a lean client in one process: the cost
// of decoding with go-asn1-ber, searching the snapshot and writing the
// pre-encoded entries.
//
// The "observed" variants run with the Prometheus observer of package
// metrics, which /metrics serves: its cost per request is the difference.
func BenchmarkServerRoundTrip(b *testing.B) {
	records := fixture.Generate(100000, 1)
	b.Run("plain", func(b *testing.B) { benchRoundTrip(b, startServer(b, serverOptions{records: records, mtaNet: true})) })
	b.Run("observed", func(b *testing.B) {
		obs := metrics.NewLDAP(prometheus.NewRegistry())
		benchRoundTrip(b, startServer(b, serverOptions{records: records, mtaNet: true, observe: obs}))
	})
}

func benchRoundTrip(b *testing.B, ts *testServer) {
	for _, w := range []struct{ name, base, filter string }{
		{"postfix", suffix, "(mail=user004242@company.ru)"},
		{"callerid", suffix, "(|(telephoneNumber=*204242*)(mobile=*204242*))"},
		{"autocomplete", suffix, "(|(cn=ив*)(mail=ив*)(sn=ив*)(givenName=ив*))"},
	} {
		b.Run(w.name, func(b *testing.B) {
			nc, err := net.Dial("tcp", ts.addr)
			if err != nil {
				b.Fatal(err)
			}
			defer nc.Close()
			msg := ber.NewSequence("LDAPMessage")
			msg.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, int64(1), ""))
			msg.AppendChild(searchOp(w.base, w.filter))
			req := msg.Bytes()
			br := bufio.NewReaderSize(nc, 64<<10)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := nc.Write(req); err != nil {
					b.Fatal(err)
				}
				for done := false; !done; {
					tag, err := skipMessage(br)
					if err != nil {
						b.Fatal(err)
					}
					done = tag == 0x65
				}
			}
		})
	}
}

// skipMessage reads one LDAPMessage and returns its protocolOp tag.
func skipMessage(br *bufio.Reader) (byte, error) {
	hdr := make([]byte, 0, 16)
	readLen := func() (int, error) {
		c, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		hdr = append(hdr, c)
		if c < 0x80 {
			return int(c), nil
		}
		n := 0
		for k := int(c & 0x7f); k > 0; k-- {
			c, err := br.ReadByte()
			if err != nil {
				return 0, err
			}
			n = n<<8 | int(c)
		}
		return n, nil
	}
	if _, err := br.ReadByte(); err != nil {
		return 0, err
	}
	n, err := readLen()
	if err != nil {
		return 0, err
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(br, body); err != nil {
		return 0, err
	}
	// messageID TLV, then the op tag.
	return body[2+int(body[1])], nil
}
