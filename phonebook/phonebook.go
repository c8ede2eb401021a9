// Package phonebook serves the directory over HTTP to people and desk
// phones that do not speak LDAP: a search page (server-rendered HTML, with
// a JSON form for scripts) and the XML directories that Yealink, Cisco,
// Grandstream, Snom, Fanvil and Gigaset phones read (docs/phonebook.md and
// the README section "Over HTTP: XML phone books and a search page").
//
// Every answer comes from the directory core's Search with the client's
// Session, so HTTP clients get exactly what LDAP clients get: the same
// roles (HTTP Basic with an [[ldap.account]] DN and password, or the role
// of the client's [[ldap.network]]), and for the book role the same
// selectivity rule, size_limit and rate limit — and whatever else the core
// counts per client. Whole-book files need a role without the anonymous
// limits (reader; mta is served as reader: a phone book never lists hidden
// entries).
package phonebook

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"

	"userdir/directory"
	"userdir/schema"
)

// Directory is what the HTTP front end needs from the directory core.
type Directory interface {
	Allowed(addr netip.Addr) bool
	Anonymous(peer netip.Addr) *directory.Session
	Bind(ctx context.Context, peer netip.Addr, name string, password []byte) (*directory.Session, directory.Result)
	Search(ctx context.Context, s *directory.Session, req *directory.SearchRequest, out directory.Emitter) directory.SearchResult
	Snapshot() *directory.Snapshot
}

var _ Directory = (*directory.Directory)(nil)

// Options configure a Handler. Zero values work except Directory.
type Options struct {
	Directory Directory
	// Title is shown on the search page and phone screens; "" means
	// "Directory" on phones and "Справочник" or "Directory" on the page, by
	// the reader's language.
	Title string
	// MaxBookEntries bounds a whole-book file; 0 means 10000. Desk phones
	// hold a few thousand contacts at most.
	MaxBookEntries int
	// MaxInFlight bounds the requests served at once; more get 503 at
	// once, so a flood cannot queue up work. 0 means 64.
	MaxInFlight int
	Logger      *slog.Logger
}

// Handler answers the search page and the phone directories. Mount it at
// "/" of any mux (it answers "/", "/search" and "/phonebook/…" itself and
// 404 for the rest), or at "/phonebook/" only for the phones.
type Handler struct {
	opts  Options
	log   *slog.Logger
	mux   *http.ServeMux
	books bookCache
	slots chan struct{} // bounds whole-book renders in flight

	inFlight chan struct{} // bounds requests in flight
}

// New returns a Handler.
func New(o Options) (*Handler, error) {
	if o.Directory == nil {
		return nil, errors.New("phonebook: Directory is required")
	}
	if o.MaxBookEntries <= 0 {
		o.MaxBookEntries = 10000
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 64
	}
	h := &Handler{opts: o, log: o.Logger, mux: http.NewServeMux(), slots: make(chan struct{}, 2), inFlight: make(chan struct{}, o.MaxInFlight)}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.routes()
	return h, nil
}

func (h *Handler) routes() {
	h.mux.HandleFunc("/{$}", h.page)
	h.mux.HandleFunc("/search", h.page)
	h.mux.HandleFunc("/phonebook/yealink.xml", h.book(yealinkBook))
	h.mux.HandleFunc("/phonebook/yealink/search", h.find(yealinkSearch))
	h.mux.HandleFunc("/phonebook/cisco", h.cisco)
	h.mux.HandleFunc("/phonebook/grandstream/phonebook.xml", h.book(grandstreamBook))
	h.mux.HandleFunc("/phonebook/snom.xml", h.book(snomBook))
	h.mux.HandleFunc("/phonebook/fanvil.xml", h.book(fanvilBook))
	h.mux.HandleFunc("/phonebook/gigaset", h.gigaset)
}

