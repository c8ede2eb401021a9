package ldapserver

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"userdir/directory"
	"userdir/ldapserver/wire"
)

// conn is one client connection: a read loop that decodes requests and
// runs each search or compare in the reading goroutine itself; one still
// running after handoffAfter (2 ms) hands the reading over to a new
// goroutine, so that Abandon and further requests are read meanwhile (see
// run and Server.watch). Writes are serialized.
type conn struct {
	srv  *Server
	peer netip.Addr
	key  string // addrKey(peer)
	held int    // bytes of a large request taken from srv.frames (reading goroutine only)
	ctx  context.Context
	stop context.CancelFunc
	sess atomic.Pointer[directory.Session]
	br   *bufio.Reader
	buf  []byte
	tls  bool
	// readRenew is when the read loop next moves the idle deadline on
	// (reading goroutine only): setting a deadline costs a timer update,
	// so it is moved at most every IdleTimeout/64.
	readRenew time.Time

	wmu        sync.Mutex // guards nc and writes
	nc         net.Conn
	writeRenew time.Time // when write next moves the write deadline on (under wmu)

	mu       sync.Mutex
	inflight map[int64]context.CancelFunc
	reader   uint64       // under mu: counts the handoffs: which goroutine reads now
	runStart atomic.Int64 // when the request running in the reading goroutine started (monotonic(), 0: none)
	wg       sync.WaitGroup
	stopping atomic.Bool
	done     chan struct{} // closed when reading has ended for good
}

const (
	writeTimeout     = 30 * time.Second
	handshakeTimeout = 10 * time.Second
	frameTimeout     = 30 * time.Second // the rest of a started request must arrive within
	flushAt          = 64 << 10
)

func newConn(s *Server, nc net.Conn, peer netip.Addr) *conn {
	c := &conn{srv: s, nc: nc, peer: peer, key: addrKey(peer), done: make(chan struct{})}
	c.ctx, c.stop = context.WithCancel(context.Background())
	c.br = readers.Get().(*bufio.Reader)
	c.br.Reset(nc)
	_, c.tls = nc.(*tls.Conn)
	c.sess.Store(s.opts.Backend.Anonymous(peer))
	return c
}

// serve runs the connection until the client leaves, misbehaves or the
// server shuts down, then waits for requests in flight and closes.
func (c *conn) serve() {
	c.readLoop() // returns when reading ends, or when another goroutine reads now
	<-c.done
	c.wg.Wait()
	c.close()
	c.release()
}

// release returns the connection's read buffer to the pool.
func (c *conn) release() {
	c.br.Reset(nil)
	readers.Put(c.br)
}

// reserve takes n bytes of a large request from the address's budget.
func (c *conn) reserve(n int) bool {
	c.releaseFrame()
	if !c.srv.frames.take(c.key, n) {
		return false
	}
	c.held = n
	return true
}

// partial gives the rest of a started request frameTimeout to arrive.
func (c *conn) partial() {
	c.readRenew = time.Time{}
	c.setReadDeadline(time.Now().Add(min(frameTimeout, c.srv.opts.IdleTimeout)))
}

// releaseFrame gives back what a large request took, with its buffer.
func (c *conn) releaseFrame() {
	if c.held > 0 {
		c.srv.frames.give(c.key, c.held)
		c.held = 0
	}
	if cap(c.buf) > smallFrame {
		c.buf = nil
	}
}

// readers are the connections' read buffers: requests are small, and a
// client that opens a connection per lookup should not cost a new buffer.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4<<10) }}

// logger returns the server's logger with the client's address.
func (c *conn) logger() *slog.Logger { return c.srv.log.With("peer", c.peer.String()) }

// next says what the read loop does after a request.
type next int

const (
	keepReading next = iota
	stopReading      // the connection ends
	handedOff        // another goroutine reads now (see run)
)

// readLoop reads and dispatches requests. It returns when the connection
// ends, closing c.done, or when a slow request it was running handed the
// reading over to a new readLoop.
func (c *conn) readLoop() {
	for !c.stopping.Load() {
		c.extendReadDeadline()
		frame, err := readFrame(c.br, c.buf, c)
		if err != nil {
			c.readRenew = time.Time{} // a timeout: a deadline must be set again
			c.releaseFrame()
			if c.readFailed(err) {
				break
			}
			continue
		}
		c.buf = frame[:0]
		if isUnbind(frame) {
			c.releaseFrame()
			break
		}
		start := c.started()
		n := c.memoized(frame, start)
		if n == notMemoized {
			req, err := decodeMessage(frame)
			if err != nil {
				c.disconnect(err)
				break
			}
			n = c.dispatch(req, start)
		}
		if n != handedOff {
			c.releaseFrame()
		}
		switch n {
		case handedOff:
			return
		case stopReading:
			close(c.done)
			return
		}
	}
	close(c.done)
}

