package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"

	"userdir/ingest"
	"userdir/mailcmd"
	"userdir/store"
)

// runRelease applies a sync that the safety net held, at its own stamp, as
// if its branch had sent it again with force=1 (README "When a sync is
// held"). Without an argument it lists the held syncs.
func runRelease(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "release", "[-config FILE] [-division ID] [MESSAGE-ID]")
	path := configFlag(fs)
	division := fs.String("division", "", "the division `id`, when one Message-ID is held for several")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 1 {
		fmt.Fprintln(e.stderr, "userdir release: give one MESSAGE-ID")
		return exitUsage
	}
	cfg, err := loadConfig(e, *path)
	if err != nil {
		reportConfigError(e.stderr, "release", err)
		return exitConfig
	}
	st, err := store.Open(ctx, store.Options{Path: cfg.Store, TombstoneDays: cfg.TombstoneDays, Logger: newLogger(e, slog.LevelWarn)})
	if err != nil {
		fmt.Fprintf(e.stderr, "userdir release: %v\n", err)
		return exitFailure
	}
	defer st.Close()
	if fs.NArg() == 0 {
		return listHeld(ctx, e, st)
	}
	id := trimMessageID(fs.Arg(0))
	check := func(div string) func(*mailcmd.Command) string {
		if d := cfg.Division(div); d != nil {
			return ingest.DomainCheck(d.Domains)
		}
		return nil
	}
	res, err := st.Release(ctx, *division, id, check)
	if errors.Is(err, store.ErrNotHeld) {
		fmt.Fprintf(e.stderr, "userdir release: %v (userdir release without an argument lists them)\n", err)
		return exitFailure
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "userdir release: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(e.stdout, "%s: %s, %d commands applied, %d records deleted\n", id, res.Outcome, res.Applied, res.WouldDelete)
	return exitOK
}

// listHeld prints the held syncs, one a line.
func listHeld(ctx context.Context, e *env, st *store.Store) int {
	held, err := st.Held(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "userdir release: %v\n", err)
		return exitFailure
	}
	if len(held) == 0 {
		fmt.Fprintln(e.stdout, "no held sync")
	}
	for _, h := range held {
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\twould delete %d\t%s\t%s\n", timeText(h.Received), h.Division, h.Kind,
			h.WouldDelete, h.MessageID, h.Reason)
	}
	return exitOK
}

// trimMessageID drops the angle brackets an operator may copy with a Message-ID.
func trimMessageID(s string) string {
	for len(s) > 0 && (s[0] == '<' || s[0] == ' ') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == '>' || s[len(s)-1] == ' ') {
		s = s[:len(s)-1]
	}
	return s
}
