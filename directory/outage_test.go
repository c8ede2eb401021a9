package directory

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"userdir/internal/fixture"
	"userdir/store"
)

// flakySource is a store that can be down, and that says when it changed
// (a Watcher, as PostgreSQL is).
type flakySource struct {
	*fixture.Source
	down    atomic.Bool
	changed chan struct{}
}

var errDown = errors.New("connection refused")

func (f *flakySource) Records(ctx context.Context, t bool) ([]store.Record, int64, error) {
	if f.down.Load() {
		return nil, 0, errDown
	}
	return f.Source.Records(ctx, t)
}

func (f *flakySource) Changes(ctx context.Context, after int64) ([]store.Record, int64, error) {
	if f.down.Load() {
		return nil, 0, errDown
	}
	return f.Source.Changes(ctx, after)
}

func (f *flakySource) Seq(ctx context.Context) (int64, error) {
	if f.down.Load() {
		return 0, errDown
	}
	return f.Source.Seq(ctx)
}

func (f *flakySource) Watch(context.Context) <-chan struct{} { return f.changed }

// TestRunWatchAndOutage: Run reads a Watcher's change at once (its poll is
// an hour here); with the store down it keeps the snapshot and its age
// grows; back up, the next signal brings the snapshot up to date.
func TestRunWatchAndOutage(t *testing.T) {
	src := &flakySource{Source: fixture.NewSource(fixture.Book()...), changed: make(chan struct{}, 1)}
	d := newTestDirectory(t, src, func(o *Options) { o.PollInterval = time.Hour })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go d.Run(ctx)
	mta := d.Anonymous(mtaNet)
	found := func(filter string) bool {
		c, _ := search(t, d, mta, "dc=company,dc=ru", ScopeSub, filter)
		return len(c.dns) == 1
	}
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(time.Millisecond)
		}
	}

	src.Put(fixture.Record("tyumen", "new@company.ru", "name", "Новиков Николай"))
	src.changed <- struct{}{}
	waitUntil("the signalled change", func() bool { return found("(mail=new@company.ru)") })

	src.down.Store(true)
	time.Sleep(300 * time.Millisecond)
	src.changed <- struct{}{}
	waitUntil("the snapshot age to grow", func() bool { return d.SnapshotAge() >= 300*time.Millisecond })
	if !found("(mail=new@company.ru)") || !found("(mail=ivanov@company.ru)") {
		t.Errorf("with the store down, the last snapshot is not served")
	}

	src.down.Store(false)
	src.Put(fixture.Record("tyumen", "later@company.ru", "name", "Поздний Пётр"))
	src.changed <- struct{}{}
	waitUntil("the change made while down", func() bool { return found("(mail=later@company.ru)") })
	if age := d.SnapshotAge(); age >= 300*time.Millisecond {
		t.Errorf("SnapshotAge after catching up = %v, want less than while down", age)
	}
}