// readFailed handles a read error and reports whether the loop must end.
func (c *conn) readFailed(err error) bool {
	var ne net.Error
	switch {
	case errors.Is(err, errMalformed):
		c.disconnect(err)
	case errors.Is(err, errFrameBudget):
		c.srv.stats.FrameBudgetDisconnects.Add(1)
		c.logger().Warn("closing connection: too much memory in partly received requests from this address")
	case c.stopping.Load():
		return true
	case errors.As(err, &ne) && ne.Timeout():
		if c.busy() {
			return false
		}
		c.logger().Debug("closing idle connection")
		return true
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
	default:
		c.logger().Debug("read", "err", err)
	}
	c.stop() // the client is gone: abandon its work
	return true
}

func (c *conn) busy() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.inflight) > 0
}

// disconnect sends a Notice of Disconnection (RFC 4511 §4.4.1).
func (c *conn) disconnect(err error) {
	c.logger().Warn("malformed request: disconnecting", "err", err)
	b := appendResponse(nil, 0, wire.AppExtendedResponse,
		directory.Result{Code: directory.ProtocolError, Message: "malformed request"},
		extendedTail(directory.OIDNoticeOfDisconnection, nil), nil)
	c.write(b)
}

// responseTags maps each request to the application tag of its response.
var responseTags = map[int]byte{
	opBind: wire.AppBindResponse, opSearch: wire.AppSearchDone, opModify: wire.AppModifyResponse,
	opAdd: wire.AppAddResponse, opDelete: wire.AppDelResponse, opModifyDN: wire.AppModDNResponse,
	opCompare: wire.AppCompareResponse, opExtended: wire.AppExtendedResponse,
}

// dispatch handles one request, read at start, and says what the read
// loop does next.
func (c *conn) dispatch(req *request, start time.Time) next {
	op := int(req.op)
	tag, known := responseTags[op]
	switch {
	case op == opUnbind:
		return stopReading
	case op == opAbandon:
		if id, err := decodeAbandon(req.body); err == nil {
			c.abandon(id)
		}
		return keepReading
	case !known:
		c.disconnect(errors.New("unknown operation"))
		return stopReading
	}
	if oid, ok := c.unsupportedCritical(op, req.controls); ok {
		c.answer(req.id, tag, start, directory.Result{Code: directory.UnavailableCriticalExtension,
			Message: "unsupported critical control " + oid})
		return keepReading
	}
	switch op {
	case opBind:
		c.wg.Wait() // RFC 4511 §4.2.1: no other operation runs during a bind
		c.guard(req.id, tag, func() { c.bind(req, start) })
	case opExtended:
		if !c.extended(req, start) {
			return stopReading
		}
	case opSearch:
		sreq, err := decodeSearch(req)
		if err != nil {
			c.fieldError(req, tag, start, err)
			return keepReading
		}
		var memoKey string
		if len(req.controls) == 0 {
			if _, rest, ok := splitFrame(req.frame); ok && len(rest) <= maxMemoKey {
				memoKey = string(rest)
			}
		}
		return c.run(req.id, tag, start, func(ctx context.Context) { c.search(ctx, req.id, sreq, memoKey, start) })
	case opCompare:
		creq, err := decodeCompare(req.body)
		if err != nil {
			c.fieldError(req, tag, start, err)
			return keepReading
		}
		return c.run(req.id, tag, start, func(ctx context.Context) { c.compare(ctx, req.id, creq, start) })
	default:
		c.answer(req.id, tag, start, directory.Result{Code: directory.UnwillingToPerform,
			Message: "read-only directory: changes arrive by mail"})
	}
	return keepReading
}

// notMemoized is memoized's answer for a request it did not serve.
const notMemoized next = -1

// memoized serves a search whose bytes were decoded before (see
// requestMemo), or returns notMemoized.
func (c *conn) memoized(frame []byte, start time.Time) next {
	id, rest, ok := splitFrame(frame)
	if !ok {
		return notMemoized
	}
	sreq := c.srv.memo.get(rest)
	if sreq == nil {
		return notMemoized
	}
	return c.run(id, wire.AppSearchDone, start, func(ctx context.Context) { c.search(ctx, id, sreq, "", start) })
}

func (c *conn) fieldError(req *request, tag byte, start time.Time, err error) {
	var le *limitError
	if errors.As(err, &le) {
		c.srv.stats.RefusedOverLimits.Add(1)
		c.logger().Info("request over a limit", "op", int(req.op), "err", err)
		c.answer(req.id, tag, start, directory.Result{Code: directory.AdminLimitExceeded, Message: le.msg})
		return
	}
	c.logger().Info("malformed request", "op", int(req.op), "err", err)
	c.answer(req.id, tag, start, directory.Result{Code: directory.ProtocolError, Message: "malformed request"})
}

