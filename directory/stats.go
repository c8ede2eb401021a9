package directory

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Stats is what metrics read of a directory: its snapshot and its counters
// since it started.
type Stats struct {
	Entries int // entries in the current snapshot
	// Current is when the snapshot was last known to reflect the store: the
	// last successful poll of its change sequence, or the last build.
	Current time.Time
	// Built is when the snapshot's base was last built (at start, on a
	// reload, or by a compaction), and BuildTime how long that took.
	Built     time.Time
	BuildTime time.Duration
	// RefusedUnselective counts anonymous searches refused because their
	// filter was not selective; RefusedRate those refused by the rate limit;
	// RefusedBudget those refused by the disclosure budget (counted by
	// d.refused(&d.counters.budget, "budget", peer) where the budget is kept).
	RefusedUnselective uint64
	RefusedRate        uint64
	RefusedBudget      uint64
	BindFailures       uint64 // simple binds refused with invalidCredentials
}

// counters are the directory's event counters and snapshot times.
type counters struct {
	unselective, rate, budget, bindFailures atomic.Uint64
	current, built                          atomic.Int64 // Unix nanoseconds
	buildTime                               atomic.Int64 // nanoseconds
	refusals                                logLimiter
}

// Stats returns the directory's statistics now.
func (d *Directory) Stats() Stats {
	c := &d.counters
	return Stats{
		Entries:            d.snap.Load().Len(),
		Current:            time.Unix(0, c.current.Load()),
		Built:              time.Unix(0, c.built.Load()),
		BuildTime:          time.Duration(c.buildTime.Load()),
		RefusedUnselective: c.unselective.Load(),
		RefusedRate:        c.rate.Load(),
		RefusedBudget:      c.budget.Load(),
		BindFailures:       c.bindFailures.Load(),
	}
}

// builtAt records a base snapshot built at start that took took.
func (c *counters) builtAt(start time.Time, took time.Duration) {
	c.built.Store(start.Add(took).UnixNano())
	c.buildTime.Store(int64(took))
}

// refused counts a refused search and logs it at info with the client's
// address, at most refusalLogsPerSecond lines a second (a harvester must not
// fill the disk): the lines left out are counted in the next one.
func (d *Directory) refused(n *atomic.Uint64, reason string, peer netip.Addr, args ...any) {
	n.Add(1)
	if suppressed, ok := d.counters.refusals.allow(time.Now()); ok {
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
