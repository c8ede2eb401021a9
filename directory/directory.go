package directory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"userdir/config"
	"userdir/schema"
	"userdir/store"
)

// Source is the store as the directory reads it: whole, or the records
// changed since a change sequence, and where the large change sets among
// those end. It never writes.
type Source interface {
	Records(ctx context.Context, tombstones bool) ([]store.Record, int64, error)
	Changes(ctx context.Context, after int64) ([]store.Record, int64, error)
	ChangeSplit(ctx context.Context, after int64, limit int) (int64, error)
	Seq(ctx context.Context) (int64, error)
}

var _ Source = (*store.Store)(nil)

// Watcher is a Source that can say when the store changed (PostgreSQL's
// LISTEN/NOTIFY): Run then refreshes at once, and its poll is only a
// safety net. A nil channel means the source cannot say.
type Watcher interface {
	Watch(ctx context.Context) <-chan struct{}
}

var _ Watcher = (*store.Store)(nil)

// Options configure a Directory. Zero values work where noted.
type Options struct {
	Source Source
	Mapper *schema.Mapper
	// Encoder encodes the entries for the front end that sends them
	// (wire.EntryEncoder of package ldapserver/wire for LDAP). Source,
	// Mapper and Encoder are required.
	Encoder Encoder
	// Accounts are the simple-bind identities; Networks give roles by
	// client address; Allow lists the networks that may connect (empty: all).
	Accounts []Account
	Networks []Network
	Allow    []netip.Prefix
	// AnonymousRole is the role of clients that have not bound and match
	// no network; empty means book.
	AnonymousRole schema.Role
	SizeLimit     int // anonymous (book) size limit; 0 means config.DefaultSizeLimit (50)
	MinSubstring  int // book selectivity: shortest substring piece; 0 means config.DefaultMinSubstring (2)
	RateLimit     int // book searches per minute per address; 0: no limit
	// HarvestBudget is the distinct entries a book client network (IPv4
	// address, IPv6 /64) or bound book account receives per 24 hours;
	// 0 means DefaultHarvestBudget. A Network may set its own.
	HarvestBudget int
	StartTLS      bool // advertise StartTLS in the RootDSE
	// PollInterval is how often the store is checked for changes; 0 means
	// 250ms. A Source that is a Watcher is also read whenever it says.
	PollInterval  time.Duration
	VendorVersion string
	Logger        *slog.Logger
	Now           func() time.Time
}

// Directory answers binds and searches. It is safe for concurrent use.
type Directory struct {
	snap   atomic.Pointer[Snapshot]
	policy atomic.Pointer[policy]
	log    *slog.Logger
	now    func() time.Time

	refreshMu  sync.Mutex  // serializes snapshot updates
	lastEdit   time.Time   // when the overlay last grew (under refreshMu)
	compacting atomic.Bool // a Compact or CatchUp is running
	generation uint64      // counts Reconfigures (under refreshMu)
	filters    filterCache
	dns        dnCache
	stats      Stats
	times      snapTimes
	budget     *discloser
}

// policy is the part of Options that a reload swaps as a whole.
type policy struct {
	opts    Options
	binder  *binder
	limiter *rateLimiter
	root    *item
	schema  *item
}

// New builds a directory and loads its first snapshot.
func New(ctx context.Context, o Options) (*Directory, error) {
	d := &Directory{log: o.Logger, now: o.Now}
	if d.log == nil {
		d.log = slog.Default()
	}
	d.budget = newDiscloser(d.log, &d.stats)
	if d.now == nil {
		d.now = time.Now
	}
	if err := d.Reconfigure(ctx, o); err != nil {
		return nil, err
	}
	return d, nil
}

