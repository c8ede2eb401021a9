package ldapserver_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"

	"userdir/directory"
	"userdir/internal/fixture"
	"userdir/ldapserver"
)

// heapBytes returns the bytes of live and not yet swept heap objects.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// liveHeap returns the heap after a collection.
func liveHeap() uint64 {
	runtime.GC()
	return heapBytes()
}

// peakHeap samples the heap every few milliseconds while fn runs and
// returns the highest value.
func peakHeap(fn func()) uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		for {
			if h := heapBytes(); h > peak.Load() {
				peak.Store(h)
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	fn()
	close(done)
	return max(peak.Load(), heapBytes())
}

// dialFrom dials the server from a chosen loopback address.
func dialFrom(t testing.TB, server, local string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	nc, err := d.Dial("tcp", server)
	if err != nil {
		t.Fatal(err)
	}
	return nc
}

// sortControl is a critical server-side sort control with n keys on attr.
func sortControl(n int, attr string) *ber.Packet {
	keys := ber.NewSequence("SortKeyList")
	for range n {
		k := ber.NewSequence("SortKey")
		k.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, attr, ""))
		keys.AppendChild(k)
	}
	c := ber.NewSequence("Control")
	c.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "1.2.840.113556.1.4.473", ""))
	c.AppendChild(ber.NewBoolean(ber.ClassUniversal, ber.TypePrimitive, ber.TagBoolean, true, ""))
	c.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, string(keys.Bytes()), ""))
	return c
}

// TestSortBomb: four anonymous searches at once, each with a critical
// sort control of 1,000 cn keys over a book of 20,000 (once 13 s of CPU and
// +1.5 GB each), are refused with adminLimitExceeded at once; the largest
// allowed sort (4 keys, as mta, over every entry) stays within a bounded
// heap and time.
func TestSortBomb(t *testing.T) {
	ts := startServer(t, serverOptions{records: fixture.Generate(20000, 1)})
	base := liveHeap()
	start := time.Now()
	peak := peakHeap(func() {
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := ts.raw(t)
				r.send(int64(i+1), searchOp(suffix, "(mail=*@company.ru)"), sortControl(1000, "cn"))
				if code, n := r.searchDone(int64(i + 1)); code != 11 || n != 0 {
					t.Errorf("sort bomb: code %d, %d entries; want 11 and none", code, n)
				}
			}()
		}
		wg.Wait()
	})
	took := time.Since(start)
	t.Logf("4 sort bombs: %v, peak heap +%d MiB", took, (peak-base)>>20)
	if took > 3*time.Second || peak-base > 64<<20 {
		t.Errorf("4 sort bombs took %v and +%d MiB of heap; want under 3 s and 64 MiB", took, (peak-base)>>20)
	}
	if ts.srv.Stats().RefusedOverLimits.Load() != 4 {
		t.Errorf("RefusedOverLimits = %d, want 4", ts.srv.Stats().RefusedOverLimits.Load())
	}

	// An anonymous sort of a broad filter is refused, not sorted.
	r := ts.raw(t)
	start = time.Now()
	r.send(9, searchOp(suffix, "(mail=*@company.ru)"), sortControl(4, "cn"))
	if code, n := r.searchDone(9); code != 11 || n != 0 || time.Since(start) > time.Second {
		t.Errorf("anonymous 4-key sort of 20,000 matches: code %d, %d entries in %v; want 11 at once", code, n, time.Since(start))
	}
	// A narrow one is sorted.
	r.send(10, searchOp(suffix, "(sn=иванов)"), sortControl(4, "cn"))
	if code, n := r.searchDone(10); code != 4 || n != 50 {
		t.Errorf("anonymous sorted search: code %d, %d entries; want 50 and sizeLimitExceeded", code, n)
	}

	// The most an mta may ask: 4 keys over all 20,000 entries.
	c := ts.bindMTA(t)
	req := searchReq(suffix, ldap.ScopeWholeSubtree, "(objectClass=inetOrgPerson)", "1.1")
	req.Controls = []ldap.Control{ldap.NewControlServerSideSortingWithSortKeys([]*ldap.SortKey{
		{AttributeType: "cn"}, {AttributeType: "sn", Reverse: true}, {AttributeType: "mail"}, {AttributeType: "givenName"}})}
	base = liveHeap()
	start = time.Now()
	var n int
	peak = peakHeap(func() {
		sr, err := c.Search(req)
		if err != nil {
			t.Fatal(err)
		}
		n = len(sr.Entries)
	})
	took = time.Since(start)
	t.Logf("4-key sort of %d entries: %v, peak heap +%d MiB (client's copy included)", n, took, (peak-base)>>20)
	if n != 20000 || took > 10*time.Second || peak-base > 256<<20 {
		t.Errorf("4-key sort: %d entries in %v, +%d MiB", n, took, (peak-base)>>20)
	}
}

