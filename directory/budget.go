package directory

import (
	"hash/maphash"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"time"

	"userdir/config"
)

// DefaultHarvestBudget is the distinct entries a client network (an IPv4
// address, an IPv6 /64) or a bound book account may receive in 24 hours.
// A simulated heavy Thunderbird user (TestHeavyUserStaysWithinBudget), who
// looks up 300 people a day drawn at random from a 20,000-entry book by
// compose autocomplete typed letter by letter and by address-book search,
// receives at most about 6,900 distinct entries a day: some 20 per person,
// mostly namesakes of the three-letter search. The default is about three
// times that.
const DefaultHarvestBudget = config.DefaultHarvestBudget

// budgetWindow is how long a disclosed entry counts against a budget.
const budgetWindow = 24 * time.Hour

// maxBudgetKeys and maxBudgetEntries bound the memory of the budgets
// (about 40 bytes an entry in a map: some 80 MB at most). Past either,
// keys whose entries have all expired are forgotten first, then those used
// least recently: that needs thousands of networks, each of which gets its
// own budget anyway.
const (
	maxBudgetKeys    = 8192
	maxBudgetEntries = 2 << 20
)

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
	mu    sync.Mutex
	keys  map[string]*disclosed
	total int // entries in all keys
	log   *slog.Logger
	stat  *Stats
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
			b.total -= d.prune(now)
		}
		if len(d.seen) >= k.limit {
			b.exhausted(k, d, now)
			return false
		}
	}
	for _, d := range ds {
		t, ok := d.seen[h]
		if !ok {
			b.total++
		}
		if !ok || sec-t >= int64(budgetWindow/time.Second) {
			d.seen[h] = sec
		}
	}
	for b.total > maxBudgetEntries && len(b.keys) > len(keys) {
		b.evict(now, keys)
	}
	return true
}

func (b *discloser) get(name string, now time.Time) *disclosed {
	d := b.keys[name]
	if d == nil {
		if len(b.keys) >= maxBudgetKeys {
			b.evict(now, nil)
		}
		d = &disclosed{seen: make(map[uint64]int64), pruned: now}
		b.keys[name] = d
	}
	d.used = now
	return d
}

// evict forgets keys with nothing left in the window, or else the key used
// least recently that is not in keep.
func (b *discloser) evict(now time.Time, keep []budgetKey) {
	var oldest string
	for name, d := range b.keys {
		if now.Sub(d.used) > budgetWindow {
			b.drop(name)
			continue
		}
		if slices.ContainsFunc(keep, func(k budgetKey) bool { return k.name == name }) {
			continue
		}
		if oldest == "" || d.used.Before(b.keys[oldest].used) {
			oldest = name
		}
	}
	if (len(b.keys) >= maxBudgetKeys || b.total > maxBudgetEntries) && oldest != "" {
		b.drop(oldest)
	}
}

func (b *discloser) drop(name string) {
	b.total -= len(b.keys[name].seen)
	delete(b.keys, name)
}

// prune drops entries sent longer than the window ago, at most once a
// minute, and returns how many it dropped.
func (d *disclosed) prune(now time.Time) int {
	if now.Sub(d.pruned) < pruneEvery {
		return 0
	}
	d.pruned = now
	cut, n := now.Add(-budgetWindow).Unix(), 0
	for h, t := range d.seen {
		if t <= cut {
			delete(d.seen, h)
			n++
		}
	}
	return n
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
