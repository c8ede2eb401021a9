package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// fakeDir returns no entry for the first `after` searches, then one, and
// advances the fake clock by `cost` per search.
type fakeDir struct {
	after, calls int
	err          error
	clock        *fakeClock
	cost         time.Duration
}

func (f *fakeDir) Search(*ldap.SearchRequest) (*ldap.SearchResult, error) {
	f.calls++
	f.clock.t = f.clock.t.Add(f.cost)
	if f.err != nil {
		return nil, f.err
	}
	if f.calls > f.after {
		return &ldap.SearchResult{Entries: []*ldap.Entry{ldap.NewEntry("mail=a@c.ru,dc=c", nil)}}, nil
	}
	return &ldap.SearchResult{}, nil
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) sleep(d time.Duration)   { c.t = c.t.Add(d) }
func (c *fakeClock) set(us int64) *fakeClock { c.t = time.UnixMicro(us); return c }

// newPoller wires a poller to a fake directory and clock starting at 1 s.
func newPoller(tb testing.TB, d *fakeDir) *poller {
	tb.Helper()
	d.clock = (&fakeClock{}).set(1_000_000)
	return &poller{conn: d, req: ldap.NewSearchRequest("dc=c", ldap.ScopeWholeSubtree, 0, 0, 0, false, "(mail=a@c.ru)", nil, nil),
		interval: 2 * time.Millisecond, now: d.clock.now, sleep: d.clock.sleep}
}

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		dir     fakeDir
		timeout time.Duration
		wantOut string
		wantErr error
	}{
		// Search 1 is the "not yet" check; searches 2 and 3 miss, 4 sees it:
		// 4 searches of 100 µs and 2 pauses of 2 ms after the 1 s start.
		{"visible on the third poll", fakeDir{after: 3, cost: 100 * time.Microsecond}, time.Second,
			"ready\nseen_unix_us=1004400 polls=3 max_search_us=100\n", nil},
		{"already visible", fakeDir{after: 0, cost: time.Microsecond}, time.Second, "", errAlreadyVisible},
		{"never visible", fakeDir{after: 1 << 30, cost: time.Millisecond}, 10 * time.Millisecond, "ready\n", errTimeout},
	}
	for _, tt := range tests {
		p := newPoller(t, &tt.dir)
		var out strings.Builder
		err := run(p, tt.timeout, &out)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: run error = %v, want %v", tt.name, err, tt.wantErr)
		}
		if out.String() != tt.wantOut {
			t.Errorf("%s: output %q, want %q", tt.name, out.String(), tt.wantOut)
		}
	}
}

func TestRunSearchError(t *testing.T) {
	boom := errors.New("connection reset")
	p := newPoller(t, &fakeDir{err: boom})
	var out strings.Builder
	if err := run(p, time.Second, &out); !errors.Is(err, boom) || !strings.Contains(err.Error(), "(mail=a@c.ru)") {
		t.Errorf("run error = %v, want the search error with its filter", err)
	}
	if out.Len() != 0 {
		t.Errorf("output %q before a failed first search, want none", out.String())
	}
}
