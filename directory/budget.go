package directory

import (
	"hash/maphash"
	"log/slog"
	"net/netip"
	"sync"
	"time"
)

// DefaultHarvestBudget is the distinct entries a client network (an IPv4
// address, an IPv6 /64) or a bound book account may receive in 24 hours.
// A simulated heavy Thunderbird user, looking up 400 people a day from a
// 20,000-entry book by autocomplete typed letter by letter and by
// address-book search, receives at most about 1,500 distinct entries a day
// (TestHeavyUserStaysWithinBudget prints the figure); the default leaves a
// wide margin above that and keeps a harvester far from the whole book.
const DefaultHarvestBudget = 5000

// budgetWindow is how long a disclosed entry counts against a budget.
const budgetWindow = 24 * time.Hour

// maxBudgetKeys bounds the networks and accounts tracked at once: with the
// default budget some 5000 × 16 bytes each. Past it, keys whose entries
// have all expired are forgotten first, then the one used least recently.
const maxBudgetKeys = 8192

// pruneEvery bounds how often one key's expired entries are swept.
const pruneEvery = time.Minute

// budgetKey is who a disclosure counts against: a client network or a
// bound account, with its budget.
type budgetKey struct {
	name  string // "net 192.0.2.7", "net 2001:db8:1:2::/64", "dn <normalized DN>"
	limit int
}

// netKey is the budget key of a client address: the address for IPv4,
// its /64 for IPv6 (one customer's allocation).
func netKey(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return "net " + p.String()
	}
	return "net " + a.String()
}

// discloser counts the distinct entries each key has received.
type discloser struct {
	mu   sync.Mutex
	keys map[string]*disclosed
	log  *slog.Logger
	stat *Stats
}

// disclosed is one key's entries, each with the time it was first sent.
type disclosed struct {
	seen   map[uint64]int64 // entry hash → unix seconds
	pruned time.Time
	used   time.Time
	logged time.Time // when exhaustion was last logged
}

var entrySeed = maphash.MakeSeed()

// entryHash identifies an entry across snapshots by its normalized DN.
func entryHash(ndn string) uint64 { return maphash.String(entrySeed, ndn) }

func newDiscloser(log *slog.Logger, stat *Stats) *discloser {
	return &discloser{keys: make(map[string]*disclosed), log: log, stat: stat}
}

// admit reports whether the entry h may be sent to a client counted
// against keys: it was sent to every key within the window already, or
// every key has room for one more (which is then taken). When a key is out
// of room the event is logged once a day for that key.
func (b *discloser) admit(keys []budgetKey, h uint64, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	var buf [2]*disclosed
	ds := buf[:0]
	sec := now.Unix()
	for _, k := range keys {
		d := b.get(k.name, now)
		ds = append(ds, d)
		if t, ok := d.seen[h]; ok && sec-t < int64(budgetWindow/time.Second) {
			continue
		}
		if len(d.seen) >= k.limit {
			d.prune(now)
		}
		if len(d.seen) >= k.limit {
			b.exhausted(k, d, now)
			return false
		}
	}
	for _, d := range ds {
		if t, ok := d.seen[h]; !ok || sec-t >= int64(budgetWindow/time.Second) {
			d.seen[h] = sec
		}
	}
	return true
}

func (b *discloser) get(name string, now time.Time) *disclosed {
	d := b.keys[name]
	if d == nil {
		if len(b.keys) >= maxBudgetKeys {
			b.evict(now)
		}
		d = &disclosed{seen: make(map[uint64]int64), pruned: now}
		b.keys[name] = d
	}
	d.used = now
	return d
}

// evict forgets keys with nothing left in the window, or else the key used
// least recently.
func (b *discloser) evict(now time.Time) {
	var oldest string
	for name, d := range b.keys {
		if now.Sub(d.used) > budgetWindow {
			delete(b.keys, name)
			continue
		}
		if oldest == "" || d.used.Before(b.keys[oldest].used) {
			oldest = name
		}
	}
	if len(b.keys) >= maxBudgetKeys && oldest != "" {
		delete(b.keys, oldest)
	}
}

// prune drops entries sent longer than the window ago, at most once a minute.
func (d *disclosed) prune(now time.Time) {
	if now.Sub(d.pruned) < pruneEvery {
		return
	}
	d.pruned = now
	cut := now.Add(-budgetWindow).Unix()
	for h, t := range d.seen {
		if t <= cut {
			delete(d.seen, h)
		}
	}
}

func (b *discloser) exhausted(k budgetKey, d *disclosed, now time.Time) {
	if !d.logged.IsZero() && now.Sub(d.logged) < budgetWindow {
		return
	}
	d.logged = now
	b.stat.BudgetExhausted.Add(1)
	b.log.Warn("disclosure budget exhausted: further new entries refused for 24 hours",
		"client", k.name, "harvest_budget", k.limit)
}

// budgetMessage is the diagnostic of a search refused for the budget.
const budgetMessage = "disclosure budget of this network exhausted: too many different entries in 24 hours; ask the administrator for a reader account"
