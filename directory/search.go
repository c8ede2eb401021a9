package directory

import (
	"context"
	"errors"
	"sync"
	"time"

	"userdir/schema"
)

// Search answers a search request for session s, sending entries to out.
// The returned result is the SearchResultDone; when ctx is cancelled (the
// request was abandoned) the result does not matter and is not sent.
func (d *Directory) Search(ctx context.Context, s *Session, req *SearchRequest, out Emitter) SearchResult {
	p := d.policy.Load()
	var now time.Time // for the rate limit and the budget: read once, time.Now is not free
	if s.Role.Limited() {
		now = d.now()
		if !p.limiter.allow(rateKey(s.Peer), now) {
			d.refused(&d.stats.RefusedRate, "rate", s.Peer)
			return SearchResult{Result: Result{Code: Busy, Message: "too many searches from this address; try again shortly"}}
		}
	}
	if req.Paging != nil && len(req.Paging.Cookie) > 0 {
		return d.nextPage(ctx, s, req, out)
	}
	ndn, err := d.dns.normalize(req.BaseDN)
	if err != nil {
		return SearchResult{Result: Result{Code: InvalidDNSyntax, Message: "invalid base DN"}}
	}
	scratch := scratches.Get().(*[]byte)
	defer putScratch(scratch)
	r := &run{d: d, p: p, s: s, req: req, out: out, ctx: ctx, snap: d.snap.Load(), scratch: (*scratch)[:0], scratchp: scratch, now: now}
	var class selectivity
	r.matcher, class = d.filters.compile(req, p.opts.MinSubstring)
	r.sel = newSelection(p.opts.Encoder, req.Attributes, req.TypesOnly)
	r.start(req.TimeLimit)
	switch {
	case ndn == "" && req.Scope == ScopeBase:
		if r.sel.allUser {
			r.sel.allOper = true // "*" shows the whole root DSE
		}
		return r.single(p.root)
	case ndn == subschemaNDN:
		if req.Scope == ScopeBase {
			return r.single(p.schema)
		}
		return SearchResult{}
	case ndn == "":
		ndn = r.snap.items[0].entry.NormDN
	}
	base, ok := r.snap.lookupDN(ndn)
	if !ok || !s.Role.Sees(r.snap.get(base).entry) {
		return SearchResult{Result: Result{Code: NoSuchObject, MatchedDN: r.matched(ndn)}}
	}
	if req.Scope == ScopeBase {
		return r.single(r.snap.get(base))
	}
	if s.Role.Limited() {
		switch class {
		case noAssertion:
			d.refused(&d.stats.RefusedUnselective, "unselective", s.Peer, "filter", req.Filter.String())
			return SearchResult{Result: Result{Code: UnwillingToPerform, Message: unselectiveMessage}}
		case tooShort:
			return SearchResult{}
		}
		r.budget = s.budget
	}
	r.base, r.scope = base, req.Scope
	r.limit = req.SizeLimit
	if s.Role.Limited() && (r.limit == 0 || r.limit > p.opts.SizeLimit) {
		r.limit = p.opts.SizeLimit
	}
	if req.Sort != nil || req.VLV != nil || req.Paging != nil {
		return r.materialized()
	}
	return r.stream()
}

// run is the state of one search.
type run struct {
	d        *Directory
	p        *policy
	s        *Session
	req      *SearchRequest
	out      Emitter
	ctx      context.Context
	snap     *Snapshot
	matcher  *schema.Matcher
	sel      selection
	base     int32
	scope    Scope
	limit    int
	sent     int
	scratch  []byte
	scratchp *[]byte     // where scratch goes back to its pool
	budget   []budgetKey // what each new entry sent counts against; nil: unlimited
	now      time.Time   // when the search started, for the budget; zero: not read yet

	deadline time.Time
	stopped  ResultCode // set when the time limit or an abandon stopped the scan
}

func (r *run) start(timeLimit int) {
	if timeLimit > 0 {
		r.deadline = time.Now().Add(time.Duration(timeLimit) * time.Second)
	}
}

// single answers a base-scope search of one item.
func (r *run) single(it *item) SearchResult {
	if r.matcher.Match(it.entry) == schema.True {
		if err := r.emit(it); err != nil {
			return SearchResult{Result: Result{Code: Other}}
		}
	}
	return SearchResult{}
}

// errBudget stops a search whose client has received its harvest budget.
var errBudget = errors.New("disclosure budget exhausted")

