package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"

	"userdir/ingest"
	"userdir/mailcmd"
	"userdir/store"
)

// runRelease applies a sync that the safety net held, at its own stamp, as
// if its branch had sent it again with force=1 (README "When a sync is
// held"). Without an argument it lists the held syncs.
func runRelease(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "release", "[-config FILE] [-division ID] [MESSAGE-ID]")
	path := configFlag(fs)
	division := fs.String("division", "", "the division `id`, when one Message-ID is held for several")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{said: err}
	}
	if fs.NArg() > 1 {
		return usagef("give one MESSAGE-ID, not %d arguments", fs.NArg())
	}
	cfg, err := loadConfig(e, *path)
	if err != nil {
		return &configError{err: err}
	}
	st, err := openStore(ctx, cfg, newLogger(e, slog.LevelWarn), 0)
	if err != nil {
		return err
	}
	defer st.Close()
	if fs.NArg() == 0 {
		return listHeld(ctx, e, st)
	}
	id := strings.Trim(fs.Arg(0), "<> \t")
	check := func(div string) func(*mailcmd.Command) string {
		if d := cfg.Division(div); d != nil {
			return ingest.DomainCheck(d.Domains)
		}
		return nil
	}
	res, err := st.Release(ctx, *division, id, check)
	if errors.Is(err, store.ErrNotHeld) {
		return fmt.Errorf("%w (userdir release without an argument lists them)", err)
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%s: %s, %d commands applied, %d records deleted\n", id, res.Outcome, res.Applied, res.WouldDelete)
	return err
}

// listHeld prints the held syncs, one a line.
func listHeld(ctx context.Context, e *env, st *store.Store) error {
	held, err := st.Held(ctx)
	if err != nil {
		return err
	}
	if len(held) == 0 {
		fmt.Fprintln(e.stdout, "no held sync")
	}
	for _, h := range held {
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\twould delete %d\t%s\t%s\n", journalTime(h.Received), h.Division, h.Kind,
			h.WouldDelete, h.MessageID, h.Reason)
	}
	return nil
}
