package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Backoff of Watch's reconnections.
const (
	watchRetryMin = 100 * time.Millisecond
	watchRetryMax = time.Second
)

// Watch returns a channel that receives soon after any process commits a
// change to the store, until ctx is done; a burst of commits may arrive as
// one receive. On PostgreSQL it LISTENs, on a connection of its own, for
// the NOTIFY that every changing transaction sends when it commits; when
// that connection is lost it reconnects with backoff and, once it is
// back, sends once, since changes may have been missed meanwhile. On
// SQLite, whose writers cannot signal readers, it returns nil (a channel
// that never receives): poll Seq.
func (s *Store) Watch(ctx context.Context) <-chan struct{} {
	if s.pgcfg == nil {
		return nil
	}
	ch := make(chan struct{}, 1)
	go s.listen(ctx, ch)
	return ch
}

// listen runs Watch's connection until ctx is done.
func (s *Store) listen(ctx context.Context, ch chan<- struct{}) {
	signal := func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	wait := watchRetryMin
	lost := false
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, func() {
			if lost {
				s.opt.Logger.Info("store notifications back", "store", s.where())
				lost = false
			}
			wait = watchRetryMin
			signal()
		}, signal)
		if ctx.Err() != nil {
			return
		}
		if !lost {
			s.opt.Logger.Warn("store notifications lost; reconnecting", "store", s.where(), "err", err)
			lost = true
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, watchRetryMax)
	}
}

// listenOnce connects, LISTENs, calls connected, and then notified for
// every notification, until the connection fails or ctx is done.
func (s *Store) listenOnce(ctx context.Context, connected, notified func()) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.ConnectConfig(cctx, s.pgcfg)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+changesChannel); err != nil {
		return err
	}
	connected()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		notified()
	}
}
