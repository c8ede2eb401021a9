package httpd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// start serves s on 127.0.0.1 and returns its base URL; it is shut down
// when the test ends.
func start(t *testing.T, s *Server) string {
	t.Helper()
	l, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + l.Addr().String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRoutes checks /metrics, /healthz (healthy and not), a mounted extra
// handler, and that nothing else is served.
func TestRoutes(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "test_total", Help: "A test counter."})
	reg.MustRegister(c)
	c.Add(3)
	var sick error
	var mu sync.Mutex
	s := New(Options{Gatherer: reg, Logger: slog.New(slog.DiscardHandler),
		Health: func(context.Context) error { mu.Lock(); defer mu.Unlock(); return sick },
		Extra:  map[string]http.Handler{"GET /book/": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "book") })},
	})
	s.Handle("GET /search", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "search") }))
	base := start(t, s)
	for _, tc := range []struct {
		path string
		code int
		body string
	}{
		{"/metrics", 200, "test_total 3"},
		{"/healthz", 200, "ok\n"},
		{"/book/x", 200, "book"},
		{"/search", 200, "search"},
		{"/", 404, ""},
		{"/debug/pprof/", 404, ""},
	} {
		code, body := get(t, base+tc.path)
		if code != tc.code || !strings.Contains(body, tc.body) {
			t.Errorf("GET %s = %d %q, want %d with %q", tc.path, code, body, tc.code, tc.body)
		}
	}
	mu.Lock()
	sick = errors.New("store: locked")
	mu.Unlock()
	if code, body := get(t, base+"/healthz"); code != 503 || body != "unhealthy: store: locked\n" {
		t.Errorf("unhealthy /healthz = %d %q", code, body)
	}
	resp, err := http.Post(base+"/metrics", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics = %d, want 405", resp.StatusCode)
	}
}

// TestHeaderLimit attacks with a header block larger than maxHeaderBytes:
// it is refused (431) without being read whole.
func TestHeaderLimit(t *testing.T) {
	base := start(t, New(Options{Logger: slog.New(slog.DiscardHandler)}))
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 1<<20))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read the answer to a 1 MiB header: %v", err)
	}
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("1 MiB header: %d, want 431", resp.StatusCode)
	}
}

// blockingGatherer holds every scrape until release is closed.
type blockingGatherer struct {
	entered chan struct{}
	release chan struct{}
}

func (g *blockingGatherer) Gather() ([]*dto.MetricFamily, error) {
	g.entered <- struct{}{}
	<-g.release
	return nil, nil
}

// TestScrapesInFlight attacks /metrics with more concurrent scrapes than
// maxScrapes: the extra one is refused with 503 at once instead of piling up.
func TestScrapesInFlight(t *testing.T) {
	g := &blockingGatherer{entered: make(chan struct{}, maxScrapes), release: make(chan struct{})}
	base := start(t, New(Options{Gatherer: g, Logger: slog.New(slog.DiscardHandler)}))
	var wg sync.WaitGroup
	for range maxScrapes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, _ := get(t, base+"/metrics"); code != 200 {
				t.Errorf("a held scrape ended %d", code)
			}
		}()
	}
	for range maxScrapes {
		<-g.entered
	}
	if code, _ := get(t, base+"/metrics"); code != http.StatusServiceUnavailable {
		t.Errorf("scrape %d while %d are in flight = %d, want 503", maxScrapes+1, maxScrapes, code)
	}
	close(g.release)
	wg.Wait()
}
