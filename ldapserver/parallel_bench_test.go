package ldapserver_test

import (
	"bufio"
	"net"
	"sync/atomic"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"

	"userdir/internal/fixture"
	"userdir/ldapserver"
)

// BenchmarkServerParallel measures throughput as bench/compare.sh does:
// 8 connections (4 per core on the 2-core machine) each sending one search
// after another, the clients in the same process. ns/op is wall time per
// request over all connections, so it counts the server's CPU per request
// (and the lean clients'), not the loopback latency. The reader role binds
// first, as compare.sh's load tool does; book is anonymous, with the
// disclosure budget counting every returned entry.
func BenchmarkServerParallel(b *testing.B) {
	ts := startServer(b, serverOptions{records: fixture.Generate(100000, 1)})
	for _, role := range []string{"reader", "book"} {
		for _, w := range []struct{ name, filter string }{
			{"postfix", "(mail=user004242@company.ru)"},
			{"callerid", "(|(telephoneNumber=*204242*)(mobile=*204242*))"},
		} {
			b.Run(role+"/"+w.name, func(b *testing.B) {
				msg := ber.NewSequence("LDAPMessage")
				msg.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, int64(2), ""))
				msg.AppendChild(searchOp(suffix, w.filter))
				req := msg.Bytes()
				var entries atomic.Int64
				b.SetParallelism(4)
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					nc, err := net.Dial("tcp", ts.addr)
					if err != nil {
						b.Error(err)
						return
					}
					defer nc.Close()
					br := bufio.NewReaderSize(nc, 64<<10)
					if role == "reader" {
						bind := ber.NewSequence("LDAPMessage")
						bind.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, int64(1), ""))
						bind.AppendChild(bindOp(3, "cn=reader,"+suffix, "postfixpass"))
						if _, err := nc.Write(bind.Bytes()); err != nil {
							b.Error(err)
							return
						}
						if _, err := skipMessage(br); err != nil {
							b.Error(err)
							return
						}
					}
					n := int64(0)
					for pb.Next() {
						if _, err := nc.Write(req); err != nil {
							b.Error(err)
							return
						}
						for done := false; !done; {
							tag, err := skipMessage(br)
							if err != nil {
								b.Error(err)
								return
							}
							done = tag == 0x65
							if tag == 0x64 {
								n++
							}
						}
					}
					entries.Add(n)
				})
				b.ReportMetric(float64(entries.Load())/float64(b.N), "entries/op")
			})
		}
	}
}

// BenchmarkServerParallelIdleConns is BenchmarkServerParallel's reader
// caller-ID search with 1,000 idle connections open besides: what the
// handoff watchdog's look at every connection costs (each millisecond
// while requests run).
func BenchmarkServerParallelIdleConns(b *testing.B) {
	ts := startServer(b, serverOptions{records: fixture.Generate(100000, 1), mtaNet: true,
		srv: func(o *ldapserver.Options) { o.MaxConns, o.MaxConnsPerAddress = 4096, 4096 }})
	for range 1000 {
		nc, err := net.Dial("tcp", ts.addr)
		if err != nil {
			b.Fatal(err)
		}
		defer nc.Close()
	}
	msg := ber.NewSequence("LDAPMessage")
	msg.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, int64(2), ""))
	msg.AppendChild(searchOp(suffix, "(|(telephoneNumber=*204242*)(mobile=*204242*))"))
	req := msg.Bytes()
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		nc, err := net.Dial("tcp", ts.addr)
		if err != nil {
			b.Error(err)
			return
		}
		defer nc.Close()
		br := bufio.NewReaderSize(nc, 64<<10)
		for pb.Next() {
			if _, err := nc.Write(req); err != nil {
				b.Error(err)
				return
			}
			for done := false; !done; {
				tag, err := skipMessage(br)
				if err != nil {
					b.Error(err)
					return
				}
				done = tag == 0x65
			}
		}
	})
}