// Reconfigure installs new options (a SIGHUP) and rebuilds the snapshot
// from the store, since the tree may have changed.
func (d *Directory) Reconfigure(ctx context.Context, o Options) error {
	if o.Source == nil || o.Mapper == nil || o.Encoder == nil {
		return errors.New("directory: Source, Mapper and Encoder are required")
	}
	if o.AnonymousRole == "" {
		o.AnonymousRole = schema.RoleBook
	}
	if o.SizeLimit <= 0 {
		o.SizeLimit = config.DefaultSizeLimit
	}
	if o.MinSubstring <= 0 {
		o.MinSubstring = config.DefaultMinSubstring
	}
	if o.HarvestBudget <= 0 {
		o.HarvestBudget = DefaultHarvestBudget
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 250 * time.Millisecond
	}
	b, err := newBinder(o.Accounts)
	if err != nil {
		return fmt.Errorf("directory: accounts: %w", err)
	}
	p := &policy{opts: o, binder: b, limiter: newRateLimiter(o.RateLimit)}
	p.root = newItem(o.Encoder, rootDSE(o), "", -1)
	p.schema = newItem(o.Encoder, schema.SubschemaEntry(), "", -1)
	d.refreshMu.Lock()
	defer d.refreshMu.Unlock()
	recs, seq, err := o.Source.Records(ctx, false)
	if err != nil {
		return fmt.Errorf("directory: load: %w", err)
	}
	start := time.Now()
	s := buildSnapshot(o.Mapper, o.Encoder, recs, seq, d.log)
	d.times.builtAt(start, time.Since(start))
	d.times.current.Store(start.UnixNano())
	d.log.Info("snapshot built", "entries", len(s.items), "seq", seq, "took", time.Since(start).Round(time.Millisecond))
	d.generation++
	d.policy.Store(p)
	d.snap.Store(s)
	recs = nil
	debug.FreeOSMemory()
	return nil
}

// Snapshot returns the current snapshot.
func (d *Directory) Snapshot() *Snapshot { return d.snap.Load() }

// SnapshotAge returns how long ago the snapshot was last known to be
// current (SnapshotStats.Current). It grows while the store is
// unreachable, and the directory goes on answering from the snapshot it
// has; /healthz fails when it is too old.
func (d *Directory) SnapshotAge() time.Duration {
	return time.Since(d.SnapshotStats().Current)
}

// Backoff of Run's reads while the store is unreachable.
const maxRetryWait = 10 * time.Second

// Run keeps the snapshot current until ctx is done, polling the store's
// change sequence, and reading it at once when a Watcher source says it
// changed. While the store fails, Run logs the snapshot's age, keeps the
// snapshot, and tries again with a backoff (up to 10 s; a Watcher's
// signal, sent when it reconnects, tries at once). A catch-up after a
// large change set, or else a compaction, runs in a goroutine of its own
// (one at a time), so that small changes stay visible meanwhile; Run waits
// for it before it returns, so the store may be closed after.
func (d *Directory) Run(ctx context.Context) error {
	o := d.policy.Load().opts
	t := time.NewTicker(o.PollInterval)
	defer t.Stop()
	var changed <-chan struct{}
	if w, ok := o.Source.(Watcher); ok {
		changed = w.Watch(ctx)
	}
	var failing bool
	var retryAt time.Time
	wait := o.PollInterval
	var background sync.WaitGroup
	defer background.Wait()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
			retryAt = time.Time{}
		case <-t.C:
			if time.Now().Before(retryAt) {
				continue
			}
		}
		err := d.Refresh(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			d.log.Error("store unreachable; serving the last snapshot", "snapshot_age", d.SnapshotAge().Round(time.Second).String(), "retry_in", wait.String(), "err", err)
			failing, retryAt, wait = true, time.Now().Add(wait), min(2*wait, maxRetryWait)
			continue
		case failing:
			d.log.Info("store reachable again", "snapshot_age", d.SnapshotAge().Round(time.Millisecond).String())
			failing, retryAt, wait = false, time.Time{}, o.PollInterval
		}
		job, name := d.Compact, "compact snapshot"
		if d.snap.Load().Behind() {
			job, name = d.CatchUp, "apply a large change set"
		} else if !d.compactDue() {
			continue
		}
		if d.compacting.CompareAndSwap(false, true) {
			background.Go(func() {
				defer d.compacting.Store(false)
				if err := job(ctx); err != nil && ctx.Err() == nil {
					d.log.Error(name, "err", err)
				}
			})
		}
	}
}

