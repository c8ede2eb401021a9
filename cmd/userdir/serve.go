package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"sync/atomic"
	"syscall"
	"time"

	"userdir/config"
	"userdir/directory"
	"userdir/ldapserver"
	"userdir/phonebook"
	"userdir/schema"
	"userdir/store"
)

// version is userdir's version, shown as the RootDSE's vendorVersion.
const version = "0.1.0"

// shutdownGrace is how long a stopping server lets requests in flight finish.
const shutdownGrace = 30 * time.Second

// runServe serves the directory over LDAP until SIGTERM or SIGINT
// (finishing requests in flight) and re-reads the configuration on SIGHUP.
func runServe(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "serve", "[-config FILE] [-log-level LEVEL]")
	path := configFlag(fs)
	level := logLevelFlag(fs)
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (go tool pprof) to `file` until the server stops")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	log := newLogger(e, level)
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			log.Error("cpu profile", "err", err)
			return exitFailure
		}
		defer stop()
	}
	cfg, err := loadConfig(e, *path)
	if err != nil {
		reportConfigError(e.stderr, "serve", err)
		return exitConfig
	}
	s, err := startServer(ctx, cfg, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitFailure
	}
	defer s.store.Close()
	go tuneMemory(ctx, log)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			log.Info("stopping: finishing requests in flight")
			sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			defer cancel()
			if s.http != nil {
				s.http.Shutdown(sctx)
			}
			s.srv.Shutdown(sctx)
			return exitOK
		case <-hup:
			s.reload(ctx, e, *path)
		case err := <-s.errc:
			log.Error("listener failed", "err", err)
			s.srv.Close()
			return exitFailure
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

// server is a running `userdir serve`.
type server struct {
	cfg   *config.Config
	log   *slog.Logger
	store *store.Store
	dir   *directory.Directory
	srv   *ldapserver.Server
	cert  atomic.Pointer[tls.Certificate]
	errc  chan error
	addrs []string     // the URLs actually listened on (port 0 resolved)
	http  *http.Server // the [http] listener; nil when http.listen is not set

	httpAddr string // its address (port 0 resolved)
}

// startServer opens the store, builds the directory and starts listening.
func startServer(ctx context.Context, cfg *config.Config, log *slog.Logger) (*server, error) {
	s := &server{cfg: cfg, log: log, errc: make(chan error, len(cfg.LDAP.Listen)+1)}
	var err error
	if s.store, err = openReadOnly(ctx, cfg); err != nil {
		return nil, err
	}
	opts, err := directoryOptions(cfg, s.store, log)
	if err != nil {
		s.store.Close()
		return nil, err
	}
	if s.dir, err = directory.New(ctx, opts); err != nil {
		s.store.Close()
		return nil, err
	}
	var tlsCfg *tls.Config
	if cfg.LDAP.TLSCert != "" {
		if err := s.loadCert(cfg); err != nil {
			s.store.Close()
			return nil, err
		}
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return s.cert.Load(), nil
		}}
	}
	s.srv, err = ldapserver.New(ldapserver.Options{Backend: s.dir, TLS: tlsCfg, IdleTimeout: cfg.LDAP.IdleTimeout,
		MaxConns: cfg.LDAP.MaxConns, Logger: log})
	if err != nil {
		s.store.Close()
		return nil, err
	}
	var listeners []net.Listener
	for _, u := range cfg.LDAP.Listen {
		l, err := s.srv.Listen(u)
		if err != nil {
			for _, l := range listeners {
				l.Close()
			}
			s.store.Close()
			return nil, err
		}
		listeners = append(listeners, l)
		scheme := u[:len(u)-len(stripScheme(u))]
		s.addrs = append(s.addrs, scheme+l.Addr().String())
	}
	if err := s.startHTTP(cfg); err != nil {
		for _, l := range listeners {
			l.Close()
		}
		s.store.Close()
		return nil, err
	}
	go s.dir.Run(ctx)
	for i, l := range listeners {
		log.Info("listening", "url", s.addrs[i], "entries", s.dir.Snapshot().Len())
		go func() { s.errc <- s.srv.Serve(l) }()
	}
	return s, nil
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
		Source: st, Mapper: m, Allow: l.Allow, AnonymousRole: schema.Role(l.AnonymousRole),
		SizeLimit: l.SizeLimit, MinSubstring: l.MinSubstring, RateLimit: l.RateLimit,
		StartTLS: l.TLSCert != "", VendorVersion: version, Logger: log,
	}
	for _, a := range l.Accounts {
		o.Accounts = append(o.Accounts, directory.Account{DN: a.DN, PasswordHash: a.PasswordHash, Role: schema.Role(a.Role)})
	}
	for _, n := range l.Networks {
		o.Networks = append(o.Networks, directory.Network{Prefix: n.CIDR, Role: schema.Role(n.Role)})
	}
	return o, nil
}

// startHTTP serves the search page and the phone directories (package
// phonebook) on http.listen, when it is set.
func (s *server) startHTTP(cfg *config.Config) error {
	if cfg.HTTP.Listen == "" {
		return nil
	}
	h, err := phonebook.New(phonebook.Options{Directory: s.dir, Logger: s.log})
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("http.listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", h)
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	s.httpAddr = l.Addr().String()
	s.log.Info("listening", "url", "http://"+s.httpAddr)
	go func() {
		if err := s.http.Serve(l); !errors.Is(err, http.ErrServerClosed) {
			s.errc <- err
		}
	}()
	return nil
}
