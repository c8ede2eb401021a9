package ldapserver

import "sync/atomic"

// Stats are the protocol layer's counters, for a metrics endpoint to read
// (Server.Stats). They only grow.
type Stats struct {
	// RefusedConnsPerAddress counts connections closed at accept because
	// their address had max_connections_per_address open.
	RefusedConnsPerAddress atomic.Uint64
	// RefusedConnsFull counts connections closed at accept because the
	// server had max_connections open (or all but the mta reserve).
	RefusedConnsFull atomic.Uint64
	// FrameBudgetDisconnects counts connections closed because a partly
	// received request would exceed the memory budget of its address.
	FrameBudgetDisconnects atomic.Uint64
	// RefusedOverLimits counts requests answered adminLimitExceeded for
	// too many sort keys, attributes or filter items.
	RefusedOverLimits atomic.Uint64
}

// Stats returns the server's counters.
func (s *Server) Stats() *Stats { return &s.stats }
