// Package httpd is userdir's HTTP listener: /metrics in the Prometheus text
// format, /healthz, and whatever other handlers the program mounts on it
// (Options.Extra, Server.Handle). It is off unless [http] listen is set.
// Every request is bounded: headers by size and time, responses by a write
// deadline, /metrics by a small number of scrapes in flight.
package httpd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options configure a Server. Zero values work.
type Options struct {
	// Gatherer is served at /metrics; nil: no /metrics.
	Gatherer prometheus.Gatherer
	// Health reports whether the server is fit to serve; /healthz answers
	// 200 "ok" when it returns nil, else 503 and the error. nil: always ok.
	Health func(ctx context.Context) error
	// Extra handlers, by http.ServeMux pattern, mounted next to /metrics
	// and /healthz (the phone book and search pages).
	Extra  map[string]http.Handler
	Logger *slog.Logger
}

// Server is the HTTP listener.
type Server struct {
	mux *http.ServeMux
	srv *http.Server
	log *slog.Logger
}

// Limits of every request.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 16 << 10
	maxScrapes        = 4 // /metrics requests in flight; more get 503
)

// New returns a server with the handlers of o.
func New(o Options) *Server {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Server{mux: http.NewServeMux(), log: log}
	s.srv = &http.Server{
		Handler: s.mux, ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout, WriteTimeout: writeTimeout,
		IdleTimeout: idleTimeout, MaxHeaderBytes: maxHeaderBytes,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if o.Gatherer != nil {
		s.mux.Handle("GET /metrics", promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError), MaxRequestsInFlight: maxScrapes,
			Timeout: writeTimeout / 2,
		}))
	}
	s.mux.Handle("GET /healthz", healthHandler(o.Health))
	for pattern, h := range o.Extra {
		s.mux.Handle(pattern, h)
	}
	return s
}

// Handle mounts h at pattern (http.ServeMux syntax). Call it before Serve.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Listen opens a TCP listener on addr (host:port).
func Listen(addr string) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http listen %s: %w", addr, err)
	}
	return l, nil
}

// Serve serves HTTP on l until Shutdown; it then returns nil.
func (s *Server) Serve(l net.Listener) error {
	if err := s.srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http serve: %w", err)
	}
	return nil
}

// Shutdown stops the server, letting requests in flight finish until ctx
// ends. It is idempotent.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// Close stops the server and closes every connection at once.
func (s *Server) Close() error { return s.srv.Close() }

// healthHandler answers /healthz from health.
func healthHandler(health func(context.Context) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if health != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
			defer cancel()
			if err := health(ctx); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprintf(w, "unhealthy: %v\n", err)
				return
			}
		}
		fmt.Fprintln(w, "ok")
	})
}