// Refresh brings the snapshot up to date with the store now: the changed
// records go into the overlay, which has indexes of its own, so a change is
// searchable as soon as it is read.
//
// A large change set (together more than largeChange records: a sync or
// a big message) is not read here: mapping and indexing it takes seconds,
// and the small changes committed after it would wait for it. Refresh only
// moves the snapshot's read position past it (Source.ChangeSplit), reads
// the small changes after it into the overlay of the current base as
// usual, and leaves the large one to CatchUp (Run starts it), which
// rebuilds the base from every change since the last whole position. Each
// record is read in its state at the time of reading, so nothing a later
// change set set is reverted when the rebuilt base lands.
func (d *Directory) Refresh(ctx context.Context) error {
	d.refreshMu.Lock()
	defer d.refreshMu.Unlock()
	p := d.policy.Load()
	cur := d.snap.Load()
	polled := time.Now()
	seq, err := p.opts.Source.Seq(ctx)
	if err != nil {
		return err
	}
	if seq == cur.seq {
		d.times.current.Store(polled.UnixNano())
		return nil
	}
	split, err := p.opts.Source.ChangeSplit(ctx, cur.seq, largeChange)
	if err != nil {
		return err
	}
	if split > cur.seq {
		behind := *cur
		behind.seq = split
		d.log.Info("large change set: applying it in the background", "after", cur.seq, "through", split, "seq", seq)
		cur = &behind
		d.snap.Store(cur)
		if split == seq {
			return nil
		}
	}
	changes, seq, err := p.opts.Source.Changes(ctx, cur.seq)
	if err != nil {
		return err
	}
	next := cur.withChanges(p.opts.Mapper, p.opts.Encoder, changes, seq, d.log)
	d.lastEdit = time.Now()
	d.snap.Store(next)
	d.times.current.Store(polled.UnixNano())
	d.log.Debug("snapshot updated", "changes", len(changes), "seq", seq, "overlay", len(next.extra))
	return nil
}

// CatchUp applies the large change sets Refresh skipped (see Refresh): it
// reads every change since the snapshot's whole position and rebuilds the
// base with them, without holding up Refresh, until what is left is small;
// then it reads that under the refresh lock and installs the result.
func (d *Directory) CatchUp(ctx context.Context) error {
	d.refreshMu.Lock()
	cur, gen := d.snap.Load(), d.generation
	d.refreshMu.Unlock()
	if !cur.Behind() {
		return nil
	}
	p := d.policy.Load()
	start := time.Now()
	base := cur
	for {
		changes, seq, err := p.opts.Source.Changes(ctx, base.whole)
		if err != nil {
			return err
		}
		base = base.rebuilt(p.opts.Mapper, p.opts.Encoder, changes, seq, d.log)
		if split, err := p.opts.Source.ChangeSplit(ctx, seq, largeChange); err != nil {
			return err
		} else if split > seq {
			continue // another large change set came meanwhile
		}
		d.refreshMu.Lock()
		if d.generation != gen {
			d.refreshMu.Unlock()
			return nil // a reload rebuilt the snapshot meanwhile, with its new layout
		}
		changes, seq, err = p.opts.Source.Changes(ctx, base.seq)
		if err != nil {
			d.refreshMu.Unlock()
			return err
		}
		if len(changes) > 0 {
			base = base.withChanges(p.opts.Mapper, p.opts.Encoder, changes, seq, d.log)
			d.lastEdit = time.Now()
		}
		d.snap.Store(base)
		d.refreshMu.Unlock()
		d.log.Info("large change set applied", "entries", len(base.items)+len(base.extra), "seq", base.seq, "took", time.Since(start).Round(time.Millisecond))
		go debug.FreeOSMemory()
		return nil
	}
}

// compactDue reports whether the overlay is big enough, or has been quiet
// long enough, to be folded into a new base.
func (d *Directory) compactDue() bool {
	cur := d.snap.Load()
	if len(cur.extra) == 0 && cur.masked == nil {
		return false
	}
	d.refreshMu.Lock()
	defer d.refreshMu.Unlock()
	return len(cur.extra) >= maxOverlay || time.Since(d.lastEdit) > quietCompact
}

// Compact folds the overlay into a new base. The base is built without
// holding up Refresh; changes that arrive meanwhile are read again from the
// store and put in the new snapshot's overlay. If Refresh skipped a large
// change set meanwhile, the result is dropped: CatchUp rebuilds the base.
func (d *Directory) Compact(ctx context.Context) error {
	d.refreshMu.Lock()
	cur, gen := d.snap.Load(), d.generation
	d.refreshMu.Unlock()
	start := time.Now()
	next := cur.compact()
	d.refreshMu.Lock()
	defer d.refreshMu.Unlock()
	if d.generation != gen {
		return nil // a reload rebuilt the snapshot meanwhile, with its new layout
	}
	if latest := d.snap.Load(); latest != cur {
		if latest.whole != cur.whole && latest.Behind() {
			return nil
		}
		p := d.policy.Load()
		changes, seq, err := p.opts.Source.Changes(ctx, cur.seq)
		if err != nil {
			return err
		}
		next = next.withChanges(p.opts.Mapper, p.opts.Encoder, changes, seq, d.log)
	}
	d.snap.Store(next)
	d.times.builtAt(start, time.Since(start))
	d.log.Debug("snapshot compacted", "entries", len(next.items), "took", time.Since(start).Round(time.Millisecond))
	go debug.FreeOSMemory()
	return nil
}

