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

	"userdir/ldapserver/directory"
	"userdir/ldapserver/wire"
)

// conn is one client connection: a read loop that decodes requests and
// starts a goroutine per search or compare (so Abandon and a second
// request can be read meanwhile), and serialized writes.
type conn struct {
	srv  *Server
	peer netip.Addr
	log  *slog.Logger
	ctx  context.Context
	stop context.CancelFunc
	sess atomic.Pointer[directory.Session]
	br   *bufio.Reader
	buf  []byte
	tls  bool

	wmu sync.Mutex // guards nc and writes
	nc  net.Conn

	mu       sync.Mutex
	inflight map[int64]context.CancelFunc
	wg       sync.WaitGroup
	stopping atomic.Bool
}

const (
	writeTimeout     = 30 * time.Second
	handshakeTimeout = 10 * time.Second
	flushAt          = 64 << 10
)

func newConn(s *Server, nc net.Conn, peer netip.Addr) *conn {
	c := &conn{srv: s, nc: nc, peer: peer, inflight: make(map[int64]context.CancelFunc)}
	c.ctx, c.stop = context.WithCancel(context.Background())
	c.log = s.log.With("peer", peer.String())
	c.br = bufio.NewReaderSize(nc, 16<<10)
	_, c.tls = nc.(*tls.Conn)
	c.sess.Store(s.opts.Backend.Anonymous(peer))
	return c
}

// serve runs the read loop until the client leaves, misbehaves or the
// server shuts down, then waits for requests in flight and closes.
func (c *conn) serve() {
	defer c.close()
	defer c.wg.Wait()
	for !c.stopping.Load() {
		c.setReadDeadline(time.Now().Add(c.srv.opts.IdleTimeout))
		frame, err := readFrame(c.br, c.buf)
		if err != nil {
			if c.readFailed(err) {
				return
			}
			continue
		}
		c.buf = frame[:0]
		if c.memoized(frame) {
			continue
		}
		req, err := decodeMessage(frame)
		if err != nil {
			c.disconnect(err)
			return
		}
		if !c.dispatch(req) {
			return
		}
	}
}

// readFailed handles a read error and reports whether the loop must end.
func (c *conn) readFailed(err error) bool {
	var ne net.Error
	switch {
	case errors.Is(err, errMalformed):
		c.disconnect(err)
	case c.stopping.Load():
	case errors.As(err, &ne) && ne.Timeout():
		if c.busy() {
			return false
		}
		c.log.Debug("closing idle connection")
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
	default:
		c.log.Debug("read", "err", err)
	}
	return true
}

func (c *conn) busy() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.inflight) > 0
}

// disconnect sends a Notice of Disconnection (RFC 4511 §4.4.1).
func (c *conn) disconnect(err error) {
	c.log.Warn("malformed request: disconnecting", "err", err)
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

// dispatch handles one request and reports whether to keep reading.
func (c *conn) dispatch(req *request) bool {
	op := int(req.op)
	tag, known := responseTags[op]
	switch {
	case op == opUnbind:
		return false
	case op == opAbandon:
		if id, err := decodeAbandon(req.body); err == nil {
			c.abandon(id)
		}
		return true
	case !known:
		c.disconnect(errors.New("unknown operation"))
		return false
	}
	if oid, ok := c.unsupportedCritical(op, req.controls); ok {
		c.respond(req.id, tag, directory.Result{Code: directory.UnavailableCriticalExtension,
			Message: "unsupported critical control " + oid})
		return true
	}
	switch op {
	case opBind:
		c.wg.Wait() // RFC 4511 §4.2.1: no other operation runs during a bind
		c.guard(req.id, tag, func() { c.bind(req) })
	case opExtended:
		return c.extended(req)
	case opSearch:
		sreq, err := decodeSearch(req)
		if err != nil {
			c.fieldError(req, tag, err)
			return true
		}
		if len(req.controls) == 0 {
			if _, rest, ok := splitFrame(req.frame); ok {
				c.srv.memo.put(rest, sreq)
			}
		}
		c.spawn(req.id, tag, func(ctx context.Context) { c.search(ctx, req.id, sreq) })
	case opCompare:
		creq, err := decodeCompare(req.body)
		if err != nil {
			c.fieldError(req, tag, err)
			return true
		}
		c.spawn(req.id, tag, func(ctx context.Context) { c.compare(ctx, req.id, creq) })
	default:
		c.respond(req.id, tag, directory.Result{Code: directory.UnwillingToPerform,
			Message: "read-only directory: changes arrive by mail"})
	}
	return true
}

// memoized serves a search whose bytes were decoded before (see
// requestMemo), reporting whether it did.
func (c *conn) memoized(frame []byte) bool {
	id, rest, ok := splitFrame(frame)
	if !ok {
		return false
	}
	sreq := c.srv.memo.get(rest)
	if sreq == nil {
		return false
	}
	c.spawn(id, wire.AppSearchDone, func(ctx context.Context) { c.search(ctx, id, sreq) })
	return true
}

func (c *conn) fieldError(req *request, tag byte, err error) {
	c.log.Info("malformed request", "op", int(req.op), "err", err)
	c.respond(req.id, tag, directory.Result{Code: directory.ProtocolError, Message: "malformed request"})
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

// spawn runs fn for request id in its own goroutine, cancellable by Abandon.
func (c *conn) spawn(id int64, tag byte, fn func(context.Context)) {
	c.mu.Lock()
	if len(c.inflight) >= c.srv.opts.MaxOutstanding {
		c.mu.Unlock()
		c.respond(id, tag, directory.Result{Code: directory.Busy, Message: "too many requests in flight on this connection"})
		return
	}
	ctx, cancel := context.WithCancel(c.ctx)
	c.inflight[id] = cancel
	c.wg.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.wg.Done()
		defer func() {
			c.mu.Lock()
			delete(c.inflight, id)
			c.mu.Unlock()
			cancel()
		}()
		c.guard(id, tag, func() { fn(ctx) })
	}()
}

// guard runs fn, turning a panic into a logged `other` (80) response.
func (c *conn) guard(id int64, tag byte, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("panic in request handler", "panic", r, "stack", string(debug.Stack()))
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
	c.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, err := c.nc.Write(b)
	if err != nil {
		c.stop()
		c.nc.Close()
	}
	return err
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