func (r *run) emit(it *item) error {
	if r.budget != nil {
		if r.now.IsZero() {
			r.now = r.d.now()
		}
		if !r.d.budget.admit(r.budget, it.hash, r.now) {
			return errBudget
		}
	}
	attrs, scratch := r.sel.encode(it, r.scratch)
	r.scratch = scratch
	if r.scratchp != nil {
		*r.scratchp = scratch
	}
	r.sent++
	return r.out.SendEntry(it.dn, attrs)
}

// matched returns the DN of the nearest existing, visible ancestor of ndn.
func (r *run) matched(ndn string) string {
	for ndn = schema.ParentDN(ndn); ndn != ""; ndn = schema.ParentDN(ndn) {
		if id, ok := r.snap.lookupDN(ndn); ok && r.s.Role.Sees(r.snap.get(id).entry) {
			return r.snap.get(id).entry.DN
		}
	}
	return ""
}

// stream sends matches as they are found, stopping one past the size limit.
func (r *run) stream() SearchResult {
	code := Success
	var failed error
	err := r.each(func(it *item) bool {
		if r.limit > 0 && r.sent >= r.limit {
			code = SizeLimitExceeded
			return false
		}
		if err := r.emit(it); err != nil {
			failed = err
			return false
		}
		return true
	})
	if failed != nil {
		return r.failure(failed)
	}
	if err != nil || r.stopped != 0 {
		return SearchResult{Result: Result{Code: r.stopped}}
	}
	return SearchResult{Result: Result{Code: code}}
}

// failure is the result of a search stopped by an error while sending.
func (r *run) failure(err error) SearchResult {
	if errors.Is(err, errBudget) {
		r.d.refused(&r.d.stats.RefusedBudget, "budget", r.s.Peer)
		return SearchResult{Result: Result{Code: AdminLimitExceeded, Message: budgetMessage}}
	}
	return SearchResult{Result: Result{Code: Other}}
}

// unselectiveMessage is the diagnostic of a book search refused with 53.
const unselectiveMessage = "search too broad: the address book is searchable, not listable; give part of a name, address or number (at least an equality or substring); a full copy needs a reader account"

// each calls fn with every visible entry in scope that matches the filter,
// until fn returns false. It stops early when the request is abandoned or
// runs out of time, setting r.stopped.
func (r *run) each(fn func(*item) bool) error {
	snap := r.snap
	arena := getArena()
	defer putArena(arena)
	pl := scanAll
	if snap.ix != nil {
		pl = snap.ix.planFilter(r.req.Filter, arena)
	}
	var seen *bitset
	if !pl.all && len(pl.lists) > 1 || len(snap.extra) > 0 {
		seen = getBitset(snap.size())
		defer putBitset(seen)
	}
	n := 0
	visit := func(id int32) bool {
		n++
		if n&255 == 0 && r.interrupted() {
			return false
		}
		if snap.isMasked(id) || !r.inScope(id) {
			return true
		}
		if seen != nil && seen.testAndSet(id) {
			return true
		}
		if !snap.sees(id, r.s.Role) {
			return true
		}
		it := snap.get(id)
		if r.matcher.Match(it.entry) != schema.True {
			return true
		}
		return fn(it)
	}
	if pl.all {
		if !r.scanScope(visit) {
			return nil
		}
	} else if !visitLists(pl.lists, 0, visit) {
		return nil
	}
	if len(snap.extra) == 0 {
		return nil
	}
	base := int32(len(snap.items))
	if xp := snap.xix.planFilter(r.req.Filter, arena); !xp.all {
		visitLists(xp.lists, base, visit)
		return nil
	}
	for i := range snap.extra {
		if !visit(base + int32(i)) {
			return nil
		}
	}
	return nil
}

// visitLists visits the ids of lists, shifted by base, until visit says stop.
func visitLists(lists [][]int32, base int32, visit func(int32) bool) bool {
	for _, list := range lists {
		for _, id := range list {
			if !visit(base + id) {
				return false
			}
		}
	}
	return true
}

func (r *run) interrupted() bool {
	if r.ctx.Err() != nil {
		r.stopped = Other
		return true
	}
	if !r.deadline.IsZero() && time.Now().After(r.deadline) {
		r.stopped = TimeLimitExceeded
		return true
	}
	return false
}

