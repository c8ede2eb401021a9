package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"userdir/config"
	"userdir/directory"
	"userdir/httpd"
	"userdir/ldapserver"
	"userdir/ldapserver/wire"
	"userdir/metrics"
	"userdir/schema"
	"userdir/store"
)

// postgresPoll is how often a serve node on PostgreSQL reads the change
// sequence when no notification came: the safety net of LISTEN/NOTIFY.
const postgresPoll = 5 * time.Second

// shutdownGrace is how long a stopping server lets requests in flight finish.
const shutdownGrace = 30 * time.Second

// runServe serves the directory over LDAP until SIGTERM or SIGINT
// (finishing requests in flight) and re-reads the configuration on SIGHUP.
// Its errors go to its log.
func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "serve", "[-config FILE] [-log-level LEVEL] [-log-format text|json]")
	path := configFlag(fs)
	level := logLevelFlag(fs)
	format := logFormatFlag(fs)
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (go tool pprof) to `file` until the server stops")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log := newFormatLogger(e, level, *format)
	// One format: what logs through the default logger (libraries) too.
	slog.SetDefault(log)
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			log.Error("cpu profile", "err", err)
			return &loggedError{err}
		}
		defer stop()
	}
	cfg, err := loadConfig(e, *path)
	if err != nil {
		return &configError{err: err}
	}
	s, err := startServer(ctx, cfg, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return &loggedError{err}
	}
	s.background(func(ctx context.Context) { tuneMemory(ctx, log) })
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			log.Info("stopping: finishing requests in flight")
			s.stop(true)
			return nil
		case <-hup:
			s.reload(ctx, e, *path)
		case err := <-s.errc:
			log.Error("listener failed", "err", err)
			s.stop(false)
			return &loggedError{err}
		}
	}
}

// startCPUProfile profiles the process into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// server is a running `userdir serve`. Its goroutines (the directory's
// refresh, the listeners, memory tuning) are its own: stop ends them and
// waits for them before it closes the store they read.
type server struct {
	cfg   *config.Config
	log   *slog.Logger
	store *store.Store
	dir   *directory.Directory
	srv   *ldapserver.Server
	cert  atomic.Pointer[tls.Certificate]
	errc  chan error
	addrs []string // the URLs actually listened on (port 0 resolved)

	ctx    context.Context // of the background goroutines; stop cancels it
	cancel context.CancelFunc
	wg     sync.WaitGroup // the background goroutines

	// The HTTP listener, when [http] listen is set (see monitor.go).
	reg      *prometheus.Registry
	http     *httpd.Server
	httpAddr string
	divs     atomic.Pointer[[]metrics.DivisionInfo]
}

// startServer opens the store, builds the directory and starts listening.
// On error nothing is left open.
func startServer(ctx context.Context, cfg *config.Config, log *slog.Logger) (_ *server, err error) {
	s := &server{cfg: cfg, log: log, errc: make(chan error, len(cfg.LDAP.Listen)+1)}
	if s.store, err = openReadOnly(ctx, cfg); err != nil {
		return nil, err
	}
	var listeners []net.Listener
	defer func() {
		if err != nil {
			for _, l := range listeners {
				l.Close()
			}
			s.store.Close()
		}
	}()
	opts, err := directoryOptions(cfg, s.store, log)
	if err != nil {
		return nil, err
	}
	if s.dir, err = directory.New(ctx, opts); err != nil {
		return nil, err
	}
	if s.srv, err = s.newLDAPServer(cfg); err != nil {
		return nil, err
	}
	for _, u := range cfg.LDAP.Listen {
		l, err := s.srv.Listen(u)
		if err != nil {
			return nil, err
		}
		listeners = append(listeners, l)
		scheme := u[:len(u)-len(stripScheme(u))]
		s.addrs = append(s.addrs, scheme+l.Addr().String())
	}
	if cfg.HTTP.Listen != "" {
		if err = s.startHTTP(cfg); err != nil {
			return nil, err
		}
	}
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.background(func(ctx context.Context) { s.dir.Run(ctx) })
	for i, l := range listeners {
		log.Info("listening", "url", s.addrs[i], "entries", s.dir.Snapshot().Len())
		s.wg.Go(func() { s.errc <- s.srv.Serve(l) }) // errc has room for every listener and the HTTP one
	}
	return s, nil
}

