package ldapserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"

	"userdir/config"
	"userdir/directory"
	"userdir/ldapserver/wire"
	"userdir/schema"
)

// Backend is what the protocol layer needs from the directory core.
type Backend interface {
	Allowed(addr netip.Addr) bool
	Anonymous(peer netip.Addr) *directory.Session
	Bind(ctx context.Context, peer netip.Addr, name string, password []byte) (*directory.Session, directory.Result)
	Search(ctx context.Context, s *directory.Session, req *directory.SearchRequest, out directory.Emitter) directory.SearchResult
	Compare(ctx context.Context, s *directory.Session, dn, attr, value string) directory.Result
	WhoAmI(s *directory.Session) string
}

var _ Backend = (*directory.Directory)(nil)

// The directory sends entries as wire.EntryEncoder encoded them
// (directory.Options.Encoder), which appendEntry copies into a
// SearchResultEntry.
var _ directory.Encoder = wire.EntryEncoder{}

// Options configure a Server. Backend is required; the zero values of the
// other fields work.
type Options struct {
	Backend Backend
	// TLS enables ldaps:// listeners and StartTLS; nil disables both.
	TLS *tls.Config
	// IdleTimeout closes a connection with no request in flight after this
	// long without one; 0 means config.DefaultIdleTimeout (5 minutes).
	IdleTimeout time.Duration
	// MaxConns bounds open connections; 0 means config.DefaultMaxConns
	// (1024). The last sixteenth of them (at least one) is kept for
	// clients whose address has the mta role, so that Postfix is never
	// locked out.
	MaxConns int
	// MaxConnsPerAddress bounds the connections of one client address (an
	// IPv4 address, an IPv6 /64); 0 means config.DefaultMaxConnsAddr (128). Clients whose address has
	// the mta role are exempt.
	MaxConnsPerAddress int
	// MaxOutstanding bounds the requests in flight on one connection; 0 means 16.
	MaxOutstanding int
	Logger         *slog.Logger
	// Observer, if set, is told of every answered request (metrics).
	Observer Observer
}

// Server serves LDAP on any number of listeners.
type Server struct {
	opts Options
	log  *slog.Logger

	mu        sync.Mutex
	listeners []net.Listener
	conns     map[*conn]struct{}
	closing   bool
	wg        sync.WaitGroup
	open      int            // connections open (under mu)
	perAddr   map[string]int // connections open per address key (under mu)
	frames    frameBudget
	memo      requestMemo
	stats     Stats

	running  atomic.Int64 // requests running in a reading goroutine (see conn.run)
	watching atomic.Bool  // the watchdog runs
}

func init() {
	// Bound what go-asn1-ber will allocate for one packet; readFrame
	// enforces the same limit before decoding.
	ber.MaxPacketLengthBytes = MaxMessageBytes
	ber.MaxNestingDepth = 256
}

// New returns a server with options o.
func New(o Options) (*Server, error) {
	if o.Backend == nil {
		return nil, errors.New("ldapserver: no Backend")
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = config.DefaultIdleTimeout
	}
	if o.MaxConns <= 0 {
		o.MaxConns = config.DefaultMaxConns
	}
	if o.MaxOutstanding <= 0 {
		o.MaxOutstanding = 16
	}
	if o.MaxConnsPerAddress <= 0 {
		o.MaxConnsPerAddress = config.DefaultMaxConnsAddr
	}
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Server{opts: o, log: log, conns: make(map[*conn]struct{}), perAddr: make(map[string]int),
		frames: frameBudget{used: make(map[string]int)}}, nil
}

// Listen opens a listener for an ldap:// or ldaps:// URL and returns it;
// Serve it to accept connections.
func (s *Server) Listen(rawURL string) (net.Listener, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("listen %q: %w", rawURL, err)
	}
	// No TCP keep-alive: setting it up costs several system calls per
	// accepted connection (Postfix without proxymap opens one per lookup),
	// and IdleTimeout already closes a connection whose client went away.
	lc := net.ListenConfig{KeepAlive: -1}
	l, err := lc.Listen(context.Background(), "tcp", u.Host)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", rawURL, err)
	}
	switch u.Scheme {
	case "ldap":
		return l, nil
	case "ldaps":
		if s.opts.TLS == nil {
			l.Close()
			return nil, fmt.Errorf("listen %s: ldaps needs a TLS certificate", rawURL)
		}
		return tls.NewListener(l, s.opts.TLS), nil
	}
	l.Close()
	return nil, fmt.Errorf("listen %q: scheme must be ldap or ldaps", rawURL)
}

