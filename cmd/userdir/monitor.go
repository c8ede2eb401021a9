package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"userdir/config"
	"userdir/httpd"
	"userdir/metrics"
	"userdir/phonebook"
)

// maxSnapshotAge is how stale the snapshot may be before /healthz fails:
// the store is polled every 250 ms, so this means polls keep failing.
const maxSnapshotAge = 30 * time.Second

// newRegistry returns the registry of `serve`'s metrics, with the Go
// runtime's and the process's, and the observer of LDAP operations.
func newRegistry() (*prometheus.Registry, *metrics.LDAP) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "userdir_build_info", Help: "Always 1; the version label is userdir's version.",
		ConstLabels: prometheus.Labels{"version": buildVersion()},
	}, func() float64 { return 1 }))
	return reg, metrics.NewLDAP(reg)
}

// divisionInfos returns what metrics need of cfg's divisions.
func divisionInfos(cfg *config.Config) []metrics.DivisionInfo {
	out := make([]metrics.DivisionInfo, len(cfg.Divisions))
	for i, d := range cfg.Divisions {
		out[i] = metrics.DivisionInfo{ID: d.ID, MaxSilence: d.MaxSilence}
	}
	return out
}

// startHTTP registers the directory's and the store's collectors and starts
// the HTTP listener of cfg.HTTP.Listen, reporting its end to s.errc; stop
// shuts it down.
func (s *server) startHTTP(cfg *config.Config) error {
	s.divs.Store(new(divisionInfos(cfg)))
	s.reg.MustRegister(&metrics.Directory{Stats: s.dir.Stats, Snapshot: s.dir.SnapshotStats, Server: s.srv.Stats,
		OpenConns: s.srv.OpenConns})
	s.reg.MustRegister(&metrics.Divisions{
		Stats:       s.store.DivisionStats,
		Divisions:   func() []metrics.DivisionInfo { return *s.divs.Load() },
		MinInterval: 15 * time.Second, Logger: s.log,
	})
	l, err := httpd.Listen(cfg.HTTP.Listen)
	if err != nil {
		return err
	}
	book, err := phonebook.New(phonebook.Options{Directory: s.dir, Logger: s.log})
	if err != nil {
		l.Close()
		return err
	}
	// The search page and the phone books answer everything but /metrics and /healthz.
	s.http = httpd.New(httpd.Options{Gatherer: s.reg, Health: s.health, Logger: s.log,
		Extra: map[string]http.Handler{"/": book}})
	s.httpAddr = l.Addr().String()
	s.log.Info("listening", "url", "http://"+s.httpAddr)
	s.wg.Go(func() { s.errc <- s.http.Serve(l) })
	return nil
}

// health is /healthz: the store answers and the snapshot is current.
func (s *server) health(ctx context.Context) error {
	if _, err := s.store.Seq(ctx); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if age := time.Since(s.dir.SnapshotStats().Current); age > maxSnapshotAge {
		return fmt.Errorf("snapshot is %s old", age.Round(time.Second))
	}
	return nil
}
