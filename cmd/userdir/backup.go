package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"userdir/store"
)

// runBackup writes a consistent copy of the store to FILE while `serve` and
// `ingest` go on using it, and checks the copy (PRAGMA integrity_check).
func runBackup(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "backup", "[-config FILE] FILE")
	path := configFlag(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{said: err}
	}
	if fs.NArg() != 1 {
		return &usageError{err: errors.New("want one FILE to write"), usage: fs.Usage}
	}
	target := fs.Arg(0)
	cfg, err := loadConfig(e, *path)
	if err != nil {
		return &configError{err: err}
	}
	st, err := store.Open(ctx, store.Options{Path: cfg.Store, ReadOnly: true, TombstoneDays: cfg.TombstoneDays})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, target); err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%s: copy of %s written and verified\n", target, cfg.Store)
	return err
}
