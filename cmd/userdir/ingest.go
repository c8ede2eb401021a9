package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"userdir/ingest"
	"userdir/store"
)

// runIngest reads one message on stdin, as Postfix's pipe or local delivery
// hands it over, and applies it (docs/exit-codes.md). It exits 0 only once the
// message is durably applied, or deliberately ignored; every failure that
// is not the message's fault exits 75 with "4.3.0 reason" first on
// stdout, so the MTA keeps the message and retries.
func runIngest(ctx context.Context, e *env, args []string) (code int) {
	defer func() {
		if r := recover(); r != nil {
			code = tempFail(e, nil, "userdir internal error; will retry", fmt.Errorf("panic: %v", r))
		}
	}()
	fs := newFlagSet(e, "ingest", "[-config FILE] [-sender ADDR] [-lock-timeout DURATION] < message")
	path := configFlag(fs)
	sender := fs.String("sender", "", "envelope sender `address` (default $SENDER, which Postfix sets)")
	lockTimeout := fs.Duration("lock-timeout", 60*time.Second, "how long to wait for a store locked by another writer")
	level := logLevelFlag(fs)
	level.Set(slog.LevelWarn) // an MTA puts what we print into its logs and defer messages
	if code, ok := parseFlags(fs, args); !ok {
		if code == exitOK {
			return exitOK
		}
		// A wrong command line is the MTA configuration's fault, not the message's.
		return tempFail(e, nil, "bad userdir ingest command line", errors.New("see the usage above"))
	}
	log := newLogger(e, level)
	if *sender == "" {
		*sender = e.getenv("SENDER")
	}
	cfg, err := loadConfig(e, *path)
	if err != nil {
		return tempFail(e, log, "userdir configuration error; run userdir check-config", err)
	}
	st, err := store.Open(ctx, store.Options{Path: cfg.Store, BusyTimeout: *lockTimeout, TombstoneDays: cfg.TombstoneDays, Logger: log})
	if err != nil {
		return tempFail(e, log, storeReason(err), err)
	}
	defer st.Close()
	in := ingest.New(ingest.Options{Divisions: cfg.Divisions, MaxMessageBytes: cfg.MaxMessageBytes, Logger: log}, st)
	rep, err := in.Ingest(ctx, e.stdin, *sender)
	if err != nil {
		return tempFail(e, log, storeReason(err), err)
	}
	log.Info("message ingested", "division", rep.Division, "message_id", rep.MessageID, "outcome", rep.Outcome,
		"applied", rep.Result.Applied, "rejected", rep.Result.Rejected, "warnings", rep.Result.Warnings)
	return exitOK
}

// storeReason words a store failure for the MTA's defer message.
func storeReason(err error) string {
	if errors.Is(err, store.ErrBusy) {
		return "userdir store is locked by another writer; will retry"
	}
	return "userdir store unavailable; will retry"
}

// tempFail prints one line, "4.3.0 reason (cause)", and returns
// EX_TEMPFAIL. Postfix's pipe takes the status from it and puts the text
// in the defer reason and the mail log, so the administrator sees why
// without anything else printed; details go to stderr only at debug level.
func tempFail(e *env, log *slog.Logger, reason string, err error) int {
	cause := strings.Join(strings.Fields(err.Error()), " ")
	if len(cause) > 300 {
		cause = cause[:300] + "..."
	}
	fmt.Fprintf(e.stdout, "4.3.0 %s (%s)\n", reason, cause)
	if log != nil {
		log.Debug("message deferred", "reason", reason, "err", err)
	}
	return exitTempFail
}