// newLDAPServer returns the LDAP server over s.dir, with TLS when cfg has
// a certificate.
func (s *server) newLDAPServer(cfg *config.Config) (*ldapserver.Server, error) {
	var tlsCfg *tls.Config
	if cfg.LDAP.TLSCert != "" {
		if err := s.loadCert(cfg); err != nil {
			return nil, err
		}
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return s.cert.Load(), nil
		}}
	}
	o := ldapserver.Options{Backend: s.dir, TLS: tlsCfg, IdleTimeout: cfg.LDAP.IdleTimeout,
		MaxConns: cfg.LDAP.MaxConns, MaxConnsPerAddress: cfg.LDAP.MaxConnsAddr, Logger: s.log}
	if cfg.HTTP.Listen != "" {
		s.reg, o.Observer = newRegistry()
	}
	return ldapserver.New(o)
}

// background runs f in a goroutine of the server, until stop.
func (s *server) background(f func(ctx context.Context)) {
	s.wg.Go(func() { f(s.ctx) })
}

// stop ends the server: it stops the listeners and lets requests in flight
// finish for up to shutdownGrace (or closes every connection at once, when
// graceful is false), ends the background goroutines, waits for them and
// closes the store.
func (s *server) stop(graceful bool) {
	if graceful {
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if s.http != nil {
			s.http.Shutdown(sctx)
		}
		s.srv.Shutdown(sctx)
	} else {
		if s.http != nil {
			s.http.Close()
		}
		s.srv.Close()
	}
	s.cancel()
	s.wg.Wait()
	s.store.Close()
}

func stripScheme(u string) string {
	for i := 0; i+2 < len(u); i++ {
		if u[i:i+3] == "://" {
			return u[i+3:]
		}
	}
	return u
}

func (s *server) loadCert(cfg *config.Config) error {
	cert, err := tls.LoadX509KeyPair(cfg.LDAP.TLSCert, cfg.LDAP.TLSKey)
	if err != nil {
		return fmt.Errorf("TLS certificate: %w", err)
	}
	s.cert.Store(&cert)
	return nil
}

// reload re-reads the configuration: accounts, networks, limits, divisions
// and the certificate take effect at once; listeners need a restart.
func (s *server) reload(ctx context.Context, e *env, path string) {
	cfg, err := loadConfig(e, path)
	if err != nil {
		s.log.Error("reload: configuration has errors; keeping the old one", "err", err)
		return
	}
	opts, err := directoryOptions(cfg, s.store, s.log)
	if err == nil {
		err = s.dir.Reconfigure(ctx, opts)
	}
	if err == nil && cfg.LDAP.TLSCert != "" && s.cert.Load() != nil {
		err = s.loadCert(cfg)
	}
	if err != nil {
		s.log.Error("reload failed; keeping the old configuration", "err", err)
		return
	}
	if !slices.Equal(cfg.LDAP.Listen, s.cfg.LDAP.Listen) || cfg.HTTP.Listen != s.cfg.HTTP.Listen || cfg.Store != s.cfg.Store || (cfg.LDAP.TLSCert == "") != (s.cfg.LDAP.TLSCert == "") {
		s.log.Warn("reload: ldap.listen, http.listen, store and enabling TLS take effect only after a restart")
	}
	s.divs.Store(new(divisionInfos(cfg)))
	s.log.Info("configuration reloaded", "divisions", len(cfg.Divisions), "accounts", len(cfg.LDAP.Accounts))
}

// directoryOptions turns the configuration into the directory's options.
func directoryOptions(cfg *config.Config, st *store.Store, log *slog.Logger) (directory.Options, error) {
	m, err := mapperFor(cfg)
	if err != nil {
		return directory.Options{}, err
	}
	l := &cfg.LDAP
	o := directory.Options{
		Source: st, Mapper: m, Encoder: wire.EntryEncoder{}, Allow: l.Allow, AnonymousRole: schema.Role(l.AnonymousRole),
		SizeLimit: l.SizeLimit, MinSubstring: l.MinSubstring, RateLimit: l.RateLimit, HarvestBudget: l.HarvestBudget,
		StartTLS: l.TLSCert != "", VendorVersion: buildVersion(), Logger: log,
	}
	if store.IsPostgres(cfg.Store) {
		// Commits arrive by NOTIFY (store.Watch); the poll is a safety net.
		o.PollInterval = postgresPoll
	}
	for _, a := range l.Accounts {
		o.Accounts = append(o.Accounts, directory.Account{DN: a.DN, PasswordHash: a.PasswordHash, Role: schema.Role(a.Role)})
	}
	for _, n := range l.Networks {
		o.Networks = append(o.Networks, directory.Network{Prefix: n.CIDR, Role: schema.Role(n.Role), HarvestBudget: n.HarvestBudget})
	}
	return o, nil
}
