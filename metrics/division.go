package metrics

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"userdir/store"
)

// DivisionInfo is what the configuration says of a division.
type DivisionInfo struct {
	ID         string
	MaxSilence time.Duration // no applied message for longer: stale
}

// Divisions collects the store's per-division statistics at each scrape, so
// that what `ingest` (another process) did shows up. Scrapes closer together
// than MinInterval share one reading of the store.
type Divisions struct {
	// Stats reads the store; Divisions returns the configured divisions
	// (a function, so that a reload is seen). Now is the clock (nil: time.Now).
	Stats       func(ctx context.Context) ([]store.DivisionStats, error)
	Divisions   func() []DivisionInfo
	MinInterval time.Duration
	Now         func() time.Time
	Logger      *slog.Logger

	mu   sync.Mutex
	read time.Time
	last []store.DivisionStats
}

// Outcomes lists the journal outcomes always reported, zero or not.
var Outcomes = []store.Outcome{store.OutcomeApplied, store.OutcomeDuplicate, store.OutcomeNoCommands,
	store.OutcomeBadSender, store.OutcomeTooLarge, store.OutcomeUnparsable, "held"}

func divDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, append([]string{"division"}, labels...), nil)
}

var (
	descDivEntries  = divDesc("userdir_division_entries", "Live records of the division.")
	descDivApplied  = divDesc("userdir_division_last_applied_timestamp_seconds", "Arrival of the division's newest applied message, as a Unix time; 0 if none is journaled.")
	descDivSync     = divDesc("userdir_division_last_sync_timestamp_seconds", "Date stamp of the division's newest applied sync, as a Unix time; 0 if none.")
	descDivMessages = divDesc("userdir_division_messages", "Messages of the division in the journal (the last 365 days, at most 100,000 in all), by outcome.", "outcome")
	descDivRejected = divDesc("userdir_division_rejected_lines", "Command lines rejected in the division's journaled messages.")
	descDivHeld     = divDesc("userdir_division_held_syncs", "Syncs of the division held by the safety net and not yet released or superseded.")
	descDivConflict = divDesc("userdir_division_conflicts", "Live records of the division not served because another division publishes the same address with a newer stamp.")
	descDivSilence  = divDesc("userdir_division_max_silence_seconds", "The division's max_silence.")
	descDivStale    = divDesc("userdir_division_stale", "1 when the division has applied no message for longer than max_silence, else 0.")
	descUnknownCode = prometheus.NewDesc("userdir_unknown_code_messages", "Journaled messages whose Subject matched no division code.", nil, nil)
	descStoreUp     = prometheus.NewDesc("userdir_store_up", "1 when the last reading of the store's statistics succeeded.", nil, nil)
)

// Describe implements prometheus.Collector.
func (d *Divisions) Describe(ch chan<- *prometheus.Desc) {
	for _, desc := range []*prometheus.Desc{descDivEntries, descDivApplied, descDivSync, descDivMessages, descDivRejected,
		descDivHeld, descDivConflict, descDivSilence, descDivStale, descUnknownCode, descStoreUp} {
		ch <- desc
	}
}

// Collect implements prometheus.Collector.
func (d *Divisions) Collect(ch chan<- prometheus.Metric) {
	stats, err := d.stats()
	up := 1.0
	if err != nil {
		up = 0
		if d.Logger != nil {
			d.Logger.Error("metrics: read division statistics", "err", err)
		}
	}
	ch <- prometheus.MustNewConstMetric(descStoreUp, prometheus.GaugeValue, up)
	by := make(map[string]store.DivisionStats, len(stats))
	for _, s := range stats {
		by[s.Division] = s
	}
	ch <- prometheus.MustNewConstMetric(descUnknownCode, prometheus.GaugeValue, float64(by[""].Messages))
	now := d.now()
	for _, info := range d.Divisions() {
		d.collectOne(ch, info, by[info.ID], now)
	}
}

func (d *Divisions) collectOne(ch chan<- prometheus.Metric, info DivisionInfo, s store.DivisionStats, now time.Time) {
	g := func(desc *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, append([]string{info.ID}, labels...)...)
	}
	g(descDivEntries, float64(s.Entries))
	g(descDivApplied, unixSeconds(s.LastApplied))
	g(descDivSync, unixSeconds(s.LastSync))
	for _, o := range Outcomes {
		g(descDivMessages, float64(s.Outcomes[o]), string(o))
	}
	g(descDivRejected, float64(s.RejectedLines))
	g(descDivHeld, float64(s.Held))
	g(descDivConflict, float64(s.Conflicts))
	g(descDivSilence, info.MaxSilence.Seconds())
	stale := 0.0
	if Stale(s, info.MaxSilence, now) {
		stale = 1
	}
	g(descDivStale, stale)
}

// Stale reports whether a division with statistics s has applied no message
// within maxSilence before now (or never has).
func Stale(s store.DivisionStats, maxSilence time.Duration, now time.Time) bool {
	return s.LastApplied.IsZero() || now.Sub(s.LastApplied) > maxSilence
}

func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

func (d *Divisions) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// stats returns the store's statistics, read again when the last reading
// is older than MinInterval.
func (d *Divisions) stats() ([]store.DivisionStats, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	if d.last != nil && now.Sub(d.read) < d.MinInterval {
		return d.last, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := d.Stats(ctx)
	if err != nil {
		return nil, err
	}
	d.last, d.read = s, now
	return s, nil
}