// ServeHTTP implements http.Handler: it checks the method, the client's
// network and the size of the query, then routes. A panic in a handler is
// logged and answered 500; the server keeps serving.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.Error("http handler panic", "path", r.URL.Path, "panic", v)
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost: // Snom and Cisco may POST; the body is ignored
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	select {
	case h.inFlight <- struct{}{}:
		defer func() { <-h.inFlight }()
	default:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	if len(r.URL.RawQuery) > maxRawQuery {
		http.Error(w, "query string too long", http.StatusRequestURITooLong)
		return
	}
	if !h.opts.Directory.Allowed(peerOf(r)) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// peerOf returns the client address of r. Forwarding headers are not
// trusted: a role given by network must come from the real peer.
func peerOf(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err == nil {
		return ap.Addr().Unmap()
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// session returns the client's directory session: HTTP Basic with an
// [[ldap.account]] DN and password, else the role of its network. ok is
// false (and 401 has been written) when credentials were sent and are wrong.
func (h *Handler) session(w http.ResponseWriter, r *http.Request) (*directory.Session, bool) {
	peer := peerOf(r)
	user, pass, basic := r.BasicAuth()
	if !basic || user == "" && pass == "" { // empty credentials are an anonymous bind
		return h.opts.Directory.Anonymous(peer), true
	}
	s, res := h.opts.Directory.Bind(r.Context(), peer, user, []byte(pass))
	if res.Code != directory.Success || !s.Authenticated {
		h.challenge(w, "wrong name or password")
		return nil, false
	}
	return s, true
}

// challenge answers 401 with a Basic challenge.
func (h *Handler) challenge(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Basic realm="userdir", charset="UTF-8"`)
	http.Error(w, msg, http.StatusUnauthorized)
}

// forPhones returns the session a phone book is read with: never more
// than reader sees (the mta role would add hidden entries).
func forPhones(s *directory.Session) *directory.Session {
	if s.Role == schema.RoleMTA || s.Role == schema.RoleAll {
		return &directory.Session{Peer: s.Peer, Role: schema.RoleReader, BindDN: s.BindDN, Authenticated: s.Authenticated}
	}
	return s
}

// result is what one search found.
type result struct {
	people    []Person
	truncated bool                 // the role's size limit (or MaxBookEntries) cut the list
	code      directory.ResultCode // the directory's result; Success (a size limit is reported as truncated)
	message   string
}

// collector is the Emitter of a search: it decodes each entry into a Person.
type collector struct {
	people []Person
	max    int
}

var errFull = errors.New("phonebook: enough entries")

func (c *collector) SendEntry(_, attrs []byte) error {
	if len(c.people) >= c.max {
		return errFull
	}
	p, err := decodePerson(attrs)
	if err != nil {
		return err
	}
	c.people = append(c.people, p)
	return nil
}

// search runs f through the directory for s, keeping at most max entries.
func (h *Handler) search(ctx context.Context, s *directory.Session, f schema.Filter, max int) result {
	c := &collector{max: max}
	req := &directory.SearchRequest{Scope: directory.ScopeSub, Filter: f, Attributes: attributes, SizeLimit: max}
	res := h.opts.Directory.Search(ctx, forPhones(s), req, c)
	out := result{people: c.people, code: res.Code, message: res.Message}
	switch {
	case res.Code == directory.SizeLimitExceeded:
		out.truncated, out.code = true, directory.Success
	case res.Code == directory.Other && len(c.people) >= max:
		out.truncated, out.code = true, directory.Success
	}
	sortPeople(out.people)
	return out
}

// status maps a directory result that is not a success to an HTTP status.
func status(code directory.ResultCode) int {
	switch code {
	case directory.Busy, directory.AdminLimitExceeded:
		return http.StatusTooManyRequests
	case directory.UnwillingToPerform, directory.InvalidDNSyntax:
		return http.StatusBadRequest
	case directory.InsufficientAccessRights:
		return http.StatusForbidden
	case directory.NoSuchObject:
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

// bookCache keeps each rendered whole book for the snapshot it was made
// from: phones poll, and the book changes only with the snapshot.
type bookCache struct {
	mu sync.Mutex
	m  map[string]cachedBook
}

type cachedBook struct {
	snap *directory.Snapshot
	body []byte
	etag string
}

func (c *bookCache) get(key string, snap *directory.Snapshot) (cachedBook, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[key]
	return b, ok && b.snap == snap
}

func (c *bookCache) put(key string, b cachedBook) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]cachedBook)
	}
	c.m[key] = b
}