// TestMemoBloat: thousands of distinct 2 KB anonymous searches and then
// distinct ~1 MB ones (once +4.5 GB that stayed) leave the heap within the
// byte bounds of the request memo, the compiled-filter cache and the
// base-DN cache once collected.
func TestMemoBloat(t *testing.T) {
	ts := startServer(t, serverOptions{records: fixture.Generate(2000, 1)})
	base := liveHeap()
	r := ts.raw(t)
	mid := strings.Repeat("y", 1900) // memoized: under maxMemoKey
	for i := range 5000 {
		r.send(int64(1000+i), searchOp(suffix, fmt.Sprintf("(cn=%d%s)", i, mid)))
		if code, _ := r.searchDone(int64(1000 + i)); code != 0 {
			t.Fatalf("2 KB search: code %d", code)
		}
	}
	big := strings.Repeat("x", 1<<20-200)
	for i := range 50 {
		r.send(int64(i+1), searchOp(suffix, fmt.Sprintf("(cn=%d%s)", i, big)))
		if code, _ := r.searchDone(int64(i + 1)); code != 0 {
			t.Fatalf("1 MB search: code %d", code)
		}
	}
	for i := range 50 { // distinct 1 MB base DNs
		r.send(int64(100+i), searchOp(fmt.Sprintf("cn=%d%s,%s", i, big, suffix), "(mail=ivanov@company.ru)"))
		if code, _ := r.searchDone(int64(100 + i)); code != 32 {
			t.Fatalf("1 MB base: code %d", code)
		}
	}
	grew := int64(liveHeap()) - int64(base)
	t.Logf("5,000 distinct 2 KB searches, 50 distinct 1 MB filters and 50 distinct 1 MB bases: live heap %+d MiB", grew>>20)
	if grew > 40<<20 {
		t.Errorf("live heap grew %d MiB; the memo is bounded at 16 MiB, the filter cache at 8 MiB", grew>>20)
	}
}

// TestConnectionFlood: 2,000 connections from one address get
// max_connections_per_address; the rest are closed at accept. When many
// addresses fill every slot, Postfix's lookup from its mta network still
// succeeds: the last slots are kept for it.
func TestConnectionFlood(t *testing.T) {
	ts := startServer(t, serverOptions{mtaNet: true, srv: func(o *ldapserver.Options) {
		o.MaxConns, o.MaxConnsPerAddress = 320, 100
	}})
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range 2000 {
		conns = append(conns, dialFrom(t, ts.addr, "127.0.0.2"))
	}
	st := ts.srv.Stats()
	waitUntil(t, func() bool { return st.RefusedConnsPerAddress.Load() >= 1900 }, "2,000 connections from one address accepted or refused")
	if got := st.RefusedConnsPerAddress.Load(); got != 1900 {
		t.Errorf("refused per address: %d, want 1,900", got)
	}
	// Another book client still gets in, and so does Postfix.
	other := dialFrom(t, ts.addr, "127.0.0.3")
	r := &rawConn{t: t, nc: other, br: bufio.NewReader(other)}
	r.send(1, searchOp(suffix, "(mail=ivanov@company.ru)"))
	if code, n := r.searchDone(1); code != 0 || n != 1 {
		t.Errorf("another address during the flood: code %d, %d entries", code, n)
	}
	other.Close()
	postfixLookup(t, ts)

	// Now fill every slot but the mta reserve from more addresses.
	for i := 4; i < 8; i++ {
		for range 100 {
			conns = append(conns, dialFrom(t, ts.addr, fmt.Sprintf("127.0.0.%d", i)))
		}
	}
	waitUntil(t, func() bool { return st.RefusedConnsFull.Load() > 0 }, "the server full")
	postfixLookup(t, ts)
}

