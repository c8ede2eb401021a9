package metrics

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"userdir/directory"
	"userdir/ldapserver"
)

// Directory collects a directory's and its LDAP server's counters at each
// scrape: the snapshot's entries, age and build time, refused searches,
// failed and throttled binds, refused connections, and open connections.
type Directory struct {
	// Stats and Snapshot read the directory; Server the LDAP server's
	// counters and OpenConns its open connections (nil: not reported).
	// Now is the clock (nil: time.Now).
	Stats     func() *directory.Stats
	Snapshot  func() directory.SnapshotStats
	Server    func() *ldapserver.Stats
	OpenConns func() int
	Now       func() time.Time
}

var (
	descEntries = prometheus.NewDesc("userdir_snapshot_entries",
		"Entries in the directory's in-memory snapshot (divisions and the suffix included).", nil, nil)
	descAge = prometheus.NewDesc("userdir_snapshot_age_seconds",
		"Seconds since the snapshot was last known to reflect the store (its change sequence is polled every 250 ms).", nil, nil)
	descBuild = prometheus.NewDesc("userdir_snapshot_build_seconds",
		"How long the last full build or compaction of the snapshot took.", nil, nil)
	descBuilt = prometheus.NewDesc("userdir_snapshot_built_timestamp_seconds",
		"When the snapshot's base was last built, as a Unix time.", nil, nil)
	descRefused = prometheus.NewDesc("userdir_ldap_searches_refused_total",
		"Anonymous searches refused, by reason: unselective (the filter could list the book), rate (the per-address rate limit), budget (the disclosure budget).",
		[]string{"reason"}, nil)
	descExhausted = prometheus.NewDesc("userdir_ldap_budget_exhausted_total",
		"Times a network or account ran out of its disclosure budget (once per key and 24 hours).", nil, nil)
	descBindFailures = prometheus.NewDesc("userdir_ldap_bind_failures_total",
		"Simple binds refused with invalidCredentials.", nil, nil)
	descBindThrottled = prometheus.NewDesc("userdir_ldap_binds_throttled_total",
		"Binds answered busy without a password check after too many failures.", nil, nil)
	descConnsRefused = prometheus.NewDesc("userdir_ldap_connections_refused_total",
		"Connections closed at accept, by reason: per_address (max_connections_per_address), full (max_connections).",
		[]string{"reason"}, nil)
	descOverLimits = prometheus.NewDesc("userdir_ldap_requests_over_limits_total",
		"Requests refused for exceeding a bound (sort keys, attributes, filter items) and connections cut for their partial frames.",
		[]string{"reason"}, nil)
	descConns = prometheus.NewDesc("userdir_ldap_connections_open",
		"LDAP client connections open now.", nil, nil)
)

// Describe implements prometheus.Collector.
func (d *Directory) Describe(ch chan<- *prometheus.Desc) {
	for _, desc := range []*prometheus.Desc{descEntries, descAge, descBuild, descBuilt, descRefused, descExhausted,
		descBindFailures, descBindThrottled, descConnsRefused, descOverLimits, descConns} {
		ch <- desc
	}
}

// Collect implements prometheus.Collector.
func (d *Directory) Collect(ch chan<- prometheus.Metric) {
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	gauge := func(desc *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...)
	}
	count := func(desc *prometheus.Desc, v *atomic.Uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(v.Load()), labels...)
	}
	if d.Snapshot != nil {
		s := d.Snapshot()
		gauge(descEntries, float64(s.Entries))
		gauge(descAge, max(now().Sub(s.Current).Seconds(), 0))
		gauge(descBuild, s.BuildTime.Seconds())
		gauge(descBuilt, float64(s.Built.UnixNano())/1e9)
	}
	if d.Stats != nil {
		s := d.Stats()
		count(descRefused, &s.RefusedUnselective, "unselective")
		count(descRefused, &s.RefusedRate, "rate")
		count(descRefused, &s.RefusedBudget, "budget")
		count(descExhausted, &s.BudgetExhausted)
		count(descBindFailures, &s.BindFailures)
		count(descBindThrottled, &s.BindThrottled)
	}
	if d.Server != nil {
		s := d.Server()
		count(descConnsRefused, &s.RefusedConnsPerAddress, "per_address")
		count(descConnsRefused, &s.RefusedConnsFull, "full")
		count(descOverLimits, &s.RefusedOverLimits, "request")
		count(descOverLimits, &s.FrameBudgetDisconnects, "partial_frames")
	}
	if d.OpenConns != nil {
		gauge(descConns, float64(d.OpenConns()))
	}
}