const (
	maxOverlay   = 4096
	quietCompact = 2 * time.Second
	// largeChange is the most changed records Refresh reads into the
	// overlay itself; a larger change set goes to CatchUp.
	largeChange = 2048
)

// Allowed reports whether a client at addr may connect at all.
func (d *Directory) Allowed(addr netip.Addr) bool {
	allow := d.policy.Load().opts.Allow
	if len(allow) == 0 {
		return true
	}
	addr = addr.Unmap()
	for _, p := range allow {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// Anonymous returns the session of a client at peer that has not bound:
// the role of the most specific matching network, else the anonymous role.
// A book session counts what it receives against its network's budget.
func (d *Directory) Anonymous(peer netip.Addr) *Session {
	p := d.policy.Load()
	peer = peer.Unmap()
	role, bits := p.opts.AnonymousRole, -1
	for _, n := range p.opts.Networks {
		if n.Prefix.Contains(peer) && n.Prefix.Bits() > bits {
			role, bits = n.Role, n.Prefix.Bits()
		}
	}
	s := &Session{Peer: peer, Role: role, cursors: newCursorSet()}
	if role.Limited() {
		s.budget = []budgetKey{{name: netKey(peer), limit: p.networkBudget(peer)}}
	}
	return s
}

// Bind performs a simple bind (RFC 4513 §5.1). An empty name and password
// is an anonymous bind; a name without a password is refused, as an
// unauthenticated bind would look like success to a careless client.
func (d *Directory) Bind(ctx context.Context, peer netip.Addr, name string, password []byte) (*Session, Result) {
	anon := d.Anonymous(peer)
	if name == "" && len(password) == 0 {
		return anon, Result{Code: Success}
	}
	if len(password) == 0 {
		return anon, Result{Code: UnwillingToPerform, Message: "unauthenticated bind (DN with no password) disallowed"}
	}
	ndn, err := schema.NormalizeDN(name)
	if err != nil {
		return anon, Result{Code: InvalidDNSyntax, Message: "invalid DN"}
	}
	p := d.policy.Load()
	role, err := p.binder.check(ctx, anon.Peer, ndn, password, d.now())
	switch {
	case errors.Is(err, errThrottled):
		d.stats.BindThrottled.Add(1)
		d.log.Info("bind refused: too many recent failures", "dn", name, "peer", anon.Peer)
		return anon, Result{Code: Busy, Message: "too many failed binds for this name or address; try again later"}
	case err != nil:
		d.stats.BindFailures.Add(1)
		d.log.Info("bind failed", "dn", name, "peer", anon.Peer)
		return anon, Result{Code: InvalidCredentials}
	}
	s := &Session{Peer: anon.Peer, Role: role, BindDN: name, Authenticated: true, cursors: newCursorSet()}
	if role.Limited() {
		s.budget = []budgetKey{
			{name: netKey(anon.Peer), limit: p.networkBudget(anon.Peer)},
			{name: "dn " + ndn, limit: p.opts.HarvestBudget},
		}
	}
	return s, Result{Code: Success}
}

// networkBudget is the harvest budget of a client at peer.
func (p *policy) networkBudget(peer netip.Addr) int {
	budget, bits := p.opts.HarvestBudget, -1
	for _, n := range p.opts.Networks {
		if n.Prefix.Contains(peer) && n.Prefix.Bits() > bits {
			bits, budget = n.Prefix.Bits(), p.opts.HarvestBudget
			if n.HarvestBudget > 0 {
				budget = n.HarvestBudget
			}
		}
	}
	return budget
}

// WhoAmI returns the authorization identity of s (RFC 4532): "dn:<bind DN>", or "" for anonymous.
func (d *Directory) WhoAmI(s *Session) string {
	if s == nil || !s.Authenticated {
		return ""
	}
	return "dn:" + s.BindDN
}
