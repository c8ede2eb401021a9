package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"userdir/directory"
)

// Directory collects a directory's statistics at each scrape: the
// snapshot's entries, age and build time, refused searches, failed binds,
// and the open connections.
type Directory struct {
	// Stats returns the directory's statistics; OpenConns the number of
	// open LDAP connections (nil: not reported). Now is the clock (nil: time.Now).
	Stats     func() directory.Stats
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
	descBindFailures = prometheus.NewDesc("userdir_ldap_bind_failures_total",
		"Simple binds refused with invalidCredentials.", nil, nil)
	descConns = prometheus.NewDesc("userdir_ldap_connections_open",
		"LDAP client connections open now.", nil, nil)
)

// Describe implements prometheus.Collector.
func (d *Directory) Describe(ch chan<- *prometheus.Desc) {
	for _, desc := range []*prometheus.Desc{descEntries, descAge, descBuild, descBuilt, descRefused, descBindFailures, descConns} {
		ch <- desc
	}
}

// Collect implements prometheus.Collector.
func (d *Directory) Collect(ch chan<- prometheus.Metric) {
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	s := d.Stats()
	gauge := func(desc *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...)
	}
	count := func(desc *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(descEntries, float64(s.Entries))
	gauge(descAge, max(now().Sub(s.Current).Seconds(), 0))
	gauge(descBuild, s.BuildTime.Seconds())
	gauge(descBuilt, float64(s.Built.UnixNano())/1e9)
	count(descRefused, s.RefusedUnselective, "unselective")
	count(descRefused, s.RefusedRate, "rate")
	count(descRefused, s.RefusedBudget, "budget")
	count(descBindFailures, s.BindFailures)
	if d.OpenConns != nil {
		gauge(descConns, float64(d.OpenConns()))
	}
}
