package directory

import (
	"net/netip"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"userdir/schema"
)

// selectiveAttrs are the attributes whose equality or long-enough substring
// makes an anonymous filter selective (docs/roles.md).
var selectiveAttrs = []*schema.AttributeType{
	schema.AttrCN, schema.AttrSN, schema.AttrGivenName, schema.AttrDisplayName, schema.AttrMail,
	schema.AttrTelephoneNumber, schema.AttrIPPhone, schema.AttrMobile,
}

// selective reports whether every entry f can match is pinned down by an
// equality, or a substring piece of at least min characters, on a name,
// mail or phone attribute: an And needs one selective member, an Or needs
// all of them. An item on an attribute the directory does not have can
// match nothing, so it counts as selective.
func selective(f schema.Filter, min int) bool {
	switch f := f.(type) {
	case schema.And:
		return slices.ContainsFunc(f, func(c schema.Filter) bool { return selective(c, min) })
	case schema.Or:
		return len(f) > 0 && !slices.ContainsFunc(f, func(c schema.Filter) bool { return !selective(c, min) })
	case schema.Equality:
		t := schema.LookupAttribute(f.Attr)
		return t == nil || slices.Contains(selectiveAttrs, t) && f.Value != ""
	case schema.Substrings:
		t := schema.LookupAttribute(f.Attr)
		if t == nil {
			return true
		}
		if !slices.Contains(selectiveAttrs, t) {
			return false
		}
		for _, p := range append([]string{f.Initial, f.Final}, f.Any...) {
			if pieceLen(t, p) >= min {
				return true
			}
		}
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

// rateLimiter is a token bucket per client address.
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