// unsupportedCritical returns the first critical control that op does not implement.
func (c *conn) unsupportedCritical(op int, ctrls []control) (string, bool) {
	for _, ctl := range ctrls {
		if !ctl.critical || ignoredControls[ctl.oid] || (op == opSearch && searchControls[ctl.oid]) {
			continue
		}
		return ctl.oid, true
	}
	return "", false
}

// run runs fn for request id, read at start, cancellable by Abandon. It runs fn in the
// reading goroutine itself, which saves a goroutine switch per request
// (most answer in microseconds); if fn is still running after
// handoffAfter, the server's watchdog (Server.watch) starts a new goroutine
// that takes over reading, so that Abandon and further requests are read
// meanwhile, and this one ends with fn. A watchdog rather than a timer per
// request: arming a timer that soon wakes the runtime's network poller on
// every request.
func (c *conn) run(id int64, tag byte, start time.Time, fn func(context.Context)) next {
	c.releaseFrame() // fn uses only the decoded request
	c.mu.Lock()
	if len(c.inflight) >= c.srv.opts.MaxOutstanding {
		c.mu.Unlock()
		c.answer(id, tag, start, directory.Result{Code: directory.Busy, Message: "too many requests in flight on this connection"})
		return keepReading
	}
	ctx, cancel := context.WithCancel(c.ctx)
	if c.inflight == nil { // made by the first request: a connection may send none
		c.inflight = make(map[int64]context.CancelFunc)
	}
	c.inflight[id] = cancel
	c.wg.Add(1)
	reader := c.reader
	c.runStart.Store(monotonic())
	c.mu.Unlock()
	c.srv.watchRequest(1)
	defer func() {
		c.mu.Lock()
		delete(c.inflight, id)
		c.mu.Unlock()
		cancel()
		c.wg.Done()
	}()
	c.guard(id, tag, func() { fn(ctx) })
	c.srv.watchRequest(-1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reader != reader {
		return handedOff
	}
	c.runStart.Store(0)
	return keepReading
}

// handoffAfter is how long a request runs in the reading goroutine before
// another goroutine takes over reading (up to half as long again: the
// watchdog looks every handoffAfter/2).
const handoffAfter = 2 * time.Millisecond

// handOff starts a new read loop if the request running in the reading
// goroutine has run for handoffAfter at now (a monotonic() time).
func (c *conn) handOff(now int64) {
	start := c.runStart.Load()
	if start == 0 || now-start < int64(handoffAfter) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.runStart.Load() == start {
		c.reader++
		c.runStart.Store(0)
		go c.readLoop()
	}
}

// epoch is what monotonic counts from.
var epoch = time.Now()

// monotonic returns the nanoseconds since epoch on the monotonic clock, at least 1.
func monotonic() int64 { return int64(time.Since(epoch)) + 1 }

// guard runs fn, turning a panic into a logged `other` (80) response.
func (c *conn) guard(id int64, tag byte, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			c.logger().Error("panic in request handler", "panic", r, "stack", string(debug.Stack()))
			c.respond(id, tag, directory.Result{Code: directory.Other, Message: "internal error"})
		}
	}()
	fn()
}

func (c *conn) abandon(id int64) {
	c.mu.Lock()
	cancel := c.inflight[id]
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// respond writes a plain LDAPResult response.
func (c *conn) respond(id int64, tag byte, r directory.Result) {
	c.write(appendResponse(nil, id, tag, r, nil, nil))
}

// write sends b whole; a failed write closes the connection.
func (c *conn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if now := time.Now(); !now.Before(c.writeRenew) {
		c.nc.SetWriteDeadline(now.Add(writeTimeout))
		c.writeRenew = now.Add(time.Second) // the deadline stays at least writeTimeout less 1 s away
	}
	_, err := c.nc.Write(b)
	if err != nil {
		c.stop()
		c.nc.Close()
	}
	return err
}

// extendReadDeadline gives the client IdleTimeout from now to send its
// next request, moving the deadline at most every IdleTimeout/64: the
// connection may close up to that much early.
func (c *conn) extendReadDeadline() {
	now := time.Now()
	if now.Before(c.readRenew) {
		return
	}
	c.readRenew = now.Add(c.srv.opts.IdleTimeout / 64)
	c.setReadDeadline(now.Add(c.srv.opts.IdleTimeout))
}

func (c *conn) setReadDeadline(t time.Time) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.nc.SetReadDeadline(t)
}

// stopReading makes the read loop end after the requests in flight.
func (c *conn) stopReading() {
	c.stopping.Store(true)
	c.setReadDeadline(time.Now())
}

func (c *conn) close() {
	c.stop()
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.nc.Close()
}
