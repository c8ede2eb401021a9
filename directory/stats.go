package directory

import "sync/atomic"

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