func postfixLookup(t *testing.T, ts *testServer) {
	t.Helper()
	c, err := ldap.DialURL("ldap://"+ts.addr, ldap.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second,
		LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.1")}}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetTimeout(5 * time.Second)
	sr, err := c.Search(searchReq(suffix, ldap.ScopeWholeSubtree, "(mail=hidden@company.ru)", "mail"))
	if err != nil || len(sr.Entries) != 1 {
		t.Errorf("Postfix's lookup during the flood: %d entries, %v", entriesLen(sr), err)
	}
}

// waitUntil polls cond until it holds or 10 s pass.
func waitUntil(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestStalledPartialFrames: 1,000 connections from eight addresses, each
// holding a request of 1 MiB less 10 bytes (once +1 GB for 5 minutes),
// cost at most the partial-request budget of each address; the rest are
// closed, and other clients are served.
func TestStalledPartialFrames(t *testing.T) {
	ts := startServer(t, serverOptions{})
	base := liveHeap()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	hdr := []byte{0x30, 0x84, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(hdr[2:], 1<<20-16)
	frame := append(hdr, make([]byte, 1<<20-26)...) // 10 bytes short
	for i := range 1000 {
		nc := dialFrom(t, ts.addr, fmt.Sprintf("127.0.0.%d", 2+i%8))
		conns = append(conns, nc)
		nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
		nc.Write(frame) // the server may close it half-way
	}
	st := ts.srv.Stats()
	waitUntil(t, func() bool { return st.FrameBudgetDisconnects.Load() >= 1000-8*4 }, "stalled requests over the budget closed")
	grew := int64(heapBytes()) - int64(base)
	t.Logf("1,000 stalled 1 MiB requests from 8 addresses: heap %+d MiB, %d closed", grew>>20, st.FrameBudgetDisconnects.Load())
	if grew > 64<<20 {
		t.Errorf("heap grew %d MiB; want at most the budget of 8 addresses (32 MiB) and change", grew>>20)
	}
	r := ts.raw(t)
	r.send(1, searchOp(suffix, "(mail=ivanov@company.ru)"))
	if code, n := r.searchDone(1); code != 0 || n != 1 {
		t.Errorf("a client during the attack: code %d, %d entries", code, n)
	}
}

// cancelBackend blocks searches of "cn=slow" until their context ends and
// reports that.
type cancelBackend struct {
	ldapserver.Backend
	started, cancelled chan struct{}
}

func (b *cancelBackend) Search(ctx context.Context, s *directory.Session, req *directory.SearchRequest, out directory.Emitter) directory.SearchResult {
	if req.BaseDN == "cn=slow" {
		close(b.started)
		select {
		case <-ctx.Done():
			close(b.cancelled)
		case <-time.After(10 * time.Second):
		}
		return directory.SearchResult{}
	}
	return b.Backend.Search(ctx, s, req, out)
}

// TestDisconnectCancelsWork: a client that leaves in the middle of a search
// cancels it.
func TestDisconnectCancelsWork(t *testing.T) {
	cb := &cancelBackend{started: make(chan struct{}), cancelled: make(chan struct{})}
	ts := startServer(t, serverOptions{wrap: func(b ldapserver.Backend) ldapserver.Backend { cb.Backend = b; return cb }})
	r := ts.raw(t)
	r.send(1, searchOp("cn=slow", "(objectClass=*)"))
	<-cb.started
	r.nc.Close()
	select {
	case <-cb.cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the search went on after its client left")
	}
}

// blockBackend blocks searches of "cn=slow" until they are cancelled,
// counting the cancellations.
type blockBackend struct {
	ldapserver.Backend
	cancelled *atomic.Int64
}

func (b blockBackend) Search(ctx context.Context, s *directory.Session, req *directory.SearchRequest, out directory.Emitter) directory.SearchResult {
	if req.BaseDN == "cn=slow" {
		select {
		case <-ctx.Done():
			b.cancelled.Add(1)
		case <-time.After(10 * time.Second):
		}
		return directory.SearchResult{}
	}
	return b.Backend.Search(ctx, s, req, out)
}

// TestOutstandingRequestsBounded: a connection with MaxOutstanding (16)
// requests in flight gets busy (51) for more, not another goroutine each;
// when it leaves, all 16 are cancelled.
func TestOutstandingRequestsBounded(t *testing.T) {
	var cancelled atomic.Int64
	ts := startServer(t, serverOptions{wrap: func(b ldapserver.Backend) ldapserver.Backend { return blockBackend{b, &cancelled} }})
	r := ts.raw(t)
	for i := range 40 {
		r.send(int64(i+1), searchOp("cn=slow", "(objectClass=*)"))
	}
	busy := 0
	for busy < 40-16 {
		_, tag, code := r.read()
		if tag != 5 || code != 51 {
			t.Fatalf("response tag %d code %d while 16 requests block; want busy", tag, code)
		}
		busy++
	}
	r.nc.Close()
	waitUntil(t, func() bool { return cancelled.Load() == 16 }, "the 16 searches of a client that left cancelled")
}

// TestStalledRequestTimesOut: a request started and never finished is
// dropped after the frame timeout (here the shorter idle timeout), not kept
// for as long as the client likes.
func TestStalledRequestTimesOut(t *testing.T) {
	ts := startServer(t, serverOptions{srv: func(o *ldapserver.Options) { o.IdleTimeout = 300 * time.Millisecond }})
	r := ts.raw(t)
	r.write([]byte{0x30, 0x84, 0, 0, 0x40, 0, 0x02, 0x01}) // a 16 KiB request, 2 bytes of it
	start := time.Now()
	if !r.closed() {
		t.Fatal("a stalled request kept its connection open")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("closed after %v", took)
	}
}
