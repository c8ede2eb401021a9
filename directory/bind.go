package directory

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"

	"userdir/schema"
)

// Account is a simple-bind identity.
type Account struct {
	DN           string // as configured
	PasswordHash string // bcrypt
	Role         schema.Role
}

// Network gives a role to clients from a prefix without a bind.
type Network struct {
	Prefix netip.Prefix
	Role   schema.Role
	// HarvestBudget overrides Options.HarvestBudget for book clients of
	// this network, each address (IPv6: each /64) on its own: an office
	// behind one NAT address. 0 keeps the default.
	HarvestBudget int
}

// binder checks simple binds: bcrypt against the configured hashes, with a
// cache of verified credentials (so a client that binds on every
// connection costs one bcrypt, not one per connection), and throttling of
// guesses: after failures, attempts on the same DN (from any address) and
// from the same address (on any DN) are spaced by a delay that doubles
// with each failure, so many connections or addresses guess no faster than
// one. An unknown DN costs the same bcrypt as a known one, so timing does
// not tell which accounts exist.
type binder struct {
	accounts map[string]Account // by normalized DN
	dummy    []byte             // a hash of the accounts' cost, checked for unknown DNs
	key      [32]byte           // HMAC key of the cache
	slots    chan struct{}      // bounds concurrent bcrypt work
	checks   atomic.Int64       // bcrypt comparisons made

	mu       sync.Mutex
	verified map[[32]byte]schema.Role
	failures map[string]*failure
}

// failure is the recent failures of one DN or address.
type failure struct {
	count   int
	pending int // attempts given a turn and not yet recorded
	last    time.Time
	next    time.Time // the earliest the next attempt is checked
}

const (
	failureBaseDelay = 250 * time.Millisecond
	failureMaxDelay  = 8 * time.Second
	failureForget    = 15 * time.Minute
	maxBindWait      = 10 * time.Second // a longer queue is answered busy at once
	maxVerified      = 10000
)

func newBinder(accounts []Account) (*binder, error) {
	b := &binder{
		accounts: make(map[string]Account, len(accounts)),
		slots:    make(chan struct{}, 2),
		verified: make(map[[32]byte]schema.Role),
		failures: make(map[string]*failure),
	}
	if _, err := rand.Read(b.key[:]); err != nil {
		return nil, err
	}
	cost := bcrypt.DefaultCost
	for _, a := range accounts {
		ndn, err := schema.NormalizeDN(a.DN)
		if err != nil {
			return nil, err
		}
		b.accounts[ndn] = a
		if c, err := bcrypt.Cost([]byte(a.PasswordHash)); err == nil {
			cost = c
		}
	}
	var err error
	if b.dummy, err = bcrypt.GenerateFromPassword(b.key[:16], cost); err != nil {
		return nil, err
	}
	return b, nil
}

// errThrottled is a bind not checked because its DN or address failed too
// often recently: busy (51).
var errThrottled = errors.New("too many failed binds")

// check verifies dn and password and returns the account's role. A
// credential verified before is answered at once. Otherwise the attempt
// waits for its turn on the DN and the address (see binder), and a failure
// is answered only after the delay of its count.
func (b *binder) check(ctx context.Context, peer netip.Addr, ndn string, password []byte, now time.Time) (schema.Role, error) {
	mac := hmac.New(sha256.New, b.key[:])
	mac.Write([]byte(ndn))
	mac.Write([]byte{0})
	mac.Write(password)
	var sum [32]byte
	mac.Sum(sum[:0])
	b.mu.Lock()
	role, ok := b.verified[sum]
	b.mu.Unlock()
	if ok {
		return role, nil
	}
	keys := [2]string{"dn " + ndn, netKey(peer)}
	wait, ok := b.reserve(keys, now)
	if !ok {
		return "", errThrottled
	}
	if !sleep(ctx, wait) {
		b.unreserve(keys)
		return "", ctx.Err()
	}
	role, ok = b.verify(ctx, ndn, password)
	d := b.record(keys, ok, sum, role, now.Add(wait))
	if !ok {
		sleep(ctx, d)
		return "", errBadCredentials
	}
	return role, nil
}

// errBadCredentials is a wrong password or an unknown DN: invalidCredentials (49).
var errBadCredentials = errors.New("invalid credentials")

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// reserve gives an attempt its turn: when the DN or the address has failed
// recently, no sooner than their next free time, which it then pushes on
// by the delay of their failures counting the attempts already waiting
// (each is presumed to fail). It reports false when the turn is too far
// away.
func (b *binder) reserve(keys [2]string, now time.Time) (time.Duration, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	start := now
	for _, k := range keys {
		if f := b.failures[k]; f != nil && now.Sub(f.last) < failureForget && f.next.After(start) {
			start = f.next
		}
	}
	if start.Sub(now) > maxBindWait {
		return 0, false
	}
	for _, k := range keys {
		if f := b.failures[k]; f != nil && now.Sub(f.last) < failureForget {
			f.pending++
			f.next = start.Add(failureDelay(f.count + f.pending))
		}
	}
	return start.Sub(now), true
}

// unreserve forgets the turn of an attempt abandoned while waiting.
func (b *binder) unreserve(keys [2]string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range keys {
		if f := b.failures[k]; f != nil {
			f.pending = max(f.pending-1, 0)
		}
	}
}

// failureDelay is the delay after n recent failures.
func failureDelay(n int) time.Duration {
	if n <= 0 {
		return 0
	}
	return min(failureBaseDelay<<min(n-1, 10), failureMaxDelay)
}

func (b *binder) verify(ctx context.Context, ndn string, password []byte) (schema.Role, bool) {
	acct, known := b.accounts[ndn]
	hash := []byte(acct.PasswordHash)
	if !known {
		hash = b.dummy // the same work, so that timing does not tell
	}
	select {
	case b.slots <- struct{}{}:
	case <-ctx.Done():
		return "", false
	}
	defer func() { <-b.slots }()
	b.checks.Add(1)
	if bcrypt.CompareHashAndPassword(hash, password) != nil || !known {
		return "", false
	}
	return acct.Role, true
}

// record notes the outcome of a checked attempt and returns the delay
// before a failure is answered.
func (b *binder) record(keys [2]string, ok bool, sum [32]byte, role schema.Role, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ok {
		if len(b.verified) >= maxVerified {
			clear(b.verified)
		}
		b.verified[sum] = role
		for _, k := range keys {
			delete(b.failures, k)
		}
		return 0
	}
	if len(b.failures) > 100000 {
		for k, f := range b.failures {
			if now.Sub(f.last) > failureForget {
				delete(b.failures, k)
			}
		}
	}
	n := 0
	for _, k := range keys {
		f := b.failures[k]
		if f == nil || now.Sub(f.last) > failureForget {
			f = &failure{next: now}
			b.failures[k] = f
		}
		f.pending = max(f.pending-1, 0)
		f.count++
		f.last = now
		if next := now.Add(failureDelay(f.count)); next.After(f.next) {
			f.next = next
		}
		n = max(n, f.count)
	}
	return failureDelay(n)
}