// Serve accepts connections on l until Shutdown or Close. It returns nil
// after a shutdown.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		l.Close()
		return nil
	}
	s.listeners = append(s.listeners, l)
	s.mu.Unlock()
	var delay time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.log.Warn("accept", "err", err, "retry_in", delay)
				time.Sleep(delay)
				continue
			}
			return fmt.Errorf("accept: %w", err)
		}
		delay = 0
		s.accept(nc)
	}
}

// accept applies the allow list and the connection limits, then starts
// serving nc.
func (s *Server) accept(nc net.Conn) {
	peer := peerAddr(nc)
	if !s.opts.Backend.Allowed(peer) {
		s.log.Info("connection refused: client not in allow", "peer", peer)
		nc.Close()
		return
	}
	c := newConn(s, nc, peer)
	key := c.key
	s.mu.Lock()
	if why := s.admit(c, key); why != "" {
		s.mu.Unlock()
		s.log.Debug("connection refused", "peer", peer, "why", why)
		c.close()
		c.release()
		return
	}
	s.conns[c] = struct{}{}
	s.open++
	s.perAddr[key]++
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		c.serve()
		s.mu.Lock()
		delete(s.conns, c)
		s.open--
		if s.perAddr[key]--; s.perAddr[key] <= 0 {
			delete(s.perAddr, key)
		}
		s.mu.Unlock()
	}()
}

// admit decides, under s.mu, whether c may stay open, and says why not.
// Clients whose address has the mta role may use the reserved slots and
// have no per-address limit; everyone else is limited per address (an
// IPv4 address, an IPv6 /64) and to MaxConns less the reserve.
func (s *Server) admit(c *conn, key string) string {
	mta := c.sess.Load().Role == schema.RoleMTA
	reserve := max(s.opts.MaxConns/16, 1)
	switch {
	case s.closing:
		return "shutting down"
	case s.open >= s.opts.MaxConns:
		s.stats.RefusedConnsFull.Add(1)
		return "max_connections reached"
	case mta:
		return ""
	case s.open >= s.opts.MaxConns-reserve:
		s.stats.RefusedConnsFull.Add(1)
		return "max_connections reached (the rest is kept for mta)"
	case s.perAddr[key] >= s.opts.MaxConnsPerAddress:
		s.stats.RefusedConnsPerAddress.Add(1)
		return "max_connections_per_address reached"
	}
	return ""
}

// addrKey is what per-address limits count: an IPv4 address, an IPv6 /64.
func addrKey(a netip.Addr) string {
	if a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.Unmap().String()
}

func peerAddr(nc net.Conn) netip.Addr {
	if ta, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
		if a, ok := netip.AddrFromSlice(ta.IP); ok {
			return a.Unmap()
		}
	}
	ap, err := netip.ParseAddrPort(nc.RemoteAddr().String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// Shutdown stops accepting, lets requests in flight finish, then closes
// every connection. When ctx ends first, the rest are closed at once. It
// is idempotent.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stop((*conn).stopReading)
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.Close()
		<-done
		return ctx.Err()
	}
}

// Close closes every listener and connection at once.
func (s *Server) Close() error {
	s.stop((*conn).close)
	return nil
}

// stop closes the listeners, refuses new connections and applies
// finish to every open one.
func (s *Server) stop(finish func(*conn)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	for _, l := range s.listeners {
		l.Close()
	}
	s.listeners = nil
	for c := range s.conns {
		finish(c)
	}
}

// watchRequest counts a request that starts (+1) or ends (-1) in a reading
// goroutine, and starts the watchdog if it is not running.
func (s *Server) watchRequest(delta int64) {
	if s.running.Add(delta) > 0 && !s.watching.Load() && s.watching.CompareAndSwap(false, true) {
		go s.watch()
	}
}

// watchIdle is how many empty looks the watchdog makes before it stops.
const watchIdle = 100

// watch is the watchdog of the requests running in reading goroutines:
// every handoffAfter/2 it hands the reading of each connection whose
// request has run handoffAfter over to a new goroutine (conn.handOff). It
// stops after watchIdle looks with no request running.
func (s *Server) watch() {
	t := time.NewTicker(handoffAfter / 2)
	defer t.Stop()
	idle := 0
	for range t.C {
		if s.running.Load() > 0 {
			idle = 0
			now := monotonic()
			s.mu.Lock()
			for c := range s.conns {
				c.handOff(now)
			}
			s.mu.Unlock()
			continue
		}
		if idle++; idle < watchIdle {
			continue
		}
		s.watching.Store(false)
		// A request that started since the look above may have seen the
		// watchdog running: look again, unless another watchdog started.
		if s.running.Load() == 0 || !s.watching.CompareAndSwap(false, true) {
			return
		}
		idle = 0
	}
}
