package directory

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Stats are the directory's counters of refusals, for a metrics endpoint
// to read (Directory.Stats). They only grow.
type Stats struct {
	// RefusedUnselective counts book searches refused as too broad: with
	// unwillingToPerform (53) when they have no equality or substring item
	// at all, with adminLimitExceeded (11) when a sorted one matches more
	// than 5,000 entries.
	RefusedUnselective atomic.Uint64
	// RefusedBudget counts book searches cut with adminLimitExceeded (11)
	// because a network or account had received its harvest_budget.
	RefusedBudget atomic.Uint64
	// RefusedRate counts book searches refused with busy (51) by rate_limit.
	RefusedRate atomic.Uint64
	// BudgetExhausted counts the times a network or account ran out of its
	// budget (once per key and 24 hours, like the log line).
	BudgetExhausted atomic.Uint64
	// BindFailures counts failed simple binds (wrong password or unknown DN).
	BindFailures atomic.Uint64
	// BindThrottled counts binds answered busy (51) without a password
	// check because the DN or address had failed too often.
	BindThrottled atomic.Uint64
}

// Stats returns the directory's counters; they survive reloads.
func (d *Directory) Stats() *Stats { return &d.stats }

// SnapshotStats is the state of the directory's snapshot, for metrics and
// /healthz.
type SnapshotStats struct {
	Entries int // entries in the current snapshot
	// Current is when the snapshot was last known to reflect the store: the
	// last successful poll of its change sequence, or the last build.
	Current time.Time
	// Built is when the snapshot's base was last built (at start, on a
	// reload, or by a compaction), and BuildTime how long that took.
	Built     time.Time
	BuildTime time.Duration
}

// snapTimes are the times behind SnapshotStats, in Unix nanoseconds.
type snapTimes struct {
	current, built atomic.Int64
	buildTime      atomic.Int64 // nanoseconds
	refusals       logLimiter
}

// SnapshotStats returns the state of the snapshot now.
func (d *Directory) SnapshotStats() SnapshotStats {
	t := &d.times
	return SnapshotStats{
		Entries:   d.snap.Load().Len(),
		Current:   time.Unix(0, t.current.Load()),
		Built:     time.Unix(0, t.built.Load()),
		BuildTime: time.Duration(t.buildTime.Load()),
	}
}

// builtAt records a base snapshot built at start that took took.
func (t *snapTimes) builtAt(start time.Time, took time.Duration) {
	t.built.Store(start.Add(took).UnixNano())
	t.buildTime.Store(int64(took))
}

// refused counts a refused search in n and logs it at info with the
// client's address, at most refusalLogsPerSecond lines a second (a
// harvester must not fill the disk): the lines left out are counted in the
// next one.
func (d *Directory) refused(n *atomic.Uint64, reason string, peer netip.Addr, args ...any) {
	n.Add(1)
	if suppressed, ok := d.times.refusals.allow(time.Now()); ok {
		args = append([]any{"reason", reason, "peer", peer}, args...)
		if suppressed > 0 {
			args = append(args, "suppressed", suppressed)
		}
		d.log.Info("search refused", args...)
	}
}

const refusalLogsPerSecond = 20

// logLimiter lets through at most refusalLogsPerSecond events a second.
type logLimiter struct {
	mu         sync.Mutex
	second     int64
	n          int
	suppressed int
}

// allow reports whether to log now, and how many were left out before.
func (l *logLimiter) allow(now time.Time) (suppressed int, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s := now.Unix(); s != l.second {
		l.second, l.n = s, 0
	}
	if l.n >= refusalLogsPerSecond {
		l.suppressed++
		return 0, false
	}
	l.n++
	suppressed, l.suppressed = l.suppressed, 0
	return suppressed, true
}
