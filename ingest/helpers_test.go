package ingest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"

	"userdir/config"
	"userdir/mailcmd"
	"userdir/store"
)

// testNow is the arrival time of every message in the tests.
var testNow = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

// recorder is a fake Applier that records what it is given.
type recorder struct {
	mu        sync.Mutex
	messages  []*store.Message
	ignored   []store.Ignored
	applyErr  error // returned by Apply when set
	ignoreErr error // returned by Ignore when set
}

func (r *recorder) Apply(_ context.Context, m *store.Message) (store.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.applyErr != nil {
		return store.Result{}, r.applyErr
	}
	m = parsed(m)
	r.messages = append(r.messages, m)
	res := store.Result{Outcome: store.OutcomeApplied, Applied: len(m.Commands), Rejected: len(m.Rejects), Warnings: len(m.Warnings)}
	if len(m.Commands) == 0 {
		res.Outcome = store.OutcomeNoCommands
	}
	return res, nil
}

func (r *recorder) Ignore(_ context.Context, e store.Ignored) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ignoreErr != nil {
		return r.ignoreErr
	}
	r.ignored = append(r.ignored, e)
	return nil
}

// nopApplier applies nothing, for benchmarks and fuzzing.
type nopApplier struct{}

func (nopApplier) Apply(_ context.Context, m *store.Message) (store.Result, error) {
	return store.Result{Outcome: store.OutcomeApplied, Applied: len(parsed(m).Commands)}, nil
}

// parsed returns a copy of m with the command lines of its Body parsed
// into Commands, Rejects and Warnings, as the store parses them.
func parsed(m *store.Message) *store.Message {
	c := *m
	if c.Commands != nil {
		return &c
	}
	c.Commands = []mailcmd.Command{}
	st := mailcmd.NewStream(strings.NewReader(c.Body), c.Check)
	for cmd, ok := st.Next(); ok; cmd, ok = st.Next() {
		c.Commands = append(c.Commands, cmd)
	}
	c.Rejects, _ = st.Rejects()
	c.Warnings, _ = st.Warnings()
	return &c
}
func (nopApplier) Ignore(context.Context, store.Ignored) error { return nil }

// testDivisions returns the divisions of the sample configuration
// testdata/userdir.toml: tyumen 0001, tobolsk 0002 (koi8-r) and surgut
// 0003 with senders.
func testDivisions(tb testing.TB) []config.Division {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "userdir.toml"))
	if err != nil {
		tb.Fatalf("read sample config: %v", err)
	}
	var file struct {
		Division []struct {
			ID       string   `toml:"id"`
			Name     string   `toml:"name"`
			Code     string   `toml:"code"`
			Charset  string   `toml:"charset"`
			MailHost string   `toml:"mail_host"`
			Senders  []string `toml:"senders"`
		} `toml:"division"`
	}
	if err := toml.Unmarshal(data, &file); err != nil {
		tb.Fatalf("parse sample config: %v", err)
	}
	var ds []config.Division
	for _, d := range file.Division {
		ds = append(ds, config.Division{ID: d.ID, Name: d.Name, Code: d.Code, Charset: d.Charset, MailHost: d.MailHost, Senders: d.Senders})
	}
	if len(ds) != 3 {
		tb.Fatalf("sample config has %d divisions, want 3", len(ds))
	}
	return ds
}

// newTestIngester returns an Ingester over the sample divisions that
// records into a new recorder, logging into h (nil: discard).
func newTestIngester(tb testing.TB, maxBytes int64, h slog.Handler) (*Ingester, *recorder) {
	tb.Helper()
	if h == nil {
		h = slog.DiscardHandler
	}
	rec := &recorder{}
	in := New(Options{
		Divisions:       testDivisions(tb),
		MaxMessageBytes: maxBytes,
		Now:             func() time.Time { return testNow },
		Logger:          slog.New(h),
	}, rec)
	return in, rec
}

// attrRecorder is a slog.Handler that keeps every attribute value logged.
type attrRecorder struct {
	mu     sync.Mutex
	values []string
}

func (h *attrRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *attrRecorder) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *attrRecorder) WithGroup(string) slog.Handler            { return h }
func (h *attrRecorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.values = append(h.values, r.Message)
	r.Attrs(func(a slog.Attr) bool {
		h.values = append(h.values, a.Value.String())
		return true
	})
	return nil
}

// errStore is the error the failing fakes return.
var errStore = errors.New("database is locked")

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
