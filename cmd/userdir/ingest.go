package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"userdir/ingest"
	"userdir/store"
)

// runIngest reads one message on stdin, as Postfix's pipe or local delivery
// hands it over, and applies it (docs/exit-codes.md). It returns nil (exit 0) only
// once the message is durably applied, or deliberately ignored; every
// failure that is not the message's fault is a tempFailError (exit 75 with
// "4.3.0 reason" on stdout), so the MTA keeps the message and retries.
func runIngest(ctx context.Context, e *env, args []string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &tempFailError{"userdir internal error; will retry", fmt.Errorf("panic: %v", r)}
		}
	}()
	fs := newFlagSet(e, "ingest", "[-config FILE] [-sender ADDR] [-lock-timeout DURATION] < message")
	path := configFlag(fs)
	sender := fs.String("sender", "", "envelope sender `address` (default $SENDER, which Postfix sets)")
	lockTimeout := fs.Duration("lock-timeout", 60*time.Second, "how long to wait for a store locked by another writer")
	level := logLevelFlag(fs)
	level.Set(slog.LevelWarn) // an MTA puts what we print into its logs and defer messages
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		// A wrong command line is the MTA configuration's fault, not the message's.
		return &tempFailError{"bad userdir ingest command line", errors.New("see the usage above")}
	}
	log := newLogger(e, level)
	defer func() {
		var tf *tempFailError
		if errors.As(err, &tf) {
			log.Debug("message deferred", "reason", tf.reason, "err", tf.err)
		}
	}()
	if *sender == "" {
		*sender = e.getenv("SENDER")
	}
	cfg, err := loadConfig(e, *path)
	if err != nil {
		return &tempFailError{"userdir configuration error; run userdir check-config", err}
	}
	st, err := store.Open(ctx, store.Options{Path: cfg.Store, BusyTimeout: *lockTimeout, TombstoneDays: cfg.TombstoneDays, Logger: log})
	if err != nil {
		return &tempFailError{storeReason(err), err}
	}
	defer st.Close()
	in := ingest.New(ingest.Options{Divisions: cfg.Divisions, MaxMessageBytes: cfg.MaxMessageBytes, Logger: log}, st)
	rep, err := in.Ingest(ctx, e.stdin, *sender)
	if err != nil {
		return &tempFailError{storeReason(err), err}
	}
	log.Info("message ingested", "division", rep.Division, "message_id", rep.MessageID, "outcome", rep.Outcome,
		"applied", rep.Result.Applied, "rejected", rep.Result.Rejected, "warnings", rep.Result.Warnings)
	return nil
}

// storeReason words a store failure for the MTA's defer message.
func storeReason(err error) string {
	if errors.Is(err, store.ErrBusy) {
		return "userdir store is locked by another writer; will retry"
	}
	return "userdir store unavailable; will retry"
}
