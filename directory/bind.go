package directory

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"net/netip"
	"sync"
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
// connection costs one bcrypt, not one per connection) and a growing delay
// after failures per DN and per client address.
type binder struct {
	accounts map[string]Account // by normalized DN
	key      [32]byte           // HMAC key of the cache
	slots    chan struct{}      // bounds concurrent bcrypt work

	mu       sync.Mutex
	verified map[[32]byte]schema.Role
	failures map[string]*failure
}

type failure struct {
	count int
	last  time.Time
}

const (
	failureBaseDelay = 250 * time.Millisecond
	failureMaxDelay  = 8 * time.Second
	failureForget    = 15 * time.Minute
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
	for _, a := range accounts {
		ndn, err := schema.NormalizeDN(a.DN)
		if err != nil {
			return nil, err
		}
		b.accounts[ndn] = a
	}
	return b, nil
}

// check verifies dn and password and returns the account's role. A
// failure is answered only after a delay that doubles with each recent
// failure of the same DN or client address; bcrypt work is bounded by a
// semaphore, which also bounds guessing across all clients.
func (b *binder) check(ctx context.Context, peer netip.Addr, ndn string, password []byte, now time.Time) (schema.Role, bool) {
	mac := hmac.New(sha256.New, b.key[:])
	mac.Write([]byte(ndn))
	mac.Write([]byte{0})
	mac.Write(password)
	var sum [32]byte
	mac.Sum(sum[:0])
	b.mu.Lock()
	role, ok := b.verified[sum]
	b.mu.Unlock()
	if !ok {
		role, ok = b.verify(ctx, ndn, password)
	}
	b.record(peer, ndn, ok, sum, role, now)
	if !ok {
		t := time.NewTimer(b.delay(peer, ndn, now))
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
	return role, ok
}

func (b *binder) verify(ctx context.Context, ndn string, password []byte) (schema.Role, bool) {
	acct, known := b.accounts[ndn]
	if !known {
		return "", false
	}
	select {
	case b.slots <- struct{}{}:
	case <-ctx.Done():
		return "", false
	}
	defer func() { <-b.slots }()
	if bcrypt.CompareHashAndPassword([]byte(acct.PasswordHash), password) != nil {
		return "", false
	}
	return acct.Role, true
}

func (b *binder) delay(peer netip.Addr, ndn string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, k := range []string{"dn:" + ndn, "ip:" + peer.String()} {
		if f := b.failures[k]; f != nil && now.Sub(f.last) < failureForget && f.count > n {
			n = f.count
		}
	}
	if n == 0 {
		return 0
	}
	d := failureBaseDelay << min(n-1, 10)
	return min(d, failureMaxDelay)
}

func (b *binder) record(peer netip.Addr, ndn string, ok bool, sum [32]byte, role schema.Role, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	keys := []string{"dn:" + ndn, "ip:" + peer.String()}
	if ok {
		if len(b.verified) >= maxVerified {
			clear(b.verified)
		}
		b.verified[sum] = role
		for _, k := range keys {
			delete(b.failures, k)
		}
		return
	}
	if len(b.failures) > 100000 {
		for k, f := range b.failures {
			if now.Sub(f.last) > failureForget {
				delete(b.failures, k)
			}
		}
	}
	for _, k := range keys {
		f := b.failures[k]
		if f == nil || now.Sub(f.last) > failureForget {
			f = &failure{}
			b.failures[k] = f
		}
		f.count++
		f.last = now
	}
}
