package directory

import (
	"net/netip"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"userdir/schema"
)

// selectivity says how a book search's filter is treated (see
// the README's "Who sees what").
type selectivity int

const (
	// noAssertion: the filter has no equality or substring item on any
	// attribute but objectClass (objectclass=*, presence or ordering
	// only). One-level and subtree searches are refused with 53.
	noAssertion selectivity = iota
	// tooShort: it has such items, but none pins the entries down (the
	// first letter typed): success with no entries.
	tooShort
	// isSelective: searched normally.
	isSelective
)

// classify returns the selectivity of f for a book search with pieces of
// at least min characters.
func classify(f schema.Filter, min int) selectivity {
	switch {
	case selective(f, min):
		return isSelective
	case hasAssertion(f):
		return tooShort
	}
	return noAssertion
}

// selective reports whether every entry f can match is pinned down by an
// equality, or a substring piece of at least min characters, on any
// attribute but objectClass: an And needs one selective member, an Or needs
// all of them. Presence, ordering, approximate and extensible items never
// count, except on an attribute the directory does not have: such an item
// can match nothing (Thunderbird ORs mozillaNickname and friends in). Nor
// can a substring item none of whose pieces normalizes, such as a name
// typed into a client that ORs (telephoneNumber=*name*) in: it is
// selective, so the name's other members still find the entries.
func selective(f schema.Filter, min int) bool {
	switch f := f.(type) {
	case schema.And:
		return slices.ContainsFunc(f, func(c schema.Filter) bool { return selective(c, min) })
	case schema.Or:
		return len(f) > 0 && !slices.ContainsFunc(f, func(c schema.Filter) bool { return !selective(c, min) })
	case schema.Equality:
		t := schema.LookupAttribute(f.Attr)
		switch {
		case t == nil || t.Equality == nil:
			return true
		case t == schema.AttrObjectClass:
			return false
		}
		n, ok := t.Equality.Normalize(f.Value)
		return !ok || n != ""
	case schema.Substrings:
		t := schema.LookupAttribute(f.Attr)
		switch {
		case t == nil || t.Substr == nil:
			return true
		case t == schema.AttrObjectClass:
			return false
		}
		undefined := true // no piece normalizes (a phone piece without digits): Undefined, matches nothing
		for _, p := range append([]string{f.Initial, f.Final}, f.Any...) {
			if pieceLen(t, p) >= min {
				return true
			}
			if _, ok := t.Substr.Normalize(p); p != "" && ok {
				undefined = false
			}
		}
		return undefined
	case schema.Present:
		return schema.LookupAttribute(f.Attr) == nil
	case schema.Approx:
		return schema.LookupAttribute(f.Attr) == nil
	case schema.GreaterOrEqual:
		return schema.LookupAttribute(f.Attr) == nil
	case schema.LessOrEqual:
		return schema.LookupAttribute(f.Attr) == nil
	}
	return false
}

// hasAssertion reports whether f has an equality or substring item on an
// attribute other than objectClass anywhere, negated or not.
func hasAssertion(f schema.Filter) bool {
	switch f := f.(type) {
	case schema.And:
		return slices.ContainsFunc(f, hasAssertion)
	case schema.Or:
		return slices.ContainsFunc(f, hasAssertion)
	case schema.Not:
		return hasAssertion(f.Filter)
	case schema.Equality:
		return schema.LookupAttribute(f.Attr) != schema.AttrObjectClass
	case schema.Substrings:
		return schema.LookupAttribute(f.Attr) != schema.AttrObjectClass
	}
	return false
}

// pieceLen is the length that counts for a substring piece: characters of
// its normalized form (digits for phones), so padding does not count.
func pieceLen(t *schema.AttributeType, p string) int {
	if p == "" || t.Substr == nil {
		return 0
	}
	norm, ok := t.Substr.Normalize(p)
	if !ok {
		return 0
	}
	return utf8.RuneCountInString(norm)
}

// rateKey is the address a book search's rate counts against: an IPv4
// address, or an IPv6 address's /64, since one customer holds a whole /64.
func rateKey(a netip.Addr) netip.Addr {
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

// rateLimiter is a token bucket per client address (see rateKey).
type rateLimiter struct {
	mu      sync.Mutex
	perMin  int
	burst   float64
	buckets map[netip.Addr]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(perMinute int) *rateLimiter {
	if perMinute <= 0 {
		return nil
	}
	burst := float64(perMinute) / 10
	if burst < 10 {
		burst = 10
	}
	return &rateLimiter{perMin: perMinute, burst: burst, buckets: make(map[netip.Addr]*bucket)}
}

// allow takes a token for addr, reporting false when its bucket is empty.
func (r *rateLimiter) allow(addr netip.Addr, now time.Time) bool {
	if r == nil {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.buckets[addr]
	if b == nil {
		if len(r.buckets) > 100000 {
			r.prune(now)
		}
		b = &bucket{tokens: r.burst, last: now}
		r.buckets[addr] = b
	}
	b.tokens += now.Sub(b.last).Minutes() * float64(r.perMin)
	b.last = now
	if b.tokens > r.burst {
		b.tokens = r.burst
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// prune forgets buckets that have refilled completely.
func (r *rateLimiter) prune(now time.Time) {
	full := time.Duration(r.burst / float64(r.perMin) * float64(time.Minute))
	for a, b := range r.buckets {
		if now.Sub(b.last) > full {
			delete(r.buckets, a)
		}
	}
}