// inScope reports whether id lies in the search scope below r.base.
func (r *run) inScope(id int32) bool {
	it := r.snap.get(id)
	baseIt := r.snap.get(r.base)
	switch {
	case baseIt.div < 0: // the suffix
		return r.scope == ScopeSub || (it.key == "" && it.div >= 0)
	case baseIt.key == "": // a division
		if it.div != r.base {
			return false
		}
		return r.scope == ScopeSub || it.key != ""
	}
	return r.scope == ScopeSub && id == r.base
}

// scanScope visits every base id in scope, in order.
func (r *run) scanScope(visit func(int32) bool) bool {
	snap := r.snap
	lo, hi := int32(0), int32(0)
	baseIt := snap.get(r.base)
	switch {
	case baseIt.div < 0 && r.scope == ScopeSub:
		lo, hi = 0, int32(len(snap.items))
	case baseIt.div < 0:
		lo, hi = 1, int32(len(snap.divID)+1)
	case baseIt.key == "":
		if r.scope == ScopeSub && !visit(r.base) {
			return false
		}
		rg := snap.divRange[r.base]
		lo, hi = rg[0], rg[1]
	case int(r.base) < len(snap.items):
		lo, hi = r.base, r.base+1
	}
	for id := lo; id < hi; id++ {
		if !visit(id) {
			return false
		}
	}
	return true
}

// arenas hold the posting-list intersections of a search's plan.
var arenas = sync.Pool{New: func() any { return new([]int32) }}

func getArena() *[]int32 {
	a := arenas.Get().(*[]int32)
	*a = (*a)[:0]
	return a
}

func putArena(a *[]int32) {
	if cap(*a) <= 1<<20 {
		arenas.Put(a)
	}
}

// scratches hold the attributes gathered for one entry of a search.
var scratches = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

func putScratch(b *[]byte) {
	if cap(*b) <= 1<<20 {
		scratches.Put(b)
	}
}

// bitset marks ids already visited in a search.
type bitset struct{ words []uint64 }

var bitsets sync.Pool

func getBitset(n int) *bitset {
	b, _ := bitsets.Get().(*bitset)
	if b == nil {
		b = &bitset{}
	}
	w := (n + 63) / 64
	if cap(b.words) < w {
		b.words = make([]uint64, w)
	}
	b.words = b.words[:w]
	clear(b.words)
	return b
}

func putBitset(b *bitset) { bitsets.Put(b) }

func (b *bitset) testAndSet(id int32) bool {
	w, m := id>>6, uint64(1)<<(id&63)
	if b.words[w]&m != 0 {
		return true
	}
	b.words[w] |= m
	return false
}

// filterCache keeps compiled filters by their encoding: clients send the
// same few filter shapes with the same values again and again. It holds
// at most maxCachedFilterBytes, each filter costed at filterCost (its key
// and an estimate of its compiled form); filters longer than
// maxCachedFilterKey are compiled each time: no real client sends one, and
// a flood of distinct large filters must not pin memory. When full, it
// starts afresh.
type filterCache struct {
	mu    sync.RWMutex
	m     map[string]*compiled
	bytes int
}

// compiled is a cached filter: its matcher, and its selectivity for book
// searches (classify) with the shortest substring piece min.
type compiled struct {
	m     *schema.Matcher
	min   int
	class selectivity
}

const (
	maxCachedFilterBytes = 8 << 20
	maxCachedFilterKey   = 2 << 10
)

func filterCost(key string) int { return 3*len(key) + 256 }

// compile returns the matcher of req's filter and its selectivity with
// the shortest substring piece min, from the cache when req has a key.
func (c *filterCache) compile(req *SearchRequest, min int) (*schema.Matcher, selectivity) {
	if req.FilterKey == "" || len(req.FilterKey) > maxCachedFilterKey {
		return schema.Compile(req.Filter), classify(req.Filter, min)
	}
	c.mu.RLock()
	e := c.m[req.FilterKey]
	c.mu.RUnlock()
	if e != nil {
		if e.min != min { // a reload changed min_substring
			return e.m, classify(req.Filter, min)
		}
		return e.m, e.class
	}
	e = &compiled{m: schema.Compile(req.Filter), min: min, class: classify(req.Filter, min)}
	cost := filterCost(req.FilterKey)
	c.mu.Lock()
	if c.m == nil || c.bytes+cost > maxCachedFilterBytes {
		c.m, c.bytes = make(map[string]*compiled), 0
	}
	if _, ok := c.m[req.FilterKey]; !ok {
		c.m[req.FilterKey] = e
		c.bytes += cost
	}
	c.mu.Unlock()
	return e.m, e.class
}
